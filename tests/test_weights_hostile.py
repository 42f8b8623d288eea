"""Weights folders made by an attacker or a careless hand: every one is refused in one line, without
reading outside the folder, hanging, or filling memory."""
import hashlib
import io
import json
import os
import resource
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from conftest import REPO
from lenet_py import LeNet5, ModelConfig
from lenet_py.manifest import check_stored_names, tensor_files
from lenet_py.weights import WeightsError, load_weights, save_weights


@pytest.fixture
def folder(tmp_path, rng):
    path = tmp_path / "weights"
    save_weights(LeNet5(ModelConfig(), rng), str(path))
    return path


def edit_manifest(folder, change):
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def point_at(folder, tensor, target):
    """Make the manifest entry of ``tensor`` name ``target``, with target's true sha256 if it is a file."""
    def change(m):
        m["tensors"][tensor]["file"] = target
        if isinstance(target, str) and os.path.isfile(os.path.join(str(folder), target)):
            m["tensors"][tensor]["sha256"] = hashlib.sha256(open(os.path.join(str(folder), target), "rb").read()).hexdigest()
    edit_manifest(folder, change)


def evaluate_cli(weights, timeout=60):
    """train/evaluate.py in a subprocess capped at 3 GB of memory: a loader that reads /dev/zero or waits
    on a FIFO fails this (MemoryError or timeout) instead of taking the test machine down."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    return subprocess.run([sys.executable, os.path.join(REPO, "train", "evaluate.py"), "--weights", str(weights),
                           "--data", "/nonexistent-mnist"], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=cap)


# ---- file names: only plain names inside the folder ------------------------------------------------

@pytest.mark.parametrize("name", ["../secret.npy", "../../secret.npy", "sub/c1.bias.npy", "pwn.txt#/../x.npy",
                                  "c1.bias.npy?x", "c1.bias.npy\n", "..npy", ".hidden/../c1.bias.npy", "c1.bias.txt", "", None, 7])
def test_refuses_tensor_file_names_that_are_not_plain(folder, name):
    # A real tensor outside the folder: the old loader read it and loaded fine.
    (folder.parent / "secret.npy").write_bytes((folder / "c1.bias.npy").read_bytes())
    point_at(folder, "c1.bias", name)
    with pytest.raises(WeightsError, match="is not a plain file name"):
        load_weights(str(folder))
    with pytest.raises(WeightsError, match="is not a plain file name"):
        tensor_files(str(folder))  # what the page's worker asks before fetching anything


def test_refuses_an_absolute_path(folder):
    outside = folder.parent / "secret.npy"
    outside.write_bytes((folder / "c1.bias.npy").read_bytes())
    point_at(folder, "c1.bias", str(outside))
    result = evaluate_cli(folder)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "is not a plain file name" in result.stderr


def test_messages_do_not_reveal_whether_an_outside_path_exists(folder):
    messages = []
    for target in ("/etc/passwd", "/no/such/file"):
        point_at(folder, "c1.bias", target)
        with pytest.raises(WeightsError) as caught:
            load_weights(str(folder))
        messages.append(str(caught.value).replace(target, "X"))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("special", ["dev-zero-link", "fifo", "directory", "outside-link"])
def test_only_regular_files_inside_the_folder_are_read(folder, special):
    tensor = folder / "c1.bias.npy"
    outside = folder.parent / "outside.npy"
    outside.write_bytes(tensor.read_bytes())  # a valid tensor, sha256 and all: only the link is wrong
    tensor.unlink()
    if special == "dev-zero-link":
        tensor.symlink_to("/dev/zero")
    elif special == "fifo":
        os.mkfifo(str(tensor))
    elif special == "directory":
        tensor.mkdir()
    else:
        tensor.symlink_to(outside)
    try:
        result = evaluate_cli(folder, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("loading a %s hung" % special)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr[-500:]
    assert "c1.bias.npy" in result.stderr
    assert "not a regular file" in result.stderr or "symbolic link" in result.stderr


@pytest.mark.parametrize("special", ["dev-zero-link", "fifo"])
def test_a_manifest_that_is_not_a_regular_file_is_refused(folder, special):
    manifest = folder / "manifest.json"
    manifest.unlink()
    if special == "fifo":
        os.mkfifo(str(manifest))
    else:
        manifest.symlink_to("/dev/zero")
    try:
        result = evaluate_cli(folder, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a %s manifest hung" % special)
    assert result.returncode == 2 and "manifest.json" in result.stderr and result.stderr.count("\n") == 1


# ---- malformed manifests -----------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    (lambda m: m["tensors"].update({"c1.bias": None}), "must be an object"),
    (lambda m: m["tensors"].update({"c1.bias": "c1.bias.npy"}), "must be an object"),
    (lambda m: m["tensors"]["c1.bias"].update(shape=None), "shape null"),
    (lambda m: m["tensors"]["c1.bias"].update(dtype="object"), "dtype"),
    (lambda m: m["tensors"]["c1.bias"].update(sha256=None), "no valid sha256"),
    (lambda m: m.update(model=None), "bad model config"),
    (lambda m: m.update(model="lenet"), "bad model config"),
    (lambda m: m.update(personalised="x"), "'personalised' must be"),
    (lambda m: m.update(personalised={"corrections": -3}), "'personalised' must be"),
    (lambda m: m.update(test_accuracy="99%"), "test_accuracy"),
    (lambda m: m.update(training=[1]), "'training' must be"),
    (lambda m: m["tensors"]["c1.weight"].update(file="c1.bias.npy"), "same file"),
])
def test_refuses_malformed_manifest_entries(folder, change, message):
    edit_manifest(folder, change)
    with pytest.raises(WeightsError, match=message):
        load_weights(str(folder))


def test_refuses_deeply_nested_json(folder):
    (folder / "manifest.json").write_text("[" * 200000 + "]" * 200000)
    result = evaluate_cli(folder)
    assert result.returncode == 2 and "nested too deeply" in result.stderr and result.stderr.count("\n") == 1


def test_refuses_a_huge_manifest_without_reading_it(folder):
    with open(str(folder / "manifest.json"), "ab") as fh:
        fh.truncate(64 << 20)  # sparse: 64 MB that would take 64 MB of memory to read
    with pytest.raises(WeightsError, match="more than a manifest's limit"):
        load_weights(str(folder))


# ---- tensor files that are not what the manifest says ----------------------------------------------

def rewrite_tensor(folder, tensor, data):
    (folder / (tensor + ".npy")).write_bytes(data)
    edit_manifest(folder, lambda m: m["tensors"][tensor].update(sha256=hashlib.sha256(data).hexdigest()))


def test_refuses_an_npz_saved_as_npy(folder):
    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros(6, dtype=np.float32))
    assert zipfile.is_zipfile(io.BytesIO(buffer.getvalue()))
    rewrite_tensor(folder, "c1.bias", buffer.getvalue())
    with pytest.raises(WeightsError, match=r"c1\.bias\.npy: not a readable \.npy file"):
        load_weights(str(folder))


def test_a_gigantic_header_shape_is_refused_before_the_data_is_read(folder):
    rewrite_tensor(folder, "c1.bias", _npy_with_header((1 << 40,)))
    with pytest.raises(WeightsError, match=r"c1\.bias\.npy: shape \[1099511627776\], the model needs \[6\]"):
        load_weights(str(folder))


def _npy_with_header(shape, payload=b"\0" * 24):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + payload  # the header writer writes the magic string too


def test_refuses_a_file_longer_than_its_header_promises(folder):
    rewrite_tensor(folder, "c1.bias", _npy_with_header((6,), b"\0" * (24 + 1000)))
    with pytest.raises(WeightsError, match=r"c1\.bias\.npy: \d+ bytes, its header promises \d+"):
        load_weights(str(folder))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_load_refuses_non_finite_weights(folder, bad):
    values = np.zeros(6, dtype=np.float32)
    values[2] = bad
    buffer = io.BytesIO()
    np.save(buffer, values)
    rewrite_tensor(folder, "c1.bias", buffer.getvalue())
    with pytest.raises(WeightsError, match=r"c1\.bias\.npy: holds NaN or infinite values"):
        load_weights(str(folder))


# ---- saving ----------------------------------------------------------------------------------------

def test_save_refuses_non_finite_weights_and_writes_nothing(tmp_path, rng):
    model = LeNet5(ModelConfig(), rng)
    dict(model.named_params())["f6.weight"][3, 4] = np.nan
    with pytest.raises(WeightsError, match="f6.weight.*NaN or infinite"):
        save_weights(model, str(tmp_path / "w"))
    assert os.listdir(str(tmp_path)) == []


def test_manifest_is_strict_json(tmp_path, rng):
    with pytest.raises(ValueError):
        save_weights(LeNet5(ModelConfig(), rng), str(tmp_path / "w"), metadata={"test_loss": float("nan")})
    assert os.listdir(str(tmp_path)) == []


def test_saved_folders_and_files_respect_the_umask(tmp_path, rng):
    old = os.umask(0o022)
    try:
        save_weights(LeNet5(ModelConfig(), rng), str(tmp_path / "w"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(str(tmp_path / "w")).st_mode) == 0o755
    for name in os.listdir(str(tmp_path / "w")):
        assert stat.S_IMODE(os.stat(str(tmp_path / "w" / name)).st_mode) == 0o644, name


# ---- what the page's worker asks -------------------------------------------------------------------

def test_tensor_files_lists_exactly_the_models_files(folder):
    assert tensor_files(str(folder)) == sorted(n for n in os.listdir(str(folder)) if n != "manifest.json")


def test_an_extra_tensor_is_refused_before_any_file_is_named(folder):
    edit_manifest(folder, lambda m: m["tensors"].update({"x": {"file": "x.npy"}}))
    with pytest.raises(WeightsError, match="tensors this model does not have: x"):
        tensor_files(str(folder))


@pytest.mark.parametrize("names, message", [
    (["manifest.json", "../c1.bias.npy"], "not a plain file name"),
    (["manifest.json", "a/b.npy"], "not a plain file name"),
    (["manifest.json", "c1.bias.npy\n"], "not a plain file name"),
    (["c1.bias.npy"], "no manifest.json"),
    ([], "between 1 and"),
    (["manifest.json"] + ["t%d.npy" % i for i in range(100)], "between 1 and"),
    ("manifest.json", "between 1 and"),
])
def test_stored_file_names_are_checked(names, message):
    with pytest.raises(WeightsError, match=message):
        check_stored_names(names)
