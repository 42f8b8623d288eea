// The page: a drawing canvas, the prediction, the 28x28 preview and the feature maps.
// It knows nothing about the model: it sends canvas ink to the worker client and draws the
// plain arrays it gets back.
import { ModelClient } from "./worker-client.js";

const INK_SIZE = 280;           // the model gets the drawing re-rendered at 280x280, whatever the DPI
const STROKE = 0.075;           // pen width as a fraction of the canvas side: MNIST-like strokes after scaling
const LIVE_INTERVAL_MS = 90;    // while drawing, predict at most this often

const $ = (id) => document.getElementById(id);
const canvas = $("canvas");
const ctx = canvas.getContext("2d");
const inkCanvas = document.createElement("canvas");
inkCanvas.width = inkCanvas.height = INK_SIZE;
const inkCtx = inkCanvas.getContext("2d", { willReadFrequently: true });

const strokes = [];             // each stroke: [[x, y], ...] in 0..1 canvas units
let current = null;             // the stroke being drawn
let showFeatures = false;
let modelReady = false;

// Test and benchmark hooks: the last ink sent, the last result, and pen-up-to-render timings.
const debug = (window.lenetDebug = { lastInk: null, lastResult: null, timings: [], learnTimings: [], predictions: 0 });

// ---- drawing --------------------------------------------------------------------------------

function resizeCanvas() {
  const rect = canvas.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(rect.width * dpr);
  canvas.height = Math.round(rect.height * dpr);
  render(ctx, canvas.width);
}

function tracePath(context, points, size) {
  // Quadratic curves through the midpoints: smooth strokes from jittery pointer samples.
  const p = (i) => [points[i][0] * size, points[i][1] * size];
  context.beginPath();
  const [x0, y0] = p(0);
  context.moveTo(x0, y0);
  if (points.length === 1) {
    context.lineTo(x0 + 0.01, y0);  // a dot
  }
  for (let i = 1; i < points.length - 1; i++) {
    const [x, y] = p(i);
    const [nx, ny] = p(i + 1);
    context.quadraticCurveTo(x, y, (x + nx) / 2, (y + ny) / 2);
  }
  if (points.length > 1) {
    const [x, y] = p(points.length - 1);
    context.lineTo(x, y);
  }
  context.stroke();
}

function render(context, size) {
  context.clearRect(0, 0, size, size);
  context.lineCap = "round";
  context.lineJoin = "round";
  context.lineWidth = STROKE * size;
  context.strokeStyle = "#111";
  for (const stroke of strokes) tracePath(context, stroke, size);
  if (current) tracePath(context, current, size);
}

function pointFrom(event) {
  const rect = canvas.getBoundingClientRect();
  const clamp = (v) => Math.min(1, Math.max(0, v));
  return [clamp((event.clientX - rect.left) / rect.width), clamp((event.clientY - rect.top) / rect.height)];
}

canvas.addEventListener("pointerdown", (event) => {
  if (event.button !== 0 && event.pointerType === "mouse") return;
  event.preventDefault();
  canvas.focus();
  canvas.setPointerCapture(event.pointerId);
  current = [pointFrom(event)];
  render(ctx, canvas.width);
  inkChanged(false);
});

canvas.addEventListener("pointermove", (event) => {
  if (!current) return;
  event.preventDefault();
  const samples = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const sample of samples.length ? samples : [event]) current.push(pointFrom(sample));
  render(ctx, canvas.width);
  inkChanged(false);
});

function endStroke(event) {
  if (!current) return;
  if (event) event.preventDefault();
  strokes.push(current);
  current = null;
  render(ctx, canvas.width);
  schedulePrediction(true);
}
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);

function clearDrawing() {
  strokes.length = 0;
  current = null;
  render(ctx, canvas.width);
  inkChanged(true);
}

function undoStroke() {
  strokes.pop();
  render(ctx, canvas.width);
  inkChanged(true);
}

$("clear").addEventListener("click", clearDrawing);
$("undo").addEventListener("click", undoStroke);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.preventDefault();
    clearDrawing();
  } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undoStroke();
  }
});
$("features-toggle").addEventListener("click", () => {
  showFeatures = !showFeatures;
  $("features-toggle").setAttribute("aria-pressed", String(showFeatures));
  $("features").hidden = !showFeatures;
  inkChanged(true);  // not the ink, but what is asked of the worker
});

// ---- predictions ------------------------------------------------------------------------------

let version = 0;           // bumped by every change to the ink (not by pen-up, which adds none)
let shownVersion = -1;     // the ink version whose prediction is on screen
let inFlightVersion = null;
let queued = false;        // the ink changed while a prediction was running
let liveTimer = null;
let lastSent = 0;
let penUpAt = null;        // latency is measured from pen-up (or clear, undo) to the frame that shows it

function inkPixels() {
  render(inkCtx, INK_SIZE);
  const rgba = inkCtx.getImageData(0, 0, INK_SIZE, INK_SIZE).data;
  const ink = new Uint8Array(INK_SIZE * INK_SIZE);
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3];  // alpha is the ink
  return ink;
}

function inkChanged(immediate) {
  version++;
  updateTeachButtons();
  schedulePrediction(immediate);
}

function markRendered() {
  if (penUpAt === null) return;
  const started = penUpAt;
  penUpAt = null;
  requestAnimationFrame(() => debug.timings.push(performance.now() - started));
}

function schedulePrediction(immediate) {
  if (immediate) penUpAt = performance.now();
  if (!strokes.length && !current) {
    penUpAt = null;
    shownVersion = version;
    showEmpty();
    return;
  }
  if (!modelReady) return;  // drawn while loading: predicted as soon as the model is ready
  if (shownVersion === version) {
    if (immediate) markRendered();  // the live prediction already shows this very ink
    return;
  }
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
  const ink = inkPixels();
  debug.lastInk = { width: INK_SIZE, height: INK_SIZE, ink: ink.slice() };  // a copy: ink's buffer moves to the worker
  try {
    const result = await client.predict(ink, INK_SIZE, INK_SIZE, showFeatures);
    if (strokes.length || current) {  // a result for a drawing since cleared is dropped
      showResult(result);
      shownVersion = sent;
      if (sent === version) markRendered();
    }
  } catch (err) {
    showError(err.message);
  } finally {
    inFlightVersion = null;
    if (queued) {
      queued = false;
      if (version !== shownVersion && (strokes.length || current)) predictNow();
    }
  }
}

// ---- showing results ---------------------------------------------------------------------------

const bars = [];
for (let d = 0; d < 10; d++) {
  const li = document.createElement("li");
  li.dataset.digit = String(d);
  li.innerHTML = `<span>${d}</span><span class="track"><span class="fill"></span></span><span class="value"></span>`;
  $("probabilities").appendChild(li);
  bars.push(li);
}

function showEmpty() {
  $("prediction").textContent = "";
  $("confidence").textContent = "";
  $("hint").hidden = false;
  for (const li of bars) {
    li.classList.remove("top");
    li.dataset.probability = "";
    li.querySelector(".fill").style.width = "0";
    li.querySelector(".value").textContent = "";
  }
  const preview = $("preview").getContext("2d");
  preview.clearRect(0, 0, 28, 28);
  debug.lastResult = null;
  document.body.dataset.prediction = "empty";
}

function showResult(result) {
  debug.lastResult = result;
  debug.predictions++;
  if (result.empty) {
    showEmpty();
    return;
  }
  $("hint").hidden = true;
  $("prediction").textContent = String(result.digit);
  $("confidence").textContent = `${(100 * result.probabilities[result.digit]).toFixed(1)}% sure`;
  result.probabilities.forEach((p, d) => {
    const li = bars[d];
    li.classList.toggle("top", d === result.digit);
    li.dataset.probability = String(p);
    li.querySelector(".fill").style.width = `${(100 * p).toFixed(2)}%`;
    li.querySelector(".value").textContent = `${(100 * p).toFixed(1)}%`;
  });
  drawGray($("preview"), result.image, 28, 28, (v) => v);
  if (result.features) {
    drawMaps($("maps-c1"), result.features.c1);
    drawMaps($("maps-c3"), result.features.c3);
  }
  document.body.dataset.prediction = String(result.digit);
}

function drawGray(target, values, width, height, toByte) {
  const context = target.getContext("2d");
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = toByte(values[i]);
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

function drawMaps(container, { shape, data }) {
  const [count, h, w] = shape;
  while (container.children.length < count) {
    const c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    container.appendChild(c);
  }
  // Activations of the scaled tanh lie in (-1.7159, 1.7159): mid-grey is zero.
  const toByte = (v) => Math.max(0, Math.min(255, Math.round(127.5 + 74 * v)));
  for (let k = 0; k < count; k++) drawGray(container.children[k], data.slice(k * h * w, (k + 1) * h * w), w, h, toByte);
}

function pythonVersion(summary) {
  return (summary.runtime && summary.runtime.python) || "";
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
}

// ---- teaching: "that's a 7" ---------------------------------------------------------------------

let learning = false;
const teachButtons = [];
for (let d = 0; d < 10; d++) {
  const button = document.createElement("button");
  button.textContent = String(d);
  button.dataset.testid = `teach-${d}`;
  button.title = `Teach it that this drawing is a ${d} (key ${d})`;
  button.addEventListener("click", () => teach(d));
  $("teach-buttons").appendChild(button);
  teachButtons.push(button);
}

function updateTeachButtons() {
  const usable = modelReady && !learning;  // on an empty canvas a click explains instead
  for (const button of teachButtons) button.disabled = !usable;
}

canvas.addEventListener("keydown", (event) => {
  if (/^[0-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    teach(Number(event.key));
  }
});

async function teach(label) {
  const status = $("teach-status");
  if (!strokes.length) {
    status.textContent = "Draw the digit first, then say which one it is.";
    return;
  }
  if (!modelReady || learning) return;
  const started = performance.now();
  learning = true;
  document.body.dataset.learning = "true";
  updateTeachButtons();
  status.textContent = `Learning that this is a ${label}…`;
  const sent = version;
  try {
    const result = await client.learn(inkPixels(), INK_SIZE, INK_SIZE, label, showFeatures);
    if (result.refused) {
      status.textContent = `Not learned: ${result.refused}.`;
      return;
    }
    if (sent === version) {
      showResult(result);
      shownVersion = sent;
    } else {
      inkChanged(true);  // the drawing changed while learning: predict the new one with the new weights
    }
    requestAnimationFrame(() => debug.learnTimings.push(performance.now() - started));
    const p = (100 * result.probabilities[label]).toFixed(1);
    status.textContent = `Learned: ${label} is now at ${p}%.`;
    showPersonal(result.corrections);
  } catch (err) {
    showError(err.message);
  } finally {
    learning = false;
    document.body.dataset.learning = "false";
    updateTeachButtons();
  }
}

function showPersonal(corrections) {
  $("personal").hidden = !corrections;
  document.body.dataset.personal = corrections ? "true" : "false";
  $("personal-text").textContent = `Using your personalised model: ${corrections} correction${corrections === 1 ? "" : "s"} ` +
    "learned, stored in this browser only.";
}

$("reset").addEventListener("click", async () => {
  try {
    await client.reset();
    showPersonal(0);
    $("teach-status").textContent = "Back to the shipped model.";
    inkChanged(true);
  } catch (err) {
    showError(err.message);
  }
});

$("export").addEventListener("click", async () => {
  try {
    const { zip, corrections } = await client.exportWeights();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([zip], { type: "application/zip" }));
    link.download = `lenet_py-weights-personal-${corrections}.zip`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (err) {
    showError(err.message);
  }
});

function showNotice(message) {
  const box = document.createElement("div");
  box.className = "notice";
  box.dataset.testid = "notice";
  box.textContent = message;
  document.querySelector("footer").prepend(box);
}

// ---- loading -----------------------------------------------------------------------------------

const client = new ModelClient("worker.js");
client
  .on("progress", ({ step, state }) => {
    const li = document.querySelector(`#loading [data-step="${step}"]`);
    if (li) li.className = state;
  })
  .on("ready", (summary) => {
    modelReady = true;
    debug.readyAt = performance.now();  // milliseconds since navigation started
    document.body.dataset.state = "ready";
    const acc = summary.test_accuracy ? `${(100 * summary.test_accuracy).toFixed(2)}% on the MNIST test set` : "";
    $("about").textContent = `LeNet-5 (${summary.model.activation}, C3 ${summary.model.c3_table} connections), ` +
      `${acc}. Python ${pythonVersion(summary)} with NumPy, in a Web Worker.`;
    showPersonal(summary.corrections);
    if (summary.notice) showNotice(summary.notice);
    updateTeachButtons();
    if (strokes.length) schedulePrediction(true);
  })
  .on("notice", ({ message }) => showNotice(message))
  .on("fatal", ({ stage, message }) => {
    document.body.dataset.state = "error";
    const li = document.querySelector(`#loading [data-step="${stage}"]`);
    if (li) li.className = "failed";
    showError(`The recognizer could not start: ${message}`);
  });

window.addEventListener("resize", resizeCanvas);
resizeCanvas();
showEmpty();
updateTeachButtons();
