"""The assembled LeNet-5: shapes, its full gradient with the loss, and its configuration."""
import numpy as np
import pytest

from conftest import relative_error
from lenet_py import LeNet5, ModelConfig, normalize
from lenet_py.layers import softmax_cross_entropy


def test_forward_shapes_follow_the_paper(rng):
    model = LeNet5(ModelConfig(), rng)
    maps = model.feature_maps(rng.normal(size=(3, 1, 32, 32)))
    assert {k: v.shape for k, v in maps.items()} == {
        "c1": (3, 6, 28, 28), "s2": (3, 6, 14, 14), "c3": (3, 16, 10, 10), "s4": (3, 16, 5, 5),
        "c5": (3, 120, 1, 1), "f6": (3, 84), "output": (3, 10)}
    assert model.forward(rng.normal(size=(3, 1, 32, 32))).dtype == np.float32


def papers_table_one():
    """LeCun et al. 1998, Table I, written out from the paper: the S2 maps each C3 map reads."""
    table = [{j % 6, (j + 1) % 6, (j + 2) % 6} for j in range(6)]            # 0-5: three contiguous maps
    table += [{j % 6, (j + 1) % 6, (j + 2) % 6, (j + 3) % 6} for j in range(6)]  # 6-11: four contiguous
    table += [{0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5}]                        # 12-14: four discontinuous
    table += [set(range(6))]                                                  # 15: all six
    return table


def connections(kernels):
    """[set of input maps] per output map: where the (F, C, k, k) kernels are not all zero."""
    return [set(np.flatnonzero(np.any(k != 0, axis=(1, 2))).tolist()) for k in kernels]


def test_parameter_count_with_the_papers_table(rng):
    # The paper: C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164 trainable parameters.
    model = LeNet5(ModelConfig(c3_table="paper"), rng)
    params = dict(model.named_params())
    assert sum(len(inputs) for inputs in papers_table_one()) * 25 + 16 == 1516
    assert sum(map(len, connections(params["c3.weight"]))) * 25 + params["c3.bias"].size == 1516
    counts = {name: value.size for name, value in params.items()}
    assert counts["c1.weight"] + counts["c1.bias"] == 156
    assert counts["s2.weight"] + counts["s2.bias"] == 12
    assert counts["s4.weight"] + counts["s4.bias"] == 32
    assert counts["c5.weight"] + counts["c5.bias"] == 48120
    assert counts["f6.weight"] + counts["f6.bias"] == 10164


def test_c3_connections_are_the_papers_table_one(rng):
    """Map by map: a shuffled table of the same size is not the paper's."""
    model = LeNet5(ModelConfig(c3_table="paper"), rng)
    logits = model.forward(rng.normal(size=(2, 1, 32, 32)))
    model.backward(softmax_cross_entropy(logits, np.array([3, 8]))[1])
    # Training keeps the table: the unconnected kernels get no gradient, the connected ones do.
    assert connections(dict(model.named_grads())["c3.weight"]) == connections(dict(model.named_params())["c3.weight"])
    assert connections(dict(model.named_params())["c3.weight"]) == papers_table_one()


def test_full_connection_uses_every_c3_kernel(rng):
    weights = dict(LeNet5(ModelConfig(c3_table="full"), rng).named_params())["c3.weight"]
    assert np.all(np.any(weights != 0, axis=(2, 3)))


@pytest.mark.parametrize("config", [ModelConfig(dtype="float64"),
                                    ModelConfig(c3_table="full", init="paper", dtype="float64"),
                                    ModelConfig(output="rbf", init="paper_sqrt", dtype="float64")])
def test_whole_model_gradient_with_loss(rng, config):
    """Forty random entries of every tensor against centred differences of the loss.

    h = 1e-4 balances rounding (the loss is ~2.3, entries' gradients ~1e-5) against truncation.
    ReLU is checked as a layer only: across a whole network, steps of any size cross its kinks.
    """
    model = LeNet5(config, rng)
    x = rng.normal(size=(4, 1, 32, 32))
    labels = np.array([3, 1, 4, 1])

    def loss():
        return model.loss(model.forward(x), labels)[0]

    _, dlogits = model.loss(model.forward(x), labels)
    model.backward(dlogits)
    grads = {name: grad.copy() for name, grad in model.named_grads()}
    c3_free = np.broadcast_to(model.layers[4].mask, grads["c3.weight"].shape).reshape(-1)
    for name, param in model.named_params():
        flat = param.reshape(-1)  # a view: writing it perturbs the live parameter
        candidates = np.flatnonzero(c3_free) if name == "c3.weight" else np.arange(flat.size)
        chosen = rng.choice(candidates, min(40, candidates.size), replace=False)
        numeric = np.empty(chosen.size)
        for i, index in enumerate(chosen):
            old = flat[index]
            flat[index] = old + 1e-4
            plus = loss()
            flat[index] = old - 1e-4
            minus = loss()
            flat[index] = old
            numeric[i] = (plus - minus) / 2e-4
        error = relative_error(numeric, grads[name].reshape(-1)[chosen])
        assert error < 1e-6, "%s: relative error %.2e" % (name, error)


def test_predict_proba_is_a_distribution(rng):
    model = LeNet5(ModelConfig(), rng)
    probs = model.predict_proba(normalize(rng.integers(0, 256, (5, 28, 28))), batch_size=2)
    assert probs.shape == (5, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(probs >= 0)


def test_inference_keeps_no_caches(rng):
    model = LeNet5(ModelConfig(), rng)
    model.forward(rng.normal(size=(2, 1, 32, 32)), train=False)
    assert all(layer.cache is None for layer in model.layers)
    assert model.fast.cache is None


def test_same_seed_same_model():
    a = dict(LeNet5(ModelConfig(), np.random.default_rng(7)).named_params())
    b = dict(LeNet5(ModelConfig(), np.random.default_rng(7)).named_params())
    c = dict(LeNet5(ModelConfig(), np.random.default_rng(8)).named_params())
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["c1.weight"], c["c1.weight"])


@pytest.mark.parametrize("config", [ModelConfig(), ModelConfig(reject=True, dtype="float64"),
                                    ModelConfig(output="rbf", c3_table="full")], ids=["default", "reject", "rbf"])
def test_a_blank_model_has_zeros_where_weights_are_drawn(config):
    drawn = dict(LeNet5(config, np.random.default_rng(0)).named_params())
    other = dict(LeNet5(config, np.random.default_rng(1)).named_params())
    blank = dict(LeNet5.blank(config).named_params())
    assert list(blank) == list(drawn)
    zeroed = 0
    for name, value in blank.items():
        assert value.shape == drawn[name].shape and value.dtype == drawn[name].dtype, name
        if np.array_equal(drawn[name], other[name]):     # not drawn (biases, S2 and S4's coefficients)
            np.testing.assert_array_equal(value, drawn[name], err_msg=name)
        else:
            assert not value.any(), name
            zeroed += 1
    assert zeroed == (4 if config.output == "rbf" else 5)   # C1, C3, C5, F6 (and the output layer)


@pytest.mark.parametrize("kwargs", [{"activation": "sigmoid"}, {"c3_table": "half"}, {"dtype": "float16"},
                                    {"init": "xavier"}])
def test_bad_config_is_refused(kwargs):
    with pytest.raises(ValueError, match=list(kwargs)[0]):
        ModelConfig(**kwargs)


def test_set_params_refuses_a_wrong_shape(rng):
    model = LeNet5(ModelConfig(), rng)
    tensors = dict(model.named_params())
    tensors["f6.weight"] = np.zeros((84, 120))
    with pytest.raises(ValueError, match="f6.weight"):
        model.set_params(tensors)


def test_normalize_uses_the_papers_levels():
    x = normalize(np.array([[[0] * 28] * 27 + [[255] * 28]], dtype=np.uint8))
    assert x.shape == (1, 1, 32, 32)
    assert x[0, 0, 0, 0] == pytest.approx(-0.1)        # padding is background
    assert x[0, 0, 29, 5] == pytest.approx(1.175)       # the ink row, shifted by the 2-pixel pad
