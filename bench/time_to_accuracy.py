"""When a training run first reached a test accuracy, from its history.csv.

    python bench/time_to_accuracy.py                      # the newest run in runs/, target 99.2%
    python bench/time_to_accuracy.py runs/20261126-1300 --target 99.3

Prints every epoch with its cumulative time, then the first epoch at or above the target. The times
are train/run.py's own (training plus the test-set pass of each epoch); the start-up before the
first epoch (reading MNIST, making the non-digits) is not in history.csv: time the whole command
to see it. A resumed run's epochs count as if it had not stopped.
"""
import csv
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from train import cli  # noqa: E402
from train.checkpoint import latest_run  # noqa: E402
from train.errors import CheckpointError  # noqa: E402


def read_history(run_dir):
    """[(epoch, test accuracy, cumulative seconds)] from run_dir/history.csv; SystemExit with one line if unreadable."""
    path = os.path.join(run_dir, "history.csv")
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        sys.exit("error: %s: not a training history (%s)" % (path, exc))
    out, total = [], 0.0
    for number, row in enumerate(rows, 1):
        try:
            epoch, accuracy, seconds = int(row["epoch"]), float(row["test_accuracy"]), float(row["seconds"])
        except (KeyError, TypeError, ValueError):   # a missing column, a short row, a word for a number
            epoch = accuracy = seconds = None
        if epoch != number or not (accuracy is not None and 0 <= accuracy <= 1) or not (
                seconds is not None and math.isfinite(seconds) and seconds >= 0):
            sys.exit("error: %s: not a training history (row %d is not epoch %d with a test accuracy in [0, 1] "
                     "and its seconds)" % (path, number, number))
        total += seconds
        out.append((epoch, accuracy, total))
    if not out:
        sys.exit("error: %s: no epoch recorded yet" % path)
    return out


def first_reaching(history, target):
    """The first (epoch, accuracy, seconds) whose accuracy is at least ``target`` (a fraction), or None."""
    return next((row for row in history if row[1] >= target), None)


def main():
    parser = cli.OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", help="a run folder (default: the newest in runs/)")
    parser.add_argument("--target", type=float, default=99.2, help="test accuracy in percent (default 99.2)")
    args = parser.parse_args()
    if not 0 < args.target <= 100:
        sys.exit("error: --target %s: a percentage in (0, 100]" % args.target)
    try:
        run_dir = args.run_dir or latest_run(cli.DEFAULT_RUNS)
    except CheckpointError as exc:
        sys.exit("error: %s" % exc)
    history = read_history(run_dir)
    print("%s\nepoch  test accuracy  seconds so far" % run_dir)
    for epoch, accuracy, seconds in history:
        print("%5d  %12.2f%%  %14.1f" % (epoch, 100 * accuracy, seconds))
    best = max(history, key=lambda row: row[1])
    print("best %.2f%% at epoch %d; final %.2f%% after %.1f s" % (100 * best[1], best[0], 100 * history[-1][1],
                                                                  history[-1][2]))
    hit = first_reaching(history, args.target / 100)
    if hit is None:
        print("%.2f%%: never reached" % args.target)
    else:
        print("%.2f%%: first reached at epoch %d, %.1f s (%.2f min) of epochs" % (args.target, hit[0], hit[2],
                                                                                hit[2] / 60))


if __name__ == "__main__":
    main()
