// A promise API over the worker's postMessage protocol. Requests carry ids, so answers can
// arrive in any order; the UI never sees the protocol, only promises and plain objects.
// The client also downloads the worker's files for it (worker-files.js's Downloads, counted by
// loader.js's Counter; the worker asks for each by a {type: "load"} message): counted here, on the
// page's thread, progress keeps moving while the worker's thread is busy starting Python.
import "./loader.js";
import "./worker-files.js";

const PAGE_DOWNLOADS = "page-downloads";  // the worker's name that tells it the page downloads (worker.js)

//
// Events, by on(type, callback):
//   "progress" {step, state, loaded, total, stepLoaded, stepTotal, steps, version?}
//     step: "runtime" | "numpy" | "model", state: "active" | "done" (the page adds "failed" on fatal).
//     Sent when a step starts or ends, and while files download: at most every 100 ms, and at once
//     (after the task at hand) when a total changes. Bytes are for the whole load (every file of all three steps, downloading
//     side by side), counted after content decoding (a gzipping server sends fewer; the percentage
//     is the same): loaded <= total; total is null for the first few milliseconds, until every file's
//     size is known, and can still change a little after (the weights' size is an estimate until
//     lenet_py has checked their names). stepLoaded/stepTotal are `step`'s share; steps holds all
//     three, {runtime: {loaded, total}, numpy: {...}, model: {...}}. All bytes in means only that the
//     downloads are done: Python still starts NumPy and the model after (about a second or two).
//   "ready" {caption, corrections, notice, ...}, "fatal" {stage, message}, "notice" {message}.
export class ModelClient {
  constructor(url = "worker.js") {
    // The page's own worker was started by early.js, before this module loaded: adopted once.
    const early = globalThis.lenetEarlyWorker;
    const adopt = early && early.url === new URL(url, location.href).href;
    if (adopt) delete globalThis.lenetEarlyWorker;
    this.worker = adopt ? early.worker : new Worker(url, { name: PAGE_DOWNLOADS });
    this.step = { step: "runtime", state: "active" };
    this.counter = new globalThis.Counter(() => this.emit("progress", this.step), new URL(url, location.href).href);
    this.downloads = new globalThis.Downloads(this.counter);
    this.downloads.start(new Promise((resolve) => { this.workerUp = resolve; }));  // at once, not waiting for the worker
    this.progressLog = [];  // every progress payload, with `at` (performance.now()): for tests and benchmarks
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = { progress: [], ready: [], fatal: [], notice: [] };
    this.worker.onmessage = (event) => this.receive(event.data);
    // What it said meanwhile, once the page's listeners are on (after this task) and before anything it
    // says later (a later task).
    if (adopt) queueMicrotask(() => early.early.forEach((message) => this.receive(message)));
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.emit("fatal", { stage: "worker", message: event.message || "the model's worker failed to start" });
    };
  }

  on(type, callback) {
    this.listeners[type].push(callback);
    return this;
  }

  emit(type, payload) {
    if (type === "progress") {
      this.step = { step: payload.step, state: payload.state };
      payload = Object.assign({}, payload, this.counter.bytes(payload.step));
      this.counter.sent();
      this.progressLog.push(Object.assign({ at: performance.now() }, payload));
    } else if (type === "ready" || type === "fatal") {
      this.counter.stop();
    }
    for (const callback of this.listeners[type]) callback(payload);
    if (type === "fatal") {
      for (const { reject } of this.pending.values()) reject(new Error(payload.message));
      this.pending.clear();
    }
  }

  receive(message) {
    this.workerUp();
    if (message.type === "load") return this.load(message.payload);
    if (message.id === undefined) {
      this.emit(message.type, message.payload);
      return;
    }
    const request = this.pending.get(message.id);
    if (!request) return;
    this.pending.delete(message.id);
    if (message.ok) request.resolve(message.payload);
    else request.reject(new Error(message.error));
  }

  // A file for the worker, from this.downloads, its bytes transferred rather than copied.
  load({ id, url, options }) {
    const answer = (payload, transfer = []) => this.worker.postMessage({ type: "loaded", payload: Object.assign({ id }, payload) }, transfer);
    this.downloads.get(url, options).then(({ bytes, status, statusText, headers }) => answer(
      { buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength, status, statusText, headers }, [bytes.buffer]),
    (err) => answer({ error: err.message }));
  }

  request(type, payload, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, payload }, transfer);
    });
  }

  // strokes: [[[x, y], ...], ...] in canvas units (the canvas is 1 high, y down), as the pad keeps them.
  predict(strokes, features = false) {
    return this.request("predict", { strokes, features });
  }

  // Fine-tune on this drawing as `label`; resolves to the new prediction for it (or {refused}).
  learn(strokes, label, features = false) {
    return this.request("learn", { strokes, label, features });
  }

  // Back to the shipped weights; resolves to their summary.
  reset() {
    return this.request("reset", {});
  }

  // Back to the personalised weights the last reset forgot; resolves to their summary.
  undoReset() {
    return this.request("undoReset", {});
  }

  // Resolves to {zip: Uint8Array, corrections}.
  exportWeights() {
    return this.request("export", {});
  }
}
