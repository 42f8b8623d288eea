"""The sped-up augmentation gives exactly what the plain code gave, and the process keeps freed memory."""
import ctypes

import numpy as np
import pytest

from lenet_py.augment import bilinear_sample, bilinear_sample_reference, blur_matrix, gaussian_smooth
from train.memory import keep_freed_memory


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bilinear_sample_is_bit_for_bit_the_plain_version(rng, dtype):
    images = rng.uniform(0, 255, (5, 28, 28)).astype(dtype)
    rows = rng.uniform(-4, 32, (5, 28, 28))          # inside, on the border and well outside the image
    cols = rng.uniform(-4, 32, (5, 28, 28))
    rows[0, 0, :4] = [-1.0, 0.0, 27.0, 28.5]           # exact pixel centres and the clipping edges
    got = bilinear_sample(images, rows, cols)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, bilinear_sample_reference(images, rows, cols))


def test_gaussian_smooth_with_the_cached_matrices(rng):
    fields = rng.normal(size=(3, 28, 20))
    sigma = 4.0
    radius = int(np.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    padded = np.pad(fields, ((0, 0), (radius, radius), (radius, radius)))
    expected = np.zeros_like(fields)   # the definition: a separable convolution with zero padding
    for i in range(2 * radius + 1):
        for j in range(2 * radius + 1):
            expected += taps[i] * taps[j] * padded[:, i:i + 28, j:j + 20]
    np.testing.assert_allclose(gaussian_smooth(fields, sigma), expected, rtol=1e-12, atol=1e-12)
    assert blur_matrix(28, sigma) is blur_matrix(28, sigma) and not blur_matrix(28, sigma).flags.writeable


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="glibc's malloc (2.33 or later)")
def test_training_keeps_freed_memory():
    """Blocks of a few hundred KB come from the heap, and the heap is not trimmed when they are freed."""
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = MallInfo2
    assert keep_freed_memory()
    blocks = [np.ones(100_000, np.float32) for _ in range(40)]     # 400 KB each, 16 MB in all
    in_use = mallinfo2().arena
    del blocks
    assert in_use >= 16e6 and mallinfo2().arena >= in_use - 1e6, (in_use, mallinfo2().arena)
