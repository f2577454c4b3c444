"""The toolchain: cache, verified downloads, runtime assets (Node, Pyodide) and the routes."""
