"""eegnb.models.braindecode: braindecode's EEGNet, ShallowFBCSPNet and Deep4Net behind the EEGModel interface."""
from __future__ import annotations

import pytest
import torch

from eegnb.models.adapter import with_adapter
from eegnb.models.base import MODELS, chs_info_from_names, electrode_positions
from eegnb.models.braindecode import BraindecodeModel
from eegnb.preprocess.channels import STANDARD_1020

NAMES = ["eegnetv4", "shallow_fbcsp", "deep4"]
EMOTIV = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]


def _build(name, **kw):
    torch.manual_seed(0)
    kw = {"chs_info": chs_info_from_names(STANDARD_1020), "n_outputs": 2, "n_times": 2000, "sfreq": 200, **kw}
    return MODELS[name]["cls"](**kw)


@pytest.mark.parametrize("name", NAMES)
def test_registered(name):
    entry = MODELS[name]
    assert entry["family"] == "baseline" and entry["pretrain"] is None and not entry["any_montage"]
    assert issubclass(entry["cls"], BraindecodeModel)


@pytest.mark.parametrize("name", NAMES)
def test_features_are_the_braindecode_computation(name):
    m = _build(name).eval()
    x = torch.randn(3, 19, 2000) * 30
    with torch.no_grad():
        f = m.forward_features(x)
        y = m(x)
        assert y.shape == (3, 2)
        assert f["pooled"].shape == (3, m.embed_dim) and f["tokens"].shape == (3, 1, m.embed_dim)
        torch.testing.assert_close(m.head(f["pooled"]), y)
        ref = m.model_cls(n_chans=19, n_outputs=2, n_times=2000, sfreq=200, **m.default_kw).eval()
        missing = ref.load_state_dict(m.net.state_dict(), strict=False).missing_keys
        assert missing and all(k.startswith("final_layer.") for k in missing)
        ref.final_layer.load_state_dict(m.head[1].state_dict())
        torch.testing.assert_close(ref(x * m.input_scale), y, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_backward_reset_head_groups(name):
    m = _build(name, input_window_seconds=10, n_times=None)
    assert m.n_times == 2000
    x = torch.randn(4, 19, 2000) * 30
    m(x).square().mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.parameters())
    assert sum(len(g) for g in m.layer_groups()) == len(list(m.parameters()))
    assert len(m.layer_groups()) >= 2 and m.layer_groups()[-1] == list(m.head.parameters())
    m.reset_head(5)
    assert m(x).shape == (4, 5)
    m.reset_head(None)
    assert m(x).shape == (4, m.embed_dim)


def test_montage_and_bad_input():
    m = _build("shallow_fbcsp")
    with pytest.raises(ValueError, match="built for 19 channels"):
        m(torch.randn(2, 14, 2000))
    with pytest.raises(ValueError, match="ChannelAdapter"):
        m(torch.randn(2, 19, 2000), pos=torch.zeros(19, 3))
    x = torch.randn(2, 19, 2000)
    x[1, 2, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        m(x)


def test_baseline_behind_adapter_reads_emotiv():
    m = with_adapter(_build("eegnetv4"))
    y = m(torch.randn(2, 14, 2000) * 30, pos=torch.as_tensor(electrode_positions(EMOTIV)))
    assert y.shape == (2, 2)
    y.sum().backward()
    assert m.adapter.latent_embed.grad is not None
