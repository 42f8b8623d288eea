"""Screenshots of the page answering the handwriting styles MNIST under-represents.

    .venv/bin/python scripts/screenshots.py [--out test-artifacts/styles] [--weights DIR]

Draws each case below with real mouse events, waits for its answer and saves one PNG per case
(the whole page), printing what the page answered. The drawings are hand-made strokes in a unit box,
so these are pictures to look at, not a measurement: bench/real_handwriting.py measures.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.browser import launch                    # noqa: E402
from scripts.drawing import DIGITS, _arc, draw        # noqa: E402
from scripts.nondigit_templates import LETTERS        # noqa: E402
from scripts.replay import serve                      # noqa: E402

# name -> (strokes in a unit box, left, top, size as shares of the canvas)
CASES = {
    "crossed-7": ([[(0.15, 0.08), (0.85, 0.08), (0.45, 0.95)], [(0.35, 0.5), (0.8, 0.5)]], 0.2, 0.15, 0.65),
    "slashed-0": ([_arc(0.5, 0.5, 0.3, 0.45, -90, 275), [(0.75, 0.1), (0.25, 0.9)]], 0.2, 0.15, 0.65),
    "flagged-1": ([[(0.3, 0.3), (0.6, 0.05), (0.6, 0.95)], [(0.35, 0.95), (0.85, 0.95)]], 0.2, 0.15, 0.65),
    "small-3": (DIGITS[3], 0.6, 0.6, 0.15),
    "letter-A": (LETTERS["A"], 0.2, 0.15, 0.65),
    "letter-B": (LETTERS["B"], 0.2, 0.15, 0.65),     # read as 8: a known weakness (README)
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="test-artifacts/styles", help="folder for the PNGs")
    parser.add_argument("--weights", help="weights folder to serve (default: weights/)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright
    os.makedirs(args.out, exist_ok=True)
    server, url = serve(weights=args.weights)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=60000)
        for name, (strokes, left, top, size) in CASES.items():
            draw(page, strokes, left=left, top=top, size=size)
            page.wait_for_function("() => document.body.dataset.busy === 'false'")
            answer = page.evaluate("() => document.body.dataset.prediction")
            shown = page.locator("[data-testid=prediction]").text_content().strip()
            path = os.path.join(args.out, name + ".png")
            page.wait_for_timeout(300)   # the bars' width transition (80 ms) ends: the picture a person sees
            page.screenshot(path=path)
            print("%-10s answered %-7s shown %-3r %s" % (name, answer, shown, path))
            page.keyboard.press("Escape")
            page.wait_for_function("() => document.body.dataset.prediction === 'empty'")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
