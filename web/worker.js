// The Web Worker: loads the Python runtime, NumPy, lenet_py and the weights once, then answers
// requests {id, type, payload} with {id, ok, payload} or {id, ok: false, error}.
// Progress, readiness and problems are announced as {type: "progress" | "ready" | "fatal" | "notice", payload}.
"use strict";

// Python does the work: the worker unpacks the lenet_py wheel (the very code training uses) into
// site-packages, then calls its one entry point, lenet_py.worker_api.handle, with JSON requests.
// Bytes go through Pyodide's file system.
importScripts("worker-files.js", "worker-store.js");

let pyodide = null;
let FS = null;
let handle = null;  // lenet_py.worker_api.handle: JSON request text -> JSON answer text
let current = { step: "runtime", state: "active" };

// Where the files come from. Started by ModelClient (worker-client.js, which names it so), the page
// downloads and counts them on its own thread: this one is busy for a second or more at a time while
// Python starts, and the progress a visitor sees must not stop meanwhile. Started by anything else,
// this worker fetches and counts them itself.
const PAGE_DOWNLOADS = "page-downloads";
if (self.name !== PAGE_DOWNLOADS) importScripts("loader.js");  // its Counter: not needed otherwise, and each script costs a round trip
const source = self.name === PAGE_DOWNLOADS ? pageSource() : localSource(() => announceProgress(current.step, current.state));
const files = new Files(source);

function announce(type, payload) {
  self.postMessage({ type, payload });
}

// {step, state, loaded, total, stepLoaded, stepTotal, steps} (see worker-client.js); the page adds
// the bytes when it counts them.
function announceProgress(step, state, extra) {
  current = { step, state };
  announce("progress", Object.assign({ step, state }, source.bytes ? source.bytes(step) : {}, extra));
  if (source.sent) source.sent();
}

async function boot() {
  let stage = "runtime";
  const unhook = files.hook();
  try {
    announceProgress("runtime", "active");
    // Every download that needs no Python has started already (Downloads.start, in the page or here).
    const stored = store.get();
    const model = modelFiles(files);
    const early = model.manifest.then((manifest) => prefetchWeights(manifest.bytes), () => new Map());
    const setting = JSON.parse(text(await files.get("runtime.json", RUNTIME_SETTING)));
    const runtime = runtimeFiles(files, setting);
    const base = new URL(setting.url, self.location.href).href;
    try {
      await runtime.files["pyodide.js"];
    } catch (err) {
      if (/broke off/.test(err.message)) throw err;  // there, but the link dropped: not a setup problem
      const why = err.message.replace(/^Python runtime: /, "");
      throw new Error(`Python runtime not found at ${setting.url} (run scripts/setup.sh to install it; ${why})`);
    }
    await runtime.files["pyodide.asm.js"];  // loadPyodide's importScripts of it must find it here
    compiledModulesFirst(runtime.bytecode, Promise.allSettled(runtime.of("runtime")));
    importScripts(base + "pyodide.js");
    pyodide = await unlessFailed(loadPyodide({ indexURL: base }), runtime.of("runtime"));
    FS = pyodide.FS || pyodide._module.FS;
    announceProgress("runtime", "done", { version: pyodide.version });

    stage = "numpy";
    announceProgress("numpy", "active");
    const packageErrors = [];
    await Promise.all(setting.packages.map((name) => runtime.files[name + ".js"]).filter(Boolean));
    const numpyLoaded = unlessFailed(pyodide.loadPackage(setting.packages, () => {}, (msg) => packageErrors.push(msg)), runtime.of("numpy"));
    // The wheel needs no NumPy: it is unpacked while NumPy's modules compile (off this thread), once
    // NumPy's files are in place (after a task). Its errors wait for the model's step.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const unpacked = model.wheel.then(unpackLenetPy);
    unpacked.catch(() => {});  // reported by the model's step
    await numpyLoaded;
    try {
      // A folder of compiled modules alone (compiledModulesFirst) would import as an empty namespace package.
      pyodide.runPython("import numpy\nif getattr(numpy, '__file__', None) is None: raise ImportError('NumPy is not installed')");
    } catch (err) {
      throw new Error(`NumPy did not load from ${setting.url} (${packageErrors.join("; ") || cleanError(err)})`);
    }
    announceProgress("numpy", "done");

    stage = "model";
    announceProgress("model", "active");
    const [manifest, replay] = await Promise.all([model.manifest, model.replay, unpacked]);
    pyodide.runPython("from lenet_py.worker_api import handle");
    handle = pyodide.globals.get("handle");
    for (const dir of ["/app", "/app/weights"]) FS.mkdir(dir);
    FS.writeFile("/app/replay.npz", replay.bytes);
    FS.writeFile("/app/weights/manifest.json", manifest.bytes);
    // lenet_py.manifest checks the manifest and every file name it gives before anything is fetched
    // or written: a name like "x.npy#/../../lenet_py/preprocess.py" would fetch one file and write another.
    const plan = call({ type: "plan", folder: "/app/weights" });
    if (!plan.ok) throw new Error("Model weights: " + plan.error);
    const prefetched = await early;
    await Promise.all(plan.files.map(async (name) => {
      const file = await (prefetched.get(name) || files.get("weights/" + encodeURIComponent(name), WEIGHTS));
      FS.writeFile("/app/weights/" + name, file.bytes);
    }));
    // load_weights checks every file's sha256, shape and dtype against the manifest.
    const shipped = call({ type: "load", folder: "/app/weights", replay: "/app/replay.npz" });
    if (!shipped.ok) throw new Error("Model weights: " + shipped.error);
    let summary = shipped.summary;
    let notice = null;
    const kept = await stored;
    if (kept !== null && kept !== undefined) {
      const personal = loadStored(kept);
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
    announceProgress("model", "done");
    if (source.stop) source.stop();
    announce("ready", Object.assign(summary, { notice }));
  } catch (err) {
    if (source.stop) source.stop();  // no byte counts after "failed"
    announce("fatal", { stage, message: cleanError(err) });
    throw err;
  } finally {
    unhook();
  }
}

// The weight files the manifest names, fetched as soon as it arrives rather than once Python is up
// (-> Map name -> download). Fetching trusts nothing: only plain names (lenet_py/manifest.py's
// FILE_NAME), escaped; a file is written and used only once lenet_py.manifest has checked the
// manifest and listed it ("plan"), and what it did not list is dropped.
function prefetchWeights(manifestBytes) {
  const early = new Map();
  let tensors;
  try {
    tensors = JSON.parse(new TextDecoder().decode(manifestBytes)).tensors;
  } catch (err) {
    return early;  // "plan" says what is wrong with it
  }
  for (const entry of Object.values(tensors || {})) {
    const name = entry && entry.file;
    if (typeof name !== "string" || !PLAIN_NPY.test(name) || name.includes("..") || early.has(name)) continue;
    const download = files.get("weights/" + encodeURIComponent(name), WEIGHTS);
    download.catch(() => {});  // reported when the file is used
    early.set(name, download);
  }
  return early;
}
const PLAIN_NPY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.npy$/;

// A wheel is a zip: unpacked with Python's zipfile into site-packages, with no installer (micropip
// would cost three more packages to download and import). The wheel comes from outside: every name in
// it must lie inside lenet_py/ or its .dist-info folder.
const INSTALL_WHEEL = String.raw`
def install_wheel(path):
    import importlib, re, sys, zipfile
    allowed = re.compile(r"(lenet_py|lenet_py-[0-9A-Za-z_.]+\.dist-info)/[0-9A-Za-z_./-]*")
    with zipfile.ZipFile(path) as wheel:
        for name in wheel.namelist():
            parts = name.split("/")
            if not allowed.fullmatch(name) or "." in parts or ".." in parts or "" in parts[1:-1]:
                return "the wheel holds %r, which is outside lenet_py/ and its .dist-info" % name
        site = next(p for p in sys.path if p.endswith("/site-packages"))
        wheel.extractall(site)
    importlib.invalidate_caches()
    # Compiled now, while NumPy's files download, rather than when imported once NumPy is in: compiling
    # lenet_py's source was half of what the model's step cost. The standard modules it needs that NumPy
    # does not are imported now for the same reason (compiled ahead, see compiledModulesFirst).
    import py_compile
    for name in wheel.namelist():
        if name.endswith(".py"):
            py_compile.compile(site + "/" + name, doraise=True)
    import ast, dataclasses, json

install_wheel(lenet_py_wheel)
`;

function unpackLenetPy({ name, bytes }) {
  const path = "/tmp/" + name;
  FS.writeFile(path, bytes);
  pyodide.globals.set("lenet_py_wheel", path);
  const refusal = pyodide.runPython(INSTALL_WHEEL);
  FS.unlink(path);
  if (refusal) throw new Error("lenet_py: " + refusal);
}

// One request to lenet_py.worker_api.handle; see its docstring for the requests and answers.
function call(request) {
  return JSON.parse(handle(JSON.stringify(request)));
}

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
let undoable = null;  // the stored personalised weights that the last reset forgot, while it can be undone

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
    undoable = null;  // corrections after a reset start a new personalised model: no going back
    const result = call({ type: "learn", strokes: strokesOf(payload), label: payload.label | 0,
      features: Boolean(payload.features) });
    // Stored after the answer has gone out (setTimeout), so saving never delays the new prediction.
    if (!result.refused) pendingSave = pendingSave.then(() => new Promise((r) => setTimeout(r, 0))).then(persist).catch((err) => {
      self.postMessage({ type: "notice", payload: { message: "Could not store the personalised model: " + err.message } });
    });
    return result;
  },
  // Back to the shipped weights. What is forgotten is kept in memory until the next correction, so
  // that a reset clicked by mistake can be undone (undoReset); a reload forgets it for good.
  async reset() {
    await pendingSave;
    const forgotten = await store.get();
    await store.clear();
    const shipped = call({ type: "load", folder: "/app/weights", replay: "/app/replay.npz" });
    if (!shipped.ok) throw new Error("Model weights: " + shipped.error);
    undoable = forgotten || null;
    return shipped.summary;
  },
  async undoReset() {
    if (!undoable) throw new Error("there is no reset to undo");
    const personal = loadStored(undoable);
    if (!personal.ok) throw new Error("the forgotten model could not be restored: " + personal.error);
    await store.put(undoable);
    undoable = null;
    return personal.summary;
  },
  async export() {
    await pendingSave;
    const { corrections } = call({ type: "export", folder: "/app/export", zip: "/app/export.zip" });
    const bytes = FS.readFile("/app/export.zip").slice();
    return { zip: bytes, corrections };
  },
};

// Started last: boot() uses everything above (store included) before its first await.
const ready = boot();

self.onmessage = async (event) => {
  const { id, type, payload } = event.data || {};
  if (type === "loaded" && source.receive) return source.receive(payload);
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
