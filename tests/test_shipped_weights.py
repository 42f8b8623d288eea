"""The committed weights/: intact, described, and as accurate as promised."""
import ast
import hashlib
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from lenet_py.weights import load_weights
from train.data import load_split
from train.evaluate import evaluate

WEIGHTS = os.path.join(REPO, "weights")


@pytest.fixture(scope="module")
def manifest():
    with open(os.path.join(WEIGHTS, "manifest.json")) as fh:
        return json.load(fh)


def test_manifest_checksums_match_the_files(manifest):
    files = sorted(f for f in os.listdir(WEIGHTS) if f.endswith(".npy"))
    assert files == sorted(entry["file"] for entry in manifest["tensors"].values())
    for name, entry in manifest["tensors"].items():
        with open(os.path.join(WEIGHTS, entry["file"]), "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == entry["sha256"], name


def test_manifest_describes_how_the_weights_were_made(manifest):
    assert manifest["model"]["c3_table"] in ("paper", "full")
    assert manifest["model"]["activation"] in ("tanh", "relu")
    for key in ("epochs", "batch_size", "lr", "lr_step", "lr_decay", "momentum", "seed", "augment"):
        assert key in manifest["training"], key
    assert set(manifest["versions"]) >= {"python", "numpy"}
    assert manifest["test_total"] == 10000


def test_shipped_weights_reach_99_2_percent(mnist_dir, manifest):
    """Read right, with "not sure" counted as wrong. Real people's styles and the "not a digit" output
    cost MNIST about 0.2 points (README, "The price of real handwriting"): 99.29% with ReLU."""
    model, _ = load_weights(WEIGHTS)
    images, labels = load_split(mnist_dir, "t10k")
    result = evaluate(model, images, labels)
    assert result["total"] == 10000
    assert result["accuracy"] >= 0.992, result["accuracy"]
    # Evaluation reproduces what training recorded; another CPU's BLAS kernels may round a
    # borderline image the other way, hence the two images of slack.
    assert abs(result["correct"] - manifest["test_correct"]) <= 2


def test_evaluate_cli_prints_json(mnist_dir, manifest):
    out = subprocess.run([sys.executable, os.path.join(REPO, "train", "evaluate.py"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["total"] == 10000 and result["correct"] == round(result["accuracy"] * 10000)
    # The figures are the shipped weights' (training recorded them), not just well-formed numbers.
    assert abs(result["correct"] - manifest["test_correct"]) <= 2 and result["loss"] < 0.05, result
    confusion = result["confusion"]
    _, labels = load_split(mnist_dir, "t10k")
    assert [sum(row) for row in confusion] == [int((labels == d).sum()) for d in range(10)]  # rows: the true digit
    assert sum(confusion[d][d] for d in range(10)) == result["correct"]
    assert result["per_class_accuracy"] == [confusion[d][d] / sum(confusion[d]) for d in range(10)]
    assert min(result["per_class_accuracy"]) > 0.98
    assert result["model"] == manifest["model"] and result["weights"] == WEIGHTS


def test_evaluate_cli_refuses_bad_weights_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, os.path.join(REPO, "train", "evaluate.py"), "--weights", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == ["error: %s: missing (every weights folder needs one)"
                                               % os.path.join(str(tmp_path), "manifest.json")]


def test_lenet_py_imports_only_numpy_and_the_standard_library():
    allowed = {"numpy", "ast", "dataclasses", "hashlib", "io", "json", "os", "shutil", "sys", "tempfile", "math",
               "typing", "__future__", "base64", "struct", "zipfile", "re", "stat", "collections",
               "functools", "itertools"}
    for name in os.listdir(os.path.join(REPO, "lenet_py")):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(REPO, "lenet_py", name)) as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, "%s imports %s" % (name, roots)
