"""EEGFoundation through the registry, and the generic pretraining objectives on it (tiny sizes, CPU)."""
from __future__ import annotations

import math

import pytest
import torch

import eegnb.models.foundation  # noqa: F401  (registers eeg_foundation)
from eegnb.models.base import MODELS, chs_info_from_names, create_model, electrode_positions
from eegnb.pretrain import create_objective  # importing eegnb.pretrain registers the generic objectives

CH19 = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T3", "C3", "Cz", "C4", "T4", "T5", "P3", "Pz", "P4", "T6", "O1", "O2"]
EMOTIV = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return create_model("eeg_foundation", chs_info=chs_info_from_names(CH19), n_outputs=2, n_times=800, sfreq=200,
                        embed_dim=32, depth=2, patch_len=100).eval()


def test_registry_entry():
    entry = MODELS["eeg_foundation"]
    assert (entry["family"], entry["pretrain"], entry["any_montage"]) == ("foundation", "masked_reconstruction", True)


def test_any_montage_and_lengths(model):
    assert model(torch.randn(3, 19, 800) * 30).shape == (3, 2)
    pos14 = torch.from_numpy(electrode_positions(EMOTIV))
    assert model.forward_features(torch.randn(3, 14, 800) * 30, pos=pos14)["tokens"].shape == (3, 14 * 8, 32)
    assert model.patch_tokens(torch.randn(1, 19, 1050) * 30).shape == (1, 19, 11, 32)   # padded last patch


def test_masked_channel_values_do_not_matter(model):
    x = torch.randn(2, 19, 800) * 30
    cm = torch.ones(2, 19, dtype=torch.bool)
    cm[:, 4] = False
    x2 = x.clone()
    x2[:, 4] = 500 * torch.randn(2, 800)
    a, b = model.forward_features(x, chan_mask=cm)["pooled"], model.forward_features(x2, chan_mask=cm)["pooled"]
    assert torch.allclose(a, b, atol=1e-5)


def test_causal_and_nan():
    m = create_model("eeg_foundation", chs_info=chs_info_from_names(CH19[:6]), n_times=600, embed_dim=16, depth=1,
                     patch_len=100, causal=True).eval()
    x = torch.randn(1, 6, 600) * 30
    x2 = x.clone()
    x2[..., 500:] += 40
    assert torch.allclose(m.patch_tokens(x)[:, :, :5], m.patch_tokens(x2)[:, :, :5], atol=1e-5)
    x[0, 2, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        m(x)


def test_presets_and_grads():
    kw = dict(chs_info=chs_info_from_names(CH19), n_times=2000, sfreq=200)
    n_small = sum(p.numel() for p in create_model("eeg_foundation", **kw).parameters())
    n_large = sum(p.numel() for p in create_model("eeg_foundation", **kw, **eegnb.models.foundation.EEGFoundation.LARGE).parameters())
    assert n_small < 300_000 and n_large > 5_000_000
    m = create_model("eeg_foundation", **kw, embed_dim=16, depth=1, n_outputs=3)
    m(torch.randn(2, 19, 2000) * 30).logsumexp(1).sum().backward()
    grads = [p.grad for n, p in m.named_parameters() if n != "patch_embed.pad"]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("name,options", [("masked_reconstruction", {}), ("contrastive_channel", {"n_masked": 2}),
                                          ("aux_heads", {"base": "masked_reconstruction", "heads": {"sex": 2}})])
def test_objectives_give_encoder_grads(name, options):
    torch.manual_seed(0)
    enc = create_model("eeg_foundation", chs_info=chs_info_from_names(CH19[:8]), n_times=400, sfreq=200, embed_dim=16,
                       depth=1, patch_len=50)
    t = torch.arange(400) / 200
    x = 40 * torch.sin(2 * math.pi * 10 * t + torch.rand(6, 8, 1) * 6)
    batch = {"x": x, "y": torch.full((6,), -1), "aux": {"sex": torch.tensor([0, 1, -1, 1, 0, 1])}}
    obj = create_objective(name, enc, **options)
    out = obj(batch)
    assert torch.isfinite(out["loss"])
    out["loss"].backward()
    assert enc.blocks[0].temporal.qkv.weight.grad.abs().sum() > 0


def test_relative_positions_only(model):
    "Identical patches (10 Hz = whole cycles per 100-sample patch) give identical tokens: no absolute position."
    t = torch.arange(1000) / 200
    x = (40 * torch.sin(2 * math.pi * 10 * t)).expand(1, 19, -1)
    tok = model.patch_tokens(x)
    assert torch.allclose(tok, tok[:, :, :1].expand_as(tok), atol=1e-4)
