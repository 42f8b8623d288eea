// The result view: the answer (a digit, or "not sure" and why), the bars, the 28x28 preview, feature
// maps, notices and errors. It draws the plain data the worker returns (bytes 0..255 with shapes and
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
  $("prediction").textContent = "";
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
  document.body.dataset.prediction = "empty";
}

// result: {digit (null when unsure), unsure, reason, best, probabilities [10], not_digit, image [784]
// in 0..255, features?: [{caption, shape, bytes}]}
export function showResult(result) {
  const unsure = Boolean(result.unsure);
  $("hint").hidden = true;
  // Unsure: no digit is claimed, but the bars and the image still show what the network made of it.
  $("prediction").textContent = unsure ? "" : String(result.digit);
  $("confidence").textContent = unsure ? "" : `${(100 * result.probabilities[result.digit]).toFixed(1)}% sure`;
  $("unsure").hidden = !unsure;
  $("unsure").textContent = unsure ? `Not sure: ${result.reason || "it may not be a digit"}` : "";
  $("teach-label").textContent = unsure ? "Which is it?" : "Wrong? It's a";
  const values = [...result.probabilities, result.not_digit || 0];
  const top = unsure ? values.indexOf(Math.max(...values)) : result.digit;
  values.forEach((p, d) => {
    const li = bars[d];
    li.classList.toggle("top", d === top);
    li.dataset.probability = String(p);
    li.querySelector(".fill").style.width = `${(100 * p).toFixed(2)}%`;
    li.querySelector(".value").textContent = `${(100 * p).toFixed(1)}%`;
  });
  drawGray($("preview"), result.image, 28, 28);
  if (result.features) showFeatures(result.features);
  document.body.dataset.prediction = unsure ? "unsure" : String(result.digit);
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

export function showPersonal(corrections) {
  $("personal").hidden = !corrections;
  document.body.dataset.personal = corrections ? "true" : "false";
  $("personal-text").textContent = `Using your personalised model: ${corrections} correction${corrections === 1 ? "" : "s"} ` +
    "learned, stored in this browser only.";
}

export function showProgress(step, state) {
  const li = document.querySelector(`#loading [data-step="${step}"]`);
  if (li) li.className = state;
}

export function showAbout(caption) {
  $("about").textContent = caption + " In a Web Worker.";
}
