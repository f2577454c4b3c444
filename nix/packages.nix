# Everything the flake provides for one system. Every version, URL and hash
# comes from `pins` (toolchain.toml's default target); none is written here.
{
  pkgs,
  pins,
  platform,
  src,
}:
let
  inherit (pkgs) lib;

  majorMinor = builtins.concatStringsSep "." (lib.take 2 (lib.splitString "." pins.python));
  # CPython of the target's minor version (python314 for 3.14).
  python = pkgs."python${builtins.replaceStrings [ "." ] [ "" ] majorMinor}";
  # Node of the pinned major (nodejs_24); wasmwheel checks the major through WASMWHEEL_NODE.
  nodejs = pkgs."nodejs_${toString pins.node.major}";

  xbuildenv = import ./xbuildenv.nix { inherit pkgs pins majorMinor; };
  emscripten = import ./emscripten.nix {
    inherit pkgs pins xbuildenv;
    archives = pins.emsdk.archives.${platform} or null;
    inherit platform;
  };
  pythonPackages = import ./python.nix { inherit pkgs pins python src; };
  inherit (pythonPackages) wasmwheel pyodide-build;

  # The Pyodide runtime from npm, pinned by npm's own integrity hash (SRI).
  pyodide-runtime = pkgs.fetchurl {
    url = "https://registry.npmjs.org/${pins.npm.package}/-/${pins.npm.package}-${pins.npm.version}.tgz";
    hash = pins.npm.integrity;
  };

  # pyodide-build's isolated builds install a project's build backend with pip:
  # from these Nix-built wheels, never from an index (PIP_NO_INDEX below).
  buildBackends = with python.pkgs; [
    setuptools
    wheel
    hatchling
    flit-core
    packaging
    pathspec
    pluggy
    trove-classifiers
  ];
  wheelhouse = pkgs.runCommand "wasmwheel-build-backend-wheels" { } ''
    mkdir -p $out
    ${lib.concatMapStringsSep "\n" (p: "cp ${p.dist}/*.whl $out/") buildBackends}
  '';

  pythonEnv = python.withPackages (ps: [
    wasmwheel
    pyodide-build
    ps.nox
  ]);

  shell = import ./shell.nix {
    inherit
      pkgs
      pythonEnv
      nodejs
      emscripten
      xbuildenv
      pyodide-runtime
      wheelhouse
      ;
  };

  # Each app runs a nox session with the dev shell's environment, from the current directory.
  app = session: {
    type = "app";
    program = "${pkgs.writeShellScript "wasmwheel-nox-${session}" ''
      ${shell.exports}
      # The noxfile is in the store: nox keeps its scratch directories in the user's cache.
      exec ${pythonEnv}/bin/nox -f ${src}/noxfile.py \
        --envdir "''${XDG_CACHE_HOME:-$HOME/.cache}/wasmwheel/nox" -s ${session} -- "$@"
    ''}";
  };
in
{
  inherit
    wasmwheel
    pyodide-build
    emscripten
    xbuildenv
    pyodide-runtime
    shell
    ;
  apps = {
    default = app "wasm";
    wasm = app "wasm";
    browser = app "browser";
    doctor = app "doctor";
  };
}
