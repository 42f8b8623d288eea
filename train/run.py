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
import os
import signal
import sys
import time

if __name__ == "__main__":  # run as `python train/run.py`: make lenet_py and train importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    # One BLAS thread, unless told otherwise: at batch 32 the matmuls are too small to gain from a
    # second one (an epoch 5.1 s on one thread, 6.1 s on two, idle 2-core machine), and a second
    # thread that gets descheduled stalls every matmul when the machine is shared (7.1 s vs 12 s).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from lenet_py.augment import augment  # noqa: E402
from lenet_py.model import LeNet5  # noqa: E402
from lenet_py.optim import SDLM, SGD, paper_lr, step_lr  # noqa: E402
from lenet_py.preprocess import normalize  # noqa: E402
from lenet_py.weights import WeightsError, save_weights  # noqa: E402
from train import cli  # noqa: E402
from train.average import WeightAverage  # noqa: E402
from train.checkpoint import CHECKPOINT, HISTORY_FIELDS, latest_run, load_checkpoint, save_checkpoint  # noqa: E402
from train.config import PAPER, TrainConfig, build_parser  # noqa: E402
from train.data import DEFAULT_DIR as DEFAULT_DATA  # noqa: E402
from train.data import load_mnist  # noqa: E402
from train.errors import CheckpointError, TrainError  # noqa: E402
from train.evaluate import evaluate  # noqa: E402
from train.folders import check_out, claim_run_dir, refuse_taken  # noqa: E402
from train.memory import keep_freed_memory  # noqa: E402
from train.negatives import make_pool, negatives_per_epoch, steps_per_epoch, with_negatives  # noqa: E402
from train.plots import plot_results  # noqa: E402
from train.stopping import CtrlC, Interrupted, Progress  # noqa: E402
from train.styles import add_styles  # noqa: E402

# Flags outside TrainConfig: where things are read and written, not how the model is trained
# (and --paper, which picks the defaults the other flags override).
LOCATION_FLAGS = ("data", "out", "run_dir", "resume", "paper")


# ---- training -----------------------------------------------------------------------------------

class Diverged(Exception):
    """The loss or the weights stopped being finite numbers; str() says where."""


def train_epoch(model, optimizer, images, labels, config, lr, rng, progress=None, ctrl_c=None, average=None):
    """One pass in a random order; returns the mean training loss and accuracy. progress: a tqdm bar or None;
    average: a WeightAverage to update after every step, or None.
    Raises Diverged before a step on a loss that is not finite: that step would spread it to every weight."""
    order = rng.permutation(len(images))
    aug = config.augmentation
    total_loss, correct, seen = 0.0, 0, 0
    for step, start in enumerate(range(0, len(order), config.batch_size)):
        if ctrl_c:
            ctrl_c.check()
        batch = order[start:start + config.batch_size]
        pixels = images[batch]
        if config.augment:
            pixels = augment(add_styles(pixels, labels[batch], rng, config.styles), rng, aug)
        out = model.forward(normalize(pixels, model.dtype))
        loss, dout = model.loss(out, labels[batch])
        if not np.isfinite(loss):
            raise Diverged("loss %s at batch %d" % (float(loss), step + 1))
        model.backward(dout)
        # SDLM's eta is per pattern and the gradient a batch's mean: a batch steps as far as its patterns would.
        optimizer.step(model, lr * len(batch) if config.optimizer == "sdlm" else lr)
        if average:
            average.update(model)
        total_loss += loss * len(batch)
        correct += int((model.classes(out) == labels[batch]).sum())
        seen += len(batch)
        if progress is None:
            continue
        progress.update(1)
        if step % 25 == 0:
            progress.set_postfix(loss="%.4f" % (total_loss / seen), acc="%.4f" % (correct / seen), lr="%.2g" % lr)
    return total_loss / seen, correct / seen


def check_finite(model, optimizer, average, test_loss):
    """Diverged unless everything the checkpoint is about to keep is finite. The last step of an
    epoch can overflow a weight with no batch left to show it in its loss."""
    if not np.isfinite(test_loss):
        raise Diverged("test loss %s after the last batch" % float(test_loss))
    for name, value in list(model.named_params()) + sorted(optimizer.velocity.items()) + sorted(average.values.items()):
        if not np.isfinite(value).all():
            raise Diverged("%s not finite after the last batch" % name)


def write_history(run_dir, history):
    with open(os.path.join(run_dir, "history.csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HISTORY_FIELDS)
        writer.writeheader()
        writer.writerows(history)


def resolve_run(args):
    """(config, run_dir or None for a new default folder, checkpoint or None) from the flags, a
    resumed run's checkpoint taking precedence."""
    explicit = {k: v for k, v in vars(args).items() if k not in LOCATION_FLAGS}
    if not args.resume:
        if args.run_dir:
            refuse_taken(args.run_dir)
        return TrainConfig.from_flat(explicit, PAPER if args.paper else None), args.run_dir, None
    if args.paper:
        raise CheckpointError("--paper with --resume: a resumed run keeps the settings it started with")
    run_dir = latest_run(cli.DEFAULT_RUNS) if args.resume == "latest" else args.resume
    path = os.path.join(run_dir, CHECKPOINT)
    if not os.path.isfile(path):
        raise CheckpointError("%s: no checkpoint to resume" % path)
    checkpoint = load_checkpoint(path)
    saved, done = checkpoint.config.flat(), checkpoint.state["epoch"]
    clashes = ["--%s %s (the run used %s)" % (k.replace("_", "-"), v, saved.get(k))
               for k, v in explicit.items() if k != "epochs" and saved.get(k) != v]
    if clashes:
        raise CheckpointError("cannot resume %s with different settings: %s" % (run_dir, "; ".join(clashes)))
    if explicit.get("epochs", done) < done:
        raise CheckpointError("cannot resume %s with --epochs %d: its checkpoint has already done %d epochs"
                        % (run_dir, explicit["epochs"], done))
    # A resumed run reads and writes where it did before unless told otherwise.
    args.data = args.data or checkpoint.state["data"]
    args.out = args.out or checkpoint.state["out"]
    return TrainConfig.from_flat(dict(saved, **explicit)), run_dir, checkpoint


def train_epochs(model, optimizer, average, rng, data, pool, config, history, progress, ctrl_c, args):
    from tqdm import tqdm
    (train_images, train_labels), (test_images, test_labels) = data
    extra = negatives_per_epoch(config, len(train_images))
    steps = steps_per_epoch(config, len(train_images))
    for epoch in range(progress.done, config.epochs):
        progress.epoch = epoch
        ctrl_c.check()
        lr = (paper_lr(config.lr, epoch) if config.lr_schedule == "paper"
              else step_lr(config.lr, epoch, config.lr_step, config.lr_decay))
        started = time.perf_counter()
        if config.optimizer == "sdlm":   # the curvature on a fresh sample, for this pass's step sizes
            sample = rng.choice(len(train_images), min(config.sdlm_patterns, len(train_images)), replace=False)
            optimizer.estimate(model, normalize(train_images[sample], model.dtype))
        images, labels = with_negatives(train_images, train_labels, pool, extra, rng)
        with tqdm(total=steps, desc="epoch %d/%d" % (epoch + 1, config.epochs), unit="batch",
                  file=sys.stderr, dynamic_ncols=True) as bar:
            train_loss, train_acc = train_epoch(model, optimizer, images, labels, config, lr, rng, bar, ctrl_c, average)
            with average.applied(model):
                test = evaluate(model, test_images, test_labels)
            check_finite(model, optimizer, average, test["loss"])
            bar.set_postfix(loss="%.4f" % train_loss, acc="%.4f" % train_acc, test_acc="%.4f" % test["accuracy"])
        history.append({"epoch": epoch + 1, "lr": lr, "train_loss": round(train_loss, 6),
                        "train_accuracy": round(train_acc, 6), "test_loss": round(test["loss"], 6),
                        "test_accuracy": test["accuracy"], "seconds": round(time.perf_counter() - started, 2)})
        save_checkpoint(os.path.join(progress.run_dir, CHECKPOINT), model, optimizer,
                        {"config": dataclasses.asdict(config), "epoch": epoch + 1,
                         "rng": rng.bit_generator.state, "history": history,
                         "data": args.data, "out": args.out}, average)
        progress.done = epoch + 1
        write_history(progress.run_dir, history)


def manifest_settings(config):
    """The settings as the manifest's "training" entry has always listed them: flat, by flag name. The
    model's dtype is left out; the manifest records it with every tensor."""
    return {name: value for name, value in config.flat().items() if name != "dtype"}


def finish(model, average, history, test_data, config, progress, ctrl_c, args):
    """Evaluate, plot and write the weights (their average, if the run keeps one). Ctrl-C is still handled
    here: until the weights are in place the checkpoint is all there is, and the message says how to
    finish from it."""
    progress.finishing = True
    run_dir = progress.run_dir
    with average.applied(model):   # one swap: what is evaluated is what is written
        final = evaluate(model, *test_data)
        ctrl_c.check()
        plot_results(run_dir, history, final["confusion"])
        ctrl_c.check()
        replaced = os.path.join(run_dir, "replaced-weights")
        if os.path.exists(replaced):  # a second finish of the same run: keep the first replaced folder too
            replaced += time.strftime("-%Y%m%d-%H%M%S")
        with ctrl_c.deferred():
            save_weights(model, args.out, keep_previous_as=replaced, metadata={
                "test_accuracy": final["accuracy"],
                "test_correct": final["correct"],
                "test_total": final["total"],
                "per_class_accuracy": final["per_class_accuracy"],
                "training": dict(manifest_settings(config), epochs_trained=len(history)),
                "history": history,
            })
    print("test accuracy %.4f (%d / %d); weights written to %s; logs and plots in %s"
          % (final["accuracy"], final["correct"], final["total"], args.out, run_dir))
    if os.path.exists(replaced):
        print("the previous %s was moved to %s" % (args.out, replaced))


def prepare(args, progress):
    """Everything before the first epoch: settings, checks, data, the run folder, the model."""
    config, run_dir, checkpoint = resolve_run(args)
    args.data = os.path.abspath(args.data or DEFAULT_DATA)
    args.out = os.path.abspath(args.out or cli.DEFAULT_WEIGHTS)
    # A new default run folder is named when it is created; any name it gets is in DEFAULT_RUNS.
    check_out(args.out, run_dir or os.path.join(cli.DEFAULT_RUNS, time.strftime("%Y%m%d-%H%M%S")))
    data = load_mnist(args.data)
    train_images, train_labels = data["train"]
    test_images, test_labels = data["test"]
    if config.train_images:
        train_images, train_labels = train_images[:config.train_images], train_labels[:config.train_images]
    if config.test_images:
        test_images, test_labels = test_images[:config.test_images], test_labels[:config.test_images]

    init_seed, train_seed, pool_seed = np.random.SeedSequence(config.seed).spawn(3)
    model = LeNet5(config.model, np.random.default_rng(init_seed))
    optimizer = SDLM(config.sdlm_mu) if config.optimizer == "sdlm" else SGD(config.momentum, config.weight_decay)
    average = WeightAverage(config.average)
    rng = np.random.default_rng(train_seed)
    history = []
    if checkpoint:
        model.set_params(checkpoint.params)
        optimizer.velocity = {k: v.astype(model.dtype) for k, v in checkpoint.velocity.items()}
        average.values = {k: v.astype(model.dtype) for k, v in checkpoint.average.items()}
        # Every epoch takes the same number of steps: the average's warm-up goes on where it stopped.
        average.steps = checkpoint.state["epoch"] * steps_per_epoch(config, len(train_images))
        rng.bit_generator.state = checkpoint.state["rng"]
        history, progress.done = checkpoint.state["history"], checkpoint.state["epoch"]
        progress.run_dir = run_dir
        print("resuming %s after epoch %d of %d" % (run_dir, progress.done, config.epochs))
    else:  # claimed last, so that a refusal above leaves no empty run folder behind
        progress.run_dir, progress.created = claim_run_dir(run_dir, cli.DEFAULT_RUNS, {
            "config": dataclasses.asdict(config), "data": args.data, "out": args.out})
    data = ((train_images, train_labels), (test_images, test_labels))
    # Made afresh from its own seed, so a resumed run gets the very same pool without storing it.
    extra = negatives_per_epoch(config, len(train_images))
    if extra:
        print("making %d non-digits for the 'not a digit' output" % (2 * extra), file=sys.stderr)
    pool = make_pool(train_images, 2 * extra, np.random.default_rng(pool_seed))
    return config, model, optimizer, average, rng, data, pool, history


def main(argv=None):
    args = build_parser().parse_args(argv)
    keep_freed_memory()  # augmentation's temporaries stop page-faulting in afresh every batch (train/memory.py)
    ctrl_c, progress = CtrlC(), Progress()
    previous_handler = signal.signal(signal.SIGINT, ctrl_c)
    restore_handler = True
    try:
        config, model, optimizer, average, rng, data, pool, history = prepare(args, progress)
        train_epochs(model, optimizer, average, rng, data, pool, config, history, progress, ctrl_c, args)
        finish(model, average, history, data[1], config, progress, ctrl_c, args)
    except TrainError as exc:  # the project's own refusals; anything else is a bug and keeps its traceback
        cli.fail(str(exc))
    except (Interrupted, KeyboardInterrupt):
        # Stopping already: one more press must not cut the message short or end in a traceback,
        # so Ctrl-C stays ignored until the process has exited.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        restore_handler = False
        sys.stderr.write("\ninterrupted %s; %s\n" % (progress.where(), progress.kept()))
        sys.exit(130)
    except Diverged as exc:  # the checkpoint is of no use to go on from: it would diverge the same way
        cli.fail("training diverged in epoch %d (%s); %s; try a smaller --lr"
                 % (progress.epoch + 1, exc, progress.kept(hint=False)), status=1)
    except (OSError, WeightsError) as exc:  # a full disk, a folder removed under the run: not a traceback
        what = "%s (%s)" % (exc.filename, exc.strerror) if isinstance(exc, OSError) and exc.filename else exc
        cli.fail("cannot write %s; %s" % (what, progress.kept()), status=1)
    finally:
        if restore_handler:
            signal.signal(signal.SIGINT, previous_handler)


if __name__ == "__main__":
    main()
