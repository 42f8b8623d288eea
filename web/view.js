// The result view: the answer (a number, one digit, or "not sure" and why), the chosen digit's bars,
// its 28x28 preview and feature maps, notices and errors. It draws the plain data the worker returns (bytes 0..255 with shapes and
// captions) and knows nothing about the model.
const $ = (id) => document.getElementById(id);

// Ten bars with data-digit 0-9, then the model's "not a digit" output as data-digit="none": selectors
// for the digits' bars (li[data-digit]:not([data-digit=none])) still find exactly ten.
const bars = [];
for (const key of ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "none"]) {
  const li = document.createElement("li");
  li.dataset.digit = key;
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = key === "none" ? "not a digit" : key;
  li.appendChild(label);
  li.insertAdjacentHTML("beforeend", `<span class="track"><span class="fill"></span></span><span class="value"></span>`);
  if (key === "none") li.classList.add("none");
  $("probabilities").appendChild(li);
  bars.push(li);
}

export function showEmpty() {
  $("prediction").replaceChildren();
  $("prediction").classList.remove("number");
  $("confidence").textContent = "";
  $("unsure").hidden = true;
  $("teach-label").textContent = "Wrong? It's a";
  $("hint").hidden = false;
  for (const li of bars) {
    li.classList.remove("top");
    li.dataset.probability = "";
    li.querySelector(".fill").style.width = "0";
    li.querySelector(".value").textContent = "";
  }
  $("preview").getContext("2d").clearRect(0, 0, 28, 28);
  $("preview").classList.add("empty");  // a placeholder, not a black square that looks broken
  document.body.dataset.prediction = "empty";
}

// result: {number ("4?71"; "" when nothing is read), unsure, reason, digits: [{digit (null when
// unsure), unsure, reason, probabilities [10], not_digit, image [784] in 0..255, features?}]}.
// `selected`: the digit whose bars, image and maps are shown; `onSelect(i)` when another is picked.
export function showResult(result, selected, onSelect) {
  const digits = result.digits;
  const chosen = digits[selected];
  const several = digits.length > 1;
  const unsure = Boolean(result.unsure);
  $("hint").hidden = true;
  // Unsure: no digit is claimed, but the bars and the image still show what the network made of it.
  const shown = $("prediction");
  shown.replaceChildren();
  shown.classList.toggle("number", several);
  if (several && !unsure) {
    digits.forEach((d, i) => {
      const pick = document.createElement("button");
      pick.className = "pick" + (i === selected ? " selected" : "") + (d.unsure ? " unknown" : "");
      pick.textContent = d.unsure ? "?" : String(d.digit);
      pick.title = `Show digit ${i + 1}${d.unsure ? " (not sure: " + d.reason + ")" : ""}`;
      pick.setAttribute("aria-pressed", String(i === selected));
      pick.addEventListener("click", () => onSelect(i));
      shown.appendChild(pick);
    });
  } else if (!unsure) {
    shown.textContent = String(chosen.digit);
  }
  const which = several ? `Digit ${selected + 1}: ` : "";
  $("confidence").textContent = unsure ? "" : chosen.unsure ? `${which}not sure, ${chosen.reason}`
    : `${which}${percent(chosen.probabilities[chosen.digit])} sure`;
  $("unsure").hidden = !unsure;
  $("unsure").textContent = unsure ? `Not sure: ${result.reason || "it may not be a digit"}` : "";
  $("teach-label").textContent = chosen.unsure ? `${several ? which : ""}Which is it?` : `${several ? which : ""}Wrong? It's a`;
  const values = [...chosen.probabilities, chosen.not_digit || 0];
  const top = chosen.unsure ? values.indexOf(Math.max(...values)) : chosen.digit;
  values.forEach((p, d) => {
    const li = bars[d];
    li.classList.toggle("top", d === top);
    li.dataset.probability = String(p);
    li.querySelector(".fill").style.width = `${(100 * p).toFixed(2)}%`;
    li.querySelector(".value").textContent = percent(p);
  });
  $("preview").classList.remove("empty");
  drawGray($("preview"), chosen.image, 28, 28);
  const features = several ? chosen.features : result.features;
  if (features) showFeatures(features);
  document.body.dataset.prediction = unsure ? "unsure" : result.number;
}

// "99.9%", and "100%" rather than "100.0%", which would be wider than every other value.
export function percent(p) {
  const text = (100 * p).toFixed(1);
  return (text === "100.0" ? "100" : text) + "%";
}

// What a screen reader says once the answer for a finished stroke is on screen: "7, 99.9% sure",
// "Number 2 0 2 6" (digit by digit, as people check a number), or "Not sure: ...".
export function describe(result) {
  if (result.empty) return "Empty canvas";
  if (result.unsure) return `Not sure: ${result.reason || "it may not be a digit"}`;
  const digits = result.digits;
  if (digits.length === 1) return `${digits[0].digit}, ${percent(digits[0].probabilities[digits[0].digit])} sure`;
  return "Number " + digits.map((d) => (d.unsure ? "unreadable" : String(d.digit))).join(" ");
}

function drawGray(target, bytes, width, height) {
  const context = target.getContext("2d");
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = bytes[i];
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

// One block per layer: its caption and one small canvas per map.
function showFeatures(layers) {
  const container = $("maps");
  while (container.children.length > layers.length) container.lastChild.remove();
  layers.forEach(({ caption, shape, bytes }, index) => {
    let block = container.children[index];
    if (!block) {
      block = document.createElement("figure");
      block.className = "maps";
      block.dataset.testid = "feature-layer";
      block.appendChild(document.createElement("figcaption"));
      container.appendChild(block);
    }
    const [count, h, w] = shape;
    block.firstChild.textContent = caption;
    block.classList.toggle("small", w < 20);
    const canvases = block.querySelectorAll("canvas");
    for (let k = canvases.length; k < count; k++) {
      const c = document.createElement("canvas");
      block.appendChild(c);
    }
    block.querySelectorAll("canvas").forEach((c, k) => {
      if (k >= count) return c.remove();
      c.width = w;
      c.height = h;
      drawGray(c, bytes.slice(k * h * w, (k + 1) * h * w), w, h);
    });
  });
}

export function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
}

export function showNotice(message) {
  const box = document.createElement("div");
  box.className = "notice";
  box.dataset.testid = "notice";
  box.textContent = message;
  document.querySelector("footer").prepend(box);
}

export function showPersonalStatus(message) {
  $("personal-status").textContent = message;
}

// corrections: learned and in use; forgotten: how many a reset has just dropped (it can be undone).
export function showPersonal(corrections, forgotten = 0) {
  $("personal-status").textContent = "";  // "Saved ..." was about the model before this change
  $("personal").hidden = !corrections && !forgotten;
  document.body.dataset.personal = corrections ? "true" : "false";
  document.body.dataset.corrections = String(corrections || 0);
  $("export").hidden = $("reset").hidden = !corrections;
  $("undo-reset").hidden = Boolean(corrections) || !forgotten;
  const plural = (n) => `${n} correction${n === 1 ? "" : "s"}`;
  $("personal-text").textContent = corrections
    ? `Using your personalised model: ${plural(corrections)} learned, stored in this browser only.`
    : `Back to the shipped model; your ${plural(forgotten)} forgotten.`;
}

const NAMES = { runtime: "the Python runtime", numpy: "NumPy", model: "the model" };

const STARTING = { runtime: "Starting Python", numpy: "Starting NumPy", model: "Checking and loading the model" };

// progress: {step, state, loaded?, total?, stepLoaded?, stepTotal?}: the step's state, and the bytes
// arrived (after gzip decoding) of the whole load and of this step (worker-client.js).
export function showProgress({ step, state, loaded, total, stepLoaded, stepTotal }) {
  const li = document.querySelector(`#loading [data-step="${step}"]`);
  if (li) li.className = state;
  if (state === "failed") {
    $("load-text").textContent = `Could not load ${NAMES[step] || step}.`;
    return;
  }
  if (!(total > 0)) return;
  const bar = $("load-progress");
  bar.max = total;
  bar.value = Math.min(loaded, total);
  const mb = (bytes) => (bytes / 1e6).toFixed(1);
  const bytes = `${mb(loaded)} of ${mb(total)} MB · ${Math.floor(100 * Math.min(1, loaded / total))}%`;
  // A step whose bytes are all in still has work to do (Python starting NumPy, the model being
  // checked): say so, or a bar standing at 99% for a second looks stuck.
  const arrived = stepTotal > 0 && stepLoaded >= stepTotal;
  $("load-text").textContent = state === "active" && arrived ? `${STARTING[step] || "Starting"}… (${bytes})`
    : `Loading ${NAMES[step] || step}: ${bytes}`;
}

export function showAbout(caption) {
  $("about").textContent = caption + " In a Web Worker.";
}
