# Emscripten as emsdk installs it for the target (the emscripten-releases build
# emsdk's pinned commit maps the version to, and the Node that SDK uses), with
# Pyodide's patches from the hash-pinned xbuildenv applied on top.
#
# Both archives are fixed-output downloads whose sha256s come from
# toolchain.toml's [emsdk.archives.<platform>]. Until a connected maintainer has
# filled them in (`wasmwheel toolchain pin`), this is a derivation that refuses
# to build and says so: no placeholder hash is ever used, and nothing unverified
# is installed.
#
# The release binaries (clang, wasm-ld, binaryen, node) are linked for a
# standard Linux (/lib64/ld-linux-*.so, libstdc++ from /usr/lib), which NixOS
# does not have: autoPatchelfHook rewrites their interpreter and RPATH to
# nixpkgs' glibc and libstdc++ (the README explains why not an FHS env).
{
  pkgs,
  pins,
  xbuildenv,
  archives,
  platform,
}:
let
  inherit (pkgs) lib;
  version = pins.emscripten;
  hashKeys = [
    "sdk-sha256"
    "node-sha256"
  ];
  unpinned =
    if archives == null then
      [ "the whole [targets.<target>.emsdk.archives.${platform}] table" ]
    else
      builtins.filter (key: archives.${key} == "") hashKeys;

  refusal = pkgs.runCommand "emscripten-${version}-not-pinned" { passthru.pinned = false; } ''
    echo "error: Emscripten ${version}'s archives for ${platform} have no sha256 in toolchain.toml (${builtins.concatStringsSep ", " unpinned})." >&2
    echo "hint: a connected maintainer runs \`wasmwheel toolchain pin\` (see the README's Nix section), then commits toolchain.toml." >&2
    exit 1
  '';

  patchesDir = "${xbuildenv}/${pins.xbuildenv.version}/xbuildenv/pyodide-root/emsdk/patches";

  pinned = pkgs.stdenv.mkDerivation {
    pname = "emscripten";
    inherit version;
    sdk = pkgs.fetchurl {
      url = archives.sdk-url;
      sha256 = archives.sdk-sha256;
    };
    node = pkgs.fetchurl {
      url = archives.node-url;
      sha256 = archives.node-sha256;
    };
    dontUnpack = true;
    dontConfigure = true;
    dontBuild = true;
    dontStrip = true; # keep the release binaries as emsdk ships them
    nativeBuildInputs = [
      pkgs.autoPatchelfHook
      pkgs.makeWrapper
      pkgs.git
    ];
    buildInputs = [
      pkgs.stdenv.cc.cc.lib # libstdc++, libgcc_s
      pkgs.zlib
    ];
    installPhase = ''
      runHook preInstall
      sdk_root=$out/share/emsdk/upstream
      node_root=$out/share/emsdk/node
      mkdir -p $sdk_root $node_root $out/bin
      # emsdk unpacks both with --strip 1 (emsdk.py untargz).
      tar -xf $sdk -C $sdk_root --strip-components 1
      tar -xf $node -C $node_root --strip-components 1

      # Pyodide's patches, applied as pyodide-build (and wasmwheel's exact route) do.
      for patch in ${patchesDir}/*.patch; do
        echo "applying $(basename $patch) (sha256 $(sha256sum < $patch | cut -d' ' -f1))"
        (cd $sdk_root/emscripten && GIT_DIR=. git apply $patch)
      done

      # emsdk's activated config for this SDK (its emsdk_manifest.json activated_cfg).
      cat > $out/share/emsdk/.emscripten <<CONFIG
      LLVM_ROOT = '$sdk_root/bin'
      BINARYEN_ROOT = '$sdk_root'
      NODE_JS = '$node_root/bin/node'
      CONFIG

      # Launchers on PATH. The store is read-only, so emcc's cache (system
      # libraries built on first use) lives in the user's cache directory.
      for tool in $sdk_root/emscripten/em*; do
        name=$(basename $tool)
        case $name in *.*) continue ;; esac
        [ -x $tool ] || continue
        makeWrapper $tool $out/bin/$name \
          --set-default EM_CONFIG $out/share/emsdk/.emscripten \
          --set-default EMSDK_PYTHON ${pkgs.python3}/bin/python3 \
          --run 'export EM_CACHE="''${EM_CACHE:-''${XDG_CACHE_HOME:-$HOME/.cache}/wasmwheel/nix-emscripten/'"$(basename $out)"'}"'
      done
      runHook postInstall
    '';
    passthru.pinned = true;
    meta = {
      description = "Emscripten ${version} (emsdk's release binaries) with Pyodide's patches";
      platforms = [
        "x86_64-linux"
        "aarch64-linux"
      ];
    };
  };
in
if unpinned == [ ] then pinned else refusal
