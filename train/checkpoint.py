"""A run's checkpoint: parameters, momentum, their average and a JSON state, written after every epoch.

A checkpoint is read back on --resume, so it is input like any file a user hands over: it may be
truncated, damaged or edited. Loading checks every part and refuses anything else with a one-line
CheckpointError, before any of it reaches the model.
"""
import io
import json
import math
import os
import zipfile
import zlib
from collections import namedtuple

import numpy as np

from lenet_py.model import LeNet5
from train.config import check_config
from train.errors import CheckpointError

CHECKPOINT = "checkpoint.npz"
HISTORY_FIELDS = ("epoch", "lr", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds")
STATE_KEYS = ("config", "epoch", "rng", "history", "data", "out")

Checkpoint = namedtuple("Checkpoint", "params velocity average state config")


def save_checkpoint(path, model, optimizer, state, average=None):
    """Parameters, momentum, the weights' average (train/average.py) if any and the JSON state (config,
    epoch, rng, history), replaced atomically."""
    arrays = {"param/" + name: value for name, value in model.named_params()}
    arrays.update({"velocity/" + name: value for name, value in optimizer.velocity.items()})
    arrays.update({"average/" + name: value for name, value in (average.values if average else {}).items()})
    # allow_nan=False: a NaN would be written as the bare word NaN, which is not JSON.
    arrays["state"] = np.array(json.dumps(state, allow_nan=False))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(buffer.getvalue())
    os.replace(tmp, path)  # a Ctrl-C or crash leaves the previous epoch's checkpoint whole


MAX_CHECKPOINT_BYTES = 64 << 20  # parameters, momentum and history take about 1 MB


def _refuse_constant(name):
    raise CheckpointError("%s is not a number JSON allows" % name)


def _read_arrays(path):
    """Every entry of the .npz, read in full so that a damaged member fails here and not later.
    Only the reading is guarded: what numpy, zipfile and json raise on bad bytes becomes the reason."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic != b"PK\x03\x04":  # np.load would read a .npy or try a pickle instead
            raise CheckpointError("not a zip archive" if magic else "an empty file")
        with zipfile.ZipFile(path) as archive:  # sizes first: a small file may unpack to gigabytes
            total = sum(info.file_size for info in archive.infolist())
        if total > MAX_CHECKPOINT_BYTES:
            raise CheckpointError("its entries unpack to %d bytes; a checkpoint holds about 1 MB" % total)
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except MemoryError:  # an entry's header claims a shape larger than its bytes
        raise CheckpointError("an entry claims more memory than there is")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:  # ValueError: a bad .npy header
        raise CheckpointError(str(exc) or type(exc).__name__)
    if "state" not in arrays:
        raise CheckpointError("no state entry")
    state = arrays.pop("state")
    if state.shape != () or state.dtype.kind != "U":
        raise CheckpointError("the state entry is not a string")
    try:
        state = json.loads(state.item(), parse_constant=_refuse_constant)
    except RecursionError:
        raise CheckpointError("the state is nested too deeply")
    except ValueError as exc:  # json.JSONDecodeError
        raise CheckpointError("the state is not JSON (%s)" % exc)
    return arrays, state


def _check_state(state):
    """The state's config (a TrainConfig); CheckpointError naming the first thing that is wrong."""
    if not isinstance(state, dict):
        raise CheckpointError("the state is not a table")
    missing = [key for key in STATE_KEYS if key not in state]
    if missing:
        raise CheckpointError("the state lacks %s" % ", ".join(missing))
    config = check_config(state["config"])
    epoch = state["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= config.epochs:
        raise CheckpointError("epoch %r is not in [1, %d]" % (epoch, config.epochs))
    for key in ("data", "out"):
        if state[key] is not None and not isinstance(state[key], str):
            raise CheckpointError("%s is %r, not a path" % (key, state[key]))
    try:
        np.random.PCG64().state = state["rng"]  # the generator's own check of its state
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise CheckpointError("bad random generator state (%s: %s)" % (type(exc).__name__, exc))
    history = state["history"]
    if not isinstance(history, list) or len(history) != epoch:
        raise CheckpointError("the history does not list %d epochs" % epoch)
    for number, row in enumerate(history, 1):
        if (not isinstance(row, dict) or sorted(row) != sorted(HISTORY_FIELDS) or row["epoch"] != number
                or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in row.values())):
            raise CheckpointError("history row %d is not %s as numbers" % (number, ", ".join(HISTORY_FIELDS)))
    return config


def _check_arrays(arrays, config):
    """(params, velocity, average) by name; CheckpointError unless they are exactly what the model holds, finite."""
    shapes = LeNet5.blank(config.model).param_shapes()
    groups = {"param": {}, "velocity": {}, "average": {}}
    for entry, value in arrays.items():
        group, _, name = entry.partition("/")
        if group not in groups or name not in shapes:
            raise CheckpointError("unknown entry %r" % entry)
        if value.shape != shapes[name]:
            raise CheckpointError("%s has shape %s, the model needs %s" % (entry, value.shape, shapes[name]))
        if value.dtype.kind != "f":
            raise CheckpointError("%s has dtype %s, not floats" % (entry, value.dtype))
        if not np.isfinite(value).all():
            raise CheckpointError("%s holds NaN or infinite values" % entry)
        groups[group][name] = value
    missing = sorted(set(shapes) - set(groups["param"]))
    if missing:
        raise CheckpointError("no parameter %s" % ", ".join(missing))
    # A run that averages has averaged every parameter by its first checkpoint; one that does not, none.
    if sorted(groups["average"]) != (sorted(shapes) if config.average else []):
        raise CheckpointError("its averaged weights are incomplete" if config.average else
                              "it holds averaged weights but its config has average 0")
    return groups["param"], groups["velocity"], groups["average"]


def load_checkpoint(path):
    """A Checkpoint(params, velocity, average, state, config), or CheckpointError saying why the file cannot be used."""
    try:
        arrays, state = _read_arrays(path)
        config = _check_state(state)
        params, velocity, average = _check_arrays(arrays, config)
    except CheckpointError as exc:
        raise CheckpointError("%s: not a readable checkpoint (%s)" % (path, exc))
    return Checkpoint(params, velocity, average, state, config)


def latest_run(runs_dir):
    candidates = []
    if os.path.isdir(runs_dir):
        for name in os.listdir(runs_dir):
            path = os.path.join(runs_dir, name, CHECKPOINT)
            if os.path.isfile(path):
                candidates.append((os.path.getmtime(path), os.path.join(runs_dir, name)))
    if not candidates:
        raise CheckpointError("%s: no run with a %s to resume" % (runs_dir, CHECKPOINT))
    return max(candidates)[1]
