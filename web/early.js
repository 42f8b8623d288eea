// Starts the model's worker before the page's modules have loaded: a worker takes a while to come up
// (its own thread, its scripts), and the Python runtime cannot start loading before it is up. A
// classic script at the top of <head>, so it runs first; ModelClient (worker-client.js) adopts the
// worker and the messages it sent meanwhile, which would otherwise be lost with no listener yet.
"use strict";
(() => {
  const worker = new Worker("worker.js", { name: "page-downloads" });  // the name: see worker-client.js
  const early = [];
  worker.onmessage = (event) => early.push(event.data);
  worker.onerror = (event) => {  // as ModelClient's own handler would say it
    event.preventDefault();
    early.push({ type: "fatal", payload: { stage: "worker", message: event.message || "the model's worker failed to start" } });
  };
  globalThis.lenetEarlyWorker = { worker, early, url: new URL("worker.js", location.href).href };
})();
