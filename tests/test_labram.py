"""eegnb.models.labram: the LaBraM encoder, the VQ-NSP tokenizer and its quantiser, the two pretraining objectives."""
from __future__ import annotations

import math

import pytest
import torch

from eegnb.models.base import MODELS, OBJECTIVES, chs_info_from_names
from eegnb.models.labram import (Labram, LabramMEM, LabramTokenizer, LabramTokenizerObjective,
                                 NormEMAVectorQuantizer, fourier_targets, labram_channel_slots, random_patch_mask)

CHS = chs_info_from_names(["C3", "Cz", "C4"])


def sines(n=8, n_chans=3, n_times=400, seed=0):
    "µV windows of 4, 10 or 22 Hz sinusoids (random phase) plus noise, at 200 Hz."
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(n_times) / 200.0
    f = torch.tensor([4.0, 10.0, 22.0])[torch.randint(0, 3, (n, n_chans, 1), generator=g)]
    x = 30 * torch.sin(2 * math.pi * f * t + 6.28 * torch.rand(n, n_chans, 1, generator=g))
    return x + 5 * torch.randn(n, n_chans, n_times, generator=g)


@pytest.fixture(scope="module")
def trained_tokenizer():
    "A tiny tokenizer after 30 Adam steps, with its loss history."
    torch.manual_seed(0)
    obj = LabramTokenizerObjective(Labram(chs_info=CHS, n_times=400, sfreq=200), n_codes=64, code_dim=8)
    opt = torch.optim.AdamW([p for p in obj.parameters() if p.requires_grad], lr=2e-3)
    batch, losses = {"x": sines()}, []
    for step in range(30):
        out = obj(batch)
        opt.zero_grad(); out["loss"].backward(); opt.step(); obj.on_after_step(step, 30)
        losses.append(out["loss"].item())
    return obj, losses, out


def test_registered():
    assert MODELS["labram"]["cls"] is Labram and MODELS["labram"]["pretrain"] == "labram_mem"
    assert OBJECTIVES["labram_mem"] is LabramMEM and OBJECTIVES["labram_tokenizer"] is LabramTokenizerObjective
    assert not Labram.any_montage


def test_encoder_shapes_and_groups():
    m = Labram(chs_info=CHS, n_outputs=2, n_times=400, sfreq=200)
    x = 20 * torch.randn(2, 3, 400)
    f = m.forward_features(x)
    assert f["tokens"].shape == (2, 6, 100) and f["pooled"].shape == (2, 100) and m(x).shape == (2, 2)
    groups = m.layer_groups()
    assert len(groups) == 4 and sum(map(len, groups)) == len(list(m.parameters()))
    assert any(p is m.mask_token for p in groups[0]) and any(p is m.head.weight for p in groups[-1])


def test_encoder_matches_braindecode_without_masks():
    m = Labram(chs_info=CHS, n_times=400).eval()
    x = 20 * torch.randn(2, 3, 400)
    f = m.forward_features(x)
    torch.testing.assert_close(f["pooled"], m.backbone(x / 100, ch_names=["C3", "Cz", "C4"]))
    torch.testing.assert_close(f["tokens"], m.backbone(x / 100, ch_names=["C3", "Cz", "C4"], return_patch_tokens=True))


def test_encoder_refuses_partial_patches():
    with pytest.raises(ValueError, match="n_times=300 is not a multiple of 200"):
        Labram(n_chans=3, n_times=300)
    with pytest.raises(ValueError, match="not a multiple of 200"):
        Labram(n_chans=3, n_times=400)(torch.randn(1, 3, 250))


def test_patch_mask_replaces_tokens_and_chan_mask_ignores_channel():
    torch.manual_seed(0)
    m = Labram(chs_info=CHS, n_times=400).eval()
    x = 20 * torch.randn(2, 3, 400)
    pm = torch.zeros(2, 3, 2, dtype=torch.bool); pm[:, 0, 1] = True
    e, em = m.embed(x), m.embed(x, pm)
    torch.testing.assert_close(em[:, 2], (m.mask_token[0] + e[:, 2] - m.backbone.patch_embed(x / 100)[:, 1]))
    torch.testing.assert_close(em[:, 3:], e[:, 3:])                      # other tokens untouched
    cm = torch.tensor([[True, True, False]] * 2)
    x2 = x.clone(); x2[:, 2] = 500 * torch.randn(2, 400)
    torch.testing.assert_close(m.forward_features(x, chan_mask=cm)["pooled"], m.forward_features(x2, chan_mask=cm)["pooled"])


def test_channel_slots():
    from braindecode.models.labram import LABRAM_CHANNEL_ORDER
    assert [LABRAM_CHANNEL_ORDER[s] for s in labram_channel_slots(["fp1", "EEG T3-REF", "FP1-F7"], 3)] == \
        ["FP1", "T7", "FP1-F7"]
    with pytest.warns(UserWarning, match="FP1-F3 \\(using"):
        assert len(set(labram_channel_slots(["FP1-F3", "Fp1", "F3"], 3))) == 3


def test_quantizer_kmeans_init_uses_batch():
    torch.manual_seed(1)
    centres = torch.nn.functional.normalize(torch.randn(4, 8), dim=-1)
    q = NormEMAVectorQuantizer(16, 8).train()
    _, codes, _ = q(centres.repeat(8, 1) + 0.03 * torch.randn(32, 8))
    assert bool(q.initialized) and codes.unique().numel() >= 4
    assert (q.codebook[codes] * centres.repeat(8, 1)).sum(-1).min() > 0.95


def test_quantizer_ema_known_answer():
    q = NormEMAVectorQuantizer(2, 2, decay=0.5, kmeans_init=False)
    q.codebook.copy_(torch.eye(2))
    q.eval(); q(torch.tensor([[0.8, 0.6]]))
    torch.testing.assert_close(q.codebook, torch.eye(2))                  # eval: frozen
    q.train(); q(torch.tensor([[0.8, 0.6]]))
    s = math.sqrt(0.9)
    torch.testing.assert_close(q.codebook, torch.tensor([[0.9 / s, 0.3 / s], [0.0, 1.0]]))


def test_fourier_targets_peak():
    t = torch.arange(200) / 200.0
    amp, phase = fourier_targets(torch.sin(2 * math.pi * 13 * t)[None, None])
    assert amp.shape == phase.shape == (1, 1, 1, 101) and amp.argmax().item() == 13


def test_tokenizer_learns(trained_tokenizer):
    obj, losses, out = trained_tokenizer
    assert losses[-1] < 0.8 * losses[0]
    assert out["codes_used"] > 1 and out["perplexity"] > 1
    codes = obj.encoder.tokenize(sines(2))
    assert codes.shape == (2, 3, 2) and codes.dtype == torch.long


def test_tokenizer_save_load(trained_tokenizer, tmp_path):
    tok = trained_tokenizer[0].encoder.eval()
    tok2 = LabramTokenizer.load(tok.save(tmp_path / "tok.pt"))
    x = sines(2)
    assert torch.equal(tok2.tokenize(x), tok.tokenize(x))


def test_mem_needs_trained_tokenizer():
    enc = Labram(chs_info=CHS, n_times=400)
    with pytest.raises(ValueError, match="run the 'labram_tokenizer' phase first"):
        LabramMEM(enc)
    with pytest.raises(ValueError, match="never trained"):
        LabramMEM(enc, LabramTokenizer(n_chans=3, n_times=400, n_codes=8))


def test_mem_grads_and_symmetric_masks(trained_tokenizer):
    tok = trained_tokenizer[0].encoder
    mem = LabramMEM(Labram(chs_info=CHS, n_times=400), tok).train()
    assert not tok.training
    masks, orig = [], mem.encoder.forward_features
    mem.encoder.forward_features = lambda *a, **k: (masks.append(k["patch_mask"]), orig(*a, **k))[1]
    book = tok.quantizer.codebook.clone()
    out = mem({"x": sines(4)})
    out["loss"].backward()
    assert torch.isfinite(out["loss"]) and 0 <= float(out["acc_masked"]) <= 1
    assert len(masks) == 2 and torch.equal(masks[1], ~masks[0]) and (masks[0].sum(1) == 3).all()
    assert all(p.grad is None and not p.requires_grad for p in tok.parameters())
    assert torch.equal(tok.quantizer.codebook, book)
    grads = [p.grad for p in mem.encoder.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads) and mem.encoder.mask_token.grad.abs().sum() > 0


def test_random_patch_mask():
    m = random_patch_mask(5, 20, 0.5)
    assert m.shape == (5, 20) and (m.sum(1) == 10).all()
    with pytest.raises(ValueError, match="mask_ratio"):
        random_patch_mask(1, 4, 1.0)
