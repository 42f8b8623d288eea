"""Does the page learn a person's own handwriting from their corrections? Real writers, one at a time.

    python bench/learn_writer.py [--writers 14 28] [--weights DIR] [--json]

Each writer the thresholds were never tuned on (scripts/pendigits.py, writers 11-30) draws all of
their digits (about 250) one after another, in a random order of their own, each placed at a random
size as bench/real_handwriting.py's CPython figures place it, and read as the page reads it (a number
reader, "not sure" allowed). Twice, from the shipped weights each time:
  as shipped:  nobody corrects anything;
  correcting:  every misread or "not sure" is corrected, as a person clicks the right digit's button,
               and the page learns from it as it does (Recognizer.learn: a few SGD steps on the
               drawing among replayed MNIST digits). A digit read as two or more is left: the page
               teaches one digit of a number, and has no way to say "this is all one digit".
Printed per writer: answers not right in the first half of their digits and in the second, both
ways; the corrections made, how many of them the page then reads right at once, and the splits left
uncorrected; then the second halves of all writers together (what a person gets after some minutes
of use), and MNIST's test accuracy after each writer's corrections (what they cost the digits of
everyone else). The page runs the same Python (lenet_py.worker_api calls
Recognizer.learn), so this is measured in CPython.
"""
import argparse
import json
import os
import sys

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from scripts import pendigits, replay  # noqa: E402
from train.cli import REPO  # noqa: E402

REPLAY = os.path.join(REPO, "web", "replay.npz")   # the MNIST sample the page learns beside (scripts/setup.sh makes it)


def session(weights, drawings, labels, correct):
    """One writer's digits read in order -> (not right: (N,) bool, corrections, how many of them the
    corrected drawing was then read right, mistakes left uncorrected because the digit was read as
    several, the recognizer after)."""
    from lenet_py.recognizer import Recognizer
    recognizer = Recognizer.from_folder(weights)
    recognizer.use_replay(REPLAY)
    wrong, at_once, split = np.zeros(len(labels), bool), 0, 0
    for k, (strokes, label) in enumerate(zip(drawings, labels)):
        answer = replay.cpython_answer(recognizer, strokes)
        wrong[k] = answer != str(int(label))
        if correct and wrong[k] and len(answer) > 1 and answer != replay.UNSURE:
            split += 1    # read as two digits or more: the page teaches one of them, not "this is one digit"
        elif correct and wrong[k]:
            result = recognizer.learn([s.tolist() for s in strokes], int(label))
            at_once += not (result.get("empty") or result["unsure"]) and result["number"] == str(int(label))
    return wrong, recognizer.corrections, at_once, split, recognizer


def mnist_accuracy(recognizer, test):
    """Share of MNIST's test images whose most likely digit is right."""
    from lenet_py.preprocess import normalize
    model, (images, labels) = recognizer.model, test
    probabilities = model.predict_proba(normalize(images, model.dtype))
    return float((probabilities[:, :10].argmax(axis=1) == labels).mean())


def writer_figures(weights, writer, data, test):
    samples, labels, writers = data
    own = np.flatnonzero(writers == writer)
    own = own[np.random.default_rng(writer).permutation(len(own))]       # the order they draw in
    drawings = [replay.placed(samples[i], 0, (0, int(i)), "digit")[0] for i in own]
    half = len(own) // 2
    shipped = session(weights, drawings, labels[own], correct=False)[0]
    taught, corrections, at_once, split, recognizer = session(weights, drawings, labels[own], correct=True)
    return {"writer": int(writer), "digits": len(own), "half": half,
            "shipped": [int(shipped[:half].sum()), int(shipped[half:].sum())],
            "correcting": [int(taught[:half].sum()), int(taught[half:].sum())],
            "corrections": corrections, "right_at_once": at_once, "split": split, "mnist_after": mnist_accuracy(recognizer, test)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, nargs="+",
                        help="writers (default: all held-out writers, 11-30; choose settings on 1-10 only)")
    parser.add_argument("--weights", help="weights folder (default: the repo's weights/)")
    parser.add_argument("--json", action="store_true", help="figures as JSON")
    args = parser.parse_args()
    from lenet_py.weights import WeightsError
    from train.data import DataError, load_mnist
    try:
        data = pendigits.load()
        test = load_mnist()["test"]
    except (pendigits.Missing, DataError) as exc:
        raise SystemExit("error: %s" % exc)
    if not os.path.isfile(REPLAY):
        raise SystemExit("error: %s not found: run scripts/setup.sh first" % REPLAY)
    every, held = sorted(set(data[2].tolist())), sorted(set(data[2][pendigits.held_out(data[2])].tolist()))
    chosen = args.writers or held
    if set(chosen) - set(every):
        raise SystemExit("error: no writer %s in the data (its writers are %d-%d)"
                         % (sorted(set(chosen) - set(every))[0], every[0], every[-1]))
    weights = os.path.abspath(args.weights or os.path.join(REPO, "weights"))
    try:
        rows = [writer_figures(weights, w, data, test) for w in chosen]
    except WeightsError as exc:
        raise SystemExit("error: %s" % exc)
    second = sum(r["digits"] - r["half"] for r in rows)
    total = {"second_halves": second, "shipped": sum(r["shipped"][1] for r in rows) / second,
             "correcting": sum(r["correcting"][1] for r in rows) / second,
             "corrections": sum(r["corrections"] for r in rows), "right_at_once": sum(r["right_at_once"] for r in rows),
             "split": sum(r["split"] for r in rows),
             "mnist_after": [min(r["mnist_after"] for r in rows), max(r["mnist_after"] for r in rows)]}
    if args.json:
        print(json.dumps({"weights": weights, "writers": rows, "total": total}, indent=1))
        return
    print("Each writer draws all their digits in turn (weights %s); answers not right, first half / second half:" % weights)
    for r in rows:
        print("  writer %d (%d digits): as shipped %2d / %2d   correcting %2d / %2d   (%2d corrections, %2d right at once, "
              "%d splits; MNIST after %.2f%%)" % (r["writer"], r["digits"], *r["shipped"], *r["correcting"],
                                                  r["corrections"], r["right_at_once"], r["split"], 100 * r["mnist_after"]))
    print("Second halves, %d digits of %d writers: not right %.2f%% as shipped, %.2f%% for a person who corrects "
          "(%d corrections in all, %d read right at once; %d splits left); MNIST test after one writer's corrections "
          "%.2f-%.2f%%" % (second, len(rows), 100 * total["shipped"], 100 * total["correcting"], total["corrections"],
                           total["right_at_once"], total["split"],
             100 * total["mnist_after"][0], 100 * total["mnist_after"][1]))


if __name__ == "__main__":
    main()
