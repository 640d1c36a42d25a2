"""Record reference trainings of the three Lightning/torch training loops into `trainer_reference.npz`.

Ran ONCE at commit 1426d52 (before issue 15 built every Trainer with `eegnb.train.trainer.make_trainer`), on CPU with
`PYTHONHASHSEED=0 python tests/data/record_trainer_reference.py`. `codec_run` was re-recorded at the same commit
with `codec_only` after its initial weights were seeded (they had depended on the run before it in the process). `tests/test_trainer.py` rebuilds the same synthetic
inputs with `reference_runs()` below and asserts that the new code gives bitwise-identical trained weights and
predictions: `fit_detector` (deep spec), `train_codec` and `robustness.fit_deep_classifier`."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from eegnb.compress.learned import CodecNet, CodecNetConfig, train_codec
from eegnb.train.robustness import fit_deep_classifier
from eegnb.tasks.seizure import SeizureRecording                  # at 1426d52: eegnb.train.seizure
from eegnb.train.records import fit_detector, predict_recording   # at 1426d52: eegnb.train.seizure

OUT = Path(__file__).with_name("trainer_reference.npz")


def flat_weights(model: torch.nn.Module) -> np.ndarray:
    "Every floating-point entry of `model.state_dict()` (parameters and buffers) in order, as one float64 vector."
    return np.concatenate([v.detach().cpu().double().numpy().ravel() for v in model.state_dict().values()
                           if v.is_floating_point()])


def seizure_run() -> dict[str, np.ndarray]:
    "`fit_detector` on six synthetic two-chain recordings: a dense TCN-Mamba detector, 2 epochs of random crops."
    rng = np.random.default_rng(0)
    recs = []
    for i in range(6):
        x = rng.normal(0, 20, (2, 768)).astype(np.float32)
        if i % 2: x[:, 200:500] += (60 * np.sin(np.arange(300) * 0.4)).astype(np.float32)
        recs.append(SeizureRecording(x, np.full(768, i % 2, np.uint8), 256.0, f"s{i // 2}", f"r{i}", "synthetic"))
    det = fit_detector({"kind": "deep", "model": "seizure_tcn_mamba", "target": "dense", "epochs": 2, "batch_size": 4,
                        "crops_per_recording": 2, "model_kwargs": {"d_model": 8}, "gradient_clip_val": 0.5}, recs,
                       window=256, step=128, seed=3)
    return {"seizure_weights": flat_weights(det.model),
            "seizure_pred": np.stack([predict_recording(det.predict_windows, r.x, 256, 128) for r in recs[:2]])}


def codec_run() -> dict[str, np.ndarray]:
    "`train_codec` on 20 synthetic two-channel windows: a small conv codec, 2 epochs capped at 4 steps."
    rng = np.random.default_rng(1)
    w = (rng.normal(0, 30, (20, 2, 256)) + 40 * np.sin(np.arange(256) * 0.1)).astype(np.float32)
    torch.manual_seed(4)   # the net's initial weights must not depend on which test ran before in this process
    net = train_codec(CodecNet(CodecNetConfig("conv", n_chans=2, latent_ch=2, n_down=3, width=8)), w, epochs=2,
                      batch_size=8, seed=4, max_steps=4)
    with torch.no_grad():
        x_hat = net(torch.from_numpy(w[:4] / 30))[0].numpy()
    return {"codec_weights": flat_weights(net), "codec_recon": x_hat.astype(np.float64)}


def robustness_run() -> dict[str, np.ndarray]:
    "`fit_deep_classifier` (EEGNetv4) on 25 synthetic four-channel windows, batches of 8 (the last one of 1 skipped)."
    rng = np.random.default_rng(2)
    X = rng.normal(0, 10, (25, 4, 128))
    y = np.array(["a", "b", "b"] * 9)[:25]
    X[y == "b", 1] += 15 * np.sin(np.arange(128) * 0.6)
    predict = fit_deep_classifier(X, y, sfreq=128.0, ch_names=["Fz", "Cz", "Pz", "Oz"], epochs=3, batch_size=8, seed=5)
    return {"robustness_proba": predict(X)}


def reference_runs() -> dict[str, np.ndarray]:
    "All three runs, each array named by its caller."
    return {**seizure_run(), **codec_run(), **robustness_run()}


if __name__ == "__main__":
    import sys
    runs = {**dict(np.load(OUT)), **codec_run()} if sys.argv[1:] == ["codec_only"] else reference_runs()
    np.savez_compressed(OUT, **runs)
    print({k: v.shape for k, v in np.load(OUT).items()})
