"""TrainConfig: made of the model's and the augmentation's own configs, with training's defaults;
flags built from their fields; checkpoints' configs checked, old flat ones converted; and only the
project's own errors become "error:" lines."""
import dataclasses
import json
import os
import re

import numpy as np
import pytest

from conftest import REPO
from lenet_py.augment import AugmentConfig
from lenet_py.model import ModelConfig
from train import checkpoint as checkpoint_module
from train import run as train_run
from train.config import TrainConfig, build_parser, check_config
from train.errors import CheckpointError, RunFolderError, TrainError
from train_helpers import SMALL, only_line, run, strict_json


def test_the_parts_are_the_model_and_augmentation_configs_with_trainings_defaults():
    config = TrainConfig()
    assert config.model == ModelConfig(activation="relu", init="lecun", reject=True) and ModelConfig().init == "paper"
    assert ModelConfig().activation == "tanh"   # the paper's, and what weights from before ReLU were
    assert not ModelConfig().reject  # weights from before the "not a digit" output still load
    assert config.augmentation == AugmentConfig(elastic_alpha=2.0, shear=0.3, thickness=1.5, warp=0.2)
    assert AugmentConfig().warp == 0   # the page's learning, and runs from before, distort without it
    assert AugmentConfig().elastic_alpha == AugmentConfig().shear == AugmentConfig().thickness == 0
    assert not any(f.name in {g.name for g in dataclasses.fields(ModelConfig)} | {g.name for g in
                   dataclasses.fields(AugmentConfig)} for f in dataclasses.fields(TrainConfig))  # no copied field


def test_the_defaults_are_the_settings_that_made_the_shipped_weights():
    with open(os.path.join(REPO, "weights", "manifest.json")) as fh:
        shipped = json.load(fh)["training"]
    shipped.pop("epochs_trained")
    assert train_run.manifest_settings(TrainConfig()) == shipped
    assert list(train_run.manifest_settings(TrainConfig())) == list(shipped)  # the same keys in the same order
    assert train_run.resolve_run(build_parser().parse_args([]))[0] == TrainConfig()


def test_every_field_of_the_parts_has_its_flag_and_sets_that_field():
    args = build_parser().parse_args(["--init", "paper", "--activation", "tanh", "--c3-table", "full", "--rotate", "3",
                                      "--scale", "0.2", "--shift", "1", "--elastic-alpha", "0", "--elastic-sigma", "5",
                                      "--shear", "0.1", "--thickness", "0.5", "--no-reject", "--styles", "0.2",
                                      "--negatives", "0.05", "--no-augment", "--epochs", "2", "--warp", "0.4"])
    config = train_run.resolve_run(args)[0]
    assert config.model == ModelConfig(activation="tanh", c3_table="full", init="paper", reject=False)
    assert config.augmentation == AugmentConfig(rotate=3, scale=0.2, shift=1, elastic_alpha=0, elastic_sigma=5,
                                                shear=0.1, thickness=0.5, warp=0.4)
    assert (config.augment, config.epochs, config.styles, config.negatives) == (False, 2, 0.2, 0.05)
    help_text = build_parser().format_help()
    flags = [name for name in TrainConfig().flat() if name != "dtype"]
    assert all(("--no-" if name in ("augment", "reject") else "--") + name.replace("_", "-") in help_text
               for name in flags)
    assert "--dtype" not in help_text  # training is float32


def test_a_checkpoint_config_is_nested_and_a_flat_one_from_before_is_converted():
    config = TrainConfig(epochs=3, model=ModelConfig(init="paper"), augmentation=AugmentConfig(rotate=5))
    nested = dataclasses.asdict(config)
    assert nested["model"]["init"] == "paper" and check_config(nested) == config
    old = {k: v for k, v in config.flat().items() if k != "dtype"}  # how runs wrote it before
    assert check_config(old) == config
    older = {k: v for k, v in old.items() if k != "average"}  # before the weights' average
    assert check_config(older) == dataclasses.replace(config, average=0.0)
    nested["augmentation"].pop("warp")                                # nested, from before the warp
    assert check_config(nested) == dataclasses.replace(config, augmentation=AugmentConfig(rotate=5, warp=0.0))


@pytest.mark.parametrize("edit,message", [
    (lambda c: c.update(model="lecun"), "config model is not a table of activation, c3_table, init, dtype"),
    (lambda c: c["model"].pop("init"), "config model is not a table"),
    (lambda c: c["augmentation"].update(extra=1), "config augmentation is not a table"),
    (lambda c: c["model"].update(init="he"), "config init is 'he', not one of paper, paper_sqrt, lecun"),
    (lambda c: c["augmentation"].update(rotate=1e308), "config rotate is 1e+308, not a number in [0, 180]"),
    (lambda c: c.update(rotate=3.0), "the config has unknown rotate"),
])
def test_a_bad_part_of_a_checkpoint_config_is_named(edit, message):
    saved = dataclasses.asdict(TrainConfig())
    edit(saved)
    with pytest.raises(CheckpointError, match="^" + re.escape(message)):
        check_config(saved)


def test_a_run_resumes_from_a_checkpoint_written_with_the_flat_config(tmp_path, mnist_dir):
    run_dir = tmp_path / "run"
    assert run(SMALL + ["--epochs", "1", "--out", str(tmp_path / "w"), "--run-dir", str(run_dir)]).returncode == 0
    path = run_dir / "checkpoint.npz"
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    state = strict_json(str(arrays["state"]))
    assert state["config"]["model"]["init"] == "lecun"  # written nested
    state["config"] = {k: v for k, v in check_config(state["config"]).flat().items() if k != "dtype"}
    arrays["state"] = np.array(json.dumps(state))
    np.savez(path, **arrays)
    result = run(["--resume", str(run_dir), "--epochs", "2", "--out", str(tmp_path / "w")])
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "w" / "manifest.json") as fh:
        training = json.load(fh)["training"]
    assert training["epochs_trained"] == 2 and training["init"] == "lecun" and "model" not in training


def test_the_errors_the_tools_print_are_the_projects_own():
    from train.data import DataError
    assert all(issubclass(kind, TrainError) for kind in (DataError, CheckpointError, RunFolderError))
    assert not issubclass(TrainError, (TypeError, ValueError, OSError))


def test_a_bug_while_reading_a_checkpoint_is_not_called_a_damaged_checkpoint(tmp_path, monkeypatch):
    from lenet_py.model import LeNet5
    from lenet_py.optim import SGD
    path = str(tmp_path / "checkpoint.npz")
    checkpoint_module.save_checkpoint(path, LeNet5(), SGD(), {})

    def buggy(state):
        return None + 1  # a programming error: TypeError
    monkeypatch.setattr(checkpoint_module, "_check_state", buggy)
    with pytest.raises(TypeError):
        checkpoint_module.load_checkpoint(path)


@pytest.mark.parametrize("error,status", [(TypeError("a bug"), None), (ValueError("a bug"), None),
                                          (CheckpointError("refused"), 2), (RunFolderError("refused"), 2)])
def test_only_the_projects_errors_become_an_error_line(monkeypatch, capsys, error, status):
    def prepare(args, progress):
        raise error
    monkeypatch.setattr(train_run, "prepare", prepare)
    if status is None:  # a bug keeps its traceback
        with pytest.raises(type(error)):
            train_run.main([])
        return
    with pytest.raises(SystemExit) as exit:
        train_run.main([])
    assert exit.value.code == status and capsys.readouterr().err == "error: refused\n"


def test_a_resume_with_nothing_to_resume_is_a_checkpoint_error(tmp_path):
    result = run(["--resume", str(tmp_path)])
    assert result.returncode == 2 and only_line(result) == "error: %s: no checkpoint to resume" % (
        tmp_path / "checkpoint.npz")


def test_resume_compares_the_parts_fields_too(tmp_path, mnist_dir):
    run_dir = tmp_path / "run"
    assert run(SMALL + ["--epochs", "1", "--out", str(tmp_path / "w"), "--run-dir", str(run_dir)]).returncode == 0
    result = run(["--resume", str(run_dir), "--init", "paper", "--rotate", "5"])
    assert result.returncode == 2 and only_line(result) == (
        "error: cannot resume %s with different settings: --init paper (the run used lecun); "
        "--rotate 5.0 (the run used 10.0)" % run_dir)
    same = run(["--resume", str(run_dir), "--epochs", "2", "--init", "lecun", "--elastic-alpha", "2"])
    assert same.returncode == 0, same.stderr  # the settings it ran with are no change
