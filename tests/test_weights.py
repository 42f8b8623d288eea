"""Weight files: the round trip, atomic replacement, and every refusal of a corrupt folder."""
import hashlib
import json
import os

import numpy as np
import pytest

from lenet_py import LeNet5, ModelConfig
from lenet_py.weights import WeightsError, load_weights, save_weights


@pytest.fixture
def saved(tmp_path, rng):
    model = LeNet5(ModelConfig(c3_table="full", init="paper"), rng)
    folder = tmp_path / "weights"
    save_weights(model, str(folder), metadata={"test_accuracy": 0.5})
    return model, folder


def edit_manifest(folder, change):
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def test_round_trip_gives_the_same_model(saved, rng):
    model, folder = saved
    loaded, manifest = load_weights(str(folder))
    assert loaded.config == model.config
    for (name, a), (_, b) in zip(model.named_params(), loaded.named_params()):
        assert np.array_equal(a, b), name
    x = rng.normal(size=(2, 1, 32, 32))
    assert np.array_equal(model.forward(x, train=False), loaded.forward(x, train=False))
    assert manifest["test_accuracy"] == 0.5 and manifest["model"]["c3_table"] == "full"


def test_manifest_describes_every_file(saved):
    model, folder = saved
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(os.listdir(folder)) == sorted(["manifest.json"] + [e["file"] for e in manifest["tensors"].values()])
    for name, value in model.named_params():
        entry = manifest["tensors"][name]
        assert entry["shape"] == list(value.shape) and entry["dtype"] == "float32"
        assert entry["sha256"] == hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest()
    assert manifest["versions"]["numpy"] == np.__version__


def test_load_as_float64(saved):
    loaded, _ = load_weights(str(saved[1]), dtype="float64")
    assert all(value.dtype == np.float64 for _, value in loaded.named_params())


def test_save_replaces_atomically_and_keeps_the_old_folder_when_asked(saved, rng, tmp_path):
    old_model, folder = saved
    new_model = LeNet5(ModelConfig(), rng)
    save_weights(new_model, str(folder), keep_previous_as=str(tmp_path / "previous"))
    assert load_weights(str(folder))[0].config == new_model.config
    assert load_weights(str(tmp_path / "previous"))[0].config == old_model.config
    assert [p for p in os.listdir(tmp_path) if p.startswith(".")] == []  # no temporary leftovers


def test_a_failed_save_leaves_the_old_folder_untouched(saved, rng, tmp_path, monkeypatch):
    _, folder = saved
    before = {p: (folder / p).read_bytes() for p in os.listdir(folder)}

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", explode)
    with pytest.raises(KeyboardInterrupt):
        save_weights(LeNet5(ModelConfig(), rng), str(folder))
    assert {p: (folder / p).read_bytes() for p in os.listdir(folder)} == before
    assert [p for p in os.listdir(tmp_path) if p.startswith(".")] == []


def test_refuses_a_missing_folder(tmp_path):
    with pytest.raises(WeightsError, match="weights folder not found"):
        load_weights(str(tmp_path / "nowhere"))


def test_refuses_a_missing_manifest(saved):
    (saved[1] / "manifest.json").unlink()
    with pytest.raises(WeightsError, match=r"manifest\.json: missing"):
        load_weights(str(saved[1]))


def test_refuses_invalid_json(saved):
    (saved[1] / "manifest.json").write_text("{not json")
    with pytest.raises(WeightsError, match="not valid JSON"):
        load_weights(str(saved[1]))


def test_refuses_another_format(saved):
    edit_manifest(saved[1], lambda m: m.update(format="something-else"))
    with pytest.raises(WeightsError, match="not a lenet_py weights manifest"):
        load_weights(str(saved[1]))


def test_refuses_a_missing_tensor_file(saved):
    (saved[1] / "c3.weight.npy").unlink()
    with pytest.raises(WeightsError, match=r"c3\.weight\.npy: missing"):
        load_weights(str(saved[1]))


def test_refuses_a_changed_file(saved):
    path = saved[1] / "f6.weight.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=r"f6\.weight\.npy: sha256 mismatch"):
        load_weights(str(saved[1]))


def test_refuses_a_wrong_shape_in_the_manifest(saved):
    edit_manifest(saved[1], lambda m: m["tensors"]["c1.weight"].update(shape=[6, 1, 3, 3]))
    with pytest.raises(WeightsError, match=r"c1\.weight shape \[6, 1, 3, 3\], the model needs \[6, 1, 5, 5\]"):
        load_weights(str(saved[1]))


def test_refuses_a_file_of_the_wrong_shape(saved):
    folder = saved[1]
    np.save(str(folder / "c1.bias.npy"), np.zeros(7, dtype=np.float32))
    digest = hashlib.sha256((folder / "c1.bias.npy").read_bytes()).hexdigest()
    edit_manifest(folder, lambda m: m["tensors"]["c1.bias"].update(sha256=digest))
    with pytest.raises(WeightsError, match=r"c1\.bias\.npy: shape \[7\], the model needs \[6\]"):
        load_weights(str(folder))


def test_refuses_a_wrong_dtype(saved):
    edit_manifest(saved[1], lambda m: m["tensors"]["c1.bias"].update(dtype="float64"))
    with pytest.raises(WeightsError, match=r"c1\.bias\.npy: dtype float32, the manifest says float64"):
        load_weights(str(saved[1]))


def test_refuses_a_tensor_missing_from_the_manifest(saved):
    edit_manifest(saved[1], lambda m: m["tensors"].pop("s4.bias"))
    with pytest.raises(WeightsError, match=r"tensors missing from the manifest: s4\.bias"):
        load_weights(str(saved[1]))


def test_refuses_an_unknown_tensor(saved):
    edit_manifest(saved[1], lambda m: m["tensors"].update({"c7.weight": m["tensors"]["c1.weight"]}))
    with pytest.raises(WeightsError, match=r"tensors this model does not have: c7\.weight"):
        load_weights(str(saved[1]))


def test_refuses_a_bad_model_config(saved):
    edit_manifest(saved[1], lambda m: m["model"].update(activation="sigmoid"))
    with pytest.raises(WeightsError, match="bad model config"):
        load_weights(str(saved[1]))


def test_refuses_a_config_that_changes_shapes(saved):
    # Table I vs full connection keeps the shapes; a missing key in the config must still be caught.
    edit_manifest(saved[1], lambda m: m["model"].update(layers=7))
    with pytest.raises(WeightsError, match="bad model config"):
        load_weights(str(saved[1]))
