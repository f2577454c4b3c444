"""wasmwheel: build Python C/C++ extensions into Pyodide wheels, test them in Pyodide, publish them."""

__version__ = "0.1.0"
