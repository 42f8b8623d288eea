"""The fast path (lenet_py/fast.py, fastnet.py) against the layer-by-layer reference (layers.py), in float64."""
import numpy as np
import pytest

from lenet_py import LeNet5, ModelConfig, fast
from lenet_py.fast import col2im, conv_forward, flat_length, pool_sum, unpool_times, valid, windows
from lenet_py.layers import Subsample, conv2d_reference


def jittered(config, rng):
    """A model whose every parameter (biases and subsampling coefficients too) is away from its initial value."""
    model = LeNet5(config, rng)
    for layer in model.layers:
        for key, value in layer.params.items():
            noise = rng.normal(size=value.shape) * 0.2
            value += noise * layer.mask if key == "weight" and hasattr(layer, "mask") else noise
    return model


def reference_and_fast(model, x, labels):
    """(logits, grads) by the reference, then by the fast path, on the same model."""
    ref_logits = model.forward_reference(x)
    dlogits = model.loss(ref_logits, labels)[1]
    model.backward_reference(dlogits)
    ref_grads = {name: grad.copy() for name, grad in model.named_grads()}
    logits = model.forward(x)
    model.backward(dlogits)
    return (ref_logits, ref_grads), (logits, dict(model.named_grads()))


@pytest.mark.parametrize("config", [ModelConfig(dtype="float64"),
                                    ModelConfig(dtype="float64", c3_table="full", reject=True, init="lecun"),
                                    ModelConfig(dtype="float64", activation="relu"),
                                    ModelConfig(dtype="float64", output="rbf")])
@pytest.mark.parametrize("n", [1, 3, 32])
def test_fast_chain_matches_the_reference(rng, config, n):
    model = jittered(config, rng)
    x = rng.normal(size=(n, 1, 32, 32))
    (ref_logits, ref_grads), (logits, grads) = reference_and_fast(model, x, rng.integers(0, config.outputs, n))
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-12, atol=1e-12)
    assert set(grads) == set(ref_grads)
    for name in ref_grads:
        assert grads[name].shape == ref_grads[name].shape, name
        np.testing.assert_allclose(grads[name], ref_grads[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_float32_chain_close_to_the_reference(rng):
    model = jittered(ModelConfig(), rng)
    x = rng.normal(size=(8, 1, 32, 32)).astype(np.float32)
    (ref_logits, ref_grads), (logits, grads) = reference_and_fast(model, x, rng.integers(0, 10, 8))
    assert logits.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-4, atol=1e-4)
    for name in ref_grads:
        scale = np.abs(ref_grads[name]).max()
        np.testing.assert_allclose(grads[name], ref_grads[name], atol=1e-4 * scale, err_msg=name)


def test_reused_buffers_hold_no_stale_state(rng):
    """Batches of other sizes, inference in between and repeated steps: every result as if computed afresh."""
    model = jittered(ModelConfig(dtype="float64"), rng)
    for n in (4, 1, 4, 7, 4):
        x = rng.normal(size=(n, 1, 32, 32))
        model.forward(rng.normal(size=(2, 1, 32, 32)), train=False)   # the page predicting in between
        (ref_logits, ref_grads), (logits, grads) = reference_and_fast(model, x, rng.integers(0, 10, n))
        np.testing.assert_allclose(logits, ref_logits, rtol=1e-12, atol=1e-12)
        for name in ref_grads:
            np.testing.assert_allclose(grads[name], ref_grads[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_logits_are_not_overwritten_by_the_next_forward(rng):
    model = LeNet5(ModelConfig(), rng)
    x = rng.normal(size=(2, 1, 32, 32))
    first = model.forward(x, train=False)
    kept = first.copy()
    model.forward(rng.normal(size=(2, 1, 32, 32)), train=False)
    np.testing.assert_array_equal(first, kept)


def test_backward_needs_the_training_forward_of_that_batch(rng):
    model = LeNet5(ModelConfig(), rng)
    model.forward(rng.normal(size=(3, 1, 32, 32)))
    model.forward(rng.normal(size=(3, 1, 32, 32)), train=False)      # the buffers changed since
    with pytest.raises(RuntimeError, match="forward"):
        model.backward(np.zeros((3, 10)))
    model.forward(rng.normal(size=(3, 1, 32, 32)))
    with pytest.raises(RuntimeError, match="forward"):
        model.backward(np.zeros((2, 10)))


# ---- the building blocks against their references ------------------------------------------------

@pytest.mark.parametrize("in_browser", [False, True])   # matmul here, einsum in Pyodide
@pytest.mark.parametrize("c,h,w,f,k", [(1, 32, 32, 6, 5), (6, 14, 14, 16, 5), (2, 7, 9, 3, 3), (3, 5, 5, 4, 5)])
def test_row_strided_conv_matches_the_definition(rng, monkeypatch, in_browser, c, h, w, f, k):
    monkeypatch.setattr(fast, "IN_BROWSER", in_browser)
    n = 3
    x = rng.normal(size=(n, c, h, w))
    weight, bias = rng.normal(size=(f, c, k, k)), rng.normal(size=f)
    length = flat_length(h, w, k)
    cols = np.ones((c * k * k + 1, n * length))
    out = np.empty((f, n, length))
    flat = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(c, n, h * w)
    conv_forward(flat, k, w, np.hstack([weight.reshape(f, -1), bias[:, None]]), cols, out)
    got = valid(out, h - k + 1, w - k + 1, w).transpose(1, 0, 2, 3)
    np.testing.assert_allclose(got, conv2d_reference(x, weight, bias), rtol=1e-12, atol=1e-12)


def test_windows_read_nothing_outside_the_maps(rng):
    x = np.arange(2 * 3 * 36, dtype=float).reshape(2, 3, 36)
    view = windows(x, 3, 6)
    assert view.max() == x.max() and view.shape == (2, 3, 3, 3, flat_length(6, 6, 3))


def test_col2im_is_the_adjoint_of_windows(rng):
    """<windows(x), D> == <x, col2im(D)>, also with a dirty output buffer (col2im must not read it)."""
    c, n, h, w, k = 3, 2, 7, 6, 3
    x = rng.normal(size=(c, n, h * w))
    d = rng.normal(size=(c * k * k, n, flat_length(h, w, k)))
    out = np.full((c, n, h * w), np.nan)
    col2im(d, k, w, out)
    lhs = np.sum(windows(x, k, w).reshape(c * k * k, n, -1) * d)
    assert lhs == pytest.approx(np.sum(x * out), rel=1e-12)


def test_pool_and_unpool_match_the_subsampling_reference(rng):
    x = rng.normal(size=(2, 3, 6, 8))                      # reference layout (N, C, H, W)
    layer = Subsample("s", 3, np.float64)
    dy = rng.normal(size=(2, 3, 3, 4))
    layer.forward(x)
    dx = layer.backward(dy)
    pooled = np.empty((3, 2, 3, 4))
    pool_sum(x.transpose(1, 0, 2, 3), pooled)
    np.testing.assert_allclose(pooled.transpose(1, 0, 2, 3) * 0.25, x.reshape(2, 3, 3, 2, 4, 2).mean(axis=(3, 5)), rtol=1e-12)
    out = np.empty((3, 2, 6, 8))
    # With the derivative all ones, unpool_times is the reference's upsampling of dy * coefficient / 4.
    unpool_times(dy.transpose(1, 0, 2, 3) * 0.25, np.ones((3, 2, 6, 8)), out)
    np.testing.assert_allclose(out.transpose(1, 0, 2, 3), dx, rtol=1e-12)


def test_big_inference_batches_go_in_pieces(rng):
    """Evaluation's batches of 1000 are run 256 at a time: the same logits, and no workspace of 1000 kept."""
    model = jittered(ModelConfig(dtype="float64"), rng)
    x = rng.normal(size=(600, 1, 32, 32))
    np.testing.assert_allclose(model.forward(x, train=False), model.forward_reference(x, train=False),
                               rtol=1e-12, atol=1e-12)
    assert {256, 88} <= set(model.fast.workspaces) and max(model.fast.workspaces) <= 256   # 600 = 256 + 256 + 88
