"""bench/time_to_accuracy.py: the first epoch at a test accuracy, and its time, from a run's history."""
import os
import subprocess
import sys

from conftest import REPO

SCRIPT = os.path.join(REPO, "bench", "time_to_accuracy.py")
HEADER = "epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n"


def run(*args):
    return subprocess.run([sys.executable, SCRIPT] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=60)


def write_history(folder, rows):
    folder.mkdir()
    (folder / "history.csv").write_text(HEADER + "".join(
        "%d,0.02,0.1,0.9,0.03,%s,%s\n" % (i + 1, accuracy, seconds) for i, (accuracy, seconds) in enumerate(rows)))
    return folder


def test_the_first_epoch_at_the_target_with_the_epochs_times_summed(tmp_path):
    # Epoch 3 is the first at 99.2% (epoch 4 is higher, epoch 2 just under): 10 + 11 + 12 seconds.
    run_dir = write_history(tmp_path / "run", [(0.985, 10), (0.9919, 11), (0.992, 12), (0.9931, 13), (0.9925, 14)])
    out = run(run_dir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "99.20%: first reached at epoch 3, 33.0 s (0.55 min) of epochs"
    assert "best 99.31% at epoch 4; final 99.25% after 60.0 s" in out.stdout
    out = run(run_dir, "--target", "99.3")
    assert out.stdout.splitlines()[-1] == "99.30%: first reached at epoch 4, 46.0 s (0.77 min) of epochs"
    assert run(run_dir, "--target", "99.5").stdout.splitlines()[-1] == "99.50%: never reached"


def test_bad_histories_and_targets_get_one_line(tmp_path):
    empty = write_history(tmp_path / "empty", [])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "history.csv").write_text("epoch,seconds\n1,x\n")
    nan = write_history(tmp_path / "nan", [(0.98, 10), ("nan", 11)])
    negative = write_history(tmp_path / "negative", [(0.98, -1)])
    short = write_history(tmp_path / "short", [(0.98, 10)])
    with open(short / "history.csv", "a") as fh:
        fh.write("2,0.01\n")
    for args, expected in [((tmp_path / "none",), "not a training history"), ((empty,), "no epoch recorded yet"),
                           ((broken,), "row 1 is not epoch 1"), ((nan,), "row 2 is not epoch 2"),
                           ((negative,), "row 1 is not"), ((short,), "row 2 is not"),
                           ((empty, "--target", "0"), "a percentage in (0, 100]"),
                           ((empty, "--target", "x"), "invalid float value")]:
        out = run(*args)
        assert out.returncode != 0 and len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert "error: " in out.stderr and expected in out.stderr, out.stderr
