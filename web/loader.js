// Downloads counted as they arrive (Counter). A classic script: worker-client.js loads it with
// `import` and finds Counter on globalThis; a worker that downloads for itself, with importScripts.
// worker-files.js says which files the boot needs and hands them to Pyodide.
"use strict";

// Why the worker's files are fetched here rather than by Pyodide 0.17 itself: Pyodide loads its
// scripts with importScripts (no progress at all), pyodide.asm.wasm with fetch and the .data packages
// with XMLHttpRequest. Fetching each file once with a reader that counts gives one measure for all of
// them, and lets NumPy and the model download while the runtime starts instead of after it.
//
// The measure is bytes as fetch delivers them: after content decoding. A server that gzips sends
// fewer bytes than are counted; the percentage is the same. Sizes are known up front from
// runtime/pyodide/sizes.json (written by scripts/setup_runtime.py), as a gzipping server's
// Content-Length is the encoded size; other files take Content-Length when the response is not
// encoded, and a file whose size is not known counts what has arrived (the total grows with it).

const PROGRESS_INTERVAL_MS = 100;
const PARALLEL_QUEUED = 2;  // on a slow link the files needed first must not share it with all the rest
// A download that delivers nothing for this long once its response has begun has stalled (a link
// that dropped): it fails with that said, rather than leaving the page loading for ever. The slowest
// links deliver something every second or so. The wait for the response's headers is not timed: the
// browser queues requests to one server, and a queued one has not been sent.
const STALL_MS = 30000;

// Settles as `promise` does, or rejects after `ms` with nothing settled.
function unlessStalled(promise, ms) {
  let timer;
  const stalled = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing arrived for ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, stalled]).finally(() => clearTimeout(timer));
}

class Counter {
  // onBytes(): called at most every PROGRESS_INTERVAL_MS while bytes arrive, and soon after a total changes.
  // base: what URLs are relative to, the worker's script (the page's Counter fetches for the worker).
  constructor(onBytes, base = self.location.href) {
    this.onBytes = onBytes;
    this.base = base;
    this.fetch = self.fetch.bind(self);  // the real one: the worker's fetch is hooked for Pyodide
    this.files = new Map();  // absolute URL -> {step, loaded, total (null: not known), declared}
    this.sizes = new Map();  // absolute URL -> size from sizes.json
    this.queue = [];
    this.running = 0;
    this.known = false;      // every file the boot knows of is counted: totals may be shown
    this.last = 0;
    this.timer = null;
    this.stopped = false;
    this.stallMs = STALL_MS;
  }

  // Starts downloading `url` and resolves to {bytes: Uint8Array, status, statusText, headers: [[name,
  // value], ...]}. `what` begins error messages; `queued` files download a few at a time, in the order asked.
  get(url, { step, what, queued = false }) {
    const key = this.key(url);
    const entry = this.files.get(key) || { step, loaded: 0, total: null, declared: false };
    if (this.sizes.has(key)) Object.assign(entry, { total: this.sizes.get(key), declared: true });
    this.files.set(key, entry);
    if (this.known) this.changed(true);
    if (!queued) return this.download(url, entry, what);
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.pump();
    }).then(() => this.download(url, entry, what)).finally(() => {
      this.running--;
      this.pump();
    });
  }

  key(url) {
    return new URL(url, this.base).href;
  }

  pump() {
    while (this.running < PARALLEL_QUEUED && this.queue.length) {
      this.running++;
      this.queue.shift()();
    }
  }

  // A download that fails counts what arrived: the page may go on without it (the compiled modules).
  download(url, entry, what) {
    return this.fetchCounted(url, entry, what).catch((err) => {
      if (entry.total !== entry.loaded) this.declare(entry, entry.loaded);
      throw err;
    });
  }

  async fetchCounted(url, entry, what) {
    let response;
    try {
      response = await this.fetch(this.key(url), { cache: "no-cache" });
    } catch (err) {
      throw new Error(`${what}: could not fetch ${url} (${err.message})`);
    }
    if (!response.ok) throw new Error(`${what}: ${url} answered ${response.status} ${response.statusText}`);
    const length = response.headers.get("Content-Length");
    const encoded = (response.headers.get("Content-Encoding") || "identity") !== "identity";
    if (!entry.declared && !encoded && length !== null && Number.isSafeInteger(Number(length))) this.declare(entry, Number(length));
    const chunks = [];
    const reader = response.body.getReader();
    for (;;) {
      let chunk;
      try {
        chunk = await unlessStalled(reader.read(), this.stallMs);
      } catch (err) {
        reader.cancel().catch(() => {});  // a stalled one keeps its connection otherwise
        throw new Error(`${what}: the download of ${url} broke off (${err.message})`);
      }
      if (chunk.done) break;
      chunks.push(chunk.value);
      entry.loaded += chunk.value.byteLength;
      // A size that was wrong (a stale sizes.json) grows rather than letting loaded pass total.
      if (entry.declared && entry.loaded > entry.total) this.declare(entry, entry.loaded);
      else this.changed(false);
    }
    if (entry.total !== entry.loaded) this.declare(entry, entry.loaded);
    return { bytes: concat(chunks, entry.loaded), status: response.status, statusText: response.statusText,
      headers: [...response.headers] };
  }

  declare(entry, total) {
    entry.total = total;
    entry.declared = true;
    this.changed(true);
  }

  // sizes: {file name: bytes} of the files under `base`, the runtime's folder.
  setSizes(base, sizes) {
    for (const [name, size] of Object.entries(sizes)) {
      if (!Number.isSafeInteger(size) || size < 0) continue;
      const key = this.key(base + name);
      this.sizes.set(key, size);
      const entry = this.files.get(key);
      if (entry && entry.loaded <= size && entry.total !== size) this.declare(entry, size);
    }
  }

  // Counts a file not yet asked for (a weights file, before lenet_py has checked the names) at its
  // expected size; get() of the same URL takes the entry over. Nothing is fetched.
  expect(url, step, size) {
    const key = this.key(url);
    if (!this.files.has(key)) this.files.set(key, { step, loaded: 0, total: size, declared: true });
    this.changed(true);
  }

  markKnown() {
    this.known = true;
    this.changed(true);
  }

  // {loaded, total, stepLoaded, stepTotal, steps: {step: {loaded, total}}}, `step` being the one
  // named; totals are null until every file is counted.
  bytes(step) {
    const steps = { runtime: { loaded: 0, total: 0 }, numpy: { loaded: 0, total: 0 }, model: { loaded: 0, total: 0 } };
    let loaded = 0;
    let total = 0;
    for (const file of this.files.values()) {
      const size = file.total === null ? file.loaded : file.total;
      steps[file.step].loaded += file.loaded;
      steps[file.step].total += size;
      loaded += file.loaded;
      total += size;
    }
    if (!this.known) {
      total = null;
      for (const share of Object.values(steps)) share.total = null;
    }
    return { loaded, total, stepLoaded: steps[step].loaded, stepTotal: steps[step].total, steps };
  }

  // now: a total changed. Announced without waiting for the interval, but after the task at hand: a
  // burst of changes (the weights' sizes, say) makes one message.
  changed(now) {
    if (this.stopped) return;
    if (now) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), 0);
      return;
    }
    const wait = this.last + PROGRESS_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    this.last = performance.now();
    this.onBytes();
  }

  sent() {  // progress went out with the bytes as they are now
    this.last = performance.now();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

function concat(chunks, length) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

globalThis.Counter = Counter;
