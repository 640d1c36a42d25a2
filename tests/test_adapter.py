"""eegnb.models.adapter: the channel adapter maps any montage onto a model's channels (small synthetic windows)."""
from __future__ import annotations

import mne
import pytest
import torch
from torch import nn

from eegnb.models.adapter import AdaptedModel, ChannelAdapter, with_adapter
from eegnb.models.base import EEGModel, chs_info_from_names, electrode_positions
from eegnb.preprocess.channels import STANDARD_1020

EMOTIV = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]


def _pos(names):
    return torch.as_tensor(electrode_positions(names))


@pytest.fixture
def adapter():
    torch.manual_seed(0)
    return ChannelAdapter(STANDARD_1020)


class _LogVar(EEGModel):
    "Log channel variances through a linear layer (a test encoder)."
    def __init__(self, **kw):
        super().__init__(**kw)
        self.embed_dim = 6
        self.proj = nn.Linear(self.n_chans, 6)
        self.reset_head(self.n_outputs)

    def forward_features(self, x, chan_mask=None, pos=None):
        self.check_input(x, chan_mask, pos)
        z = self.proj(torch.log(x.var(-1) + 1))
        return {"pooled": z, "tokens": z[:, None]}


def test_identity_at_init(adapter):
    x = torch.randn(4, 19, 2000) * 20
    with torch.no_grad():
        y = adapter(x, _pos(STANDARD_1020))
    assert y.shape == (4, 19, 2000)
    for b in range(4):
        for c in range(19):
            r = torch.corrcoef(torch.stack([x[b, c], y[b, c]]))[0, 1]
            assert r > 0.9, (b, STANDARD_1020[c], float(r))
    assert (y - x).abs().mean() < 0.2 * x.abs().mean()


def test_emotiv_to_1020(adapter):
    x = torch.randn(3, 14, 256) * 20
    with torch.no_grad():
        y = adapter(x, _pos(EMOTIV))
        w = adapter.mixing(x, _pos(EMOTIV), torch.ones(3, 14, dtype=torch.bool))
    assert y.shape == (3, 19, 256)
    torch.testing.assert_close(w.sum(-1), torch.ones(3, 19))
    for shared in ("F7", "F3", "F4", "F8", "T7", "T8", "P7", "P8", "O1", "O2"):   # on both caps: copied at init
        assert EMOTIV[int(w[0, STANDARD_1020.index(shared)].argmax())] == shared
        assert w[0, STANDARD_1020.index(shared)].max() > 0.9


def test_channel_order_does_not_matter(adapter):
    x, perm = torch.randn(2, 14, 128) * 20, torch.randperm(14)
    with torch.no_grad():
        a = adapter(x, _pos(EMOTIV))
        b = adapter(x[:, perm], _pos(EMOTIV)[perm])
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-3)


def test_per_window_positions(adapter):
    x = torch.randn(2, 14, 128) * 20
    pos = torch.stack([_pos(EMOTIV), _pos(STANDARD_1020[:14])])      # a different montage in each window
    with torch.no_grad():
        y = adapter(x, pos)
        torch.testing.assert_close(y[0], adapter(x[:1], _pos(EMOTIV))[0])
        torch.testing.assert_close(y[1], adapter(x[1:], _pos(STANDARD_1020[:14]))[0])


def test_masked_channel_values_do_not_matter(adapter):
    x = torch.randn(2, 14, 128) * 20
    mask = torch.ones(2, 14, dtype=torch.bool)
    mask[0, [2, 5]] = False
    x2 = x.clone()
    x2[0, [2, 5]] = torch.randn(2, 128) * 1e4
    with torch.no_grad():
        torch.testing.assert_close(adapter(x, _pos(EMOTIV), mask), adapter(x2, _pos(EMOTIV), mask))
        w = adapter.mixing(x, _pos(EMOTIV), mask)
    assert (w[0, :, [2, 5]] == 0).all() and (w[1] > 0).all()


def test_64_channels(adapter):
    names = mne.channels.make_standard_montage("biosemi64").ch_names
    x = torch.randn(2, 64, 200) * 20
    with torch.no_grad():
        y = adapter(x, _pos(names))
    assert y.shape == (2, 19, 200)
    i, j = STANDARD_1020.index("Cz"), names.index("Cz")                 # Cz is on both: copied at init
    assert torch.corrcoef(torch.stack([x[0, j], y[0, i]]))[0, 1] > 0.9


def test_errors(adapter):
    x = torch.randn(2, 14, 64)
    mask = torch.ones(2, 14, dtype=torch.bool)
    mask[1] = False
    with pytest.raises(ValueError, match=r"no real channel .*batch rows \[1\]"):
        adapter(x, _pos(EMOTIV), mask)
    xn = x.clone()
    xn[0, 3, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        adapter(xn, _pos(EMOTIV))
    with pytest.raises(ValueError, match="needs pos"):
        adapter(x)
    with pytest.raises(ValueError, match="pos must be"):
        adapter(x, _pos(STANDARD_1020))
    bad = _pos(EMOTIV)
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="pos holds NaN"):
        adapter(x, bad)
    with pytest.raises(ValueError, match="chan_mask must be"):
        adapter(x, _pos(EMOTIV), torch.ones(2, 13, dtype=torch.bool))
    with pytest.raises(ValueError, match="multiple of heads"):
        ChannelAdapter(STANDARD_1020, d=30, heads=4)


def test_gradients_and_learning(adapter):
    "The adapter's parameters get finite gradients, and it can learn a given interpolation."
    torch.manual_seed(1)
    target = torch.rand(19, 14).softmax(-1)
    opt = torch.optim.Adam(adapter.parameters(), lr=1e-2)
    losses = []
    for _ in range(60):
        x = torch.randn(8, 14, 64)
        loss = (adapter(x, _pos(EMOTIV)) - torch.einsum("ln,bnt->blt", target, x)).square().mean()
        opt.zero_grad()
        loss.backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in adapter.parameters())
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0], (losses[0], losses[-1])


def test_adapted_model():
    torch.manual_seed(0)
    enc = _LogVar(chs_info=chs_info_from_names(STANDARD_1020), n_outputs=3, n_times=256, sfreq=128)
    m = with_adapter(enc, d=16, heads=2)
    assert isinstance(m, AdaptedModel) and m.any_montage and m.embed_dim == 6 and m.head is enc.head
    x = torch.randn(2, 14, 256) * 20
    assert m(x, pos=_pos(EMOTIV)).shape == (2, 3)
    assert m.forward_features(x, pos=_pos(EMOTIV))["pooled"].shape == (2, 6)
    x19 = torch.randn(2, 19, 256) * 20
    with torch.no_grad():
        torch.testing.assert_close(m(x19), enc(m.adapter(x19, _pos(STANDARD_1020))))
    with pytest.raises(ValueError, match="pass pos"):
        m(x)
    m(x, pos=_pos(EMOTIV)).sum().backward()
    assert m.adapter.latent_embed.grad.abs().sum() > 0
    groups = m.layer_groups()
    assert groups[0] == list(m.adapter.parameters())
    assert sum(len(g) for g in groups) == len(list(m.parameters()))
    m.reset_head(5)
    assert m(x, pos=_pos(EMOTIV)).shape == (2, 5) and m.n_outputs == 5
    state = m.state_dict()
    m2 = with_adapter(_LogVar(chs_info=chs_info_from_names(STANDARD_1020), n_outputs=5, n_times=256, sfreq=128),
                      d=16, heads=2)
    m2.load_state_dict(state)
    with torch.no_grad():
        torch.testing.assert_close(m2(x, pos=_pos(EMOTIV)), m(x, pos=_pos(EMOTIV)))
    with pytest.raises(ValueError, match="no chs_info"):
        with_adapter(_LogVar(n_chans=19, n_outputs=2, n_times=256))
    with pytest.raises(ValueError, match="14 latent channels"):
        AdaptedModel(ChannelAdapter(EMOTIV), enc)
