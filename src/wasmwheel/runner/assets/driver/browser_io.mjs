// The `io` object core.mjs needs, for a browser page or Web Worker: every file
// comes over HTTP from the run's loopback server. `post(kind, data)` carries
// output and test events to whoever relays them to the controller.
export function makeIO(post, interruptBuffer) {
  const decoders = { out: new TextDecoder(), err: new TextDecoder() };
  // Pyodide hands over raw bytes; stream-decode so a split UTF-8 character survives.
  const text = (stream) => (bytes) => {
    const data = decoders[stream].decode(bytes, { stream: true });
    if (data) post(stream, data);
  };
  return {
    readBytes: async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    indexURL: (url) => url.href,
    packageURL: (url) => url.href,
    stdout: text("out"),
    stderr: text("err"),
    log: (message) => post("log", message),
    emit: (kind, payload) => post(kind, payload),
    interruptBuffer,
  };
}
