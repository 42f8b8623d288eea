// The personalised weights in IndexedDB, for the worker (loaded with importScripts): one value,
// {files: {name: ArrayBuffer}, savedAt}, under the key "current". What is read back is checked by
// the worker (its shape, loadStored below) and by lenet_py (names, sha256, shapes) before it is used.
"use strict";

self.store = {
  open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("lenet-personal", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("weights");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  },
  async run(mode, action) {
    const db = await this.open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction("weights", mode);
        const request = action(tx.objectStore("weights"));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  },
  get() { return this.run("readonly", (s) => s.get("current")).catch(() => null); },
  put(value) { return this.run("readwrite", (s) => s.put(value, "current")); },
  clear() { return this.run("readwrite", (s) => s.delete("current")); },
};

// A stored value comes from outside (browser storage anyone on this origin could have written): its
// shape is checked here, its file names by lenet_py.manifest, and its contents by load_weights.
// Returns {ok, summary} or {ok: false, error, invalid}; never throws. Only an invalid value is to be
// dropped: any other failure (out of memory, say) may pass, and the user's corrections are kept.
// Uses the worker's (worker.js) call, FS and cleanError.
function loadStored(stored) {
  let names;
  try {
    const files = stored && typeof stored === "object" ? stored.files : null;
    if (!files || typeof files !== "object" || Array.isArray(files)) throw new Error("it is not a stored weights folder");
    const checked = call({ type: "stored_names", names: Object.keys(files), folder: "/app/personal" });
    if (!checked.ok) throw new Error(checked.error);
    names = checked.files;
    for (const name of names) {
      if (!(files[name] instanceof ArrayBuffer)) throw new Error(`its file ${name} is not binary data`);
    }
  } catch (err) {
    return { ok: false, error: cleanError(err), invalid: true };
  }
  try {
    for (const name of names) FS.writeFile("/app/personal/" + name, new Uint8Array(stored.files[name]));
    const loaded = call({ type: "load", folder: "/app/personal", replay: "/app/replay.npz" });
    return Object.assign(loaded, { invalid: !loaded.ok });  // not ok: load_weights refused it
  } catch (err) {
    return { ok: false, error: cleanError(err), invalid: false };
  }
}
