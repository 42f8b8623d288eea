// The worker's files: which the boot needs (Downloads, started by the page or by the worker, see
// worker.js), how the worker gets them, and how Pyodide does: its fetch, XMLHttpRequest and
// importScripts are answered here. A classic script: the worker loads it with importScripts,
// worker-client.js with `import` and finds Downloads on globalThis.
"use strict";

// The boot's downloads, everything that needs no Python, all started at once: runtime.json, then
// every runtime file it lists (in its order, a few at a time, see Counter.get) and their sizes;
// wheels.json, then the wheel it names; the weights' manifest; the replay sample. get() hands each
// over once (the bytes go to the worker); anything else (the weights) it fetches when asked.
class Downloads {
  constructor(counter) {
    this.counter = counter;
    this.started = new Map();  // absolute URL -> download
    this.asked = new Set();    // absolute URLs the worker asked for: never downloaded twice
  }

  // modelsAfter: the model's files wait for it (the page: for the worker to be up, as its scripts
  // would otherwise queue behind these for one of the browser's six connections to the server).
  start(modelsAfter = Promise.resolve()) {
    const counter = this.counter;
    const begin = (url, options) => {
      if (this.asked.has(counter.key(url))) return Promise.reject(new Error("asked for already"));
      const download = counter.get(url, options);
      download.catch(() => {});  // reported by the worker's step that needs the file
      this.started.set(counter.key(url), download);
      return download;
    };
    const setting = begin("runtime.json", RUNTIME_SETTING).then((file) => JSON.parse(text(file)));
    const sized = setting.then((runtime) => {
      const sizes = counter.get(runtime.url + SIZES, { step: "runtime", what: "Python runtime sizes" });
      for (const name of runtime.files) begin(runtime.url + name, runtimeOptions(runtime, name));
      return sizes.then((file) => counter.setSizes(runtime.url, JSON.parse(text(file))));
    });  // without sizes.json (an older setup), sizes come from the responses
    const indexed = modelsAfter.then(() => begin(WHEEL_INDEX, LENET_PY)).then((file) => {
      const name = JSON.parse(text(file)).lenet_py;
      if (WHEEL_NAME.test(name)) begin(name, LENET_PY);  // the worker says what is wrong with any other
    });
    const manifest = modelsAfter.then(() => begin(MANIFEST, WEIGHTS)).then((file) => {
      for (const [name, size] of Object.entries(estimateWeights(file.bytes))) {
        counter.expect("weights/" + encodeURIComponent(name), "model", size);
      }
    });
    modelsAfter.then(() => begin(REPLAY, { step: "model", what: "MNIST replay sample" })).catch(() => {});
    Promise.allSettled([sized, indexed, manifest]).then(() => counter.markKnown());
  }

  get(url, options) {
    const key = this.counter.key(url);
    const started = this.started.get(key);
    this.started.delete(key);
    this.asked.add(key);
    return started || this.counter.get(url, options);
  }
}

const SIZES = "sizes.json";
const WHEEL_INDEX = "wheels.json";
const WHEEL_NAME = /^lenet_py-[0-9A-Za-z.]+-py3-none-any\.whl$/;
const MANIFEST = "weights/manifest.json";
const REPLAY = "replay.npz";
const RUNTIME_SETTING = { step: "runtime", what: "Python runtime setting" };
const LENET_PY = { step: "model", what: "lenet_py" };
const WEIGHTS = { step: "model", what: "Model weights" };

// A runtime file's step: a package's files (numpy.js, numpy.data) are NumPy's, the rest the runtime's.
function runtimeOptions(setting, name) {
  const numpy = setting.packages.some((pkg) => name === pkg + ".js" || name === pkg + ".data");
  return { step: numpy ? "numpy" : "runtime", what: numpy ? "NumPy" : "Python runtime", queued: true };
}

const text = (file) => new TextDecoder().decode(file.bytes);

// {file: size} of the .npy files a manifest names, from their tensors' shapes (a 128-byte header, as
// NumPy writes for these, and the data). Only for the progress total: an untrusted manifest costs
// nothing but a wrong percentage, and lenet_py.manifest decides what is fetched.
function estimateWeights(manifestBytes) {
  const sizes = {};
  try {
    const tensors = JSON.parse(new TextDecoder().decode(manifestBytes)).tensors;
    for (const { file, shape, dtype } of Object.values(tensors)) {
      const size = 128 + shape.reduce((n, d) => n * d, 1) * (/64$/.test(dtype) ? 8 : /16$/.test(dtype) ? 2 : 4);
      if (typeof file === "string" && Number.isSafeInteger(size) && size < 1e8) sizes[file] = size;
    }
  } catch (err) {
    return {};
  }
  return sizes;
}


// Files from `source`, some of them handed to Pyodide when it asks for the same URL.
class Files {
  constructor(source) {
    this.source = source;
    this.handOver = new Map();  // absolute URL -> {download, result}, taken once
  }

  get(url, options) {
    const download = this.source.get(url, options);
    if (options.handOver) {
      const handed = { download, result: null };
      download.then((result) => { handed.result = result; }, () => {});
      this.handOver.set(absolute(url), handed);
    }
    return download;
  }

  // Later requests for the URL go to the network as usual (and the bytes can be freed).
  take(url) {
    const key = absolute(url);
    const handed = this.handOver.get(key);
    this.handOver.delete(key);
    return handed;
  }

  // Returns a function that puts the originals back.
  hook() {
    const files = this;
    const { fetch, XMLHttpRequest, importScripts } = self;
    self.fetch = function (input, init) {
      const handed = (!init || !init.method || init.method === "GET") && files.take(typeof input === "string" ? input : input.url);
      if (!handed) return fetch.call(self, input, init);
      // Status and headers kept: instantiateStreaming wants Content-Type application/wasm.
      return handed.download.then(({ bytes, status, statusText, headers }) => new Response(bytes, { status, statusText, headers }));
    };
    // Emscripten's file packager reads status and response in onload. A failed download never calls
    // it: the worker reports that download's own error instead.
    self.XMLHttpRequest = class extends XMLHttpRequest {
      open(method, url, ...rest) {
        this.handed = String(method).toUpperCase() === "GET" ? files.take(url) : null;
        if (!this.handed) super.open(method, url, ...rest);
      }
      send(body) {
        if (!this.handed) return super.send(body);
        this.handed.download.then(({ bytes, status, statusText }) => {
          const buffer = bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
          for (const [name, value] of Object.entries({ readyState: 4, status, statusText, response: buffer })) {
            Object.defineProperty(this, name, { value });
          }
          if (this.onload) this.onload(new ProgressEvent("load", { loaded: buffer.byteLength, total: buffer.byteLength }));
        }, () => {});
      }
    };
    // importScripts is synchronous: the worker waits for a script's download before Pyodide asks for
    // it. Indirect eval runs it in the global scope as importScripts would ('unsafe-eval' is in the
    // worker's policy for Pyodide already).
    self.importScripts = function (...urls) {
      for (const url of urls) {
        const handed = files.take(url);
        if (handed && handed.result) (0, eval)(new TextDecoder().decode(handed.result.bytes) + `\n//# sourceURL=${absolute(url)}`);
        else importScripts.call(self, url);
      }
    };
    return () => Object.assign(self, { fetch, XMLHttpRequest, importScripts });
  }
}

// Downloads' part that the worker uses, done by the page (worker-client.js): requests {type: "load",
// payload: {id, url, options}}, answers {type: "loaded", payload: {id, buffer, offset, length, status,
// statusText, headers} or {id, error}}.
function pageSource() {
  const waiting = new Map();
  let next = 1;
  return {
    get(url, options) {
      const id = next++;
      self.postMessage({ type: "load", payload: { id, url, options } });
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    receive({ id, error, buffer, offset, length, status, statusText, headers }) {
      const { resolve, reject } = waiting.get(id);
      waiting.delete(id);
      if (error !== undefined) reject(new Error(error));
      else resolve({ bytes: new Uint8Array(buffer, offset, length), status, statusText, headers });
    },
  };
}

// This worker's own downloads, started at once, counted here; progress goes out by onBytes.
function localSource(onBytes) {
  const counter = new Counter(onBytes);
  const downloads = new Downloads(counter);
  downloads.start();
  return { get: (url, options) => downloads.get(url, options), bytes: (step) => counter.bytes(step),
    sent: () => counter.sent(), stop: () => counter.stop() };
}

// Settles as `promise` does, or rejects as soon as one of `downloads` fails: Pyodide waits forever
// for a file that never comes, and the download's own error says which file and why.
function unlessFailed(promise, downloads) {
  return Promise.race([promise, Promise.all(downloads).then(() => new Promise(() => {}))]);
}

// The runtime's files, by name, each handed to Pyodide when it asks; of(step): those of one step that
// it cannot start without (the compiled modules, `bytecode`, it can).
function runtimeFiles(files, setting) {
  const downloads = {};
  const pyodides = setting.files.filter((name) => name !== setting.bytecode);  // the files Pyodide asks for
  for (const name of setting.files) {
    const handOver = pyodides.includes(name);
    downloads[name] = files.get(setting.url + name, Object.assign({ handOver }, runtimeOptions(setting, name)));
    downloads[name].catch(() => {});  // reported by the step that needs the file
  }
  const of = (step) => pyodides.filter((name) => runtimeOptions(setting, name).step === step).map((name) => downloads[name]);
  const bytecode = downloads[setting.bytecode] || Promise.reject(new Error("runtime.json names no such file"));
  bytecode.catch(() => {});  // said when Python starts
  return { files: downloads, of, bytecode };
}

// Pyodide 0.17 ships its modules as source, and Python compiles each as it first imports it: a second
// or more of every start. scripts/bytecode.py compiled them ahead (`download`: its file); they are put
// in place as the runtime's first step before Python starts (an Emscripten preRun, which waits for
// the download), through the runtime's module factory: pyodide.asm.js declares it as a global and
// loadPyodide calls it by that name. Without the file, or with one that is not as it should be,
// Python compiles as before; a compiled module is used only while its source's hash matches (PEP 552).
// Python waits for the file at most COMPILED_WAIT_MS after the rest of the runtime is in (`runtimeIn`
// settles): compiling the modules takes a second or two, so a file still not there by then (a stalled
// download) is not worth waiting for. On a slow link the file comes with the others, and is waited for.
const COMPILED_WAIT_MS = 3000;

function compiledModulesFirst(download, runtimeIn) {
  const withFiles = (create) => (Module) => {
    Module.preRun = [].concat(Module.preRun || [], () => {
      Module.addRunDependency("compiled modules");
      let timer, done = false;
      const late = runtimeIn.then(() => new Promise((resolve, reject) => {
        if (done) return;  // the file came first
        timer = setTimeout(() => reject(new Error("not there " + COMPILED_WAIT_MS / 1000 + " s after the rest of the runtime")), COMPILED_WAIT_MS);
      }));
      Promise.race([download, late]).then(({ bytes }) => writeCompiled(Module.FS, bytes))
        .catch((err) => console.warn("Python compiles its modules as it imports them: " + err.message))
        .finally(() => {
          done = true;
          clearTimeout(timer);
          download = null;  // the bytes: the file system has its copies
          Module.removeRunDependency("compiled modules");
        });
    });
    return create(Module);
  };
  Object.defineProperty(self, "_createPyodideModule", {
    configurable: true,
    set(create) {  // pyodide.asm.js's `var _createPyodideModule = ...`: from now on a plain global again
      Object.defineProperty(self, "_createPyodideModule", { value: withFiles(create), writable: true, configurable: true });
    },
  });
}

// The file (see scripts/bytecode.py) -> its .pyc files, written into the file system `FS`; all of it
// is checked before anything is written, as any download: only __pycache__ files of the library.
function writeCompiled(FS, bytes) {
  const length = bytes.byteLength >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : Infinity;
  if (4 + length > bytes.byteLength) throw new Error("the compiled modules' file is cut short");
  const { files } = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)));
  if (!Array.isArray(files)) throw new Error("the compiled modules' file has no list of files");
  let end = 4 + length;
  for (const entry of files) {
    const [path, size] = Array.isArray(entry) && entry.length === 2 ? entry : [];
    if (typeof path !== "string" || !PYC.test(path) || !Number.isSafeInteger(size) || size < 0) {
      throw new Error("the compiled modules' file lists " + JSON.stringify(entry));
    }
    end += size;
  }
  if (end !== bytes.byteLength) throw new Error("the compiled modules' file is not as long as its list says");
  let offset = 4 + length;
  for (const [path, size] of files) {
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    FS.writeFile(path, bytes.subarray(offset, offset + size));
    offset += size;
  }
  return files.length;
}
// scripts/bytecode.py refuses to write a file with any other name: the page would refuse it whole.
const PYC = /^\/lib\/python3\.[0-9]+\/([A-Za-z0-9_-]+\/)*__pycache__\/[A-Za-z0-9_]+\.cpython-3[0-9]+\.pyc$/;

// The model's files: the lenet_py wheel ({name, bytes}), the weights' manifest and the replay sample.
function modelFiles(files) {
  const wheel = files.get(WHEEL_INDEX, LENET_PY).then((file) => {
    const name = JSON.parse(text(file)).lenet_py;
    if (!WHEEL_NAME.test(name)) throw new Error("lenet_py: wheels.json does not name a lenet_py wheel");
    return files.get(name, LENET_PY).then(({ bytes }) => ({ name, bytes }));
  });
  const manifest = files.get(MANIFEST, WEIGHTS);
  const replay = files.get(REPLAY, { step: "model", what: "MNIST replay sample" });
  for (const download of [wheel, manifest, replay]) download.catch(() => {});  // reported by the model step
  return { wheel, manifest, replay };
}

function absolute(url) {
  return new URL(url, self.location.href).href;
}

globalThis.Downloads = Downloads;
