"""Record reference runs of `eegnb.hms.train.train_two_stage` into `hms_reference.npz`.

Ran ONCE at commit c6818e4 (the plain PyTorch loop, before issue 15 moved it onto `make_trainer`), on CPU with
`PYTHONHASHSEED=0 python tests/data/record_hms_reference.py`. `tests/test_hms_lightning.py` rebuilds the same
synthetic inputs with the functions below and asserts that the Lightning loop gives bitwise-identical trained weights,
`predict_logits` outputs and loss histories: both input kinds (`raw` with `hms_resnet_gru`, `image` with
`hms_spectrogram_cnn`), with and without augmentation (mixup included), 13 rows in batches of 4 (stage 1 ends on a
batch of one) of which 9 have many voters (stage 2 ends on a batch of one too)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from eegnb.hms.predict import predict_logits
from eegnb.hms.train import train_two_stage
from eegnb.models import create_model

OUT = Path(__file__).with_name("hms_reference.npz")
N, BATCH, EPOCHS = 13, 4, (2, 2)
AUGMENT = {"mixup_alpha": 0.4}


def flat_weights(model: torch.nn.Module) -> np.ndarray:
    "Every floating-point entry of `model.state_dict()` (parameters and buffers) in order, as one float64 vector."
    return np.concatenate([v.detach().cpu().double().numpy().ravel() for v in model.state_dict().values()
                           if v.is_floating_point()])


def inputs(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    "`X` (raw `(13, 16, 400)` µV or images `(13, 4, 24, 16)`), soft targets `Y` `(13, 6)` and `n_votes` (9 with 10+)."
    rng = np.random.default_rng(7 if kind == "raw" else 8)
    X = (rng.normal(0, 30, (N, 16, 400)) if kind == "raw" else rng.normal(0, 1, (N, 4, 24, 16))).astype(np.float32)
    Y = rng.dirichlet(np.ones(6), N).astype(np.float32)
    n_votes = np.array([12, 3, 15, 10, 2, 11, 20, 1, 14, 10, 13, 4, 16])
    return X, Y, n_votes


def make_model(kind: str) -> torch.nn.Module:
    "A tiny member: `hms_resnet_gru` for `raw`, `hms_spectrogram_cnn` (2 stages) for `image`, seeded init."
    torch.manual_seed(11)
    if kind == "raw":
        return create_model("hms_resnet_gru", n_chans=16, n_outputs=6, n_times=400, sfreq=200.0, widths=(8, 16),
                            gru_hidden=8)
    return create_model("hms_spectrogram_cnn", n_chans=4, n_outputs=6, n_times=16, n_freqs=24, n_stages=2)


def run(kind: str, augment: bool, **train_kw) -> dict[str, np.ndarray]:
    "One two-stage training: weights, logits on all rows and the loss history, keyed `<kind>_<aug|plain>_...`."
    X, Y, n_votes = inputs(kind)
    model = make_model(kind)
    hist = train_two_stage(model, X, Y, n_votes, kind=kind, epochs=EPOCHS, lr=3e-3, batch_size=BATCH,
                           augment_kw=AUGMENT if augment else None, seed=5, **train_kw)
    key = f"{kind}_{'aug' if augment else 'plain'}"
    return {f"{key}_weights": flat_weights(model), f"{key}_logits": predict_logits(model, X),
            f"{key}_stage1": np.array(hist["stage1"]), f"{key}_stage2": np.array(hist["stage2"]),
            f"{key}_stage2_rows": np.array(hist["stage2_rows"])}


CASES = [(kind, aug) for kind in ("raw", "image") for aug in (False, True)]


def reference_runs() -> dict[str, np.ndarray]:
    "All four runs."
    out = {}
    for kind, aug in CASES: out.update(run(kind, aug))
    return out


if __name__ == "__main__":
    np.savez_compressed(OUT, **reference_runs())
    print({k: v.shape for k, v in np.load(OUT).items()})
