// loadPyodide's options in one place. A memory snapshot (make_snapshot.mjs)
// is made with exactly these and is valid only for them, so
// runtimes/snapshot.py hashes this file into the snapshot's cache key.
const ENV = { PYTHONUNBUFFERED: "1", HOME: "/home/pyodide" };

export function bootOptions(indexURL) {
  return { indexURL, env: { ...ENV } };
}

// Boot from `snapshot` (bytes) when given; if Pyodide refuses it (its build id
// differs, say), say so and boot without it: a snapshot only ever saves time.
export async function bootPyodide(loadPyodide, indexURL, snapshot, log) {
  if (snapshot) {
    try {
      const pyodide = await loadPyodide({ ...bootOptions(indexURL), _loadSnapshot: snapshot });
      log("booted from the memory snapshot");
      return pyodide;
    } catch (err) {
      log(`the memory snapshot was refused, booting without it: ${err?.message ?? err}`);
    }
  }
  return loadPyodide(bootOptions(indexURL));
}
