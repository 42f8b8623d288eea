"""Weight files: one .npy per tensor plus manifest.json that describes them.

    weights/
      manifest.json        format, model config, per-tensor file/shape/dtype/sha256, training notes
      c1.weight.npy  ...   one file per tensor, named after it

Loading checks everything the manifest promises and refuses a mismatch with a WeightsError whose
message names the file and what is wrong. Saving is atomic: the files are written to a temporary
folder beside the target and then renamed into place, so a crash never leaves a half-written folder.
"""
import ast
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile

import numpy as np

from .manifest import (FORMAT, FORMAT_VERSION, MANIFEST, WeightsError, check_manifest, open_regular,  # noqa: F401
                       read_manifest)


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def fresh_dir(parent, prefix):
    """A new, uniquely named folder in ``parent``, with the usual permissions: unlike mkdtemp's 0700,
    os.mkdir respects the umask, so a weights folder served or copied later stays readable."""
    while True:
        path = os.path.join(parent, "%s%d-%s" % (prefix, os.getpid(), os.urandom(4).hex()))
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue


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
    for name, value in model.named_params():
        if not np.isfinite(value).all():  # NaN weights answer every drawing with nonsense
            raise WeightsError("%s: refusing to save %s, it holds NaN or infinite values" % (folder, name))
    os.makedirs(parent, exist_ok=True)
    tensors = {}
    tmp = fresh_dir(parent, "." + os.path.basename(folder) + ".tmp-")
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
            json.dump(manifest, fh, indent=2, sort_keys=False, allow_nan=False)  # bare NaN is not JSON
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


NPY_MAGIC = b"\x93NUMPY"
MAX_NPY_HEADER = 10000   # bytes; NumPy's own reader refuses longer headers too (its max_header_size)


def read_npy_header(fh):
    """(shape, fortran_order, dtype) of an open .npy file of format 1.0 or 2.0 (numpy.lib.format),
    left at its data. The header is a Python dict literal, read here with ast.literal_eval; NumPy
    1.17's reader runs the tokenizer over it first (for Python 2's long integers), which cost more
    in the page than everything else in loading the weights. ValueError (or what literal_eval
    raises) for anything but a header NumPy could have written."""
    start = fh.read(8)
    if len(start) < 8 or start[:6] != NPY_MAGIC:
        raise ValueError("the file does not start with the .npy magic string")
    if start[6:] not in (b"\x01\x00", b"\x02\x00"):
        raise ValueError("format version %d.%d" % (start[6], start[7]))
    width = 2 if start[6] == 1 else 4
    length = int.from_bytes(fh.read(width), "little")
    if length > MAX_NPY_HEADER:
        raise ValueError("a header of %d bytes" % length)
    text = fh.read(length)
    if len(text) < length:
        raise ValueError("the header is cut short")
    header = ast.literal_eval(text.decode("latin1"))
    if not isinstance(header, dict) or sorted(header) != ["descr", "fortran_order", "shape"]:
        raise ValueError("the header is not a dict of descr, fortran_order and shape")
    shape, fortran, descr = header["shape"], header["fortran_order"], header["descr"]
    if (not isinstance(shape, tuple) or not all(type(n) is int and n >= 0 for n in shape)
            or not isinstance(fortran, bool) or not isinstance(descr, str)):
        raise ValueError("the header's shape, fortran_order or descr is not what NumPy writes")
    return shape, fortran, np.dtype(descr)


def read_npy(folder, file_name, shape, dtype, sha256, what):
    """One tensor file, checked against what the manifest promises: the .npy header's shape and dtype
    before any data is read, then the file's exact size, its sha256, and that every value is finite."""
    path = os.path.join(folder, file_name)
    fh, size = open_regular(folder, file_name, what)
    with fh:
        try:
            header_shape, fortran, header_dtype = read_npy_header(fh)
        except (ValueError, OSError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            # MemoryError, RecursionError: Python 3.8's parser on a deeply nested header (the page)
            raise WeightsError("%s: not a readable .npy file (%s)" % (path, str(exc)[:120]))
        if list(header_shape) != list(shape):
            raise WeightsError("%s: shape %s, the model needs %s" % (path, list(header_shape)[:8], list(shape)))
        if header_dtype != np.dtype(dtype):
            raise WeightsError("%s: dtype %s, the manifest says %s" % (path, header_dtype, dtype))
        offset = fh.tell()
        expected_size = offset + int(np.prod(shape)) * header_dtype.itemsize
        if size != expected_size:
            raise WeightsError("%s: %d bytes, its header promises %d" % (path, size, expected_size))
        fh.seek(0)
        data = fh.read(expected_size)
    if sha256_bytes(data) != sha256:
        raise WeightsError("%s: sha256 mismatch, the file is corrupt or was changed after the manifest was written"
                           % path)
    array = np.frombuffer(data, dtype=header_dtype, offset=offset).reshape(shape, order="F" if fortran else "C")
    if not np.isfinite(array).all():
        raise WeightsError("%s: holds NaN or infinite values" % path)
    return array


def load_weights(folder, dtype=None):
    """Build the model the manifest describes and fill it from the folder's .npy files.

    Returns (model, manifest). Raises WeightsError on anything the manifest does not promise or a file
    does not keep: see lenet_py.manifest for the rules, read_npy for the files.
    """
    manifest = read_manifest(folder)
    model, entries = check_manifest(manifest, os.path.join(folder, MANIFEST), dtype)
    tensors = {name: read_npy(folder, file_name, shape, file_dtype, sha256, "tensor " + name)
               for name, (file_name, shape, file_dtype, sha256) in entries.items()}
    model.set_params(tensors)
    return model, manifest


def zip_folder(folder, arcname):
    """A weights folder as zip bytes, its files under ``arcname/``: unzip it and load_weights(arcname) reads it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(os.listdir(folder)):
            archive.write(os.path.join(folder, name), arcname + "/" + name)
    return buffer.getvalue()
