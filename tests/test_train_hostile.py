"""The training CLI against bad luck and bad input: a diverging run, damaged checkpoints, resuming
with fewer epochs than were done, unreadable data, and --out places that would fail or do harm.
Every refusal is one line, no traceback. (Run folders and Ctrl-C at the end: test_train.py.)"""
import io
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile

import numpy as np
import pytest

from conftest import REPO
from train_helpers import RUN, SMALL, history, last_line, only_line, run, strict_json


# ---- divergence ---------------------------------------------------------------------------------

# With weight decay 1 at learning rate 10, every step maps a weight w to -9w plus the gradient: the
# weights overflow float32 after about 40 steps, whatever the data. With tanh: ReLU's unbounded
# outputs overflow sooner, and at a step that depends more on the data.
DIVERGE = ["--lr", "10", "--momentum", "0", "--weight-decay", "1", "--activation", "tanh"]


@pytest.mark.parametrize("batch,epoch", [(20, 2), (5, 1)])  # 30 and 120 steps per epoch
def test_divergence_stops_at_once_and_keeps_the_last_good_checkpoint(tmp_path, mnist_dir, batch, epoch):
    out, run_dir = tmp_path / "w", tmp_path / "run"
    result = run(SMALL + DIVERGE + ["--batch-size", str(batch), "--epochs", "3", "--out", str(out),
                                    "--run-dir", str(run_dir)])
    assert result.returncode in (1, 2)
    kept = "the checkpoint of epoch 1 is kept in %s" % run_dir if epoch == 2 else "nothing was written"
    # The weights overflow near step 40: mid-epoch in both cases here. With 120 steps an epoch that is
    # so on any CPU, and the stop must come from the loss at once; with 30, another CPU's rounding
    # might put it at the epoch's end, where the check of the weights catches it.
    where = r"loss (nan|inf) at batch \d+" + ("" if batch == 5 else "|.* after the last batch")
    assert re.fullmatch(r"error: training diverged in epoch %d \((%s)\); %s; try a smaller --lr"
                        % (epoch, where, re.escape(kept)), last_line(result)), result.stderr
    assert not out.exists()
    if epoch == 1:
        assert not run_dir.exists()  # a run that never reached a checkpoint leaves no folder behind
        return
    with np.load(run_dir / "checkpoint.npz") as npz:
        state = strict_json(str(npz["state"]))
        assert all(np.isfinite(npz[k]).all() for k in npz.files if k != "state")
    assert state["epoch"] == 1 and [int(r["epoch"]) for r in history(run_dir)] == [1]


def test_a_checkpoint_state_with_nan_is_refused_not_written(tmp_path):
    from lenet_py.model import LeNet5
    from lenet_py.optim import SGD
    from train.run import save_checkpoint
    with pytest.raises(ValueError):
        save_checkpoint(str(tmp_path / "checkpoint.npz"), LeNet5(), SGD(), {"history": [{"loss": float("nan")}]})
    assert os.listdir(tmp_path) == []

# ---- damaged checkpoints ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A 2-epoch run; tests damage copies of it."""
    root = tmp_path_factory.mktemp("finished")
    result = run(SMALL + ["--epochs", "2", "--out", str(root / "w"), "--run-dir", str(root / "run")])
    assert result.returncode == 0, result.stderr
    return root / "run"


def copy_of(finished_run, tmp_path):
    shutil.copytree(finished_run, tmp_path / "run")
    return tmp_path / "run"


def rewrite(path, change):
    """Save the checkpoint again after change(arrays, state); a change returning False drops the state."""
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    state = json.loads(str(arrays.pop("state")))
    if change(arrays, state) is not False:
        arrays["state"] = np.array(json.dumps(state))
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def flip_a_byte_inside(path, member="param/c5.weight.npy"):
    """Damage the stored bytes of one member, as a bad disk would; the zip's CRC no longer matches."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def replace_member(path, member, data, compression=zipfile.ZIP_STORED):
    """Write the checkpoint again with one member's bytes replaced (its CRC made to match)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = data
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, value in members.items():
            archive.writestr(name, value)


def npy_header_only(shape):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def nan_at(name):
    def change(arrays, state):
        arrays[name] = arrays[name].copy()
        arrays[name].flat[0] = np.nan if name.startswith("param") else np.inf
    return change


def edit_state(edit):
    def change(arrays, state):
        edit(state)
    return change


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:p.stat().st_size // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "crc": flip_a_byte_inside,
    "not a zip": lambda p: p.write_bytes(b"\x93NUMPY" + bytes(100)),
    "no state": lambda p: rewrite(p, lambda arrays, state: False),
    "state lacks rng": lambda p: rewrite(p, edit_state(lambda s: s.pop("rng"))),
    "epoch is text": lambda p: rewrite(p, edit_state(lambda s: s.update(epoch="2"))),
    "epoch beyond the config": lambda p: rewrite(p, edit_state(lambda s: s.update(epoch=7))),
    "history not a list": lambda p: rewrite(p, edit_state(lambda s: s.update(history={}))),
    "lr is text": lambda p: rewrite(p, edit_state(lambda s: s["config"].update(lr="0.02"))),
    "lr out of range": lambda p: rewrite(p, edit_state(lambda s: s["config"].update(lr=1e300))),
    "config lacks seed": lambda p: rewrite(p, edit_state(lambda s: s["config"].pop("seed"))),
    "rng damaged": lambda p: rewrite(p, edit_state(lambda s: s.update(rng={"bit_generator": "PCG64"}))),
    "nan weight": lambda p: rewrite(p, nan_at("param/c1.weight")),
    "inf velocity": lambda p: rewrite(p, nan_at("velocity/f6.weight")),
    "transposed weight": lambda p: rewrite(p, lambda a, s: a.update({"param/f6.weight": a["param/f6.weight"].T})),
    "missing weight": lambda p: rewrite(p, lambda a, s: a.pop("param/output.bias")),
    "an entry claiming 4 TB": lambda p: replace_member(p, "param/c1.weight.npy", npy_header_only((10 ** 6, 10 ** 6))),
    "an entry unpacking to 100 MB": lambda p: replace_member(p, "param/c1.weight.npy", bytes(100 << 20),
                                                             zipfile.ZIP_DEFLATED),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_checkpoint_is_one_line(finished_run, tmp_path, damage):
    run_dir = copy_of(finished_run, tmp_path)
    checkpoint = run_dir / "checkpoint.npz"
    DAMAGE[damage](checkpoint)
    damaged = checkpoint.read_bytes()
    result = run(["--resume", str(run_dir), "--epochs", "3"])
    assert result.returncode == 2
    line = only_line(result)
    assert line.startswith("error: %s: not a readable checkpoint (" % checkpoint) and line.endswith(")"), line
    assert checkpoint.read_bytes() == damaged and not (run_dir / "replaced-weights").exists()


def test_resume_refuses_fewer_epochs_than_the_checkpoint_has(finished_run, tmp_path):
    run_dir = copy_of(finished_run, tmp_path)
    before = (run_dir / "checkpoint.npz").read_bytes()
    result = run(["--resume", str(run_dir), "--epochs", "1"])
    assert result.returncode == 2
    line = only_line(result)
    assert line.startswith("error: ") and str(run_dir) in line
    assert re.search(r"--epochs 1\b", line) and re.search(r"\b2 epochs", line), line
    assert (run_dir / "checkpoint.npz").read_bytes() == before
    assert not (run_dir / "replaced-weights").exists()


# ---- places the run cannot read or write --------------------------------------------------------

CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SETPCAP, PR_CAPBSET_DROP = 1, 2, 8, 24


def without_root_bypass():
    """A preexec_fn under which file permissions bind, or None when they already do.

    Root passes every permission check through two capabilities, and the tests run as root here
    and in CI. Dropping them from the bounding set before exec leaves the CLI root but subject to
    the permission bits, as the owner: so the tests use modes that deny the owner too (000, 555).
    (Running it as user nobody instead fails here: this venv's interpreter lives under /root.)
    """
    if os.geteuid() != 0:
        return None
    with open("/proc/self/status") as fh:
        effective = int([line.split()[1] for line in fh if line.startswith("CapEff:")][0], 16)
    if not effective >> CAP_SETPCAP & 1:
        pytest.skip("root without CAP_SETPCAP cannot give up its permission bypass")
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)

    def drop_bypass():
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    return drop_bypass


def run_bound_by_permissions(args):
    return subprocess.run(RUN + args, capture_output=True, text=True, timeout=300, cwd=REPO,
                          preexec_fn=without_root_bypass())


@pytest.fixture
def unlocked_afterwards(tmp_path):
    """tmp_path, with every folder made deletable again after the test."""
    yield tmp_path
    for root, dirs, files in os.walk(str(tmp_path)):  # top-down: each folder is opened before it is entered
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o755)


def locked(path, mode=0):
    path.mkdir()
    path.chmod(mode)
    return str(path)


@pytest.mark.parametrize("case", ["folder", "a folder above it", "file"])
def test_unreadable_data_is_named_not_called_missing(unlocked_afterwards, case):
    tmp = unlocked_afterwards
    if case == "folder":
        data = unreadable = locked(tmp / "data")
    elif case == "a folder above it":
        data = unreadable = os.path.join(locked(tmp / "locked"), "data")
    else:
        data = locked(tmp / "data", 0o755)
        unreadable = os.path.join(data, "train-images-idx3-ubyte")
        with open(unreadable, "wb") as fh:
            fh.write(b"\x00\x00\x08\x03")
        os.chmod(unreadable, 0)
    result = run_bound_by_permissions(SMALL + ["--epochs", "1", "--data", data, "--out", str(tmp / "w"),
                                               "--run-dir", str(tmp / "run")])
    assert result.returncode == 2
    assert only_line(result) == "error: %s: cannot read (permission denied)" % unreadable
    assert not (tmp / "run").exists() and not (tmp / "w").exists()

OUT_CASES = {
    # name: (--out relative to the test folder or absolute, --run-dir, expected line after "error: --out OUT: ")
    "an existing file": ("afile", "run", "a file, not a folder"),
    "under a file": ("afile/w", "run", "{tmp}/afile is a file, not a folder"),
    "under /proc": ("/proc/lenet-weights", "run", "cannot write in /proc ("),
    "a folder that is not weights": ("notes", "run", "a folder that is not a weights folder (no lenet_py manifest.json)"),
    "a web app with a manifest.json": ("webapp", "run", "a folder that is not a weights folder"),
    "the folder holding the run": (".", "run", "contains the run folder {tmp}/run"),
    "the run folder itself": ("run", "run", "is the run folder {tmp}/run"),
}


@pytest.mark.parametrize("case", sorted(OUT_CASES))
def test_a_bad_out_is_refused_before_training(tmp_path, mnist_dir, case):
    out, run_dir, expected = OUT_CASES[case]
    (tmp_path / "afile").write_bytes(b"x")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    (tmp_path / "webapp").mkdir()
    (tmp_path / "webapp" / "manifest.json").write_text('{"name": "my app", "start_url": "/"}')
    result = subprocess.run(RUN + SMALL + ["--epochs", "1", "--out", out, "--run-dir", run_dir],
                            capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert result.returncode == 2
    out_path = os.path.realpath(os.path.join(str(tmp_path), out))
    assert only_line(result).startswith("error: --out %s: %s" % (out_path, expected.format(tmp=tmp_path)))
    assert not (tmp_path / "run").exists()  # refused before the run folder, let alone an epoch
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"
    assert (tmp_path / "webapp" / "manifest.json").is_file()


def test_an_out_in_a_folder_it_may_not_write_is_refused_before_training(unlocked_afterwards, mnist_dir):
    tmp = unlocked_afterwards
    closed = locked(tmp / "closed", 0o555)
    result = run_bound_by_permissions(SMALL + ["--epochs", "1", "--out", os.path.join(closed, "w"),
                                               "--run-dir", str(tmp / "run")])
    assert result.returncode == 2
    assert only_line(result) == "error: --out %s/w: cannot write in %s (permission denied)" % (closed, closed)
    assert os.listdir(closed) == [] and not (tmp / "run").exists()


def test_an_out_on_another_file_system_than_the_run_is_refused_before_training(tmp_path, mnist_dir):
    if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(str(tmp_path)).st_dev:
        pytest.skip("no second file system at /dev/shm")
    out = tempfile.mkdtemp(dir="/dev/shm")
    try:
        shutil.copy(os.path.join(REPO, "weights", "manifest.json"), out)  # a weights folder, as far as the check reads
        result = run(SMALL + ["--epochs", "1", "--out", out, "--run-dir", str(tmp_path / "run")])
        assert result.returncode == 2
        assert only_line(result).startswith("error: --out %s: on another file system than the run folder" % out)
        assert os.listdir(out) == ["manifest.json"] and not (tmp_path / "run").exists()
    finally:
        shutil.rmtree(out)
