"""Learning from corrections in CPython: the same code the page runs."""
import io
import os
import zipfile

import numpy as np
import pytest

from canvas_digits import drawn_seven
from conftest import REPO
from lenet_py.personalize import Personalizer
from lenet_py.preprocess import EmptyDrawing, canvas_to_mnist
from lenet_py.recognizer import Recognizer
from lenet_py.weights import load_weights


@pytest.fixture
def recognizer(tmp_path, mnist_dir):
    from train.data import load_split
    images, labels = load_split(mnist_dir, "train")
    np.savez_compressed(str(tmp_path / "replay.npz"), images=images[:500], labels=labels[:500])
    r = Recognizer.from_folder(os.path.join(REPO, "weights"))
    r.use_replay(str(tmp_path / "replay.npz"))
    return r


def test_corrections_teach_a_new_label(recognizer):
    assert recognizer.predict(drawn_seven())["digit"] == 7
    for i in range(5):
        result = recognizer.learn(drawn_seven(left=30 + 8 * i, top=30 + 5 * i, size=140 + 6 * i), 1)
    assert result["corrections"] == 5 and result["digit"] == 1
    assert recognizer.predict(drawn_seven(left=70, top=60, size=150))["digit"] == 1  # a drawing it was not taught


def test_learning_uses_replay_so_mnist_is_not_forgotten(recognizer, mnist_dir):
    from train.data import load_split
    from train.evaluate import evaluate
    images, labels = load_split(mnist_dir, "t10k")
    images, labels = images[:2000], labels[:2000]
    before = evaluate(recognizer.model, images, labels)["accuracy"]
    for i in range(10):  # the user's own sevens, labelled as sevens
        recognizer.learn(drawn_seven(left=20 + 9 * i, top=25 + 6 * i, size=120 + 5 * i), 7)
    after = evaluate(recognizer.model, images, labels)["accuracy"]
    assert after >= before - 0.003, (before, after)


def test_an_empty_canvas_is_not_learned(recognizer):
    weights = dict((k, v.copy()) for k, v in recognizer.model.named_params())
    with pytest.raises(EmptyDrawing):
        recognizer.learn(np.zeros((280, 280), dtype=np.uint8), 3)
    assert recognizer.corrections == 0
    assert all(np.array_equal(weights[k], v) for k, v in recognizer.model.named_params())


def test_a_label_must_be_a_digit(recognizer):
    with pytest.raises(ValueError, match="digit"):
        recognizer.personalizer.learn(canvas_to_mnist(drawn_seven()), 10)


def test_replay_needs_matching_labels(recognizer):
    with pytest.raises(ValueError, match="replay"):
        Personalizer(recognizer.model, np.zeros((3, 28, 28)), np.zeros(2))


def test_saved_and_exported_weights_load_in_cpython(recognizer, tmp_path):
    recognizer.learn(drawn_seven(), 1)
    ink = drawn_seven(left=50, top=50, size=160)
    expected = recognizer.predict(ink)["probabilities"]
    data = recognizer.export_zip(str(tmp_path / "export"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        archive.extractall(str(tmp_path / "unzipped"))
    assert "lenet_py-weights-personal/manifest.json" in names
    model, manifest = load_weights(str(tmp_path / "unzipped" / "lenet_py-weights-personal"))
    assert manifest["personalised"]["corrections"] == 1
    reloaded = Recognizer(model, manifest)
    np.testing.assert_allclose(reloaded.predict(ink)["probabilities"], expected, atol=1e-7)
    assert reloaded.corrections == 1
