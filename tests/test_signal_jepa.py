"""eegnb.models.signal_jepa: shapes, block masks, EMA target, pretraining loss, fine-tuning heads (tiny sizes)."""
from __future__ import annotations

import math

import pytest
import torch

from eegnb.models.base import MODELS, OBJECTIVES, chs_info_from_names
from eegnb.models.signal_jepa import (MASK_MODES, SignalJEPAContextual, SignalJEPAModel, SignalJEPAObjective,
                                      SignalJEPAPostLocal, SignalJEPAPreLocal, block_mask)

NAMES = ["Fp1", "Fp2", "F3", "F4", "C3", "Cz", "C4", "P3", "P4", "O1", "O2", "T7"]
CHS = chs_info_from_names(NAMES)
KW = dict(chs_info=CHS, n_times=640, sfreq=128)         # 4 time tokens per channel
HEADS = (SignalJEPAPreLocal, SignalJEPAPostLocal, SignalJEPAContextual)


@pytest.fixture
def x():
    torch.manual_seed(0)
    return 30 * torch.randn(3, len(NAMES), 640)


def test_registered():
    for name in ("signal_jepa", "signal_jepa_prelocal", "signal_jepa_postlocal", "signal_jepa_contextual"):
        assert MODELS[name]["family"] == "signal_jepa" and MODELS[name]["pretrain"] == "signal_jepa"
    assert OBJECTIVES["signal_jepa"] is SignalJEPAObjective


def test_encoder_shapes_and_groups(x):
    m = SignalJEPAModel(n_outputs=3, **KW)
    f = m.forward_features(x)
    assert f["tokens"].shape == (3, 12 * 4, 64) and f["pooled"].shape == (3, 64)
    assert m(x).shape == (3, 3)
    groups = m.layer_groups()
    assert len(groups) == 5 and sum(map(len, groups)) == len(list(m.parameters()))
    assert SignalJEPAModel(chs_info=chs_info_from_names(NAMES[:3]), n_times=2000, sfreq=200).n_time_tokens == 15


def test_bad_input_raises(x):
    m = SignalJEPAModel(**KW)
    x[1, 2, 5] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        m(x)
    with pytest.raises(ValueError, match="NaN or inf"):
        SignalJEPAObjective(m)({"x": x})
    for cls in HEADS:
        with pytest.raises(ValueError, match="NaN or inf"):
            cls(n_outputs=2, **KW)(x)
    with pytest.raises(ValueError, match="pass chs_info"):
        SignalJEPAModel(n_chans=12, n_times=640)
    with pytest.raises(ValueError, match="shorter than one token"):
        SignalJEPAModel(chs_info=CHS, n_times=100)


def test_unreal_channel_ignored(x):
    cm = torch.ones(3, 12, dtype=torch.bool)
    cm[:, 5] = False
    x2 = x.clone()
    x2[:, 5] = 500 * torch.randn(3, 640)
    m = SignalJEPAModel(**KW).eval()
    torch.testing.assert_close(m.forward_features(x, chan_mask=cm)["pooled"],
                               m.forward_features(x2, chan_mask=cm)["pooled"], atol=1e-4, rtol=1e-4)
    for cls in HEADS:
        h = cls(n_outputs=2, **KW).eval()
        torch.testing.assert_close(h(x, chan_mask=cm), h(x2, chan_mask=cm), atol=1e-4, rtol=1e-4)


def test_mask_structure():
    pos = SignalJEPAModel(**KW).electrode_pos
    dist = torch.cdist(pos, pos)
    g = torch.Generator().manual_seed(0)
    spatial = block_mask(pos, 4, 50, mode="spatial", ratio=0.5, generator=g)
    assert (spatial.all(2) | ~spatial.any(2)).all()                       # whole channels
    for hidden in spatial.any(2):                                         # a neighbourhood of some centre
        assert hidden.sum() == 6
        assert any(dist[c, hidden].max() <= dist[c, ~hidden].min() for c in hidden.nonzero().flatten())
    temporal = block_mask(pos, 10, 50, mode="temporal", ratio=0.3, generator=g)
    assert (temporal.all(1) | ~temporal.any(1)).all()                     # every channel at once
    for row in temporal[:, 0].int():
        assert row.sum() == 3 and (row.diff() == 1).sum() <= 1 and (row.diff() == -1).sum() <= 1   # contiguous
    st = block_mask(pos, 10, 200, mode="spatiotemporal", ratio=0.25, generator=g)
    assert abs(st.float().mean().item() - 0.25) < 0.05
    cm = torch.ones(50, 12, dtype=torch.bool)
    cm[:, :3] = False
    assert not block_mask(pos, 4, 50, chan_mask=cm, generator=g)[:, :3].any()
    with pytest.raises(ValueError, match="Allowed values"):
        block_mask(pos, 4, 2, mode="cube")
    with pytest.raises(ValueError, match="at least 2"):
        block_mask(pos, 1, 2, mode="temporal")


def test_context_does_not_see_masked_tokens(x):
    m = SignalJEPAModel(**KW).eval()
    hid = block_mask(m.electrode_pos, 4, 3, generator=torch.Generator().manual_seed(2))
    x2 = x.clone()
    x2[hid.any(2)] = 1000 * torch.randn(int(hid.any(2).sum()), 640)
    a, b = m.encode(x, hide=hid.flatten(1)), m.encode(x2, hide=hid.flatten(1))
    vis = ~hid.flatten(1)
    torch.testing.assert_close(a[vis], b[vis], atol=1e-4, rtol=1e-4)


def test_ema_rule_and_no_target_gradient(x):
    obj = SignalJEPAObjective(SignalJEPAModel(**KW))
    out = obj({"x": x})
    out["loss"].backward()
    assert set(out) >= {"loss", "target_std"} and out["loss"].ndim == 0
    assert all(p.grad is None and not p.requires_grad for p in obj.target_encoder.parameters())
    assert obj.mask_token.grad is not None
    assert [obj.momentum_at(s, 10) for s in (0, 5, 10)] == pytest.approx([0.996, 0.998, 1.0])
    with torch.no_grad():
        for p in obj.encoder.sjepa.parameters():
            p.add_(1.0)
    t0 = [p.clone() for p in obj.target_encoder.parameters()]
    c0 = [p.clone() for p in obj.encoder.sjepa.parameters()]
    obj.on_after_step(0, 10)
    for t, a, c in zip(obj.target_encoder.parameters(), t0, c0):
        torch.testing.assert_close(t, 0.996 * a + 0.004 * c)
    obj.train()
    assert not obj.target_encoder.training


@pytest.mark.parametrize("mode", MASK_MODES)
def test_loss_decreases(mode):
    torch.manual_seed(0)
    obj = SignalJEPAObjective(SignalJEPAModel(**KW), mask=mode, ratio=0.4)
    opt = torch.optim.AdamW([p for p in obj.parameters() if p.requires_grad], lr=1e-3)
    xb = 30 * torch.randn(4, 12, 640)
    losses = []
    for step in range(30):
        out = obj({"x": xb})
        opt.zero_grad()
        out["loss"].backward()
        opt.step()
        obj.on_after_step(step, 30)
        losses.append(out["loss"].item())
    assert all(map(math.isfinite, losses))
    assert sum(losses[-5:]) < 0.7 * sum(losses[:5])
    assert out["target_std"] > 0.05


def test_heads_from_encoder_copy_weights(x):
    enc = SignalJEPAModel(**KW)
    for cls in HEADS:
        h = cls.from_encoder(enc, 5)
        assert h(x).shape == (3, 5) and h.forward_features(x)["pooled"].shape == (3, h.embed_dim)
        assert sum(map(len, h.layer_groups())) == len(list(h.parameters()))
        a, b = enc.sjepa.feature_encoder[1][0].weight, h.net.feature_encoder[1][0].weight
        assert torch.equal(a, b) and a.data_ptr() != b.data_ptr()
    hc = SignalJEPAContextual.from_encoder(enc, 5)
    for a, b in zip(enc.sjepa.transformer.encoder.parameters(), hc.net.transformer.encoder.parameters()):
        assert torch.equal(a, b)
    with pytest.raises(TypeError, match="SignalJEPAModel"):
        SignalJEPAPostLocal.from_encoder(hc, 2)


def test_objective_with_unreal_channels(x):
    obj = SignalJEPAObjective(SignalJEPAModel(**KW), mask="spatiotemporal", ratio=0.3)
    cm = torch.ones(3, 12, dtype=torch.bool)
    cm[0, :6] = False
    out = obj({"x": x, "chan_mask": cm})
    assert math.isfinite(out["loss"].item())
    with pytest.raises(ValueError, match="at least 2 of them"):
        SignalJEPAObjective(SignalJEPAModel(chs_info=CHS, n_times=200), mask="temporal")
