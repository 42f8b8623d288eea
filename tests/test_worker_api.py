"""lenet_py.worker_api, the page worker's one entry point, driven in CPython as the worker drives it."""
import json
import os
import shutil
import zipfile

import numpy as np
import pytest

from conftest import REPO
from lenet_py.weights import load_weights
from lenet_py.worker_api import Session, handle, read_ink

WEIGHTS = os.path.join(REPO, "weights")
REPLAY = os.path.join(REPO, "web", "replay.npz")


def call(session, **request):
    return json.loads(handle(json.dumps(request), session))


@pytest.fixture
def session():
    if not os.path.isfile(REPLAY):
        pytest.fail("web/replay.npz is missing: run scripts/setup.sh (the test command does)")
    session = Session()
    assert call(session, type="load", folder=WEIGHTS, replay=REPLAY)["ok"]
    return session


def write_ink(tmp_path, ink, name="ink"):
    path = tmp_path / name
    ink.astype(np.uint8).tofile(str(path))
    return str(path)


def a_one(size=280):
    ink = np.zeros((size, size), dtype=np.uint8)
    ink[40:240, 130:150] = 255  # a vertical bar
    return ink


def test_plan_lists_the_tensor_files_and_refuses_a_hostile_manifest(tmp_path):
    session = Session()
    assert call(session, type="plan", folder=WEIGHTS)["files"] == sorted(
        f for f in os.listdir(WEIGHTS) if f.endswith(".npy"))
    shutil.copytree(WEIGHTS, str(tmp_path / "w"))
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    manifest["tensors"]["c1.bias"]["file"] = "x.npy#/../../lenet_py/preprocess.py"
    (tmp_path / "w" / "manifest.json").write_text(json.dumps(manifest))
    answer = call(session, type="plan", folder=str(tmp_path / "w"))
    assert answer["ok"] is False and "not a plain file name" in answer["error"]


def test_predict_reads_the_ink_file_and_answers_plain_data(session, tmp_path):
    answer = call(session, type="predict", ink=write_ink(tmp_path, a_one()), height=280, width=280, features=True)
    assert answer["digit"] == 1 and abs(sum(answer["probabilities"]) - 1) < 1e-5
    assert [layer["shape"] for layer in answer["features"]] == [[6, 28, 28], [16, 10, 10]]
    empty = call(session, type="predict", ink=write_ink(tmp_path, np.zeros((280, 280))), height=280, width=280,
                 features=False)
    assert empty == {"empty": True}


def test_learn_save_and_export_round_trip(session, tmp_path):
    ink = write_ink(tmp_path, a_one())
    refused = call(session, type="learn", ink=write_ink(tmp_path, np.zeros((280, 280)), "empty"), height=280, width=280,
                   label=7, features=False)
    assert "empty" in refused["refused"]
    learned = call(session, type="learn", ink=ink, height=280, width=280, label=7, features=False)
    assert learned["corrections"] == 1
    names = call(session, type="save", folder=str(tmp_path / "personal"))
    assert "manifest.json" in names and load_weights(str(tmp_path / "personal"))[1]["personalised"]["corrections"] == 1
    assert call(session, type="export", folder=str(tmp_path / "export"), zip=str(tmp_path / "e.zip")) == {"corrections": 1}
    assert any(n.endswith("manifest.json") for n in zipfile.ZipFile(str(tmp_path / "e.zip")).namelist())


def test_a_refused_folder_leaves_the_model_in_use(session, tmp_path):
    before = session.recognizer
    (tmp_path / "bad").mkdir()
    answer = call(session, type="load", folder=str(tmp_path / "bad"), replay=REPLAY)
    assert answer["ok"] is False and "manifest.json: missing" in answer["error"]
    assert session.recognizer is before


def test_stored_names_are_checked_and_the_folder_emptied(tmp_path):
    folder = tmp_path / "personal"
    folder.mkdir()
    (folder / "stale.npy").write_bytes(b"old")
    answer = call(Session(), type="stored_names", names=["manifest.json", "c1.bias.npy"], folder=str(folder))
    assert answer == {"ok": True, "files": ["c1.bias.npy", "manifest.json"]} and os.listdir(str(folder)) == []
    bad = call(Session(), type="stored_names", names=["manifest.json", "a/b.npy"], folder=str(folder))
    assert bad["ok"] is False


def test_bugs_are_not_turned_into_answers(tmp_path):
    with pytest.raises(ValueError, match="unknown request type"):
        handle(json.dumps({"type": "format_disk"}))
    with pytest.raises(ValueError, match="is not 280 x 280"):
        read_ink(write_ink(tmp_path, np.zeros((10, 10))), 280, 280)
