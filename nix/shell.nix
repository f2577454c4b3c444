# The dev shell: `nix develop`, then `nox -s wasm`. Its variables point wasmwheel
# at what Nix built and switch off every download behind Nix's back.
{
  pkgs,
  pythonEnv,
  nodejs,
  emscripten,
  xbuildenv,
  pyodide-runtime,
  wheelhouse,
}:
let
  inherit (pkgs) lib;
  env = {
    # The `system` route: emcc, python3.X with pyodide-build, and `pyodide` on PATH
    # (doctor reports it exact when emcc is the pinned Emscripten).
    WASMWHEEL_ROUTE = "system";
    # The hash-pinned official xbuildenv (pyodide-build would download one otherwise).
    PYODIDE_XBUILDENV_PATH = "${xbuildenv}";
    # pyodide-build must not clone and install an emsdk of its own.
    PYODIDE_SKIP_EMSCRIPTEN_INSTALL = "1";
    # Node from nixpkgs instead of PyPI's manylinux binary (which would not start on NixOS).
    WASMWHEEL_NODE = "${nodejs}/bin/node";
    # The npm tarball Nix fetched; wasmwheel still checks its integrity.
    WASMWHEEL_PYODIDE_TARBALL = "${pyodide-runtime}";
    # pip installs from the Nix-built wheels only; uv downloads nothing.
    PIP_NO_INDEX = "1";
    PIP_FIND_LINKS = "${wheelhouse}";
    PIP_DISABLE_PIP_VERSION_CHECK = "1";
    UV_OFFLINE = "1";
    UV_PYTHON_DOWNLOADS = "never";
    # nox sessions use the wasmwheel in this shell instead of installing one (see noxfile.py).
    NOX_DEFAULT_VENV_BACKEND = "none";
  };
  packages = [
    pythonEnv
    nodejs
    emscripten
    pkgs.cmake # for setup.py files that run cmake themselves (via emcmake), as the routes pin one
    pkgs.chromium
    pkgs.firefox
  ];
  exports = ''
    ${lib.concatStringsSep "\n" (lib.mapAttrsToList (name: value: "export ${name}=${lib.escapeShellArg value}") env)}
    export PATH=${lib.makeBinPath packages}''${PATH:+:$PATH}
  '';
in
pkgs.mkShell (
  env
  // {
    inherit packages;
    passthru = {
      inherit env exports;
    };
  }
)
