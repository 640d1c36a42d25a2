"""`eegnb.hms.train.train_two_stage` trains each stage with Lightning (`make_trainer`), and the move changed no number.
`tests/data/hms_reference.npz` holds trained weights, `predict_logits` outputs and loss histories recorded with the
plain PyTorch loop (`tests/data/record_hms_reference.py`, same synthetic inputs); on CPU the Lightning loop must
reproduce them bitwise, also after an interrupted run resumes from its `last.ckpt`."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import eegnb.hms.train as hms_train
from eegnb.hms.train import PLAIN_TRAINER, cross_fit, train_two_stage

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))
from conftest import assert_same_arrays  # noqa: E402
import record_hms_reference as ref  # noqa: E402

REFERENCE = dict(np.load(DATA / "hms_reference.npz"))


def _same(new: dict[str, np.ndarray]) -> None: assert_same_arrays(new, REFERENCE)


@pytest.mark.parametrize("kind,aug", ref.CASES)
def test_two_stage_bitwise(kind, aug):
    "Both input kinds, with and without augmentation; both stages end on a skipped batch of one."
    assert int(REFERENCE[f"{kind}_{'aug' if aug else 'plain'}_stage2_rows"]) % ref.BATCH == 1
    _same(ref.run(kind, aug))


@pytest.mark.parametrize("stop_at", [2, 4])
def test_two_stage_resumes_bitwise(tmp_path, monkeypatch, stop_at):
    """A run stopped at the start of epoch 2 of stage 1 (`stop_at=2`) or of stage 2 (`stop_at=4`, counting epochs of
    both stages), rerun with the same `root`, ends where an uninterrupted run does: weights, batch order, augmentation
    draws and loss history come back from `last.ckpt`."""
    starts = []
    original = hms_train._KLStage.on_train_epoch_start

    def stop(self):
        starts.append(self.current_epoch)
        if len(starts) == stop_at: raise RuntimeError("stopped")
        original(self)
    monkeypatch.setattr(hms_train._KLStage, "on_train_epoch_start", stop)
    with pytest.raises(RuntimeError, match="stopped"):
        ref.run("raw", True, root=tmp_path)
    monkeypatch.setattr(hms_train._KLStage, "on_train_epoch_start", original)
    assert (tmp_path / "stage1/last.ckpt").exists() and (tmp_path / "stage2/last.ckpt").exists() == (stop_at == 4)
    _same(ref.run("raw", True, root=tmp_path))
    _same(ref.run("raw", True, root=tmp_path))                  # a finished run: the checkpoints, no more training
    assert (tmp_path / "stage2/last.ckpt").exists() and (tmp_path / "stage1/logs").is_dir()


def test_two_stage_settings_and_checks(tmp_path, monkeypatch):
    X, Y, nv = ref.inputs("image")
    monkeypatch.chdir(tmp_path)
    assert PLAIN_TRAINER.accelerator == "cpu" and PLAIN_TRAINER.gradient_clip_val is None
    h = train_two_stage(ref.make_model("image"), X, Y, nv, kind="image", epochs=(1, 0), batch_size=4,
                        trainer={"gradient_clip_val": 0.5})          # a dict of TrainerConfig fields on PLAIN_TRAINER
    assert len(h["stage1"]) == 1 and h["stage2"] == [] and h["stage2_rows"] == 9
    assert list(tmp_path.iterdir()) == []                             # root=None: no files
    with pytest.raises(ValueError, match="batch_size"):
        train_two_stage(ref.make_model("image"), X, Y, nv, kind="image", batch_size=1)
    with pytest.raises(ValueError, match="gpus"):
        train_two_stage(ref.make_model("image"), X, Y, nv, kind="image", trainer={"gpus": 1})


def test_two_stage_cross_fit_root_per_fold(tmp_path):
    X, Y, nv = ref.inputs("image")
    folds = np.arange(len(X)) % 2
    oof = cross_fit(lambda: ref.make_model("image"), X, Y, nv, folds, kind="image", epochs=(1, 1), batch_size=4,
                    root=tmp_path)
    assert np.isfinite(oof).all() and oof.shape == Y.shape
    assert sorted(p.parent.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("last.ckpt")) == \
        ["fold0/stage1", "fold0/stage2", "fold1/stage1", "fold1/stage2"]
