"""How fast the page gets ready and answers, in Chromium on this machine.

    python bench/web_latency.py [--runs 3] [--drawings 50] [--json]

1. Time from navigation to data-state="ready", beside the bare time to load Pyodide and NumPy on a
   blank page of the same origin in the same browser (target: ready <= 1.05x bare), and how much of
   it is the model's step (lenet_py imported, the weights checked and loaded), which the bare load has not.
2. Time from pen-up to the rendered prediction (the page records it when the frame after the
   render starts), over many drawings: median and 95th percentile (target: median <= 30 ms).
   Twice: with Playwright's mouse, whose input reaches the page through the DevTools protocol and
   costs a frame of its own, and with pointer events dispatched inside the page.
3. Bytes over the wire, counted by the server as it writes them (headers included, gzip where the
   browser accepts it): a first visit, from navigation until the service worker has its copy, and a
   repeat visit in a new tab (target: first <= 13 MB, repeat: no byte of the runtime), with how many
   responses the service worker gave; then the repeat visit again with the server stopped and the
   network off.
   `--bytes` measures only this.
"""
import argparse
import functools
import json
import os
import statistics
import sys

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.drawing import DIGITS, draw  # noqa: E402
from scripts.browser import LOAD_BARE_RUNTIME, launch  # noqa: E402
from scripts.serve import serve_in_background  # noqa: E402

# Draws a vertical stroke with pointer events dispatched in the page, one move per frame, and
# resolves to the page's pen-up -> rendered latency for each of `count` drawings.
IN_PAGE_DRAWINGS = """
async (count) => {
  const canvas = document.querySelector('[data-testid=canvas]');
  const box = canvas.getBoundingClientRect();
  const pointer = (type, x, y) => canvas.dispatchEvent(new PointerEvent(type, {
    clientX: box.left + x * box.width, clientY: box.top + y * box.height,
    pointerId: 1, button: 0, pointerType: 'mouse', bubbles: true}));
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const out = [];
  for (let k = 0; k < count; k++) {
    document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const x = 0.3 + 0.4 * (k % 5) / 4;
    pointer('pointerdown', x, 0.1);
    for (let i = 1; i <= 20; i++) { await frame(); pointer('pointermove', x, 0.1 + 0.04 * i); }
    const n = window.lenetDebug.timings.length;
    pointer('pointerup', x, 0.9);
    while (window.lenetDebug.timings.length === n) await new Promise((resolve) => setTimeout(resolve, 2));
    out.push(window.lenetDebug.timings[n]);
  }
  return out;
}
"""


def count_bytes(server):
    """Make ``server`` (scripts/serve.py) tally every byte it writes, by URL path, in server.sent."""
    server.sent = []
    partial = server.RequestHandlerClass

    class Counting(partial.func):
        def setup(self):
            super().setup()
            inner = self.wfile
            handler = self

            class Writer:
                def write(self, data):
                    server.sent.append((getattr(handler, "path", ""), len(data)))
                    return inner.write(data)

                def __getattr__(self, name):
                    return getattr(inner, name)

            self.wfile = Writer()

    server.RequestHandlerClass = functools.partial(Counting, *partial.args, **partial.keywords)


def wire(server, since=0):
    """(all bytes, bytes of runtime files) written since the index ``since`` of server.sent."""
    sent = server.sent[since:]
    return sum(n for _, n in sent), sum(n for path, n in sent if "/runtime/" in path)


def visit_bytes(browser, server, url):
    """First and repeat visit, bytes over the wire and responses from the service worker."""
    context = browser.new_context()
    page = context.new_page()
    start = len(server.sent)
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=120000)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=120000)
    first, first_runtime = wire(server, start)
    result = {"first_visit_bytes": first, "first_visit_runtime_bytes": first_runtime}
    for offline in (False, True):
        if offline:  # no server at all: Chromium's offline mode lets the service worker's update check through
            server.shutdown()
            server.server_close()
            context.set_offline(True)
        page = context.new_page()  # a new tab: a second visit, not a reload of the first
        served = {"worker": 0, "network": 0}
        page.on("response", lambda r: served.__setitem__("worker" if r.from_service_worker else "network",
                                                         served["worker" if r.from_service_worker else "network"] + 1))
        start = len(server.sent)
        page.goto(url)
        page.wait_for_selector("body[data-state=ready]", timeout=120000)
        key = "offline_visit" if offline else "repeat_visit"
        result[key + "_ready_ms"] = round(page.evaluate("window.lenetDebug.readyAt"), 1)
        result[key + "_bytes"], result[key + "_runtime_bytes"] = wire(server, start)
        result[key + "_responses_from_service_worker"] = served["worker"]
        result[key + "_responses_from_network"] = served["network"]
    context.close()
    return result


# The model's step: from the worker's "model active" progress message to ready, on the page's clock.
MODEL_STEP = """window.lenetDebug.readyAt -
  window.lenetDebug.progress.find((p) => p.step === 'model' && p.state === 'active').at"""


def print_bytes(result):
    mb = lambda n: "%.2f MB (%.2f MiB)" % (n / 1e6, n / 2 ** 20)  # noqa: E731
    print("first visit over the wire  %s, runtime %s (target <= 13 MB)"
          % (mb(result["first_visit_bytes"]), mb(result["first_visit_runtime_bytes"])))
    for key, what in (("repeat_visit", "repeat visit, new tab"), ("offline_visit", "repeat visit, network off")):
        print("%-26s %d bytes, %d of them runtime (target 0); %d responses from the service worker, %d from the "
              "network; ready at %.0f ms" % (what, result[key + "_bytes"], result[key + "_runtime_bytes"],
                                            result[key + "_responses_from_service_worker"],
                                            result[key + "_responses_from_network"], result[key + "_ready_ms"]))


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description="Benchmark page readiness and prediction latency in Chromium.")
    parser.add_argument("--runs", type=int, default=3, help="fresh page loads per measurement (default 3)")
    parser.add_argument("--drawings", type=int, default=50, help="drawings for the latency figure (default 50)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--bytes", action="store_true", help="measure only the bytes over the wire (part 3)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server, url = serve_in_background()
    count_bytes(server)
    if args.bytes:
        with sync_playwright() as p:
            browser = launch(p)
            result = visit_bytes(browser, server, url)  # stops the server for the offline visit
            browser.close()
        print(json.dumps(result)) if args.json else print_bytes(result)
        return
    ready, bare, latencies, model_step = [], [], [], []
    with sync_playwright() as p:
        browser = launch(p)
        for _ in range(args.runs):
            # Each load in a fresh context: nothing cached from the previous one. The site's policy keeps
            # eval, which Pyodide needs, from documents (the app runs it in its worker): bypassed here.
            context = browser.new_context(bypass_csp=True)
            page = context.new_page()
            page.goto(url + "runtime.json")
            bare.append(page.evaluate(LOAD_BARE_RUNTIME)["since_navigation"])
            context.close()

            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("body[data-state=ready]", timeout=120000)
            ready.append(page.evaluate("window.lenetDebug.readyAt"))
            model_step.append(page.evaluate(MODEL_STEP))
            context.close()

        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("body[data-state=ready]", timeout=120000)
        # The service worker copies the site once the page is ready: not while latency is measured.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=120000)
        digits = list(DIGITS)
        for i in range(args.drawings):
            page.keyboard.press("Escape")
            count = page.evaluate("window.lenetDebug.timings.length")
            draw(page, DIGITS[digits[i % len(digits)]], steps=2)
            page.wait_for_function("() => window.lenetDebug.timings.length > %d" % count, timeout=10000)
            latencies.append(page.evaluate("window.lenetDebug.timings[window.lenetDebug.timings.length - 1]"))
        in_page = page.evaluate(IN_PAGE_DRAWINGS, args.drawings)
        context.close()
        wire_bytes = visit_bytes(browser, server, url)  # last: it stops the server for the offline visit
        browser.close()

    result = {
        "ready_ms_median": round(statistics.median(ready), 1),
        "bare_pyodide_numpy_ms_median": round(statistics.median(bare), 1),
        "model_step_ms_median": round(statistics.median(model_step), 1),
        "ready_over_bare": round(statistics.median(ready) / statistics.median(bare), 3),
        "penup_to_prediction_ms_median": round(statistics.median(latencies), 2),
        "penup_to_prediction_ms_p95": round(percentile(latencies, 0.95), 2),
        "penup_to_prediction_in_page_events_ms_median": round(statistics.median(in_page), 2),
        "penup_to_prediction_in_page_events_ms_p95": round(percentile(in_page, 0.95), 2),
        "runs": args.runs,
        "drawings": args.drawings,
        **wire_bytes,
    }
    if args.json:
        print(json.dumps(result))
        return
    print("navigation -> ready        %7.0f ms (median of %d)" % (result["ready_ms_median"], args.runs))
    print("bare Pyodide + NumPy load  %7.0f ms (same browser, blank page)" % result["bare_pyodide_numpy_ms_median"])
    print("ready / bare               %7.3f   (target <= 1.05)" % result["ready_over_bare"])
    print("  of which the model's step %7.0f ms (NumPy imported -> ready: lenet_py, the weights)" % result["model_step_ms_median"])
    print("pen-up -> prediction       median %.1f ms, p95 %.1f ms over %d drawings (target median <= 30 ms)"
          % (result["penup_to_prediction_ms_median"], result["penup_to_prediction_ms_p95"], args.drawings))
    print("  the same, pointer events dispatched in the page: median %.1f ms, p95 %.1f ms"
          % (result["penup_to_prediction_in_page_events_ms_median"], result["penup_to_prediction_in_page_events_ms_p95"]))
    print_bytes(result)


if __name__ == "__main__":
    main()
