"""lenet_py.worker_api, the page worker's one entry point, driven in CPython as the worker drives it."""
import json
import os
import shutil
import zipfile

import pytest

from conftest import REPO
from lenet_py.weights import load_weights
from lenet_py.worker_api import Session, handle

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


A_ONE = [[[0.5, 0.1], [0.49, 0.5], [0.48, 0.9]]]  # strokes in canvas units, as the page sends them


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


def test_predict_takes_strokes_and_answers_plain_data(session):
    answer = call(session, type="predict", strokes=A_ONE, features=True)
    assert answer["digit"] == 1 and answer["unsure"] is False and answer["reason"] is None
    assert abs(sum(answer["probabilities"]) + answer["not_digit"] - 1) < 1e-5
    assert len(answer["image"]) == 784 and 0 <= min(answer["image"]) < max(answer["image"]) <= 255
    assert [layer["shape"] for layer in answer["features"]] == [[6, 28, 28], [16, 10, 10]]
    assert call(session, type="predict", strokes=[], features=False) == {"empty": True}
    dot = call(session, type="predict", strokes=[[[0.3, 0.4]]], features=False)
    assert dot["unsure"] is True and dot["digit"] is None and dot["reason"] == "it is too small to be a digit"
    assert dot["best"] in range(10) and len(dot["probabilities"]) == 10


def test_learn_save_and_export_round_trip(session, tmp_path):
    refused = call(session, type="learn", strokes=[], label=7, features=False)
    assert "empty" in refused["refused"]
    refused = call(session, type="learn", strokes=[[[0.3, 0.4]]], label=7, features=False)
    assert "too small" in refused["refused"] and session.recognizer.corrections == 0   # a dot teaches nothing
    learned = call(session, type="learn", strokes=A_ONE, label=7, features=False)
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


def test_bugs_are_not_turned_into_answers():
    with pytest.raises(ValueError, match="unknown request type"):
        handle(json.dumps({"type": "format_disk"}))


# Strokes the page never sends. Each is a one-line ValueError from lenet_py that handle lets through,
# so the page shows it as a Python error, rather than an answer about a drawing nobody made.
# (JSON has no NaN: the page's JSON.stringify sends null for it; Python's json reads NaN too.)
BAD_STROKES = {
    "not a list": '"strokes": {"0": [[0.1, 0.2]]}',
    "a string": '"strokes": "[[[0.1, 0.2]]]"',
    "a point of one number": '"strokes": [[[0.1, 0.2], [0.3]]]',
    "a point of three numbers": '"strokes": [[[0.1, 0.2, 0.3]]]',
    "a bare point": '"strokes": [[0.1, 0.2]]',
    "an empty stroke": '"strokes": [[]]',
    "NaN": '"strokes": [[[0.1, 0.2], [NaN, 0.3]]]',
    "null, the page's NaN": '"strokes": [[[0.1, 0.2], [null, 0.3]]]',
    "infinity": '"strokes": [[[0.1, 0.2], [Infinity, 0.3]]]',
    "a word for a coordinate": '"strokes": [[[0.1, 0.2], ["left", 0.3]]]',
}


@pytest.mark.parametrize("case", BAD_STROKES)
@pytest.mark.parametrize("kind", ["predict", "learn"])
def test_bad_strokes_are_a_one_line_error(session, kind, case):
    corrections = session.recognizer.corrections
    request = '{"type": "%s", %s, "label": 3, "features": false}' % (kind, BAD_STROKES[case])
    if kind == "predict":
        request = request.replace(', "label": 3', "")
    with pytest.raises(ValueError) as caught:
        handle(request, session)
    assert "\n" not in str(caught.value) and "stroke" in str(caught.value), str(caught.value)
    assert session.recognizer.corrections == corrections  # nothing was learned


@pytest.mark.parametrize("coordinate", ['"0.3"', "true"])
def test_a_coordinate_that_is_not_a_number_is_refused(session, coordinate):
    with pytest.raises(ValueError):
        handle('{"type": "predict", "strokes": [[[0.1, 0.2], [%s, 0.4]]], "features": false}' % coordinate, session)
