"""--paper: the settings LeCun et al. 1998 print, a short run with them, and what its weights mean
to the recognizer (probabilities from the MAP formula, "not sure" from the distances)."""
import json
import os

import numpy as np
import pytest

from lenet_py.optim import PAPER_LR
from lenet_py.recognizer import Recognizer
from lenet_py.weights import load_weights
from train_helpers import SMALL, last_line, run


def parsed(argv):
    from train.config import build_parser
    from train.run import resolve_run
    return resolve_run(build_parser().parse_args(argv))[0]


def test_paper_sets_what_the_paper_says():
    config = parsed(["--paper"])
    model = config.model
    # Section II.B-C: RBF outputs with the MAP criterion; appendix A: scaled tanh; Table I for C3.
    assert (model.output, model.activation, model.c3_table, model.reject) == ("rbf", "tanh", "paper", False)
    # Appendix C: SDLM, mu = 0.02, eta falling per pass, 20 passes, one pattern at a time, no momentum.
    # Two departures, each measured (README, "Reproducing the paper"): eta starts at 0.0002, not 0.0005,
    # and the initial weights are +-2.4/sqrt(F_i).
    assert (config.optimizer, config.sdlm_mu, config.lr, config.lr_schedule) == ("sdlm", 0.02, 0.0002, "paper")
    assert model.init == "paper_sqrt"
    assert (config.epochs, config.batch_size, config.momentum, config.weight_decay) == (20, 1, 0.0, 0.0)
    assert PAPER_LR[:12] == (5e-4,) * 2 + (2e-4,) * 3 + (1e-4,) * 3 + (5e-5,) * 4
    assert not config.augment and config.styles == 0
    # Distortions when asked: the paper's kinds (shift, scale, squeeze, shear), no rotation or elastic field.
    augmentation = parsed(["--paper", "--augment"]).augmentation
    assert augmentation.rotate == 0 and augmentation.elastic_alpha == 0 and augmentation.thickness == 0
    assert min(augmentation.shift, augmentation.scale, augmentation.squeeze, augmentation.shear) > 0


def test_other_flags_override_the_preset():
    config = parsed(["--paper", "--batch-size", "8", "--epochs", "3", "--init", "paper"])
    assert (config.batch_size, config.epochs, config.model.init, config.optimizer) == (8, 3, "paper", "sdlm")
    assert parsed([]).model.output == "softmax"   # the defaults are untouched by the preset


@pytest.mark.parametrize("args,message", [
    (["--optimizer", "sdlm"], "error: --optimizer sdlm has no momentum or weight decay: add --momentum 0 --weight-decay 0"),
    (["--output", "rbf"], "error: --output rbf has no 'not a digit' output (its rubbish class rejects): add --no-reject"),
    (["--paper", "--resume"], "error: --paper with --resume: a resumed run keeps the settings it started with"),
])
def test_contradictions_are_one_clear_line(args, message, tmp_path):
    result = run(args + ["--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "w")])
    assert result.returncode == 2 and last_line(result) == message


def test_a_short_paper_run_learns(paper_weights):
    with open(paper_weights / "weights" / "manifest.json") as fh:
        manifest = json.load(fh)
    assert manifest["model"]["output"] == "rbf"
    assert manifest["training"]["optimizer"] == "sdlm"
    assert not any(name.startswith("output.") for name in manifest["tensors"])   # the bitmaps are not weights
    assert manifest["test_accuracy"] > 0.75, manifest["history"]   # chance is 0.1


def test_the_recognizer_reads_rbf_weights(paper_weights, mnist_dir):
    from train.data import load_split
    recognizer = Recognizer(*load_weights(str(paper_weights / "weights")))
    images, labels = load_split(mnist_dir, "t10k")
    answers = [recognizer.answer(images[i]) for i in range(200, 260)]
    best = sum(a["best"] == labels[200 + i] for i, a in enumerate(answers))
    sure = sum(a["digit"] == labels[200 + i] for i, a in enumerate(answers))
    assert best >= 45 and sure >= 10, (best, sure)   # two short passes: right mostly, sure of some
    for a in answers:   # the MAP formula: ten digits and the rubbish class share one distribution
        assert len(a["probabilities"]) == 10
        assert sum(a["probabilities"]) + a["not_digit"] == pytest.approx(1.0, abs=1e-5)
    # Far from every bitmap: a drawing that fills the frame is rubbish, and the answer says so.
    blot = np.zeros((28, 28))
    blot[4:24, 4:24] = 255
    answer = recognizer.answer(blot)
    assert answer["unsure"] and answer["not_digit"] > max(answer["probabilities"])


def test_the_report_prints_each_pass_beside_the_paper_and_plots(paper_weights, tmp_path):
    import subprocess
    import sys
    from conftest import REPO
    png = tmp_path / "curve.png"
    result = subprocess.run([sys.executable, os.path.join(REPO, "bench", "paper.py"), str(paper_weights / "run"),
                             "--png", str(png)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with open(paper_weights / "run" / "history.csv") as fh:
        rows = fh.read().splitlines()[1:]
    errors = ["%.2f" % (100 * (1 - float(row.split(",")[5]))) for row in rows]
    lines = result.stdout.splitlines()
    for number, error in enumerate(errors, 1):   # one line per pass, with that pass's test error
        assert any(line.split()[:1] == [str(number)] and error in line.split() for line in lines), (error, lines)
    assert "the paper: 0.95%" in result.stdout and "of a pass" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10000
