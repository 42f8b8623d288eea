"""How fast the page learns a correction, and what 20 corrections cost on MNIST.

    python bench/personalize.py [--corrections 20] [--json]

Drives the real page in Chromium: draws digits (at varied places and sizes), clicks a digit
button, and times click -> updated prediction on screen (the page records it at the next frame).
Then it exports the personalised weights through the page's Export button and evaluates them in
CPython on the 10,000 MNIST test images, beside the shipped weights. Two sessions:
  genuine:  every drawing labelled as the digit it is;
  relabel:  the first 5 teach a "1" to be a 7 (what the tests do), the rest are genuine.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import zipfile

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.drawing import DIGITS, draw  # noqa: E402
from lenet_py.weights import load_weights  # noqa: E402
from scripts.browser import launch  # noqa: E402
from scripts.serve import REPO, serve_in_background  # noqa: E402
from train.data import DEFAULT_DIR, load_split  # noqa: E402
from train.evaluate import evaluate  # noqa: E402

PLACES = [(0.2, 0.15, 0.65), (0.05, 0.05, 0.45), (0.45, 0.4, 0.5), (0.1, 0.3, 0.6)]


def session(p, url, corrections, relabel, tmp):
    """Run one browser session of corrections; returns (timings, wrong_before, exported model, manifest)."""
    wrong_before = 0
    browser = launch(p)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=120000)
    for i in range(corrections):
        drawn, label = (1, 7) if relabel and i < 5 else (i % 10, i % 10)
        page.keyboard.press("Escape")
        draw(page, DIGITS[drawn], *PLACES[i % len(PLACES)])
        page.wait_for_function("() => window.lenetDebug.lastResult && !window.lenetDebug.lastResult.empty")
        page.wait_for_timeout(150)
        wrong_before += page.evaluate("window.lenetDebug.lastResult.digit") != label
        count = page.evaluate("window.lenetDebug.learnTimings.length")
        page.click("[data-testid=teach-%d]" % label)
        page.wait_for_function("() => window.lenetDebug.learnTimings.length > %d" % count, timeout=30000)
    timings = page.evaluate("window.lenetDebug.learnTimings")
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    path = os.path.join(tmp, "export.zip")
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp)
    model, manifest = load_weights(os.path.join(tmp, "lenet_py-weights-personal"))
    browser.close()
    return timings, wrong_before, model, manifest


def main():
    parser = argparse.ArgumentParser(description="Benchmark learning from corrections in the page.")
    parser.add_argument("--corrections", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    images, labels = load_split(DEFAULT_DIR, "t10k")
    shipped, _ = load_weights(os.path.join(REPO, "weights"))
    before = evaluate(shipped, images, labels)["accuracy"]
    server, url = serve_in_background()
    results = {"mnist_accuracy_shipped": before}
    with sync_playwright() as p:
        for name, relabel in (("genuine", False), ("relabel", True)):
            with tempfile.TemporaryDirectory() as tmp:
                timings, wrong, model, manifest = session(p, url, args.corrections, relabel, tmp)
            after = evaluate(model, images, labels)["accuracy"]
            results[name] = {
                "corrections": manifest["personalised"]["corrections"],
                "predicted_other_than_label_before": wrong,
                "click_to_updated_prediction_ms_median": round(statistics.median(timings), 1),
                "click_to_updated_prediction_ms_max": round(max(timings), 1),
                "mnist_accuracy_after": after,
                "drop_points": round(100 * (before - after), 2),
            }
    server.shutdown()
    if args.json:
        print(json.dumps(results))
        return
    print("MNIST test accuracy of the shipped weights: %.2f%%" % (100 * before))
    for name, r in results.items():
        if name.startswith("mnist"):
            continue
        print("%-8s %d corrections through the page (%d drawings predicted other than their label before)"
              % (name, r["corrections"], r["predicted_other_than_label_before"]))
        print("         click -> updated prediction  median %.0f ms, max %.0f ms   (target median <= 300 ms)"
              % (r["click_to_updated_prediction_ms_median"], r["click_to_updated_prediction_ms_max"]))
        print("         MNIST accuracy after %.2f%%, drop %.2f points   (target drop <= 0.3)"
              % (100 * r["mnist_accuracy_after"], r["drop_points"]))


if __name__ == "__main__":
    main()
