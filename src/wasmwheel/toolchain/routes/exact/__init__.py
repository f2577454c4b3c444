"""The exact route: emsdk at a pinned commit, the official xbuildenv, a uv-provisioned CPython."""
