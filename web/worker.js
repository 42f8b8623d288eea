// The Web Worker: loads the Python runtime, NumPy, lenet_py and the weights once, then answers
// requests {id, type, payload} with {id, ok, payload} or {id, ok: false, error}.
// Progress, readiness and problems are announced as {type: "progress" | "ready" | "fatal" | "notice", payload}.
"use strict";

// Python does the work: the worker installs lenet_py (the very code training uses) as a wheel with
// micropip, then calls its one entry point, lenet_py.worker_api.handle, with JSON requests. Bytes go
// through Pyodide's file system.

let pyodide = null;
let FS = null;
let handle = null;  // lenet_py.worker_api.handle: JSON request text -> JSON answer text
const ready = boot();

function announce(type, payload) {
  self.postMessage({ type, payload });
}

async function fetchOrFail(url, what) {
  let response;
  try {
    response = await fetch(url, { cache: "no-cache" });
  } catch (err) {
    throw new Error(`${what}: could not fetch ${url} (${err.message})`);
  }
  if (!response.ok) throw new Error(`${what}: ${url} answered ${response.status} ${response.statusText}`);
  return response;
}

async function boot() {
  let stage = "runtime";
  try {
    announce("progress", { step: "runtime", state: "active" });
    const setting = await (await fetchOrFail("runtime.json", "Python runtime setting")).json();
    const base = new URL(setting.url, self.location.href).href;
    try {
      importScripts(base + "pyodide.js");
    } catch (err) {
      throw new Error(`Python runtime not found at ${setting.url} (run scripts/setup.sh to install it)`);
    }
    pyodide = await loadPyodide({ indexURL: base });
    FS = pyodide.FS || pyodide._module.FS;
    announce("progress", { step: "runtime", state: "done", version: pyodide.version });

    stage = "numpy";
    announce("progress", { step: "numpy", state: "active" });
    const packageErrors = [];
    await pyodide.loadPackage(setting.packages, () => {}, (msg) => packageErrors.push(msg));
    try {
      pyodide.runPython("import numpy");
    } catch (err) {
      throw new Error(`NumPy did not load from ${setting.url} (${packageErrors.join("; ") || cleanError(err)})`);
    }
    announce("progress", { step: "numpy", state: "done" });

    stage = "model";
    announce("progress", { step: "model", state: "active" });
    for (const dir of ["/app", "/app/weights"]) FS.mkdir(dir);
    // The downloads need no Python: they run while micropip installs lenet_py.
    const [replay, manifestText] = await Promise.all([
      fetchOrFail("replay.npz", "MNIST replay sample").then((r) => r.arrayBuffer()),
      fetchOrFail("weights/manifest.json", "Model weights").then((r) => r.text()),
      installLenetPy(),
    ]);
    FS.writeFile("/app/replay.npz", new Uint8Array(replay));
    FS.writeFile("/app/weights/manifest.json", manifestText);
    // lenet_py.manifest checks the manifest and every file name it gives before anything is fetched
    // or written: a name like "x.npy#/../../lenet_py/preprocess.py" would fetch one file and write another.
    const plan = call({ type: "plan", folder: "/app/weights" });
    if (!plan.ok) throw new Error("Model weights: " + plan.error);
    await Promise.all(plan.files.map(async (name) => {
      const bytes = new Uint8Array(await (await fetchOrFail("weights/" + encodeURIComponent(name), "Model weights")).arrayBuffer());
      FS.writeFile("/app/weights/" + name, bytes);
    }));
    // load_weights checks every file's sha256, shape and dtype against the manifest.
    const shipped = call({ type: "load", folder: "/app/weights", replay: "/app/replay.npz" });
    if (!shipped.ok) throw new Error("Model weights: " + shipped.error);
    let summary = shipped.summary;
    let notice = null;
    const stored = await store.get();
    if (stored !== null && stored !== undefined) {
      const personal = loadStored(stored);
      if (personal.ok) {
        summary = personal.summary;
      } else if (personal.invalid) {
        await store.clear().catch(() => {});
        notice = "Your stored personalised model was damaged or invalid and has been dropped (" + personal.error +
          "); the shipped model is in use.";
      } else {
        notice = "Your stored personalised model could not be loaded this time (" + personal.error +
          "); it is kept in this browser, and the shipped model is in use for now.";
      }
    }
    announce("progress", { step: "model", state: "done" });
    announce("ready", Object.assign(summary, { notice }));
  } catch (err) {
    announce("fatal", { stage, message: cleanError(err) });
    throw err;
  }
}

// A stored value comes from outside (browser storage anyone on this origin could have written): its
// shape is checked here, its file names by lenet_py.manifest, and its contents by load_weights.
// Returns {ok, summary} or {ok: false, error, invalid}; never throws. Only an invalid value is to be
// dropped: any other failure (out of memory, say) may pass, and the user's corrections are kept.
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

// lenet_py as a wheel: the server names it in wheels.json (the dev server builds it from lenet_py/
// on request, scripts/build.py puts it in dist/), and micropip installs it from this origin.
async function installLenetPy() {
  const index = await (await fetchOrFail("wheels.json", "lenet_py")).json();
  if (typeof index.lenet_py !== "string" || !/^lenet_py-[0-9A-Za-z.]+-py3-none-any\.whl$/.test(index.lenet_py)) {
    throw new Error("lenet_py: wheels.json does not name a lenet_py wheel");
  }
  pyodide.globals.set("lenet_py_wheel", new URL(index.lenet_py, self.location.href).href);
  await pyodide.runPythonAsync("import micropip\nawait micropip.install(lenet_py_wheel)");
  pyodide.runPython("from lenet_py.worker_api import handle");
  handle = pyodide.globals.get("handle");
}

// One request to lenet_py.worker_api.handle; see its docstring for the requests and answers.
function call(request) {
  return JSON.parse(handle(JSON.stringify(request)));
}

// The personalised weights live in IndexedDB, as the weights folder's files by name.
const store = {
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

async function persist() {
  const names = call({ type: "save", folder: "/app/personal" });
  const files = {};
  for (const name of names) files[name] = FS.readFile("/app/personal/" + name).slice().buffer;
  await store.put({ files, savedAt: Date.now() });
}

function cleanError(err) {
  const text = String((err && err.message) || err);
  // A Python traceback: its last line says what went wrong.
  const lines = text.trim().split("\n");
  return lines.length > 1 && /Traceback/.test(text) ? "Python error: " + lines[lines.length - 1] : text;
}

let pendingSave = Promise.resolve();  // stores run one after another, never two at once

// The shape only: lenet_py.strokes checks every stroke and coordinate, and a bad one is a Python
// error (the page never sends one). JSON turns NaN and Infinity into null, which it refuses too.
function strokesOf(payload) {
  if (!Array.isArray(payload.strokes)) throw new Error("strokes must be an array of strokes");
  return payload.strokes;
}

const handlers = {
  // payload: {strokes: [[[x, y], ...], ...] in canvas units, features: bool}
  predict(payload) {
    return call({ type: "predict", strokes: strokesOf(payload), features: Boolean(payload.features) });
  },
  // payload: as predict, plus label 0-9. Learns, answers with the new prediction, then stores the weights.
  learn(payload) {
    const result = call({ type: "learn", strokes: strokesOf(payload), label: payload.label | 0,
      features: Boolean(payload.features) });
    // Stored after the answer has gone out (setTimeout), so saving never delays the new prediction.
    if (!result.refused) pendingSave = pendingSave.then(() => new Promise((r) => setTimeout(r, 0))).then(persist).catch((err) => {
      self.postMessage({ type: "notice", payload: { message: "Could not store the personalised model: " + err.message } });
    });
    return result;
  },
  async reset() {
    await pendingSave;
    await store.clear();
    const shipped = call({ type: "load", folder: "/app/weights", replay: "/app/replay.npz" });
    if (!shipped.ok) throw new Error("Model weights: " + shipped.error);
    return shipped.summary;
  },
  async export() {
    await pendingSave;
    const { corrections } = call({ type: "export", folder: "/app/export", zip: "/app/export.zip" });
    const bytes = FS.readFile("/app/export.zip").slice();
    return { zip: bytes, corrections };
  },
};

self.onmessage = async (event) => {
  const { id, type, payload } = event.data || {};
  try {
    await ready;
  } catch (err) {
    self.postMessage({ id, ok: false, error: "the model did not load: " + cleanError(err) });
    return;
  }
  const handler = handlers[type];
  if (!handler) {
    self.postMessage({ id, ok: false, error: `unknown request type ${JSON.stringify(type)}` });
    return;
  }
  try {
    self.postMessage({ id, ok: true, payload: await handler(payload || {}) });
  } catch (err) {
    self.postMessage({ id, ok: false, error: cleanError(err) });
  }
};
