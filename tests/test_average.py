"""train/average.py: the moving average of the weights that training evaluates, checkpoints and writes."""
from dataclasses import asdict

import numpy as np
import pytest

from lenet_py.model import LeNet5
from lenet_py.optim import SGD
from lenet_py.weights import load_weights
from train.average import WeightAverage
from train.checkpoint import load_checkpoint, save_checkpoint
from train.config import TrainConfig
from train.errors import CheckpointError
from train.data import load_split
from train.evaluate import evaluate
from train_helpers import SMALL, history, run


def set_all(model, value):
    for _, param in model.named_params():
        param[...] = value


def test_the_average_of_three_steps_weighs_them_as_the_formula_says():
    model, average = LeNet5(), WeightAverage(0.9)
    for value in (1.0, 2.0, 4.0):
        set_all(model, value)
        average.update(model)
    # a1 = w1; a_t = d_t a_(t-1) + (1 - d_t) w_t with the warm-up's d_2 = 3/12 and d_3 = 4/13 (both below 0.9):
    expected = 4 / 13 * (3 / 12 * 1.0 + 9 / 12 * 2.0) + 9 / 13 * 4.0
    assert sorted(average.values) == sorted(dict(model.named_params())) and average.steps == 3
    for name, value in average.values.items():
        np.testing.assert_allclose(value, expected, rtol=1e-6, err_msg=name)


def test_after_the_warm_up_the_decay_is_the_one_asked_for():
    model, average = LeNet5(), WeightAverage(0.9)
    set_all(model, 1.0)
    average.update(model)
    average.steps = 1000     # (1 + t) / (10 + t) is 0.991 by now: the decay asked for is the smaller
    set_all(model, 2.0)
    average.update(model)
    for name, value in average.values.items():
        np.testing.assert_allclose(value, 0.9 * 1.0 + 0.1 * 2.0, rtol=1e-6, err_msg=name)


def test_applied_puts_the_average_in_and_the_own_weights_back_even_on_an_error():
    model, average = LeNet5(), WeightAverage(0.5)
    set_all(model, 2.0)
    average.update(model)
    set_all(model, 4.0)
    average.update(model)   # the warm-up's d_2 = 3/12: the average is 2 / 4 + 4 * 3 / 4 = 3.5
    x = np.zeros((1, 1, 32, 32), np.float32)
    with average.applied(model):
        assert all((p == 3.5).all() for _, p in model.named_params())
        inside = model.predict_proba(x)
    assert all((p == 4.0).all() for _, p in model.named_params())
    assert not np.allclose(inside, model.predict_proba(x))   # the forward pass really read the average
    with pytest.raises(RuntimeError):
        with average.applied(model):
            raise RuntimeError("a failed evaluation")
    assert all((p == 4.0).all() for _, p in model.named_params())


def test_decay_0_keeps_nothing_and_changes_nothing():
    model, average = LeNet5(), WeightAverage(0.0)
    average.update(model)
    assert average.values == {}
    with average.applied(model):
        set_all(model, 7.0)   # what happens inside stays: there was nothing to swap back
    assert all((p == 7.0).all() for _, p in model.named_params())


def test_a_checkpoint_keeps_the_average_and_refuses_one_that_does_not_fit_its_config(tmp_path):
    model, average = LeNet5(TrainConfig().model), WeightAverage(0.5)
    average.update(model)
    set_all(model, 1.0)
    average.update(model)
    path = str(tmp_path / "checkpoint.npz")
    state = {"epoch": 1, "rng": np.random.default_rng(0).bit_generator.state,
             "history": [dict.fromkeys(("epoch", "lr", "train_loss", "train_accuracy", "test_loss",
                                        "test_accuracy", "seconds"), 1)], "data": None, "out": None}
    save_checkpoint(path, model, SGD(), dict(state, config=asdict(TrainConfig(average=0.5))), average)
    loaded = load_checkpoint(path)
    for name, value in average.values.items():
        assert np.array_equal(loaded.average[name], value), name
    save_checkpoint(path, model, SGD(), dict(state, config=asdict(TrainConfig(average=0.0))), average)
    with pytest.raises(CheckpointError, match="it holds averaged weights but its config has average 0"):
        load_checkpoint(path)
    save_checkpoint(path, model, SGD(), dict(state, config=asdict(TrainConfig(average=0.5))), WeightAverage(0.5))
    with pytest.raises(CheckpointError, match="its averaged weights are incomplete"):
        load_checkpoint(path)


def test_a_run_writes_the_average_and_evaluates_it(tmp_path, mnist_dir):
    out, run_dir = tmp_path / "w", tmp_path / "run"
    result = run(SMALL + ["--epochs", "1", "--average", "0.9", "--out", str(out), "--run-dir", str(run_dir)])
    assert result.returncode == 0, result.stderr
    checkpoint = load_checkpoint(str(run_dir / "checkpoint.npz"))
    written = dict(load_weights(str(out))[0].named_params())
    for name, value in written.items():
        assert np.array_equal(value, checkpoint.average[name]), name
    assert any(not np.array_equal(value, checkpoint.params[name]) for name, value in written.items())
    # What the run evaluated, each epoch and at the end, is the average: the written weights' own figure.
    model, manifest = load_weights(str(out))
    images, labels = load_split(mnist_dir, "t10k")
    result = evaluate(model, images[:300], labels[:300])
    last = history(run_dir)[-1]
    assert abs(result["loss"] - float(last["test_loss"])) < 1e-5 and manifest["test_correct"] == result["correct"]
    raw = LeNet5(TrainConfig().model)
    raw.set_params(checkpoint.params)
    assert abs(evaluate(raw, images[:300], labels[:300])["loss"] - result["loss"]) > 1e-3   # not the last step's
