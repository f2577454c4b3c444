{
  description = "wasmwheel: build, test and publish Pyodide wheels with the exact pinned toolchain";

  # The revision and its narHash are in flake.lock; the README says how it was chosen.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;

      # toolchain.toml is the one file that spells a pin: everything below reads it.
      toolchain = builtins.fromTOML (builtins.readFile ./toolchain.toml);
      pins = toolchain.targets.${toolchain.default-target};

      # Nix system -> the [emsdk.archives.<platform>] table (emsdk's platform names).
      emsdkPlatforms = {
        x86_64-linux = "linux-x86_64";
        aarch64-linux = "linux-arm64";
      };

      perSystem =
        system:
        import ./nix/packages.nix {
          pkgs = nixpkgs.legacyPackages.${system};
          inherit pins;
          platform = emsdkPlatforms.${system};
          src = self;
        };
      forAllSystems = f: lib.genAttrs (builtins.attrNames emsdkPlatforms) (system: f (perSystem system));
    in
    {
      # The default target's pins as Nix reads them (tests compare them with toolchain.toml).
      lib.pins = pins;

      packages = forAllSystems (p: {
        default = p.wasmwheel;
        inherit (p)
          wasmwheel
          pyodide-build
          emscripten
          xbuildenv
          pyodide-runtime
          ;
      });

      devShells = forAllSystems (p: {
        default = p.shell;
      });

      # `nix run .#wasm -- PATH` (and .#browser, .#doctor): the nox sessions in the dev shell's environment.
      apps = forAllSystems (p: p.apps);

      # Evaluated by `nix flake check`; built on a connected machine.
      checks = forAllSystems (p: {
        inherit (p) wasmwheel xbuildenv pyodide-runtime;
        shell = p.shell;
      });

      # `nix fmt`: nixfmt, the RFC 166 formatter (pkgs/by-name/ni/nixfmt; nixfmt-rfc-style is its old name).
      formatter = lib.genAttrs (builtins.attrNames emsdkPlatforms) (
        system: nixpkgs.legacyPackages.${system}.nixfmt
      );
    };
}
