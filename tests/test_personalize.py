"""Learning from corrections in CPython: the same code the page runs."""
import dataclasses
import io
import os
import zipfile

import numpy as np
import pytest

from canvas_digits import stroked
from conftest import REPO
from lenet_py.personalize import PersonalizeConfig, Personalizer
from lenet_py.preprocess import EmptyDrawing
from lenet_py.recognizer import Recognizer
from lenet_py.strokes import strokes_to_mnist
from lenet_py.weights import load_weights


@pytest.fixture
def recognizer(tmp_path, mnist_dir):
    from train.data import load_split
    images, labels = load_split(mnist_dir, "train")
    np.savez_compressed(str(tmp_path / "replay.npz"), images=images[:500], labels=labels[:500])
    r = Recognizer.from_folder(os.path.join(REPO, "weights"))
    r.use_replay(str(tmp_path / "replay.npz"))
    return r


def varied_seven(i):
    return stroked(7, 0.1 + 0.03 * i, 0.1 + 0.02 * i, 0.5 + 0.02 * i, slant=0.05 * (i - 2), jitter=0.04, seed=i)


def test_corrections_teach_a_new_label(recognizer):
    assert recognizer.predict(stroked(7))["digit"] == 7
    for i in range(5):
        result = recognizer.learn(varied_seven(i), 1)
    assert result["corrections"] == 5 and result["digit"] == 1
    unseen = varied_seven(7)
    assert all(unseen != varied_seven(i) for i in range(5))
    assert recognizer.predict(unseen)["digit"] == 1  # a drawing it was not taught


def test_learning_uses_replay_so_mnist_is_not_forgotten(recognizer, mnist_dir):
    """Teaching ten drawn 1s to be 7s, by the page's default settings and by the same settings
    without replay. The 1s and 7s are what the user asked to change; every other digit should
    stay as it was, and without replay it does not."""
    from train.data import load_split
    from train.evaluate import evaluate
    images, labels = load_split(mnist_dir, "t10k")
    # 2,350 images of 0, 2-6, 8, 9: with fewer, one image is 0.2% and the figures are noise
    others = (labels[:3000] != 1) & (labels[:3000] != 7)
    images, labels = images[:3000][others], labels[:3000][others]
    drops = {}
    for replay in (PersonalizeConfig().replay, 0):
        model, manifest = load_weights(os.path.join(REPO, "weights"))
        learner = Recognizer(model, manifest)
        learner.personalizer = Personalizer(model, recognizer.personalizer.replay_images,
                                            recognizer.personalizer.replay_labels,
                                            dataclasses.replace(PersonalizeConfig(), replay=replay),
                                            np.random.default_rng(0))
        before = evaluate(model, images, labels)["accuracy"]
        for i in range(10):
            result = learner.learn(stroked(1, 0.3 + 0.02 * i, 0.1 + 0.01 * i, 0.5 + 0.02 * i,
                                           slant=0.08 * (i % 4) - 0.1, jitter=0.03, seed=i), 7)
        assert result["digit"] == 7  # learned either way: the comparison is between two learners that learned
        drops[replay] = before - evaluate(model, images, labels)["accuracy"]
    with_replay, without = drops[PersonalizeConfig().replay], drops[0]
    assert without >= 0.01, drops             # forgetting is there to be prevented (measured: 3.6%; 20% with momentum 0.5)
    assert with_replay <= 0.005 and with_replay <= without / 3, drops   # and replay prevents it (measured: 0.42%; 0.17% with momentum 0.5)


def test_an_empty_canvas_is_not_learned(recognizer):
    weights = dict((k, v.copy()) for k, v in recognizer.model.named_params())
    with pytest.raises(EmptyDrawing):
        recognizer.learn([], 3)
    assert recognizer.corrections == 0
    assert all(np.array_equal(weights[k], v) for k, v in recognizer.model.named_params())


def test_a_label_must_be_a_digit(recognizer):
    with pytest.raises(ValueError, match="digit"):
        recognizer.personalizer.learn(strokes_to_mnist(stroked(7)), 10)


def test_replay_needs_matching_labels(recognizer):
    with pytest.raises(ValueError, match="replay"):
        Personalizer(recognizer.model, np.zeros((3, 28, 28)), np.zeros(2))


def test_saved_and_exported_weights_load_in_cpython(recognizer, tmp_path):
    recognizer.learn(stroked(7), 1)
    strokes = varied_seven(3)
    expected = recognizer.predict(strokes)["probabilities"]
    data = recognizer.export_zip(str(tmp_path / "export"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        archive.extractall(str(tmp_path / "unzipped"))
    assert "lenet_py-weights-personal/manifest.json" in names
    model, manifest = load_weights(str(tmp_path / "unzipped" / "lenet_py-weights-personal"))
    assert manifest["personalised"]["corrections"] == 1
    reloaded = Recognizer(model, manifest)
    np.testing.assert_allclose(reloaded.predict(strokes)["probabilities"], expected, atol=1e-7)
    assert reloaded.corrections == 1


def test_the_replay_sample_is_read_at_the_first_correction_and_only_then(tmp_path, mnist_dir):
    from train.data import load_split
    images, labels = load_split(mnist_dir, "train")
    path = tmp_path / "replay.npz"
    recognizer = Recognizer.from_folder(os.path.join(REPO, "weights"))
    with pytest.raises(RuntimeError, match="use_replay"):
        recognizer.learn(stroked(7), 1)
    recognizer.use_replay(str(path))             # not there yet: the page is ready before it is needed
    assert recognizer.predict(stroked(7))["digit"] == 7
    np.savez_compressed(str(path), images=images[:100], labels=labels[:100])
    recognizer.learn(stroked(7), 1)
    assert recognizer.personalizer.replay_images.shape == (100, 28, 28)
    path.unlink()                                # read once: later corrections do not need the file
    assert recognizer.learn(stroked(7), 1)["corrections"] == 2
