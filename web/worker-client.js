// A promise API over the worker's postMessage protocol. Requests carry ids, so answers can
// arrive in any order; the UI never sees the protocol, only promises and plain objects.
export class ModelClient {
  constructor(url = "worker.js") {
    this.worker = new Worker(url);
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = { progress: [], ready: [], fatal: [], notice: [] };
    this.worker.onmessage = (event) => this.receive(event.data);
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
    for (const callback of this.listeners[type]) callback(payload);
    if (type === "fatal") {
      for (const { reject } of this.pending.values()) reject(new Error(payload.message));
      this.pending.clear();
    }
  }

  receive(message) {
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

  // Resolves to {zip: Uint8Array, corrections}.
  exportWeights() {
    return this.request("export", {});
  }
}
