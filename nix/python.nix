# wasmwheel and pyodide-build for the target's CPython. nixpkgs packages
# neither pyodide-build nor its own three distributions, so those are installed
# from the PyPI wheels pinned (URL + sha256) in toolchain.toml's
# [targets.<target>.nix.python-wheels]; every other dependency comes from nixpkgs.
{
  pkgs,
  pins,
  python,
  src,
}:
let
  ps = python.pkgs;
  wheels = pins.nix.python-wheels;

  # The version in a wheel's file name: <name>-<version>-<python>-<abi>-<platform>.whl
  wheelVersion =
    name:
    let
      file = baseNameOf wheels.${name}.url;
      parts = builtins.match "([^-]+)-([^-]+)-.*[.]whl" file;
    in
    if parts == null then
      throw "toolchain.toml: the ${name} wheel URL does not end in a wheel file name (${file})"
    else
      builtins.elemAt parts 1;

  fromWheel =
    name: dependencies:
    ps.buildPythonPackage {
      pname = name;
      version = wheelVersion name;
      format = "wheel";
      src = pkgs.fetchurl {
        inherit (wheels.${name}) url sha256;
      };
      inherit dependencies;
    };

  pyodide-cli = fromWheel "pyodide-cli" [
    ps.click
    ps.rich
  ];
  pyodide-lock = fromWheel "pyodide-lock" [
    ps.attrs
    ps.cattrs
  ];
  auditwheel-emscripten = fromWheel "auditwheel-emscripten" [
    ps.leb128
    ps.packaging
    pyodide-cli
    ps.wheel
  ];
  pyodide-build =
    if wheelVersion "pyodide-build" != pins.pyodide-build then
      throw "toolchain.toml pins pyodide-build ${pins.pyodide-build}, but its [nix.python-wheels] wheel is ${wheelVersion "pyodide-build"}"
    else
      fromWheel "pyodide-build" [
        ps.attrs
        auditwheel-emscripten
        ps.build
        ps.cattrs
        ps.click
        ps.packaging
        ps.platformdirs
        pyodide-cli
        pyodide-lock
        ps.requests
        ps.rich
        ps.ruamel-yaml
        ps.virtualenv
        ps.wheel
      ];

  # wasmwheel's version, from the same place hatchling reads it.
  version =
    let
      found = builtins.match ''.*__version__ = "([^"]+)".*'' (
        builtins.readFile (src + "/src/wasmwheel/__init__.py")
      );
    in
    builtins.head found;

  wasmwheel = ps.buildPythonPackage {
    pname = "wasmwheel";
    inherit version src;
    pyproject = true;
    build-system = [ ps.hatchling ];
    dependencies = [
      ps.packaging
      ps.filelock
      ps.platformdirs
      ps.twine
    ];
    pythonImportsCheck = [ "wasmwheel" ];
    meta = {
      description = "Build Python C/C++ extensions into Pyodide wheels, test them in Node and browsers, publish them";
      mainProgram = "wasmwheel";
    };
  };
in
{
  inherit wasmwheel pyodide-build;
}
