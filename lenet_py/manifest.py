"""The one place that decides whether a weights manifest, and the files it names, can be trusted.

A weights folder may come from anywhere: a download, browser storage, a stranger's checkout. Both
CPython (``load_weights``) and the page's worker (before it fetches or writes a single tensor file)
ask this module, so the rules cannot drift apart:

- a tensor file name is a plain file name, ``^[A-Za-z0-9_][A-Za-z0-9_.-]*\\.npy$``: no folder, no
  ``..``, no ``#`` or ``?`` that would make a URL and a file path name different files;
- the manifest is a small JSON object (at most MAX_MANIFEST_BYTES) naming exactly the model's
  tensors, each with the model's shape, a float dtype and a sha256;
- files are opened without following symbolic links and only if they are regular files, so a
  FIFO cannot hang the reader and ``/dev/zero`` cannot fill memory.

Every refusal is a WeightsError whose message names the file and what is wrong.
"""
import json
import os
import re
import stat

from .model import LeNet5, ModelConfig

MANIFEST = "manifest.json"
FORMAT = "lenet_py.weights"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 4 << 20          # the shipped manifest, training history included, is about 10 kB
MAX_STORED_FILES = 64                 # a weights folder holds the manifest and one file per tensor (10)
DTYPES = ("float32", "float64")
FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.npy$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class WeightsError(Exception):
    """A weights folder that cannot be loaded; str() is a one-line reason naming the file."""


def check_file_name(name, where):
    """Refuse anything but a plain .npy file name; ``where`` names the manifest in the message."""
    if not isinstance(name, str) or not FILE_NAME.fullmatch(name) or ".." in name:
        raise WeightsError("%s: tensor file name %s is not a plain file name like c1.weight.npy"
                           % (where, json.dumps(name)[:80]))
    return name


def check_stored_names(names):
    """Names of the files of a stored weights folder (the page's browser storage): the manifest plus
    plain .npy names. Returns the sorted names; raises WeightsError."""
    if not isinstance(names, list) or not 0 < len(names) <= MAX_STORED_FILES:
        raise WeightsError("stored weights: expected between 1 and %d files" % MAX_STORED_FILES)
    for name in names:
        if name != MANIFEST:
            check_file_name(name, "stored weights")
    if MANIFEST not in names:
        raise WeightsError("stored weights: no %s" % MANIFEST)
    return sorted(names)


def open_regular(folder, name, what):
    """Open ``folder/name`` for reading, refusing symbolic links and anything but a regular file.

    Returns (binary file object, size in bytes). ``what`` says what the file is for, in messages:
    a missing file is "<path>: missing (<what>)"."""
    path = os.path.join(folder, name)
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise WeightsError("%s: missing (%s)" % (path, what))
    except OSError as exc:
        if os.path.islink(path):
            raise WeightsError("%s: a symbolic link, not a regular file (%s)" % (path, what))
        raise WeightsError("%s: cannot read (%s)" % (path, exc.strerror or exc))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise WeightsError("%s: not a regular file (%s)" % (path, what))
    return os.fdopen(fd, "rb"), info.st_size


def read_manifest(folder):
    """The parsed, checked manifest of ``folder`` (format and version; see check_manifest for the rest)."""
    path = os.path.join(folder, MANIFEST)
    if not os.path.isdir(folder):
        raise WeightsError("%s: weights folder not found" % folder)
    fh, size = open_regular(folder, MANIFEST, "every weights folder needs one")
    with fh:
        if size > MAX_MANIFEST_BYTES:
            raise WeightsError("%s: %d bytes, more than a manifest's limit of %d" % (path, size, MAX_MANIFEST_BYTES))
        text = fh.read(MAX_MANIFEST_BYTES + 1)
    return parse_manifest(text, path)


def parse_manifest(text, path):
    """Manifest JSON (str or bytes) -> dict with the right format and version; raises WeightsError."""
    try:
        manifest = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WeightsError("%s: not valid JSON (%s)" % (path, exc))
    except RecursionError:
        raise WeightsError("%s: not valid JSON (nested too deeply)" % path)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise WeightsError("%s: not a lenet_py weights manifest (format must be %r)" % (path, FORMAT))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise WeightsError("%s: format_version %s, this lenet_py reads %d"
                           % (path, json.dumps(manifest.get("format_version"))[:40], FORMAT_VERSION))
    if not isinstance(manifest.get("tensors"), dict):
        raise WeightsError("%s: no 'tensors' table" % path)
    return manifest


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_extras(manifest, path):
    """The optional entries the page shows: test_accuracy, training, personalised."""
    accuracy = manifest.get("test_accuracy")
    if accuracy is not None and not (_is_number(accuracy) and 0 <= accuracy <= 1):
        raise WeightsError("%s: test_accuracy must be a number in [0, 1]" % path)
    if not isinstance(manifest.get("training", {}), dict):
        raise WeightsError("%s: 'training' must be an object" % path)
    personalised = manifest.get("personalised")
    if personalised is not None:
        corrections = personalised.get("corrections") if isinstance(personalised, dict) else None
        if not (isinstance(corrections, int) and not isinstance(corrections, bool) and corrections >= 0):
            raise WeightsError("%s: 'personalised' must be an object with a count of corrections" % path)


def check_manifest(manifest, path, dtype=None):
    """Check everything a manifest promises that can be checked without reading the tensor files.

    Returns (the LeNet5 it describes, with initial weights, {tensor name: (file name, shape tuple, dtype str, sha256)}) for exactly the
    tensors the model has. ``dtype`` overrides the model's dtype (the files keep theirs)."""
    model_entry = manifest.get("model")
    if not isinstance(model_entry, dict):
        raise WeightsError("%s: bad model config (no 'model' object)" % path)
    try:
        config = ModelConfig(**dict(model_entry, **({"dtype": dtype} if dtype else {})))
    except (TypeError, ValueError) as exc:
        raise WeightsError("%s: bad model config (%s)" % (path, exc))
    check_extras(manifest, path)
    model = LeNet5.blank(config)  # built once: its shapes are checked here, load_weights fills it
    expected = model.param_shapes()
    listed = manifest["tensors"]
    missing = sorted(set(expected) - set(listed))
    unknown = sorted(set(listed) - set(expected))
    if missing:
        raise WeightsError("%s: tensors missing from the manifest: %s" % (path, ", ".join(missing)))
    if unknown:
        raise WeightsError("%s: tensors this model does not have: %s" % (path, ", ".join(unknown)[:200]))
    entries = {}
    for name, shape in expected.items():
        entry = listed[name]
        if not isinstance(entry, dict):
            raise WeightsError("%s: the entry of %s must be an object with file, shape, dtype and sha256" % (path, name))
        check_file_name(entry.get("file"), path)
        if entry.get("shape") != list(shape):
            raise WeightsError("%s: manifest gives %s shape %s, the model needs %s"
                               % (path, name, json.dumps(entry.get("shape"))[:80], list(shape)))
        if entry.get("dtype") not in DTYPES:
            raise WeightsError("%s: %s has dtype %s, expected one of %s"
                               % (path, name, json.dumps(entry.get("dtype"))[:40], ", ".join(DTYPES)))
        if not isinstance(entry.get("sha256"), str) or not SHA256.fullmatch(entry["sha256"]):
            raise WeightsError("%s: %s has no valid sha256 (64 lowercase hex digits)" % (path, name))
        entries[name] = (entry["file"], tuple(shape), entry["dtype"], entry["sha256"])
    files = [e[0] for e in entries.values()]
    if len(set(files)) != len(files):
        raise WeightsError("%s: two tensors name the same file" % path)
    return model, entries


def tensor_files(folder):
    """For the page's worker: the checked file names to fetch for the manifest already in ``folder``."""
    path = os.path.join(folder, MANIFEST)
    _, entries = check_manifest(read_manifest(folder), path)
    return sorted(e[0] for e in entries.values())
