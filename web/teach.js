// "Wrong? It's a 7": the correction buttons and keys, reset and export. The worker learns; this
// module asks it to and shows what it says.
import { showError, showPersonal, showPersonalStatus } from "./view.js";

const $ = (id) => document.getElementById(id);

// app: what app.js shares: {client, pad, debug, isReady(), version(), present(result), markShown(version),
// drawingChanged(immediate), features(), selectedStrokes(), several()}. Teaching works whatever the
// answer, "not sure" included: the person says which digit the drawing (or the chosen digit of a
// number) is.
export function setUpTeaching(app) {
  let learning = false;
  const buttons = [];
  for (let d = 0; d < 10; d++) {
    const button = document.createElement("button");
    button.textContent = String(d);
    button.dataset.testid = `teach-${d}`;
    button.title = `Teach it that this drawing is a ${d} (key ${d})`;
    button.addEventListener("click", () => teach(d));
    $("teach-buttons").appendChild(button);
    buttons.push(button);
  }

  function update() {
    const usable = app.isReady() && !learning;  // on an empty canvas a click explains instead
    for (const button of buttons) button.disabled = !usable;
  }

  // What was said about the last correction belongs to that drawing, not to the next one. (A
  // number read again after learning changes nothing: learning is still true then.)
  function drawingChanged() {
    if (!learning) $("teach-status").textContent = "";
    update();
  }

  app.pad.canvas.addEventListener("keydown", (event) => {
    if (/^[0-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      teach(Number(event.key));
    }
  });

  async function teach(label) {
    const status = $("teach-status");
    if (!app.pad.strokes.length) {
      status.textContent = "Draw the digit first, then say which one it is.";
      return;
    }
    if (!app.isReady() || learning) return;
    const started = performance.now();
    learning = true;
    document.body.dataset.learning = "true";
    update();
    status.textContent = `Learning that this is a ${label}…`;
    const sent = app.version();
    const several = app.several();
    const strokes = app.selectedStrokes();
    app.debug.lastTaught = strokes;
    try {
      const result = await app.client.learn(strokes, label, app.features());
      if (result.refused) {
        status.textContent = `Not learned: ${result.refused}.`;
        return;
      }
      if (sent === app.version() && !several) {
        app.debug.lastStrokes = strokes;  // the answer on screen is for these strokes
        app.present(result);
        app.markShown(sent);
      } else {
        // A number, or a drawing changed while learning: read it all again with the new weights.
        app.drawingChanged(true);
      }
      requestAnimationFrame(() => app.debug.learnTimings.push(performance.now() - started));
      const p = (100 * result.taught).toFixed(1);
      status.textContent = `Learned: ${label} is now at ${p}%.`;
      showPersonal(result.corrections);
    } catch (err) {
      showError(err.message);
    } finally {
      learning = false;
      document.body.dataset.learning = "false";
      update();
    }
  }

  // Reset acts at once, and can be undone until the next correction: no dialog to click through.
  $("reset").addEventListener("click", async () => {
    const forgotten = Number(document.body.dataset.corrections) || 0;
    try {
      const { corrections } = await app.client.reset();
      showPersonal(corrections, forgotten);
      app.drawingChanged(true);
      $("undo-reset").focus();
    } catch (err) {
      showError(err.message);
    }
  });

  $("undo-reset").addEventListener("click", async () => {
    try {
      const { corrections } = await app.client.undoReset();
      showPersonal(corrections);
      app.drawingChanged(true);
      $("reset").focus();
    } catch (err) {
      showError(err.message);
    }
  });

  $("export").addEventListener("click", async () => {
    try {
      const { zip, corrections } = await app.client.exportWeights();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([zip], { type: "application/zip" }));
      link.download = `lenet_py-weights-personal-${corrections}.zip`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      showPersonalStatus(`Saved ${link.download} (${corrections} correction${corrections === 1 ? "" : "s"}) to your downloads.`);
    } catch (err) {
      showError(err.message);
    }
  });

  return { update, drawingChanged };
}
