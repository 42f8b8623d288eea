// The drawing pad: strokes in canvas units (the canvas is 1 high and `aspect` wide, y down), drawn
// with mouse, finger or pen. It knows nothing of the model; it tells `on.changed(immediate)` when the
// ink changes (immediate for clear and undo) and `on.penUp()` when a stroke ends (which adds no ink).
// The model gets the strokes themselves (`drawing()`), not these pixels: it draws them with a pen
// sized to the digit. `setBoxes` outlines the digits it was told about, in the same units.
const STROKE = 0.06;  // pen width on screen, as a fraction of the canvas height; only for the eye

export class Pad {
  constructor(canvas, on) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.on = on;               // {changed(immediate), penUp()}
    this.strokes = [];          // each stroke: [[x, y], ...] in 0..1 canvas units
    this.current = null;        // the stroke being drawn
    this.pointerId = null;      // the pointer drawing it: a second finger meanwhile is ignored
    this.boxes = [];            // [{box: [x0, y0, x1, y1], selected, unsure}] to outline
    this.aspect = 1;            // width / height, from the canvas's size on screen
    this.restyle();
    canvas.addEventListener("pointerdown", (event) => this.down(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    canvas.addEventListener("pointerup", (event) => this.up(event));
    canvas.addEventListener("pointercancel", (event) => this.up(event));
  }

  get empty() {
    return !this.strokes.length && !this.current;
  }

  // The drawing as it is now, the stroke being drawn included: a deep copy, so that the caller's
  // snapshot stays as it was while the pen keeps adding points.
  drawing() {
    const all = this.current ? [...this.strokes, this.current] : this.strokes;
    return all.map((stroke) => stroke.map(([x, y]) => [x, y]));
  }

  // The ink and box colours from the CSS (they follow the colour scheme), read here rather than on
  // every frame of a stroke: getComputedStyle is not free.
  restyle() {
    const style = getComputedStyle(this.canvas);
    this.colours = {};
    for (const name of ["pen", "danger", "accent", "box"]) this.colours[name] = style.getPropertyValue("--" + name).trim();
  }

  resize() {
    this.restyle();
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(rect.width * dpr);
    this.canvas.height = Math.round(rect.height * dpr);
    this.aspect = rect.height ? rect.width / rect.height : 1;
    this.draw();
  }

  draw() {
    this.render(this.ctx, this.canvas.height);
  }

  // Renders the drawing, and the boxes, into a 2D context whose height is `size` pixels.
  render(context, size) {
    context.clearRect(0, 0, context.canvas.width, context.canvas.height);
    context.lineCap = "round";
    context.lineJoin = "round";
    context.lineWidth = STROKE * size;
    const colour = this.colours;
    context.strokeStyle = colour.pen;
    for (const stroke of this.strokes) tracePath(context, stroke, size);
    if (this.current) tracePath(context, this.current, size);
    const pad = 0.03 * size;  // the box clears the ink's edge: the pen is wider than its centre line
    for (const { box: [x0, y0, x1, y1], selected, unsure } of this.boxes) {
      context.lineWidth = (selected ? 0.008 : 0.004) * size;
      context.strokeStyle = unsure ? colour.danger : selected ? colour.accent : colour.box;
      context.setLineDash(selected ? [] : [0.012 * size, 0.01 * size]);
      context.strokeRect(x0 * size - pad, y0 * size - pad, (x1 - x0) * size + 2 * pad, (y1 - y0) * size + 2 * pad);
    }
    context.setLineDash([]);
  }

  // boxes: [{box: [x0, y0, x1, y1] in canvas units, selected, unsure}]; [] removes them.
  setBoxes(boxes) {
    this.boxes = boxes;
    this.draw();
  }

  point(event) {
    const rect = this.canvas.getBoundingClientRect();
    const clamp = (v, high) => Math.min(high, Math.max(0, v));
    return [clamp((event.clientX - rect.left) / rect.height, this.aspect), clamp((event.clientY - rect.top) / rect.height, 1)];
  }

  down(event) {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    if (this.current) return;  // a palm or a second finger must not join the stroke or start another
    this.pointerId = event.pointerId;
    this.boxes = [];  // they belong to the answer for the drawing as it was
    this.canvas.focus();
    this.canvas.setPointerCapture(event.pointerId);
    this.current = [this.point(event)];
    this.draw();
    this.on.changed(false);
  }

  move(event) {
    if (!this.current || event.pointerId !== this.pointerId) return;
    event.preventDefault();
    const samples = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const sample of samples.length ? samples : [event]) this.current.push(this.point(sample));
    this.draw();
    this.on.changed(false);
  }

  up(event) {
    if (!this.current || event.pointerId !== this.pointerId) return;
    event.preventDefault();
    this.strokes.push(this.current);
    this.current = null;
    this.draw();
    this.on.penUp();
  }

  clear() {
    this.strokes.length = 0;
    this.current = null;
    this.boxes = [];
    this.draw();
    this.on.changed(true);
  }

  undo() {
    this.strokes.pop();
    this.boxes = [];
    this.draw();
    this.on.changed(true);
  }
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
