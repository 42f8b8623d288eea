"""The IDX loader on small files written here, and MNIST's checksums on the real ones."""
import gzip
import hashlib
import os
import resource
import struct
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO
from train.data import (IMAGE_MAGIC, LABEL_MAGIC, MNIST_SHA256, DataError, load_mnist, load_split, parse_idx,
                        read_verified)


def idx_bytes(array, magic=None):
    array = np.asarray(array, dtype=np.uint8)
    magic = magic if magic is not None else (0x0800 | array.ndim)
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes()


def write_split(folder, images, labels, split="t10k", gz=False):
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        data = idx_bytes(array) if isinstance(array, np.ndarray) else array
        name = folder / ("%s-%s-ubyte" % (split, kind) + (".gz" if gz else ""))
        name.write_bytes(gzip.compress(data) if gz else data)


def test_parse_round_trip(rng):
    images = rng.integers(0, 256, (3, 28, 28)).astype(np.uint8)
    parsed = parse_idx(idx_bytes(images), "x", IMAGE_MAGIC)
    assert parsed.dtype == np.uint8 and np.array_equal(parsed, images)
    assert np.array_equal(parse_idx(idx_bytes([7, 0, 9]), "y", LABEL_MAGIC), [7, 0, 9])


def test_wrong_magic_is_refused():
    with pytest.raises(DataError, match=r"labels\.idx: wrong magic number 0x00000803, expected 0x00000801"):
        parse_idx(idx_bytes(np.zeros((1, 2, 2))), "labels.idx", LABEL_MAGIC)
    with pytest.raises(DataError, match="wrong magic"):
        parse_idx(b"PK\x03\x04" + bytes(20), "zip", IMAGE_MAGIC)


@pytest.mark.parametrize("cut", [1, 10, 100])
def test_truncated_file_is_refused(cut):
    data = idx_bytes(np.zeros((2, 28, 28)))
    with pytest.raises(DataError, match="truncated"):
        parse_idx(data[:-cut], "short.idx", IMAGE_MAGIC)


def test_truncated_header_is_refused():
    with pytest.raises(DataError, match="truncated"):
        parse_idx(idx_bytes(np.zeros((2, 28, 28)))[:9], "h", IMAGE_MAGIC)
    with pytest.raises(DataError, match="shorter than an IDX header"):
        parse_idx(b"\x00\x00", "h", IMAGE_MAGIC)


def test_a_file_longer_than_its_header_says_is_refused():
    with pytest.raises(DataError, match="too long"):
        parse_idx(idx_bytes([1, 2, 3]) + b"\x00", "long", LABEL_MAGIC)


def test_image_and_label_counts_must_agree(tmp_path, rng):
    write_split(tmp_path, rng.integers(0, 256, (4, 28, 28)).astype(np.uint8), np.array([1, 2, 3], dtype=np.uint8))
    with pytest.raises(DataError, match="3 labels for 4 images"):
        load_split(str(tmp_path), "t10k", verify=False)


def test_labels_must_be_digits(tmp_path):
    write_split(tmp_path, np.zeros((2, 28, 28), dtype=np.uint8), np.array([1, 12], dtype=np.uint8))
    with pytest.raises(DataError, match="label 12 is not a digit"):
        load_split(str(tmp_path), "t10k", verify=False)


def test_images_must_be_28_by_28(tmp_path):
    write_split(tmp_path, np.zeros((2, 20, 20), dtype=np.uint8), np.array([1, 2], dtype=np.uint8))
    with pytest.raises(DataError, match="20x20, expected 28x28"):
        load_split(str(tmp_path), "t10k", verify=False)


@pytest.mark.parametrize("gz", [False, True])
def test_small_split_loads_raw_or_gzipped(tmp_path, rng, gz):
    images = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = np.array([0, 1, 2, 3, 4], dtype=np.uint8)
    write_split(tmp_path, images, labels, gz=gz)
    got_images, got_labels = load_split(str(tmp_path), "t10k", verify=False)
    assert np.array_equal(got_images, images) and np.array_equal(got_labels, labels)


def test_a_file_that_is_not_mnist_fails_the_checksum(tmp_path, rng):
    write_split(tmp_path, rng.integers(0, 256, (5, 28, 28)).astype(np.uint8), np.arange(5, dtype=np.uint8))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte: sha256 [0-9a-f]{64} does not match MNIST's"):
        load_split(str(tmp_path), "t10k")


def test_a_corrupt_gzip_is_refused(tmp_path):
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(DataError, match="not a readable gzip file"):
        read_verified(str(tmp_path), "t10k-images-idx3-ubyte")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte: missing"):
        read_verified(str(tmp_path), "train-labels-idx1-ubyte")


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(DataError, match="nonexistent: MNIST folder not found"):
        load_mnist(str(tmp_path / "nonexistent"))


# The sha256 of MNIST's four uncompressed files, as published with many copies of the data set
# (written out here, not taken from train/data.py, which is what is being checked).
PUBLISHED_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def test_real_mnist_matches_the_published_checksums(mnist_dir, tmp_path):
    assert MNIST_SHA256 == PUBLISHED_SHA256
    for name, expected in PUBLISHED_SHA256.items():
        with open(os.path.join(mnist_dir, name), "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == expected, name
    data = load_mnist(mnist_dir)
    assert data["train"][0].shape == (60000, 28, 28) and data["test"][0].shape == (10000, 28, 28)
    assert np.bincount(data["test"][1]).tolist()[:2] == [980, 1135]  # MNIST's documented class sizes
    # And the loader checks them: a valid IDX file with one pixel or label changed is refused.
    for name in PUBLISHED_SHA256:
        folder = tmp_path / name.split("-")[0] / name.split("-")[1]
        folder.mkdir(parents=True)
        for other in PUBLISHED_SHA256:
            if other != name:
                os.symlink(os.path.join(mnist_dir, other), str(folder / other))
        with open(os.path.join(mnist_dir, name), "rb") as fh:
            changed = bytearray(fh.read())
        changed[-1] = (changed[-1] + 1) % 10  # the last pixel or label, still a digit; the header intact
        (folder / name).write_bytes(bytes(changed))
        with pytest.raises(DataError, match=r"%s: sha256 [0-9a-f]{64} does not match MNIST's %s"
                           % (name, PUBLISHED_SHA256[name])):
            load_mnist(str(folder))


def test_real_mnist_loads_from_gzip(mnist_dir, tmp_path):
    for name in MNIST_SHA256:
        if name.startswith("t10k"):
            (tmp_path / (name + ".gz")).write_bytes(gzip.compress(open(mnist_dir + "/" + name, "rb").read(), 1))
    images, labels = load_split(str(tmp_path), "t10k")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)


def test_damaged_compressed_data_is_refused(tmp_path):
    """A gzip whose deflate stream is broken (here: its first block claims the reserved type 3)."""
    damaged = bytearray(gzip.compress(idx_bytes(np.zeros((2, 28, 28)))))
    damaged[10] |= 0b110  # the byte after the 10-byte gzip header starts the first deflate block
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(bytes(damaged))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz: not a readable gzip file \(.*invalid block type"):
        read_verified(str(tmp_path), "t10k-images-idx3-ubyte")


def test_a_file_given_as_the_folder_is_named(tmp_path):
    (tmp_path / "mnist.zip").write_bytes(b"PK")
    with pytest.raises(DataError, match=r"mnist\.zip: not a folder"):
        load_mnist(str(tmp_path / "mnist.zip"))


def test_a_folder_in_place_of_an_idx_file_is_named(tmp_path):
    (tmp_path / "t10k-labels-idx1-ubyte").mkdir()
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte: a folder, not an IDX file"):
        read_verified(str(tmp_path), "t10k-labels-idx1-ubyte")


@pytest.mark.parametrize("special", ["fifo", "dev-zero-link"])
def test_only_regular_files_are_read(tmp_path, special):
    """Through evaluate.py in a subprocess capped at 3 GB and 60 s: a reader that waits on the FIFO or
    reads /dev/zero to the end fails this (timeout, MemoryError) without taking the test run down."""
    path = tmp_path / "t10k-images-idx3-ubyte"
    if special == "fifo":
        os.mkfifo(str(path))
    else:
        path.symlink_to("/dev/zero")

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    try:
        result = subprocess.run([sys.executable, os.path.join(REPO, "train", "evaluate.py"), "--data", str(tmp_path)],
                                capture_output=True, text=True, timeout=60, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a %s hung" % special)
    assert result.returncode == 2, result.stderr[-300:]
    assert result.stderr == "error: %s: not a regular file\n" % path


def test_a_gzip_bomb_is_not_unpacked_whole(tmp_path):
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(bytes(200 << 20), compresslevel=1))
    with pytest.raises(DataError, match=r"decompresses to more than \d+ bytes"):
        read_verified(str(tmp_path), "t10k-images-idx3-ubyte")
