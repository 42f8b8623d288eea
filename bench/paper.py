"""The paper's runs beside the paper's figures: test error per pass, the learning curve as a PNG, and
what SDLM's curvature estimate costs.

    python train/run.py --paper --run-dir runs/paper --out runs/paper/weights
    python train/run.py --paper --augment --run-dir runs/paper-distorted --out runs/paper-distorted/weights
    python bench/paper.py runs/paper runs/paper-distorted [--png paper.png]

LeCun et al. 1998 report, for LeNet-5 on MNIST: 0.95% test error after about 19 passes without
distortions (section III.C, Figure 5), and 0.8% with distortions (section III.C). Figure 5's curve
is a picture, not a table, so only those two figures are printed beside ours.
"""
import argparse
import csv
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

PAPER_ERROR = {False: 0.95, True: 0.8}   # percent, without and with distortions


def read_run(run_dir):
    """(config dict, history rows) of a run folder written by train/run.py."""
    with open(os.path.join(run_dir, "run.json")) as fh:
        config = json.load(fh)["config"]
    with open(os.path.join(run_dir, "history.csv")) as fh:
        history = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]
    if not history:
        sys.exit("error: %s: no completed pass in history.csv" % run_dir)
    return config, history


def curvature_seconds(config, repeats=3):
    """Median seconds of one curvature estimate on config's sdlm_patterns MNIST training images."""
    from lenet_py.model import LeNet5, ModelConfig
    from lenet_py.optim import SDLM
    from lenet_py.preprocess import normalize
    from train.data import DEFAULT_DIR, load_split
    images, _ = load_split(DEFAULT_DIR, "train")
    model = LeNet5(ModelConfig(**config["model"]), np.random.default_rng(0))
    x = normalize(images[:config["sdlm_patterns"]], model.dtype)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        SDLM(config["sdlm_mu"]).estimate(model, x)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def table(name, config, history):
    distorted = bool(config["augment"])
    print("\n%s: %s, batch %d, %s%s" % (name, "with distortions" if distorted else "no distortions",
                                       config["batch_size"], config["optimizer"],
                                       ", init %s" % config["model"]["init"]))
    print("pass   eta       train err %   test err %   seconds   (train: as the pass went, distorted if so)")
    for row in history:
        print("%4d   %-8.2g  %10.2f   %10.2f   %7.1f" % (row["epoch"], row["lr"], 100 * (1 - row["train_accuracy"]),
                                                       100 * (1 - row["test_accuracy"]), row["seconds"]))
    final = 100 * (1 - history[-1]["test_accuracy"])
    print("after %d passes: %.2f%% test error; the paper: %.2f%%; %.0f s of training in all"
          % (len(history), final, PAPER_ERROR[distorted], sum(r["seconds"] for r in history)))
    if config["optimizer"] == "sdlm":
        estimate = curvature_seconds(config)
        per_pass = np.median([r["seconds"] for r in history])
        print("SDLM curvature estimate on %d patterns: %.2f s, %.1f%% of a pass (median %.1f s)"
              % (config["sdlm_patterns"], estimate, 100 * estimate / per_pass, per_pass))


def plot(runs, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    for distorted in sorted({bool(config["augment"]) for _, config, _ in runs}):
        ax.axhline(PAPER_ERROR[distorted], color="black", ls="--" if distorted else "-.", lw=1,
                   label="the paper, %s distortions: %.2f%%" % ("with" if distorted else "without", PAPER_ERROR[distorted]))
    for (name, config, history), colour in zip(runs, ("C0", "C1", "C2", "C3", "C4", "C5")):
        distorted = bool(config["augment"])
        label = "%s (%s)" % (name, "distortions" if distorted else "no distortions")
        passes = [r["epoch"] for r in history]
        ax.plot(passes, [100 * (1 - r["test_accuracy"]) for r in history], "o-", color=colour, label="test, " + label)
        ax.plot(passes, [100 * (1 - r["train_accuracy"]) for r in history], ":", color=colour,
                label="training (during the pass), " + label)
    ax.set(xlabel="pass over the 60,000 training images", ylabel="error %", yscale="log",
           title="LeNet-5 as in LeCun et al. 1998 (RBF outputs, MAP loss, SDLM)")
    ax.set_xticks(range(1, max(len(h) for _, _, h in runs) + 1))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Print the paper runs' per-pass errors beside the paper's, and plot them.")
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folders written by train/run.py")
    parser.add_argument("--png", default="paper_learning_curve.png", help="where to write the learning curve")
    args = parser.parse_args(argv)
    runs = []
    for run_dir in args.runs:
        if not os.path.isfile(os.path.join(run_dir, "history.csv")):
            parser.error("%s: not a run folder (no history.csv)" % run_dir)
        config, history = read_run(run_dir)
        runs.append((os.path.basename(os.path.normpath(run_dir)), config, history))
    for name, config, history in runs:
        table(name, config, history)
    plot(runs, args.png)
    print("\nlearning curve written to %s" % args.png)


if __name__ == "__main__":
    main()
