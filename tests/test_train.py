"""Training: a short run learns, runs are deterministic and resumable, each run has its own folder,
Ctrl-C at any point keeps what can be kept, bad input is one clean line."""
import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO
from lenet_py.weights import load_weights
from train_helpers import RUN, SMALL, current_umask, history, only_line, run, strict_json

def test_short_run_learns_and_writes_everything(tmp_path, mnist_dir):
    out, run_dir = tmp_path / "weights", tmp_path / "run"
    result = run(SMALL + ["--epochs", "3", "--out", str(out), "--run-dir", str(run_dir), "--data", mnist_dir])
    assert result.returncode == 0, result.stderr
    rows = history(run_dir)
    losses = [float(r["train_loss"]) for r in rows]
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    # Every training image is distorted and a tenth of each epoch is non-digits, so 600 images fall
    # slowly: 1.96, 1.49, 1.40 with the defaults. Above chance (0.1) on unseen digits is the real check.
    assert losses[0] > losses[1] > losses[2], losses
    assert float(rows[-1]["test_accuracy"]) > 0.5
    for name in ("checkpoint.npz", "learning_curves.png", "confusion_matrix.png"):
        assert (run_dir / name).stat().st_size > 0
    assert (run_dir / "learning_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model, manifest = load_weights(str(out))
    assert manifest["training"]["epochs_trained"] == 3 and manifest["training"]["train_images"] == 600
    assert manifest["test_total"] == 300
    assert "epoch 3/3" in result.stderr  # the tqdm bar


def test_second_run_keeps_the_weights_it_replaces(tmp_path, mnist_dir):
    out = tmp_path / "weights"
    for name in ("a", "b"):
        result = run(SMALL + ["--epochs", "1", "--out", str(out), "--run-dir", str(tmp_path / name),
                              "--seed", "1" if name == "a" else "2"])
        assert result.returncode == 0, result.stderr
    assert load_weights(str(tmp_path / "b" / "replaced-weights"))[1]["training"]["seed"] == 1
    assert load_weights(str(out))[1]["training"]["seed"] == 2


def test_interrupted_run_resumes_from_the_last_completed_epoch(tmp_path, mnist_dir):
    """Ctrl-C during epoch 2, then --resume: the result equals an uninterrupted run with the same seed,
    the weights' average (which is what is written) included."""
    args = ["--train-images", "4000", "--test-images", "200", "--epochs", "3", "--seed", "5", "--average", "0.99"]
    straight = run(args + ["--out", str(tmp_path / "w_straight"), "--run-dir", str(tmp_path / "straight")])
    assert straight.returncode == 0, straight.stderr

    run_dir = tmp_path / "interrupted"
    proc = subprocess.Popen(RUN + args + ["--out", str(tmp_path / "w_resumed"), "--run-dir", str(run_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    deadline = time.time() + 120
    while not (run_dir / "checkpoint.npz").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "checkpoint of epoch 1 is kept" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "w_resumed").exists()  # no half-finished weights

    resumed = run(["--resume", str(run_dir)])
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout and "after epoch 1 of 3" in resumed.stdout
    assert [int(r["epoch"]) for r in history(run_dir)] == [1, 2, 3]
    a = dict(load_weights(str(tmp_path / "w_straight"))[0].named_params())
    b = dict(load_weights(str(tmp_path / "w_resumed"))[0].named_params())
    for name in a:
        assert np.array_equal(a[name], b[name]), name


def test_resume_refuses_changed_settings(tmp_path, mnist_dir):
    run_dir = tmp_path / "run"
    assert run(SMALL + ["--epochs", "1", "--out", str(tmp_path / "w"), "--run-dir", str(run_dir)]).returncode == 0
    result = run(["--resume", str(run_dir), "--lr", "0.5"])
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "error: cannot resume %s with different settings: --lr 0.5 (the run used 0.02)" % run_dir]
    extended = run(["--resume", str(run_dir), "--epochs", "2"])  # more epochs is a continuation, not a change
    assert extended.returncode == 0, extended.stderr
    assert [int(r["epoch"]) for r in history(run_dir)] == [1, 2]


@pytest.mark.parametrize("args,message", [
    (["--epochs", "1", "--data", "/nonexistent"], "error: /nonexistent: MNIST folder not found"),
    (["--epochs", "0"], "run.py: error: argument --epochs: '0' is not in [1, 1000] (see --help)"),
    (["--lr", "-1"], "run.py: error: argument --lr: '-1' is not in (0, 10] (see --help)"),
    (["--lr", "fast"], "run.py: error: argument --lr: 'fast' is not a number in (0, 10] (see --help)"),
    (["--lr-decay", "2"], "run.py: error: argument --lr-decay: '2' is not in (0, 1] (see --help)"),
    (["--momentum", "1"], "run.py: error: argument --momentum: '1' is not in [0, 1) (see --help)"),
    (["--c3-table", "half"], "run.py: error: argument --c3-table: invalid choice: 'half'"),
    (["--resume", "/nonexistent/run"], "error: /nonexistent/run/checkpoint.npz: no checkpoint to resume"),
])
def test_bad_input_is_one_clear_line(args, message):
    result = run(args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert "Traceback" not in result.stderr


def test_data_errors_are_one_clear_line(tmp_path, mnist_dir):
    for name in os.listdir(mnist_dir):
        (tmp_path / name).write_bytes(open(os.path.join(mnist_dir, name), "rb").read())
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-5])
    result = run(["--epochs", "1", "--data", str(tmp_path)])
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "error: %s: truncated, the header promises 10000 = 10008 bytes, the file has 10003" % labels]


def test_help_documents_every_flag():
    result = run(["--help"])
    assert result.returncode == 0
    for flag in ("--epochs", "--batch-size", "--lr", "--lr-step", "--lr-decay", "--momentum", "--seed", "--data",
                 "--resume", "--no-augment", "--elastic-alpha", "--c3-table", "--activation", "--out"):
        assert flag in result.stdout


# The ranges as the task set them: wide enough for every experiment, and nothing that overflows.
@pytest.mark.parametrize("flag,value,interval", [
    ("--rotate", "1e308", "[0, 180]"),
    ("--shift", "1e308", "[0, 14]"),
    ("--elastic-sigma", "1e200", "(0, 20]"),
    ("--elastic-sigma", "0", "(0, 20]"),
    ("--elastic-alpha", "inf", "[0, 10]"),
    ("--scale", "1", "[0, 1)"),
    ("--lr", "1e300", "(0, 10]"),
    ("--lr", "nan", "(0, 10]"),
    ("--momentum", "nan", "[0, 1)"),
    ("--weight-decay", "nan", "[0, 1]"),
    ("--lr-decay", "0", "(0, 1]"),
    ("--lr-step", "1001", "[1, 1000]"),
    ("--epochs", "1001", "[1, 1000]"),
    ("--batch-size", "60001", "[1, 60000]"),
    ("--seed", str(2 ** 32), "[0, 4294967295]"),
    ("--train-images", "60001", "[0, 60000]"),
    ("--test-images", "10001", "[0, 10000]"),
])
def test_every_number_is_bounded_and_the_range_is_named(flag, value, interval, capsys):
    from train.run import build_parser
    parser = build_parser()
    parser.prog = "run.py"  # in-process, argparse would name pytest
    with pytest.raises(SystemExit) as exit:
        parser.parse_args([flag, value])
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "run.py: error: argument %s: %r is not in %s (see --help)" % (flag, value, interval)]
    help_text = " ".join(parser.format_help().split())  # argparse wraps the lines
    flag_help = help_text.split(" %s " % flag)[-1].split(" --")[0]  # its line under "options"
    assert "in %s (default" % interval in flag_help, flag_help


def test_the_defaults_and_the_limits_themselves_are_accepted():
    from train.run import build_parser
    args = build_parser().parse_args(["--rotate", "180", "--shift", "14", "--elastic-sigma", "20", "--lr", "10",
                                      "--momentum", "0", "--seed", str(2 ** 32 - 1), "--epochs", "1000"])
    assert (args.rotate, args.shift, args.lr, args.seed) == (180, 14, 10, 2 ** 32 - 1)


def test_evaluate_batch_is_bounded():
    result = subprocess.run([sys.executable, os.path.join(REPO, "train", "evaluate.py"), "--batch", "10001"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "evaluate.py: error: argument --batch: '10001' is not in [1, 10000] (see --help)"]


# ---- run folders --------------------------------------------------------------------------------

def test_runs_started_in_the_same_second_get_their_own_folders(tmp_path, monkeypatch, mnist_dir):
    from train import cli
    from train import run as train_run
    monkeypatch.setattr(cli, "DEFAULT_RUNS", str(tmp_path / "runs"))
    monkeypatch.setattr(time, "strftime", lambda fmt, *when: "20240229-120000")  # one second for both
    for seed in (1, 2):
        train_run.main(SMALL + ["--epochs", "1", "--seed", str(seed), "--out", str(tmp_path / ("w%d" % seed))])
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2
    seeds = [strict_json(str(np.load(f / "checkpoint.npz")["state"]))["config"]["seed"] for f in folders]
    assert sorted(seeds) == [1, 2]
    mask = current_umask()  # the usual modes, not mkdtemp's 0700
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask
        for name in ("checkpoint.npz", "history.csv", "run.json"):
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o666 & ~mask


def test_two_runs_racing_for_one_run_dir_cannot_share_it(tmp_path, mnist_dir):
    run_dir = tmp_path / "run"
    procs = [subprocess.Popen(RUN + SMALL + ["--epochs", "1", "--seed", str(seed), "--run-dir", str(run_dir),
                                             "--out", str(tmp_path / ("w%d" % seed))],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
             for seed in (1, 2)]
    results = []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        results.append((proc.returncode, err))
    assert sorted(code for code, _ in results) == [0, 2], results
    loser = [err for code, err in results if code == 2][0]
    assert loser.strip().splitlines()[-1] == (
        "error: %s already holds a run; pass --resume %s to continue it, or choose another --run-dir"
        % (run_dir, run_dir))
    winner = [seed for seed, (code, _) in zip((1, 2), results) if code == 0][0]
    assert load_weights(str(tmp_path / ("w%d" % winner)))[1]["training"]["seed"] == winner
    assert not (tmp_path / ("w%d" % (3 - winner))).exists()
    assert [int(r["epoch"]) for r in history(run_dir)] == [1]


@pytest.mark.parametrize("holding", ["run.json", "history.csv"])  # a run still in epoch 1; a run of old
def test_a_run_dir_holding_another_run_is_refused(tmp_path, holding):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / holding).write_text("another run's")
    result = run(SMALL + ["--epochs", "1", "--run-dir", str(run_dir), "--out", str(tmp_path / "w")])
    assert result.returncode == 2
    assert only_line(result) == ("error: %s already holds a run; pass --resume %s to continue it, "
                                 "or choose another --run-dir" % (run_dir, run_dir))
    assert os.listdir(run_dir) == [holding] and (run_dir / holding).read_text() == "another run's"


# ---- Ctrl-C after the last epoch -----------------------------------------------------------------

@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_after_the_last_epoch_keeps_the_checkpoint_and_the_run_can_finish(tmp_path, mnist_dir, presses):
    """The signal arrives while the run evaluates, plots or writes: once history.csv shows the last
    epoch, the weights are still about a second (importing matplotlib, plotting) from being written."""
    out, run_dir = tmp_path / "w", tmp_path / "run"
    proc = subprocess.Popen(RUN + SMALL + ["--epochs", "1", "--out", str(out), "--run-dir", str(run_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    deadline = time.time() + 120
    while proc.poll() is None and time.time() < deadline:
        if (run_dir / "history.csv").exists() and len((run_dir / "history.csv").read_text().splitlines()) == 2:
            break
        time.sleep(0.002)
    for _ in range(presses):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == (
        "interrupted after the last epoch, before the weights were written; the checkpoint of epoch 1 is kept "
        "in %s. Finish with: python train/run.py --resume %s" % (run_dir, run_dir))
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".w")] == []

    finished = run(["--resume", str(run_dir)])
    assert finished.returncode == 0, finished.stderr
    assert "resuming %s after epoch 1 of 1" % run_dir in finished.stdout
    assert load_weights(str(out))[1]["training"]["epochs_trained"] == 1
    assert [int(r["epoch"]) for r in history(run_dir)] == [1]
