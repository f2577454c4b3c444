# A STAND-IN for nixpkgs, for tests only: real nixpkgs is out of reach where the
# test suite runs. It provides exactly the attributes flake.nix uses, with
# nixpkgs' names and call signatures, and each package is a real `derivation`
# (never built: the tests evaluate only), so `nix flake check --no-build` and
# `nix eval` exercise the flake for real. Nothing here is nixpkgs' code.
#
# What the flake uses, and where nixpkgs defines it (checked against nixpkgs'
# sources through the search index; see the README's Nix section):
#   lib                     lib/default.nix (flake output `lib`; pkgs.lib is the same)
#   lib.genAttrs            lib/attrsets.nix
#   lib.mapAttrsToList      lib/attrsets.nix
#   lib.take                lib/lists.nix
#   lib.splitString         lib/strings.nix
#   lib.concatStringsSep    lib/strings.nix (builtins.concatStringsSep)
#   lib.concatMapStringsSep lib/strings.nix
#   lib.escapeShellArg      lib/strings.nix
#   lib.makeBinPath         lib/strings.nix
#   legacyPackages.<system> flake.nix (nixpkgs' flake output)
#   fetchurl { url, sha256 | hash }     pkgs/build-support/fetchurl/default.nix
#   runCommand name env script          pkgs/build-support/trivial-builders/default.nix
#   writeShellScript name text          pkgs/build-support/trivial-builders/default.nix
#   mkShell { packages, passthru, ... } pkgs/build-support/mkshell/default.nix
#   stdenv.mkDerivation, stdenv.cc.cc.lib  pkgs/stdenv/generic/make-derivation.nix
#   autoPatchelfHook        pkgs/top-level/all-packages.nix (pkgs/build-support/setup-hooks/auto-patchelf.sh)
#   makeWrapper             pkgs/top-level/all-packages.nix (pkgs/build-support/setup-hooks/make-wrapper.sh)
#   git, zlib, python3      pkgs/top-level/all-packages.nix
#   python314               pkgs/top-level/all-packages.nix (pkgs/development/interpreters/python/default.nix)
#   python314.pkgs, .withPackages       pkgs/development/interpreters/python/passthrufun.nix
#   python314.pkgs.buildPythonPackage { pname, version, format = "wheel" | pyproject = true,
#       src, build-system, dependencies, pythonImportsCheck, meta }
#                           pkgs/development/interpreters/python/mk-python-derivation.nix
#   <python package>.dist   the wheel output buildPythonPackage adds (mk-python-derivation.nix, withDistOutput)
#   python314.pkgs.{attrs, build, cattrs, click, filelock, flit-core, hatchling, leb128, nox,
#       packaging, pathspec, platformdirs, pluggy, requests, rich, ruamel-yaml, setuptools,
#       trove-classifiers, twine, virtualenv, wheel}
#                           pkgs/top-level/python-packages.nix (pkgs/development/python-modules/<name>)
#   nodejs_24               pkgs/top-level/all-packages.nix (pkgs/development/web/nodejs/v24.nix)
#   chromium                pkgs/top-level/all-packages.nix (pkgs/applications/networking/browsers/chromium)
#   firefox                 pkgs/top-level/all-packages.nix (pkgs/applications/networking/browsers/firefox)
#   nixfmt                  pkgs/by-name/ni/nixfmt/package.nix
{
  description = "stand-in for nixpkgs (tests only; not nixpkgs)";

  outputs =
    { self }:
    let
      lib = import ./lib.nix;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs systems (system: import ./pkgs.nix { inherit lib system; });
    };
}
