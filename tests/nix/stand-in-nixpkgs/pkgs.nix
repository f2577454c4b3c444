# The packages and builders flake.nix uses (stand-in, tests only). Each one is a
# real derivation whose environment holds the arguments it was given, so a test
# can read what the flake passed; the builder only fails: nothing is built.
{ lib, system }:
let
  # What `derivation` accepts as an environment value; the rest (passthru, meta,
  # functions) stays out of the environment, as in nixpkgs' mkDerivation.
  envValue = value: !(builtins.isFunction value) && (!(builtins.isAttrs value) || value ? outPath);
  mk =
    args:
    let
      passthru = args.passthru or { };
      env = lib.mapAttrsToList (name: value: { inherit name value; }) (
        builtins.removeAttrs args [ "passthru" "meta" ]
      );
      drv = derivation (
        builtins.listToAttrs (builtins.filter (item: envValue item.value) env)
        // {
          inherit system;
          name = args.name or "${args.pname}-${args.version}";
          builder = "/bin/sh";
          args = [ "-c" "echo 'stand-in nixpkgs: nothing can be built here' >&2; exit 1" ];
        }
      );
    in
    drv // passthru // { meta = args.meta or { }; };
  package = name: mk { inherit name; };

  fetchurl =
    { url, sha256 ? "", hash ? "", ... }:
    mk {
      name = baseNameOf url;
      inherit url;
      outputHashMode = "flat";
      outputHashAlgo = if hash != "" then "" else "sha256";
      outputHash = if hash != "" then hash else sha256;
    };

  pythonPackage =
    python: args:
    let
      drv = mk (args // { name = "python${python.version}-${args.pname}-${args.version}"; });
    in
    drv // { dist = mk { name = "${args.pname}-${args.version}-dist"; }; };

  makePython =
    version:
    let
      python = package "python${version}" // {
        inherit version;
        pkgs = pythonPackages;
        withPackages = f: mk {
          name = "python${version}-env";
          packages = f pythonPackages;
        };
      };
      named = name: pythonPackage python { pname = name; version = "stand-in"; };
      pythonPackages = lib.genAttrs [
        "attrs" "build" "cattrs" "click" "filelock" "flit-core" "hatchling" "leb128" "nox"
        "packaging" "pathspec" "platformdirs" "pluggy" "requests" "rich" "ruamel-yaml"
        "setuptools" "trove-classifiers" "twine" "virtualenv" "wheel"
      ] named // {
        buildPythonPackage = pythonPackage python;
      };
    in
    python;

  stdenv = {
    mkDerivation = mk;
    cc.cc.lib = package "gcc-lib";
  };
in
{
  inherit lib stdenv fetchurl;
  runCommand = name: env: buildCommand: mk (env // { inherit name buildCommand; });
  writeShellScript = name: text: mk { inherit name text; };
  mkShell = args: mk ({ name = "nix-shell"; } // args);
  autoPatchelfHook = package "auto-patchelf-hook";
  makeWrapper = package "make-wrapper-hook";
  git = package "git";
  zlib = package "zlib";
  python3 = makePython "3.13";
  python314 = makePython "3.14";
  nodejs_24 = package "nodejs-24";
  cmake = package "cmake";
  chromium = package "chromium";
  firefox = package "firefox";
  nixfmt = package "nixfmt";
}
