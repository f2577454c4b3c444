# Pyodide's official cross-build environment: a fixed-output download pinned by
# the sha256 in toolchain.toml, unpacked into the layout `pyodide xbuildenv install`
# makes, so pyodide-build finds it through PYODIDE_XBUILDENV_PATH and downloads nothing.
{
  pkgs,
  pins,
  majorMinor,
}:
let
  pin = pins.xbuildenv;
  tarball = pkgs.fetchurl {
    inherit (pin) url sha256;
  };
in
pkgs.runCommand "pyodide-xbuildenv-${pin.version}" { } ''
  mkdir -p $out/${pin.version}
  tar -xf ${tarball} -C $out/${pin.version}
  root=$out/${pin.version}/xbuildenv/pyodide-root
  if [ ! -f $root/Makefile.envs ]; then
    echo "${pin.url} does not have the xbuildenv layout (no xbuildenv/pyodide-root/Makefile.envs)" >&2
    exit 1
  fi
  # The same check as wasmwheel's exact route: this xbuildenv describes the target.
  for want in PYVERSION=${pins.python} PYODIDE_EMSCRIPTEN_VERSION=${pins.emscripten} PYODIDE_ABI_VERSION=${pins.abi}; do
    if ! grep -Eq "^[[:space:]]*(export[[:space:]]+)?''${want%%=*}[[:space:]]*\??=[[:space:]]*''${want#*=}[[:space:]]*$" $root/Makefile.envs; then
      echo "xbuildenv ${pin.version} does not set $want in Makefile.envs" >&2
      exit 1
    fi
  done
  # The markers `pyodide xbuildenv install` writes.
  touch $out/${pin.version}/.installed
  printf %s ${majorMinor} > $out/${pin.version}/.build-python-version
  ln -s ${pin.version} $out/xbuildenv
''
