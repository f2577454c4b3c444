// The one place the demo's addresses are set.
//
// PYODIDE_URL: where Pyodide's runtime (pyodide.mjs, pyodide.asm.wasm, the
// standard library and micropip) is loaded from; the version is the one
// {{ cookiecutter.dist_name }}'s wheels are built and tested for.
// INDEX_URLS: the package indexes micropip installs {{ cookiecutter.dist_name }} from;
// null means micropip's default, PyPI.
//
// On a loopback host (a local server, a test), `?pyodide=URL&index=URL` override
// both. Anywhere else they are ignored: a link to the deployed page must not
// make it run scripts from another site.
const DEFAULTS = {
  pyodide: "{{ cookiecutter._pyodide_index_url }}",
  index: null,
};

const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];
const params = LOOPBACK.includes(location.hostname)
  ? new URLSearchParams(location.search)
  : new URLSearchParams();

function directory(url) {
  return url.endsWith("/") ? url : `${url}/`;
}

export const PYODIDE_URL = directory(new URL(params.get("pyodide") ?? DEFAULTS.pyodide, location.href).href);
const index = params.get("index") ?? DEFAULTS.index;
export const INDEX_URLS = index === null ? null : [new URL(index, location.href).href];
export const PACKAGE = "{{ cookiecutter.dist_name }}";
