// The personalised weights in IndexedDB, for the worker (loaded with importScripts): one value,
// {files: {name: ArrayBuffer}, savedAt}, under the key "current". What is read back is checked by
// the worker (its shape) and by lenet_py (names, sha256, shapes) before it is used.
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
