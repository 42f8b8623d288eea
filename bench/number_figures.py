"""Whole numbers of real handwriting through the page in Chromium, and through CPython.

    python bench/numbers.py [--count 200] [--seed 0] [--no-page] [--cpython-count 1000] [--weights DIR] [--json]

(bench/numbers.py starts this.)
What is measured: numbers of 2-6 digits composed by scripts/number_set.py from the pen strokes of
the held-out writers of ../shared/data/pendigits_train.npz (one writer per number; gaps from a
slight overlap to wide apart, size and baseline jitter, 30% of the neighbours a pen would run on
between joined into one stroke). Each is drawn on the page with trusted mouse events (scripts/replay.py)
and read from body[data-prediction] once body[data-busy] is "false"; CPython's Recognizer.predict reads
the same strokes (--cpython-count of them), resampled every 1% of the canvas as the page gets them.
Figures: whole numbers right, digits right (each number's length minus its edit distance to what was
read), the error kinds (split: more digits read than written; merge: fewer; misread: as many but
wrong; unsure: nothing read), and the page's pen-up -> rendered time by number length.
"""
import argparse
import collections
import json
import os
import statistics
import sys

import numpy as np

from scripts import number_set, pendigits, replay


def figures(answers, truths, timings=None):
    kinds = collections.Counter()
    right_digits = 0
    for read, truth in zip(answers, truths):
        read = "" if read == replay.UNSURE else read
        kinds["unsure" if not read else number_set.error_kind(read, truth)] += 1
        right_digits += max(0, len(truth) - number_set.edit_distance(read, truth))
    out = {"numbers": len(truths), "whole_right": kinds["right"] / max(len(truths), 1),
           "digits_right": right_digits / max(sum(map(len, truths)), 1),
           "kinds": {k: kinds[k] for k in ("right", "split", "merge", "misread", "unsure")}}
    if timings:
        by_length = collections.defaultdict(list)
        for t, truth in zip(timings, truths):
            by_length[len(truth)].append(t)
        out["latency_ms"] = {n: {"median": statistics.median(v), "n": len(v)} for n, v in sorted(by_length.items())}
    return out


def show(title, f):
    print("\n%s: %d numbers of 2-6 digits" % (title, f["numbers"]))
    print("  whole numbers right %.1f%%   digits right %.1f%%" % (100 * f["whole_right"], 100 * f["digits_right"]))
    print("  " + "   ".join("%s %d" % kv for kv in f["kinds"].items()))
    if "latency_ms" in f:
        print("  pen-up -> rendered, median ms by digits: " + "   ".join(
            "%d: %.1f (n=%d)" % (n, v["median"], v["n"]) for n, v in f["latency_ms"].items()))


def main():
    parser = argparse.ArgumentParser(description="Whole numbers of real handwriting through the page and CPython.")
    parser.add_argument("--count", type=int, default=200, help="numbers replayed on the page (default 200)")
    parser.add_argument("--cpython-count", type=int, default=1000, help="numbers read in CPython (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="composition seed (default 0)")
    parser.add_argument("--no-page", action="store_true", help="CPython only, no browser")
    parser.add_argument("--weights", help="weights folder for the page and CPython (default: the repo's weights/)")
    parser.add_argument("--json", action="store_true", help="figures as JSON")
    args = parser.parse_args()
    try:
        data = pendigits.load()
    except pendigits.Missing as exc:
        raise SystemExit("error: %s" % exc)
    from lenet_py.recognizer import Recognizer
    from train.cli import REPO
    weights = os.path.abspath(args.weights or os.path.join(REPO, "weights"))
    recognizer = Recognizer.from_folder(weights)
    composed = number_set.compose(data, max(args.count, args.cpython_count), np.random.default_rng(args.seed))
    # As the page gets them: resampled every 1% of the canvas.
    drawn = [[pendigits.resample(s, replay.STEP) for s in strokes] for _, strokes in composed]
    result = {}
    result["cpython"] = figures([replay.cpython_answer(recognizer, d) for d in drawn[:args.cpython_count]],
                                [t for t, _ in composed[:args.cpython_count]])
    if not args.no_page:
        page = composed[:args.count]
        server, url = replay.serve(weights=weights)
        timings = []
        drawings = drawn[:args.count]
        answers, mismatched = replay.on_page(drawings, url, timings=timings,
                                             progress=lambda n, total: n % 50 or print("  page %d/%d" % (n, total),
                                                                                          file=sys.stderr))
        server.shutdown()
        result["page"] = figures(answers, [t for t, _ in page], timings)
        result["page"]["shown_differs"] = mismatched
        same = [replay.cpython_answer(recognizer, d) for d in drawings]
        result["page"]["differs_from_cpython"] = sum(a != b for a, b in zip(answers, same))
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print("Numbers of real handwriting (pendigits held-out writers 11-30), seed %d, weights %s" % (args.seed, weights))
    show("CPYTHON", result["cpython"])
    if "page" in result:
        show("PAGE (mouse events)", result["page"])
        print("  page vs CPython on identical drawings: %d differ; shown digits != body[data-prediction]: %d"
              % (result["page"]["differs_from_cpython"], result["page"]["shown_differs"]))
