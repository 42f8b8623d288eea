"""Screenshots of the page answering the handwriting styles MNIST under-represents, and numbers.

    .venv/bin/python scripts/screenshots.py [--out test-artifacts/styles] [--weights DIR] [--phone]

Draws each case below with real mouse events, waits for its answer and saves one PNG per case
(the whole page), printing what the page answered; --phone at 390x844 (DPR 3) instead of 1280x800. The drawings are hand-made strokes in a unit box,
so these are pictures to look at, not a measurement: bench/real_handwriting.py measures.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.browser import launch                    # noqa: E402
from scripts.drawing import DIGITS, _arc, draw        # noqa: E402
from scripts.nondigit_templates import LETTERS, SHAPES  # noqa: E402
from scripts.replay import serve                      # noqa: E402

def number(text, size=0.42, step=0.36, top=0.28):
    """Digits of scripts.drawing (a letter for "A") side by side: [(strokes, left, top, size)]."""
    return [(LETTERS["A"] if c == "A" else DIGITS[int(c)], 0.08 + i * step, top, size) for i, c in enumerate(text)]


# The pen does not lift between the two 0s: one stroke runs from the first 0 into the second.
_JOINED_00 = [_arc(0.3, 0.5, 0.25, 0.45, -90, 275) + _arc(0.9, 0.5, 0.25, 0.45, -90, 275)]

# name -> [(strokes in a unit box, left, top, size in canvas heights), ...]
CASES = {
    "crossed-7": [([[(0.15, 0.08), (0.85, 0.08), (0.45, 0.95)], [(0.35, 0.5), (0.8, 0.5)]], 0.2, 0.15, 0.65)],
    "slashed-0": [([_arc(0.5, 0.5, 0.3, 0.45, -90, 275), [(0.75, 0.1), (0.25, 0.9)]], 0.2, 0.15, 0.65)],
    "flagged-1": [([[(0.3, 0.3), (0.6, 0.05), (0.6, 0.95)], [(0.35, 0.95), (0.85, 0.95)]], 0.2, 0.15, 0.65)],
    "small-3": [(DIGITS[3], 0.6, 0.6, 0.15)],
    "letter-A": [(LETTERS["A"], 0.2, 0.15, 0.65)],
    "letter-B": [(LETTERS["B"], 0.2, 0.15, 0.65)],     # read as 8: a known weakness (README)
    "shape-square": [(SHAPES["square"], 0.2, 0.15, 0.65)],   # a closed loop the network reads as 0
    "number-314159": number("314159"),
    "number-joined-2006": number("2") + [(_JOINED_00, 0.44, 0.28, 0.42)] + [(DIGITS[6], 0.08 + 3 * 0.36 + 0.1, 0.28, 0.42)],
    "number-unreadable-4A71": number("4A71"),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="test-artifacts/styles", help="folder for the PNGs")
    parser.add_argument("--weights", help="weights folder to serve (default: weights/)")
    parser.add_argument("--phone", action="store_true", help="a phone's viewport: 390x844, DPR 3, touch")
    parser.add_argument("--states", action="store_true",
                        help="the page's states instead (loading, empty, answer, feature maps, error), light and dark")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright
    os.makedirs(args.out, exist_ok=True)
    server, url = serve(weights=args.weights)
    with sync_playwright() as p:
        browser = launch(p)
        screen = (dict(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True)
                  if args.phone else dict(viewport={"width": 1280, "height": 800}))
        if args.states:
            for scheme in ("light", "dark"):
                states(browser, url, screen, scheme, os.path.join(args.out, "%s-%s" % ("phone" if args.phone else "desktop", scheme)))
            return server.shutdown()
        page = browser.new_page(**screen)
        page.goto(url)
        page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=60000)
        for name, parts in CASES.items():
            # A phone's canvas is 2 wide, not 3: numbers are written smaller there.
            shrink = 0.62 if args.phone and name.startswith("number") else 1.0
            for strokes, left, top, size in parts:
                draw(page, strokes, left=left * shrink, top=top, size=size * shrink)
            page.wait_for_function("() => document.body.dataset.busy === 'false'")
            answer = page.evaluate("() => document.body.dataset.prediction")
            shown = page.locator("[data-testid=prediction]").text_content().strip()
            path = os.path.join(args.out, name + ("-phone" if args.phone else "") + ".png")
            page.wait_for_timeout(300)   # the bars' width transition (80 ms) ends: the picture a person sees
            page.screenshot(path=path, full_page=True)
            print("%-10s answered %-7s shown %-3r %s" % (name, answer, shown, path))
            page.keyboard.press("Escape")
            page.wait_for_function("() => document.body.dataset.prediction === 'empty'")
        browser.close()
    server.shutdown()


def states(browser, url, screen, scheme, prefix):
    """One PNG per state of the page, as a visitor sees it (the viewport, not the whole page)."""
    context = browser.new_context(color_scheme=scheme, **screen)
    page = context.new_page()

    def shot(state):
        page.wait_for_timeout(300)  # transitions end
        page.screenshot(path="%s-%s.png" % (prefix, state))
        print("%s-%s.png" % (prefix, state))

    page.goto(url)
    page.wait_for_function("() => document.getElementById('load-progress').value > 0", timeout=60000)
    shot("loading")
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    shot("empty")
    draw(page, DIGITS[7], left=0.3, size=0.6)
    page.wait_for_function("() => document.body.dataset.busy === 'false'")
    shot("answer")
    page.click("[data-testid=features-toggle]")
    page.wait_for_function("() => window.lenetDebug.lastResult.features !== undefined")
    page.locator("[data-testid=features]").scroll_into_view_if_needed()
    shot("features")
    context.close()
    # The runtime missing from the server: what a visitor sees when the recognizer cannot start
    # (no service worker: it would answer from its copy).
    context = browser.new_context(color_scheme=scheme, service_workers="block", **screen)
    page = context.new_page()
    page.route("**/pyodide.js", lambda route: route.fulfill(status=404, body="not found"))
    page.goto(url)
    page.wait_for_selector("body[data-state=error]", timeout=60000)
    shot("error")
    context.close()


if __name__ == "__main__":
    main()
