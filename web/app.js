// The page: wires the drawing pad, the model's worker, the result view and teaching together, and
// schedules predictions. It knows nothing about the model: it sends the pad's strokes to the worker
// client and shows the plain data it gets back.
import { Pad } from "./pad.js";
import { setUpTeaching } from "./teach.js";
import { ModelClient } from "./worker-client.js";
import { describe, showAbout, showEmpty, showError, showNotice, showPersonal, showProgress, showResult } from "./view.js";

const LIVE_INTERVAL_MS = 90;    // while drawing, predict at most this often

const $ = (id) => document.getElementById(id);

// Test and benchmark hooks: the last strokes sent, the last result, the last strokes taught, and
// pen-up-to-render timings.
const debug = (window.lenetDebug = { lastStrokes: null, lastResult: null, lastTaught: null, timings: [], learnTimings: [], predictions: 0 });

const pad = new Pad($("canvas"), { changed: (immediate) => drawingChanged(immediate), penUp: () => schedulePrediction(true) });
let showFeatures = false;
let modelReady = false;

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.preventDefault();
    pad.clear();
  } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    pad.undo();
  }
});
$("clear").addEventListener("click", () => pad.clear());
$("undo").addEventListener("click", () => pad.undo());
$("features-toggle").addEventListener("click", () => {
  showFeatures = !showFeatures;
  $("features-toggle").setAttribute("aria-pressed", String(showFeatures));
  $("features").hidden = !showFeatures;
  drawingChanged(true);  // not the drawing, but what is asked of the worker
});

// ---- predictions ------------------------------------------------------------------------------

let version = 0;           // bumped by every change to the drawing (not by pen-up, which adds none)
let shownVersion = -1;     // the drawing version whose prediction is on screen
let inFlightVersion = null;
let queued = false;        // the drawing changed while a prediction was running
let liveTimer = null;
let lastSent = 0;
let penUpAt = null;        // latency is measured from pen-up (or clear, undo) to the frame that shows it

function drawingChanged(immediate) {
  version++;
  teaching.drawingChanged();
  schedulePrediction(immediate);
}

// body[data-busy] is "true" from a change of the drawing until its answer is on screen.
function setBusy(busy) {
  document.body.dataset.busy = String(busy);
}

// The answer for a finished stroke (or an undo) is on screen: time it, and say it once. Live answers
// while the pen moves are not read out, or a screen reader would chatter through every stroke.
function markRendered() {
  if (penUpAt === null) return;
  const started = penUpAt;
  penUpAt = null;
  requestAnimationFrame(() => debug.timings.push(performance.now() - started));
  if (debug.lastResult) $("announce").textContent = describe(debug.lastResult);
}

// The digit of a number whose bars are shown and whom teaching corrects: the first one it is not
// sure of, else the first; the person can pick another.
let selected = 0;

function present(result) {
  debug.lastResult = result.empty ? null : result;
  debug.predictions++;
  if (result.empty) {
    pad.setBoxes([]);
    return showEmpty();
  }
  selected = Math.max(0, result.digits.findIndex((d) => d.unsure));
  show(result);
}

function show(result) {
  showResult(result, selected, (i) => { selected = i; show(result); });
  // Boxes only once the pen is up: while a stroke is drawn they would jump under it.
  const boxes = result.digits.map((d, i) => ({ box: d.box, selected: i === selected && result.digits.length > 1, unsure: d.unsure }));
  if (!pad.current) pad.setBoxes(boxes);
}

// The strokes of the digit that teaching corrects: the whole drawing, or the chosen digit's part of it.
function selectedStrokes() {
  const result = debug.lastResult;
  if (!result || result.digits.length < 2 || !result.digits[selected]) return pad.drawing();
  const all = pad.drawing();
  return result.digits[selected].strokes.filter(([s]) => all[s]).map(([s, first, last]) => all[s].slice(first, last + 1));
}

function schedulePrediction(immediate) {
  if (immediate) penUpAt = performance.now();
  if (pad.empty) {
    penUpAt = null;
    shownVersion = version;
    debug.lastResult = null;
    showEmpty();
    setBusy(false);
    return;
  }
  if (shownVersion === version) {
    if (immediate) markRendered();  // the live prediction already shows this very drawing
    setBusy(false);
    return;
  }
  setBusy(true);
  if (!modelReady) return;  // drawn while loading: predicted as soon as the model is ready
  if (inFlightVersion === version) return;  // its answer is on the way
  if (immediate) {
    clearTimeout(liveTimer);
    liveTimer = null;
    predictNow();
  } else if (!liveTimer) {
    const wait = Math.max(0, LIVE_INTERVAL_MS - (performance.now() - lastSent));
    liveTimer = setTimeout(() => { liveTimer = null; predictNow(); }, wait);
  }
}

async function predictNow() {
  if (inFlightVersion !== null) {
    queued = true;
    return;
  }
  const sent = (inFlightVersion = version);
  lastSent = performance.now();
  const strokes = pad.drawing();  // the stroke being drawn included: live predictions see it
  debug.lastStrokes = pad.drawing();  // its own copy, whatever happens to the one sent
  try {
    const result = await client.predict(strokes, showFeatures);
    if (!pad.empty) {  // a result for a drawing since cleared is dropped
      present(result);
      shownVersion = sent;
      if (sent === version) {
        markRendered();
        setBusy(false);
      }
    }
  } catch (err) {
    showError(err.message);
  } finally {
    inFlightVersion = null;
    if (queued) {
      queued = false;
      if (version !== shownVersion && !pad.empty) predictNow();
    }
  }
}

// ---- loading -----------------------------------------------------------------------------------

const client = new ModelClient("worker.js");
debug.progress = client.progressLog;  // for benchmarks: when each step started and ended
const teaching = setUpTeaching({
  client, pad, debug, present, drawingChanged, selectedStrokes,
  several: () => Boolean(debug.lastResult && debug.lastResult.digits.length > 1),
  isReady: () => modelReady, version: () => version, features: () => showFeatures,
  markShown: (shown) => { shownVersion = shown; },
});
client
  .on("progress", (progress) => showProgress(progress))
  .on("ready", (summary) => {
    modelReady = true;
    debug.readyAt = performance.now();  // milliseconds since navigation started
    document.body.dataset.state = "ready";
    showAbout(summary.caption);
    showPersonal(summary.corrections);
    if (summary.notice) showNotice(summary.notice);
    teaching.update();
    if (pad.strokes.length) schedulePrediction(true);
  })
  .on("notice", ({ message }) => showNotice(message))
  .on("fatal", ({ stage, message }) => {
    document.body.dataset.state = "error";
    showProgress({ step: stage, state: "failed" });
    showError(`The recognizer could not start: ${message}`);
  });

window.addEventListener("resize", () => pad.resize());
// The canvas's ink and boxes follow the colour scheme (pad.js reads them from the CSS).
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { pad.restyle(); pad.draw(); });
pad.resize();
showEmpty();
setBusy(false);
teaching.update();

// Offline and repeat visits: web/sw.js keeps the site. Registered once the model is ready, when the
// HTTP cache holds every file it keeps, so the first visit downloads nothing twice.
client.on("ready", () => {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch((err) => console.warn("No offline copy:", err.message));
});
