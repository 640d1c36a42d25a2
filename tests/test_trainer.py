"""eegnb.train.trainer: every training loop builds its Trainer with `make_trainer`, and moving the three hand-built
loops onto it changed no number. `tests/data/trainer_reference.npz` holds trained weights and predictions recorded
with the code before the move (`tests/data/record_trainer_reference.py`, same synthetic inputs); the new code must
reproduce them bitwise on CPU."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from eegnb.train.run import load_config
from eegnb.train.trainer import CPU_TRAINER, TrainerConfig, make_trainer

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))
from conftest import assert_same_arrays  # noqa: E402
import record_trainer_reference as ref  # noqa: E402

REFERENCE = dict(np.load(DATA / "trainer_reference.npz"))


def _same(new: dict[str, np.ndarray]) -> None: assert_same_arrays(new, REFERENCE)


def test_fit_detector_bitwise():
    _same(ref.seizure_run())


def test_train_codec_bitwise():
    _same(ref.codec_run())


def test_fit_deep_classifier_bitwise():
    _same(ref.robustness_run())


def test_no_files_without_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t = make_trainer(CPU_TRAINER, max_epochs=1, root=None)
    assert t.logger is None and t.checkpoint_callbacks == [] and t.progress_bar_callback is None
    assert list(tmp_path.iterdir()) == []
    t = make_trainer({}, max_epochs=1, root=tmp_path, monitor="val_loss")       # run.py's phases: logs + checkpoints
    assert len(t.checkpoint_callbacks) == 2 and t.logger is not None


def test_seizure_config_trainer_settings():
    """A seizure config's `trainer:` reaches every detector it trains; a phase's own `trainer:` changes only its
    fields; an unknown trainer key is refused naming it."""
    root = Path(__file__).resolve().parents[1]
    cfg = load_config(root / "configs/seizure/chbmit.yaml", {"phases.0.trainer": {"gradient_clip_val": 0.5}})
    assert (cfg.trainer.accelerator, cfg.trainer.precision, cfg.trainer.deterministic) == ("cpu", "32-true", True)
    assert TrainerConfig(**{**cfg.trainer.model_dump(), **cfg.phases[0].trainer}).gradient_clip_val == 0.5
    with pytest.raises(ValueError, match="gpus"):
        load_config(root / "configs/seizure/chbmit.yaml", {"trainer.gpus": 1})
