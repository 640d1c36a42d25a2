"""eegnb.hms: Kaggle metric vs scipy, grouped folds, windows at label offsets on the real sample, the hemisphere
flip, ONNX parity, and the two entry points (an HMS config through `Experiment`, `predict_files`) on real files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from eegnb.core import DataError
from eegnb.hms.data import (DOUBLE_BANANA, RAW_FLIP, chains_from_recording, eeg_windows,
                            flip_hemispheres, label_table, spectrogram_windows)
from eegnb.hms.metrics import kl_divergence
from eegnb.models.hms import HMSResNetGRU, HMSSpectrogramCNN
from eegnb.hms.predict import predict_files, save_checkpoint
from eegnb.splits import PatientFolds
from conftest import edf_signal_field

CLASSES = ["seizure", "lpd", "gpd", "lrda", "grda", "other"]


def test_kl_matches_scipy():
    from scipy.special import kl_div
    from scipy.stats import entropy
    rng = np.random.default_rng(1)
    votes = rng.integers(0, 9, (50, 6)); votes[:, 0] += 1
    q = rng.dirichlet(np.ones(6), 50)
    t = votes / votes.sum(1, keepdims=True)
    assert kl_divergence(votes, q) == pytest.approx(kl_div(t, q).sum(1).mean(), abs=1e-12)
    assert kl_divergence(votes, q) == pytest.approx(np.mean([entropy(a, b) for a, b in zip(t, q)]), abs=1e-12)
    q0 = np.eye(6)[[5]]                                        # all mass on a class nobody voted: clipped, finite
    assert kl_divergence([[3, 0, 0, 0, 0, 0]], q0) == pytest.approx(np.log(1 / 1e-15))


def test_patient_folds_never_split_patients_or_eeg_ids():
    rng = np.random.default_rng(0)
    pat = rng.integers(0, 20, 300)
    lab = pd.DataFrame({"patient_id": pat, "eeg_id": pat * 100 + rng.integers(0, 3, 300)})
    f = PatientFolds(5, seed=3).assign(lab)
    assert set(f) == set(range(5))
    assert lab.assign(f=f).groupby("patient_id").f.nunique().max() == 1
    assert lab.assign(f=f).groupby("eeg_id").f.nunique().max() == 1
    bad = lab.copy(); bad.loc[0, "eeg_id"] = bad.loc[bad.patient_id != bad.patient_id[0], "eeg_id"].iloc[0]
    with pytest.raises(ValueError, match="belongs to several"):
        PatientFolds(5).assign(bad)


@pytest.mark.shared
def test_windows_at_label_offsets(shared):
    hms = shared / "hms"
    lab = label_table(hms / "train.csv")
    from eegnb.data.annotations import read_hms_spectrogram
    spec = read_hms_spectrogram(hms / "train_spectrograms/1000189855.parquet")
    last = lab.spectrogram_label_offset_seconds.max()                # 780 s: rows 781..1379 s
    img = spectrogram_windows(spec, [last], n_frames=300)
    t0 = spec.index[spec.index >= last][0]
    assert img.shape == (1, 4, 100, 300)
    assert img[0, 1, 10, 0] == pytest.approx(np.log10(max(spec["LP"].loc[t0].iloc[10], 1e-4)), abs=1e-4)
    from eegnb.data.readers import read_hms_eeg
    rec = read_hms_eeg(hms / "train_eegs/1000913311.parquet")
    ch, names = chains_from_recording(rec)
    w = eeg_windows(ch, 200.0, [10.0, 30.0], window_s=20.0)
    assert w.shape == (2, 16, 4000)
    np.testing.assert_array_equal(w[1], ch[:, 6000:10000])
    with pytest.raises(DataError, match="do not fit"):
        eeg_windows(ch, 200.0, [40.0], window_s=20.0)


def test_flip_swaps_left_and_right_chains():
    names = [f"{a}-{c}" for a, c in DOUBLE_BANANA]
    mirror = {"Fp1": "Fp2", "F7": "F8", "T7": "T8", "P7": "P8", "O1": "O2", "F3": "F4", "C3": "C4", "P3": "P4"}
    mirror.update({v: k for k, v in mirror.items()})
    x = torch.arange(16.).view(1, 16, 1)
    flipped = flip_hemispheres(x, "raw")[0, :, 0].long().tolist()
    for i, src in enumerate(flipped):                               # chain i now holds its mirror image
        a, c = names[i].split("-")
        assert names[src] == f"{mirror[a]}-{mirror[c]}"
    assert RAW_FLIP[RAW_FLIP[3]] == 3


def test_onnx_parity_tiny_models(tmp_path):
    from eegnb.hms.export import export_onnx, onnx_parity
    torch.manual_seed(0)
    for net, X in [(HMSResNetGRU(16, 6, 800, widths=(8, 16), gru_hidden=8), np.random.randn(2, 16, 800).astype(np.float32) * 30),
                   (HMSSpectrogramCNN(4, 6, 16, n_stages=2), np.random.randn(2, 4, 100, 16).astype(np.float32))]:
        p = export_onnx(net, X, tmp_path / "m.onnx")
        assert onnx_parity(net, p, X) < 1e-4


@pytest.fixture
def tiny_checkpoint(tmp_path):
    torch.manual_seed(0)
    kw_r = dict(n_chans=16, n_outputs=6, n_times=10000, sfreq=200.0, widths=[8, 16], gru_hidden=8)
    kw_i = dict(n_chans=4, n_outputs=6, n_times=16, n_freqs=100, n_stages=2)
    mem = [{"model": "hms_resnet_gru", "input": "raw", "kwargs": kw_r, "weight": 0.5, "model_obj": HMSResNetGRU(**kw_r)},
           {"model": "hms_spectrogram_cnn", "input": "image", "kwargs": kw_i, "weight": 0.5, "model_obj": HMSSpectrogramCNN(**kw_i)}]
    return save_checkpoint(tmp_path / "tiny.pt", mem, classes=CLASSES, temperature=1.0, sfreq=200.0, window_s=50.0,
                           band=[0.5, 20.0], pairs=DOUBLE_BANANA, image={"source": "eegnb", "n_frames": 16, "n_freqs": 100})


@pytest.mark.shared
def test_predict_hms_parquet_and_eegmat_edf(shared, tmp_path, tiny_checkpoint):
    from eegnb.data.readers import read_edf_header
    edf = shared / "eegmat/Subject00_1.edf"
    h = read_edf_header(edf)
    df = predict_files(tiny_checkpoint, [shared / "hms/train_eegs/1000913311.parquet", edf], tmp_path / "p.parquet")
    n_edf = int(h.n_records * h.record_duration // 50)
    assert (df.record == "1000913311").sum() == 1 and (df.record == "Subject00_1").sum() == n_edf >= 1
    assert np.allclose(df[[f"proba_{c}" for c in CLASSES]].sum(1), 1, atol=1e-6)
    assert {"entropy", "spread", "start_s", "window"} <= set(df.columns)
    assert len(pd.read_parquet(tmp_path / "p.parquet")) == len(df)


@pytest.mark.shared
def test_predict_refuses_missing_channels(data_copy, tiny_checkpoint, tmp_path):
    d = data_copy("eegmat", "Subject00_1.edf")
    edf = d / "eegmat/Subject00_1.edf"
    from eegnb.data.readers import read_edf_header
    labels = read_edf_header(edf).labels
    i = next(k for k, l in enumerate(labels) if "Fp1" in l or "FP1" in l)
    edf_signal_field(edf, 0, 16, i, "EEG X9")                       # the copy has no Fp1 any more
    with pytest.raises(DataError, match=r"Subject00_1\.edf.*Fp1"):
        predict_files(tiny_checkpoint, [edf], tmp_path / "x.csv")
    with pytest.warns(UserWarning, match="filled by spherical-spline"):
        df = predict_files(tiny_checkpoint, [edf], tmp_path / "x.csv", fill_missing=True)
    assert len(df) >= 1
    gb = data_copy("guinea_bissau", "signal-1.csv.gz") / "guinea_bissau/signal-1.csv.gz"   # 14-channel Emotiv
    with pytest.raises(DataError, match="signal-1.csv.gz"):
        predict_files(tiny_checkpoint, [gb], tmp_path / "y.csv")


SAMPLE_MEMBER = [{"name": "spectrogram_cnn", "kind": "finetune", "model": "hms_spectrogram_cnn",
                  "model_options": {"n_stages": 2}, "options": {"input": "image", "stages": [1, 1]}, "batch_size": 8}]


@pytest.mark.shared
def test_hms_config_on_the_sample_then_predict(shared, tmp_path):
    "The HMS sample config through the one `Experiment` (task `hms_votes`), then `predict_files` with its checkpoint."
    from eegnb.train.run import load_config
    from pathlib import Path
    cfg = load_config(Path(__file__).resolve().parents[1] / "configs/hms/sample.yaml",
                      {"tasks.0.data_dir": str(shared), "tasks.0.image.n_frames": 16, "tasks.0.n_boot": 5,
                       "tasks.0.export": False, "phases": SAMPLE_MEMBER})
    s = cfg.run(tmp_path / "run")
    assert s.info["n_samples"] == 39 and s.info["n_folds"] == 3 and s.info["stage2_rows"] == 37
    assert {"kl", "macro_auroc"} <= set(s.summary().metric) and set(s.scores.task) == {"hms_sample"}
    m = pd.read_csv(tmp_path / "run" / cfg.name / "metrics.csv")
    assert {"kl", "macro_auroc", "balanced_accuracy", "ece"} <= set(m.metric)
    df = predict_files(s.info["checkpoint"], [shared / "hms/train_eegs/1000913311.parquet"], tmp_path / "p.csv")
    assert len(df) == 1 and df.pred.iloc[0] in CLASSES


@pytest.mark.shared
def test_cli_train_then_predict(shared, tmp_path):
    "`eegnb train --config configs/hms/sample.yaml` (task hms_votes) then `eegnb predict` on an HMS parquet and an EDF."
    import json
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    cli = [sys.executable, "-m", "eegnb.cli"]
    r = subprocess.run(cli + ["train", "--config", str(root / "configs/hms/sample.yaml"), "--out", str(tmp_path / "run"),
                              "--set", f"tasks.0.data_dir={shared}", "--set", "tasks.0.image.n_frames=16",
                              "--set", f"phases={json.dumps(SAMPLE_MEMBER)}", "--set", "tasks.0.n_boot=5",
                              "--set", "tasks.0.export=false"],
                       capture_output=True, text=True, timeout=600, cwd=root)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    ckpt = next((tmp_path / "run").rglob("model.pt"))
    out = tmp_path / "pred.csv"
    r = subprocess.run(cli + ["predict", "--model", str(ckpt), str(shared / "hms/train_eegs/1000913311.parquet"),
                              str(shared / "eegmat/Subject00_2.edf"), "--out", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=root)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    df = pd.read_csv(out)
    assert df.record.nunique() == 2 and "entropy" in df and np.allclose(df.filter(like="proba_").sum(1), 1, atol=1e-5)
    assert "from 2 recording(s)" in r.stdout
