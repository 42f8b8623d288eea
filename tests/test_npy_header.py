"""The .npy header reader the weights loader uses, against NumPy's own reader (the reference)."""
import io

import numpy as np
import pytest

from lenet_py import LeNet5, ModelConfig
from lenet_py.weights import MAX_NPY_HEADER, read_npy_header

ARRAYS = [np.zeros(6, np.float32), np.ones((120, 84)), np.zeros((16, 6, 5, 5), ">f4"), np.float64(3.0),
          np.zeros((0, 3), np.float32), np.asfortranarray(np.ones((3, 4), np.float32)), np.zeros(2, np.uint8)]


def numpy_header(data):
    """NumPy's reading of the header: (shape, fortran_order, dtype) and where the data starts."""
    fh = io.BytesIO(data)
    version = np.lib.format.read_magic(fh)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    return read(fh), fh.tell()


def ours(data):
    fh = io.BytesIO(data)
    return read_npy_header(fh), fh.tell()


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: "%s%s" % (a.dtype.str, a.shape))
def test_reads_what_numpy_reads(array, version):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), version=version)
    assert ours(buffer.getvalue()) == numpy_header(buffer.getvalue())


def test_reads_the_shipped_weights_as_numpy_does(tmp_path):
    model = LeNet5(ModelConfig(), np.random.default_rng(0))
    for name, value in model.named_params():
        buffer = io.BytesIO()
        np.save(buffer, value)
        assert ours(buffer.getvalue()) == numpy_header(buffer.getvalue()), name


def with_header(text, version=b"\x01\x00", width=2):
    body = text.encode("latin1")
    return b"\x93NUMPY" + version + len(body).to_bytes(width, "little") + body + b"\0" * 24


GOOD = "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }"


REFUSED = [
    (b"", "magic"),
    (b"PK\x03\x04" + b"\0" * 40, "magic"),                                       # an .npz
    (with_header(GOOD, version=b"\x03\x00", width=4), "format version 3.0"),
    (with_header(GOOD)[:30], "cut short"),
    (b"\x93NUMPY\x02\x00" + (MAX_NPY_HEADER + 1).to_bytes(4, "little"), "a header of 10001 bytes"),
    (with_header("[1, 2, 3]"), "not a dict"),
    (with_header("{'descr': '<f4', 'fortran_order': False}"), "not a dict"),
    (with_header(GOOD[:-2] + "'extra': 1}"), "not a dict"),
    (with_header(GOOD.replace("(6,)", "(-6,)")), "not what NumPy writes"),
    (with_header(GOOD.replace("(6,)", "[6]")), "not what NumPy writes"),
    (with_header(GOOD.replace("(6,)", "(6.0,)")), "not what NumPy writes"),
    (with_header(GOOD.replace("(6,)", "(True,)")), "not what NumPy writes"),
    (with_header(GOOD.replace("False", "0")), "not what NumPy writes"),
    (with_header(GOOD.replace("'<f4'", "[('a', '<f4')]")), "not what NumPy writes"),
]


@pytest.mark.parametrize("data, why", REFUSED, ids=[why for _, why in REFUSED])
def test_refuses_what_numpy_did_not_write(data, why):
    with pytest.raises(ValueError, match=why):
        read_npy_header(io.BytesIO(data))


def test_code_in_a_header_is_not_run():
    with pytest.raises(ValueError):
        read_npy_header(io.BytesIO(with_header(GOOD.replace("(6,)", "__import__('os').getpid()"))))
