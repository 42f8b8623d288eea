"""A run's checkpoint: parameters, momentum and a JSON state, written after every epoch.

A checkpoint is read back on --resume, so it is input like any file a user hands over: it may be
truncated, damaged or edited. Loading checks every part and refuses anything else with a one-line
DataError, before any of it reaches the model.
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
from train.data import DataError

CHECKPOINT = "checkpoint.npz"
HISTORY_FIELDS = ("epoch", "lr", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds")
STATE_KEYS = ("config", "epoch", "rng", "history", "data", "out")

Checkpoint = namedtuple("Checkpoint", "params velocity state config")


def save_checkpoint(path, model, optimizer, state):
    """Parameters, momentum and the JSON state (config, epoch, rng, history), replaced atomically."""
    arrays = {"param/" + name: value for name, value in model.named_params()}
    arrays.update({"velocity/" + name: value for name, value in optimizer.velocity.items()})
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
    raise ValueError("%s is not a number JSON allows" % name)


def _read_arrays(path):
    """Every entry of the .npz, read in full so that a damaged member fails here and not later."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic != b"PK\x03\x04":  # np.load would read a .npy or try a pickle instead
            raise ValueError("not a zip archive" if magic else "an empty file")
        with zipfile.ZipFile(path) as archive:  # sizes first: a small file may unpack to gigabytes
            total = sum(info.file_size for info in archive.infolist())
        if total > MAX_CHECKPOINT_BYTES:
            raise ValueError("its entries unpack to %d bytes; a checkpoint holds about 1 MB" % total)
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        state = arrays.pop("state")
        if state.shape != () or state.dtype.kind != "U":
            raise ValueError("the state entry is not a string")
        state = json.loads(state.item(), parse_constant=_refuse_constant)
    except KeyError:
        raise ValueError("no state entry")
    except RecursionError:
        raise ValueError("the state is nested too deeply")
    except MemoryError:  # an entry's header claims a shape larger than its bytes
        raise ValueError("an entry claims more memory than there is")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ValueError(str(exc) or type(exc).__name__)
    return arrays, state


def _check_state(state):
    """The state's config (a TrainConfig); ValueError naming the first thing that is wrong."""
    if not isinstance(state, dict):
        raise ValueError("the state is not a table")
    missing = [key for key in STATE_KEYS if key not in state]
    if missing:
        raise ValueError("the state lacks %s" % ", ".join(missing))
    config = check_config(state["config"])
    epoch = state["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= config.epochs:
        raise ValueError("epoch %r is not in [1, %d]" % (epoch, config.epochs))
    for key in ("data", "out"):
        if state[key] is not None and not isinstance(state[key], str):
            raise ValueError("%s is %r, not a path" % (key, state[key]))
    try:
        np.random.PCG64().state = state["rng"]  # the generator's own check of its state
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise ValueError("bad random generator state (%s: %s)" % (type(exc).__name__, exc))
    history = state["history"]
    if not isinstance(history, list) or len(history) != epoch:
        raise ValueError("the history does not list %d epochs" % epoch)
    for number, row in enumerate(history, 1):
        if (not isinstance(row, dict) or sorted(row) != sorted(HISTORY_FIELDS) or row["epoch"] != number
                or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in row.values())):
            raise ValueError("history row %d is not %s as numbers" % (number, ", ".join(HISTORY_FIELDS)))
    return config


def _check_arrays(arrays, config):
    """(params, velocity) by name; ValueError unless they are exactly what the model holds, finite."""
    shapes = LeNet5(config.model_config()).param_shapes()
    groups = {"param": {}, "velocity": {}}
    for entry, value in arrays.items():
        group, _, name = entry.partition("/")
        if group not in groups or name not in shapes:
            raise ValueError("unknown entry %r" % entry)
        if value.shape != shapes[name]:
            raise ValueError("%s has shape %s, the model needs %s" % (entry, value.shape, shapes[name]))
        if value.dtype.kind != "f":
            raise ValueError("%s has dtype %s, not floats" % (entry, value.dtype))
        if not np.isfinite(value).all():
            raise ValueError("%s holds NaN or infinite values" % entry)
        groups[group][name] = value
    missing = sorted(set(shapes) - set(groups["param"]))
    if missing:
        raise ValueError("no parameter %s" % ", ".join(missing))
    return groups["param"], groups["velocity"]


def load_checkpoint(path):
    """A Checkpoint(params, velocity, state, config), or DataError saying why the file cannot be used."""
    try:
        arrays, state = _read_arrays(path)
        config = _check_state(state)
        params, velocity = _check_arrays(arrays, config)
    except (ValueError, TypeError) as exc:
        raise DataError("%s: not a readable checkpoint (%s)" % (path, exc))
    return Checkpoint(params, velocity, state, config)


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
