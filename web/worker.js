// The Web Worker: loads the Python runtime, NumPy, lenet_py and the weights once, then answers
// requests {id, type, payload} with {id, ok, payload} or {id, ok: false, error}.
// Progress and readiness are announced as {type: "progress" | "ready" | "fatal", payload}.
"use strict";

// The lenet_py files the page runs: the very files training uses, fetched from /lenet_py/.
// tests/test_web.py checks this list against the folder, so a new module cannot be forgotten.
const LENET_FILES = ["__init__.py", "layers.py", "model.py", "preprocess.py", "recognizer.py", "weights.py"];

let pyodide = null;
let FS = null;
let predictJson = null;
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
    pyodide.runPython("import numpy");  // fails loudly here if the package did not arrive
    announce("progress", { step: "numpy", state: "done" });

    stage = "model";
    announce("progress", { step: "model", state: "active" });
    for (const dir of ["/app", "/app/lenet_py", "/app/weights"]) FS.mkdir(dir);
    await Promise.all(LENET_FILES.map(async (name) => {
      const text = await (await fetchOrFail("lenet_py/" + name, "lenet_py")).text();
      FS.writeFile("/app/lenet_py/" + name, text);
    }));
    const manifestText = await (await fetchOrFail("weights/manifest.json", "Model weights")).text();
    FS.writeFile("/app/weights/manifest.json", manifestText);
    let manifest;
    try {
      manifest = JSON.parse(manifestText);
    } catch (err) {
      throw new Error("Model weights: weights/manifest.json is not valid JSON");
    }
    await Promise.all(Object.values(manifest.tensors || {}).map(async (entry) => {
      const bytes = new Uint8Array(await (await fetchOrFail("weights/" + entry.file, "Model weights")).arrayBuffer());
      FS.writeFile("/app/weights/" + entry.file, bytes);
    }));
    // load_weights checks every file's sha256, shape and dtype against the manifest.
    const summary = runJson(`
import sys
sys.path.insert(0, "/app")
import numpy as np
from lenet_py.recognizer import Recognizer
from lenet_py.weights import WeightsError

def predict_json(height, width, features):
    ink = np.fromfile("/app/ink", dtype=np.uint8).reshape(int(height), int(width))
    return json.dumps(recognizer.predict(ink, features=bool(features)))

try:
    recognizer = Recognizer.from_folder("/app/weights")
    result = json.dumps({"ok": True, "summary": recognizer.describe()})
except WeightsError as exc:
    result = json.dumps({"ok": False, "error": "Model weights: " + str(exc).replace("/app/", "")})
`);
    if (!summary.ok) throw new Error(summary.error);
    predictJson = pyodide.globals.get("predict_json");  // compiled once, called per request
    announce("progress", { step: "model", state: "done" });
    announce("ready", summary.summary);
  } catch (err) {
    announce("fatal", { stage, message: cleanError(err) });
    throw err;
  }
}

// Python runs `code` and leaves a JSON string in the global `result`.
function runJson(code) {
  pyodide.runPython("import json\nresult = None\n" + code);
  return JSON.parse(pyodide.globals.get("result"));
}

function cleanError(err) {
  const text = String((err && err.message) || err);
  // A Python traceback: its last line says what went wrong.
  const lines = text.trim().split("\n");
  return lines.length > 1 && /Traceback/.test(text) ? "Python error: " + lines[lines.length - 1] : text;
}

const handlers = {
  // payload: {width, height, ink: Uint8Array of width*height, 0 = paper .. 255 = ink, features: bool}
  predict(payload) {
    if (!(payload.ink instanceof Uint8Array) || payload.ink.length !== payload.width * payload.height) {
      throw new Error("predict: ink must be a Uint8Array of width * height bytes");
    }
    FS.writeFile("/app/ink", payload.ink);  // the file system is the cheapest way to hand bytes to NumPy here
    return JSON.parse(predictJson(payload.height | 0, payload.width | 0, Boolean(payload.features)));
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
    self.postMessage({ id, ok: true, payload: handler(payload || {}) });
  } catch (err) {
    self.postMessage({ id, ok: false, error: cleanError(err) });
  }
};
