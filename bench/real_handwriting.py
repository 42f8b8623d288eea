"""Real handwriting through the page in Chromium, and through CPython on the very same drawings.

    python bench/real_handwriting.py [--count 600] [--nondigits 200] [--seed 0] [--pointer mouse|pen]
                                     [--weights DIR] [--repo DIR] [--no-page] [--cpython-all] [--json]

What is measured: pen strokes of 30 real writers (../shared/data/pendigits_train.npz, read by
scripts/pendigits.py; never copied here, never trained on) and the non-digits of scripts/nondigits.py
(letters, doodles, shapes, dots, and pairs of digits by the held-out writers). Each drawing is
placed at a random size (15-80% of the canvas height) and place (dots stay dots), resampled every 1%
of the canvas, and drawn on the page with trusted pointer events (scripts/replay.py); the answer is
read from body[data-prediction] once body[data-busy] is "false", and Escape clears. The same
drawings go through CPython's Recognizer.predict, and the answers that differ are counted.

Figures, for the held-out writers (11-30) and the tuning writers (1-10) apart: digits read right,
refused as unsure, misread (%); the commonest confusions; accuracy by size band. For the non-digits:
refused (%) overall and by kind, and the ones most often read as a digit. Digits are sampled evenly
over writers and digits (seeded); --cpython-all runs CPython on all 7,494 and every non-digit.

--repo DIR measures another checkout's page and weights ("before" figures: git worktree add
/tmp/before <commit>); only the page's hooks are used, so a page that sent pixels works too, as long
as it installs lenet_py as a wheel (commit e496234 on). The CPython line always runs this checkout's
lenet_py, with the weights the page is given. Progress goes to stderr, figures to stdout.
"""
import argparse
import collections
import json
import os
import sys
import time

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from scripts import pendigits, replay  # noqa: E402
from train.cli import REPO  # noqa: E402

GROUPS = (("held_out", "held-out writers 11-30"), ("tuning", "tuning writers 1-10"))


def say(text):
    print(text, file=sys.stderr, flush=True)


def digit_figures(answers, labels, sizes):
    r = replay.rates(answers, labels)
    bands = []
    for b, (low, high) in enumerate(replay.BANDS):
        inside = [k for k, size in enumerate(sizes) if replay.band(size) == b]
        bands.append({"band": "%d-%d%%" % (100 * low, 100 * high), "n": len(inside),
                      "right": replay.rates([answers[k] for k in inside], [labels[k] for k in inside])["right"]})
    wrong = collections.Counter((int(t), int(a)) for a, t in zip(answers, labels) if a in replay.DIGITS and a != str(t))
    return dict(n=len(answers), **r, by_size=bands,
                confusions=[{"true": t, "read": a, "count": c} for (t, a), c in wrong.most_common(8)])


def nondigit_figures(answers, items):
    refused = [replay.refused(a, kind, name) for a, (kind, name, _) in zip(answers, items)]
    kinds = {}
    for (kind, _, _), no in zip(items, refused):
        kinds.setdefault(kind, []).append(no)
    drawn, accepted = collections.Counter(), collections.defaultdict(collections.Counter)
    for (kind, name, _), a, no in zip(items, answers, refused):
        drawn[replay.nondigit_label(kind, name)] += 1
        if not no:
            accepted[replay.nondigit_label(kind, name)][a] += 1
    top = sorted(accepted.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:10]
    return {"n": len(answers), "rejected": float(np.mean(refused)) if refused else 0.0,
            "by_kind": {k: {"n": len(v), "rejected": float(np.mean(v))} for k, v in sorted(kinds.items())},
            "most_accepted": [{"name": name, "accepted": sum(c.values()), "of": drawn[name],
                               "read_as": dict(c.most_common())} for name, c in top]}


def engine_figures(answers, digit_keys, nondigit_keys, labels, writers, sizes, items):
    """answers: {key: answer} for ("d", index) and ("n", index) keys -> the figures of one engine."""
    tuning = ~pendigits.held_out(writers)
    out = {}
    for group, _ in GROUPS:
        keys = [k for k in digit_keys if tuning[k[1]] == (group == "tuning")]
        out[group] = digit_figures([answers[k] for k in keys], [labels[k[1]] for k in keys], [sizes[k] for k in keys])
    if nondigit_keys:
        out["nondigits"] = nondigit_figures([answers[k] for k in nondigit_keys], [items[k[1]] for k in nondigit_keys])
    return out


def pct(x):
    return "%5.1f%%" % (100 * x)


def print_engine(title, figures):
    for group, label in GROUPS:
        f = figures[group]
        print("\n%s, %s: %d digits" % (title, label, f["n"]))
        if not f["n"]:
            continue
        print("  read right %s   unsure %s   misread %s" % (pct(f["right"]), pct(f["unsure"]), pct(f["misread"])))
        print("  right by size: " + "   ".join("%s %s (n=%d)" % (b["band"], pct(b["right"]).strip(), b["n"])
                                                for b in f["by_size"]))
        print("  commonest confusions (true -> read, count): " +
              (", ".join("%d->%d %d" % (c["true"], c["read"], c["count"]) for c in f["confusions"]) or "none"))
    f = figures.get("nondigits")
    if f:
        print("\n%s, non-digits: %d drawings" % (title, f["n"]))
        print("  rejected %s overall;  by kind: " % pct(f["rejected"]).strip() +
              ", ".join("%s %s (n=%d)" % (k, pct(v["rejected"]).strip(), v["n"]) for k, v in f["by_kind"].items()))
        print("  (a pair of digits side by side is refused when nothing is read, or read as its two digits)")
        print("  most often read as digits: " + (", ".join(
            "%s %d/%d (as %s)" % (m["name"], m["accepted"], m["of"], "/".join(m["read_as"]))
            for m in f["most_accepted"]) or "none"))


def main():
    parser = argparse.ArgumentParser(description="Real handwriting and non-digits through the page and CPython.")
    parser.add_argument("--count", type=int, default=600, help="digits replayed on the page (default 600)")
    parser.add_argument("--nondigits", type=int, default=200, help="non-digits replayed on the page (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="sampling and placement seed (default 0)")
    parser.add_argument("--pointer", choices=("mouse", "pen"), default="mouse", help="pointerType of the events")
    parser.add_argument("--weights", help="weights folder for the page and CPython (default: the repo's weights/)")
    parser.add_argument("--repo", help="serve this checkout's web/, lenet_py/ and weights/ (default: this one)")
    parser.add_argument("--no-page", action="store_true", help="CPython only, no browser")
    parser.add_argument("--cpython-all", action="store_true", help="CPython on all 7,494 digits and every non-digit")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    try:
        samples, labels, writers = data = pendigits.load(pendigits.PATH)
    except pendigits.Missing as exc:
        print("error: %s" % exc, file=sys.stderr)
        sys.exit(2)
    weights = os.path.abspath(args.weights or os.path.join(args.repo or REPO, "weights"))

    chosen = replay.sample(replay.digit_cells(labels, writers), args.count, np.random.default_rng(args.seed))
    items = replay.nondigits(args.seed, data)
    picked = replay.sample(replay.nondigit_cells(items), args.nondigits, np.random.default_rng([args.seed, 2]))
    page_keys = [("d", i) for i in chosen] + [("n", j) for j in picked]
    cpython_keys = page_keys
    if args.cpython_all:
        cpython_keys = [("d", i) for i in range(len(labels))] + [("n", j) for j in range(len(items))]
    drawings, sizes = {}, {}
    for key in dict.fromkeys(page_keys + cpython_keys):
        kind, _, strokes = ("digit", None, samples[key[1]]) if key[0] == "d" else items[key[1]]
        drawings[key], sizes[key] = replay.placed(strokes, args.seed, (int(key[0] == "n"), key[1]), kind)

    result = {"seed": args.seed, "pointer": args.pointer, "weights": weights,
              "repo": os.path.abspath(args.repo or REPO)}
    engines = {}
    if not args.no_page:
        server, url = replay.serve(args.repo, weights)
        say("page: %d digits and %d non-digits at %s (%s events)" % (len(chosen), len(picked), url, args.pointer))
        started = time.time()

        def progress(n, total):
            if n % 50 == 0 or n == total:
                say("  page %d/%d (%.0f s)" % (n, total, time.time() - started))
        try:
            answers, mismatched = replay.on_page([drawings[k] for k in page_keys], url, args.pointer, progress)
        except replay.PageError as exc:
            sys.exit("error: %s" % exc)
        server.shutdown()
        engines["page"] = dict(zip(page_keys, answers))
        result["page_text_mismatches"] = mismatched
    from lenet_py.recognizer import Recognizer
    from lenet_py.weights import WeightsError
    try:
        recognizer = Recognizer.from_folder(weights)
    except WeightsError as exc:
        sys.exit("error: CPython cannot use %s: %s" % (weights, exc))
    say("cpython: %d drawings" % len(cpython_keys))
    engines["cpython"] = {}
    for n, key in enumerate(cpython_keys):
        engines["cpython"][key] = replay.cpython_answer(recognizer, drawings[key])
        if (n + 1) % 1000 == 0:
            say("  cpython %d/%d" % (n + 1, len(cpython_keys)))

    for name, answers in engines.items():
        keys = list(answers)
        result[name] = engine_figures(answers, [k for k in keys if k[0] == "d"], [k for k in keys if k[0] == "n"],
                                      labels, writers, sizes, items)
    if "page" in engines:
        differ = [k for k in page_keys if engines["page"][k] != engines["cpython"][k]]
        result["page_vs_cpython"] = {"drawings": len(page_keys), "differ": len(differ),
                                     "digits_differ": sum(k[0] == "d" for k in differ),
                                     "nondigits_differ": sum(k[0] == "n" for k in differ)}
    if args.json:
        print(json.dumps(result))
        return
    print("Real handwriting (pendigits, UCI; 30 writers), seed %d, weights %s" % (args.seed, weights))
    if "page" in engines:
        print("page: %s/web in Chromium, %s events; %d digits sampled evenly over writers and digits, %d non-digits"
              % (result["repo"], args.pointer, len(chosen), len(picked)))
    print("cpython: lenet_py.recognizer on %s" % ("all %d digits and %d non-digits" % (len(labels), len(items))
                                                 if args.cpython_all else "the same drawings"))
    for name, title in (("page", "PAGE"), ("cpython", "CPYTHON")):
        if name in result:
            print_engine(title, result[name])
    if "page" in engines:
        d = result["page_vs_cpython"]
        print("\npage vs CPython on identical drawings: %d of %d answers differ (%d digits, %d non-digits); "
              "shown digit != body[data-prediction]: %d" % (d["differ"], d["drawings"], d["digits_differ"],
                                                           d["nondigits_differ"], result["page_text_mismatches"]))


if __name__ == "__main__":
    main()
