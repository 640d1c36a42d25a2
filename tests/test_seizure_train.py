"""Seizure detection (`eegnb.tasks.seizure`, `eegnb.train.records`): dense labels, stitching, one-channel detector,
and a 2-epoch run of a seizure config through the one `Experiment` on real CHB-MIT clips, resumed from its folds."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from eegnb.models.seizure import SeizureDetector
from eegnb.tasks.seizure import SeizureRecording, dense_labels, label_events
from eegnb.train.records import fit_detector, predict_recording, stitch, window_starts
from eegnb.train.run import load_config

SHARED = Path(os.environ.get("EEGNB_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def test_dense_labels_roundtrip():
    y = dense_labels(1000, 100.0, [[1.0, 2.0], [5.5, 20.0]])
    assert y.shape == (1000,) and y.dtype == np.uint8 and y.sum() == 100 + 450
    np.testing.assert_allclose(label_events(y, 100.0), [[1.0, 2.0], [5.5, 10.0]])


def test_stitch_known_answer():
    starts = window_starts(10, 4, 3)                                   # [0, 3, 6]
    out = np.stack([np.full(4, v, float) for v in (0.0, 1.0, 2.0)])
    np.testing.assert_allclose(stitch(out, starts, 10), [0, 0, 0, 0.5, 1, 1, 1.5, 2, 2, 2])
    x = np.tile(np.arange(37, dtype=np.float32), (3, 1))
    np.testing.assert_allclose(predict_recording(lambda b: b[:, 1], x, 16, 5), np.arange(37.0))
    with pytest.raises(ValueError, match="outputs for"):
        stitch(out[:2], starts, 10)


def test_one_channel_detector_trains():
    m = SeizureDetector(n_chans=1, n_outputs=2, n_times=256)
    x = torch.randn(2, 1, 256) * 40
    assert m(x).shape == (2, 2) and m.forward_dense(x).shape == (2, 256)
    m.forward_dense(x).mean().backward()
    assert torch.isfinite(m.tcn.proj.weight.grad).all()
    rng = np.random.default_rng(0)
    recs = [SeizureRecording(rng.normal(0, 20, (1, 512)).astype(np.float32), np.full(512, i % 2, np.uint8), 256.0,
                             f"s{i // 2}", f"r{i}", "synthetic") for i in range(4)]
    det = fit_detector({"kind": "deep", "model": "seizure_tcn_mamba", "target": "dense", "epochs": 1,
                        "batch_size": 4, "crops_per_recording": 1, "model_kwargs": {"d_model": 8}}, recs,
                       window=256, step=128)
    p = predict_recording(det.predict_windows, recs[0].x, 256, 128)
    assert p.shape == (512,) and ((p >= 0) & (p <= 1)).all()


@pytest.mark.shared
def test_seizure_config_tiny_real(tmp_path, capsys):
    if not (SHARED / "chbmit_clips").is_dir(): pytest.skip("no shared data")
    root = Path(__file__).resolve().parents[1]
    over = {"store": str(tmp_path / "store"), "prepare.data_dir": str(SHARED),
            "prepare.datasets": ["chbmit_clips", "eegmmi"], "tasks.0.max_per_subject_label": 1,
            "tasks.0.cross_sites": ["eegmmi"], "tasks.0.max_cross_site_records": 1, "tasks.0.window_s": 2.0,
            "tasks.0.step_s": 2.0, "tasks.0.scoring": {"n_boot": 20, "fa_per_24h": [5]},
            "phases": [{"name": "detector", "kind": "finetune", "model": "seizure_tcn_mamba", "epochs": 2,
                        "batch_size": 4, "options": {"crops_per_recording": 1}, "model_options": {"d_model": 8}}]}
    cfg = load_config(root / "configs/seizure/chbmit.yaml", over)
    r = cfg.run(tmp_path)
    tmp_path = tmp_path / cfg.name
    assert r.info["n_subjects"] == 3 and r.info["n_recordings"] == 6
    assert r.extras["recordings"][0].x.shape == (18, 2561) and r.extras["recordings"][0].sfreq == 256.0
    assert set(r.tables["folds"].fold) == {0, 1, 2} and r.info["winner"] == "detector"
    assert r.tables["sites"].n_recordings.tolist() == [1] and r.tables["sites"].n_chans.tolist() == [18]
    assert json.loads((tmp_path / "info.json").read_text())["dataset"] == "chbmit_clips"
    assert set(r.summary().metric) == {"sensitivity", "precision", "f1", "fa_per_24h"}
    assert "winner" in r.info and r.predictions["chbmit_clips/detector"].record.nunique() == 6
    again = cfg.run(tmp_path.parent)                        # every fold is loaded from the phase store
    assert "done before, loaded" in capsys.readouterr().out
    pd.testing.assert_frame_equal(again.scores, r.scores)
