"""The debian route: Debian's Emscripten in a chroot, with an xbuildenv assembled from npm's Pyodide."""
