"""Weight files: one .npy per tensor plus manifest.json that describes them.

    weights/
      manifest.json        format, model config, per-tensor file/shape/dtype/sha256, training notes
      c1.weight.npy  ...   one file per tensor, named after it

Loading checks everything the manifest promises and refuses a mismatch with a WeightsError whose
message names the file and what is wrong. Saving is atomic: the files are written to a temporary
folder beside the target and then renamed into place, so a crash never leaves a half-written folder.
"""
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile

import numpy as np

from .model import LeNet5, ModelConfig

MANIFEST = "manifest.json"
FORMAT = "lenet_py.weights"
FORMAT_VERSION = 1


class WeightsError(Exception):
    """A weights folder that cannot be loaded; str() is a one-line reason naming the file."""


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def library_versions():
    return {"python": sys.version.split()[0], "numpy": np.__version__}


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def save_weights(model, folder, metadata=None, keep_previous_as=None):
    """Write model's tensors and manifest to ``folder`` atomically; returns the manifest dict.

    metadata: extra JSON-able manifest entries (training config, test accuracy, ...).
    keep_previous_as: where an existing ``folder`` is moved instead of being deleted (None deletes it).
    """
    folder = os.path.abspath(folder)
    parent = os.path.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    tensors = {}
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(folder) + ".tmp-", dir=parent)
    try:
        for name, value in model.named_params():
            data = _npy_bytes(value)
            filename = name + ".npy"
            with open(os.path.join(tmp, filename), "wb") as fh:
                fh.write(data)
            tensors[name] = {"file": filename, "shape": list(value.shape), "dtype": str(value.dtype),
                             "sha256": sha256_bytes(data)}
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": model.config.to_dict(),
                    "tensors": tensors, "versions": library_versions()}
        manifest.update(metadata or {})
        with open(os.path.join(tmp, MANIFEST), "w") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=False)
            fh.write("\n")
        if os.path.exists(folder):
            if keep_previous_as:
                os.makedirs(os.path.dirname(os.path.abspath(keep_previous_as)), exist_ok=True)
                os.replace(folder, keep_previous_as)
            else:
                old = tempfile.mkdtemp(prefix="." + os.path.basename(folder) + ".old-", dir=parent)
                os.replace(folder, os.path.join(old, "w"))
                shutil.rmtree(old)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(folder):
    path = os.path.join(folder, MANIFEST)
    if not os.path.isdir(folder):
        raise WeightsError("%s: weights folder not found" % folder)
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except FileNotFoundError:
        raise WeightsError("%s: missing (every weights folder needs one)" % path)
    except ValueError as exc:
        raise WeightsError("%s: not valid JSON (%s)" % (path, exc))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise WeightsError("%s: not a lenet_py weights manifest (format must be %r)" % (path, FORMAT))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise WeightsError("%s: format_version %r, this lenet_py reads %d"
                           % (path, manifest.get("format_version"), FORMAT_VERSION))
    if not isinstance(manifest.get("tensors"), dict):
        raise WeightsError("%s: no 'tensors' table" % path)
    return manifest


def load_weights(folder, dtype=None):
    """Build the model the manifest describes and fill it from the folder's .npy files.

    Returns (model, manifest). Raises WeightsError on a missing file, a checksum, shape or dtype
    mismatch, an unknown or missing tensor, or an invalid model config.
    """
    manifest = read_manifest(folder)
    manifest_path = os.path.join(folder, MANIFEST)
    try:
        config = ModelConfig(**dict(manifest.get("model") or {}, **({"dtype": dtype} if dtype else {})))
    except (TypeError, ValueError) as exc:
        raise WeightsError("%s: bad model config (%s)" % (manifest_path, exc))
    model = LeNet5(config)
    expected = model.param_shapes()
    listed = manifest["tensors"]
    missing = sorted(set(expected) - set(listed))
    unknown = sorted(set(listed) - set(expected))
    if missing:
        raise WeightsError("%s: tensors missing from the manifest: %s" % (manifest_path, ", ".join(missing)))
    if unknown:
        raise WeightsError("%s: tensors this model does not have: %s" % (manifest_path, ", ".join(unknown)))
    tensors = {}
    for name, shape in expected.items():
        entry = listed[name]
        path = os.path.join(folder, str(entry.get("file", "")))
        if list(shape) != list(entry.get("shape", [])):
            raise WeightsError("%s: manifest gives %s shape %s, the model needs %s"
                               % (manifest_path, name, entry.get("shape"), list(shape)))
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except (FileNotFoundError, IsADirectoryError):
            raise WeightsError("%s: missing (tensor %s)" % (path, name))
        if sha256_bytes(data) != entry.get("sha256"):
            raise WeightsError("%s: sha256 mismatch, the file is corrupt or was changed after the manifest was written"
                               % path)
        try:
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise WeightsError("%s: not a readable .npy file (%s)" % (path, exc))
        if list(array.shape) != list(shape):
            raise WeightsError("%s: shape %s, the model needs %s" % (path, list(array.shape), list(shape)))
        if str(array.dtype) != entry.get("dtype"):
            raise WeightsError("%s: dtype %s, the manifest says %s" % (path, array.dtype, entry.get("dtype")))
        tensors[name] = array
    model.set_params(tensors)
    return model, manifest


def zip_folder(folder, arcname):
    """A weights folder as zip bytes, its files under ``arcname/``: unzip it and load_weights(arcname) reads it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(os.listdir(folder)):
            archive.write(os.path.join(folder, name), arcname + "/" + name)
    return buffer.getvalue()
