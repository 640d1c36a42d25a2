"""Every registered model honours the EEGModel contract the training phases rely on."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import eegnb.models as em
from eegnb.models.base import chs_info_from_names
from eegnb.preprocess.channels import STANDARD_1020

EMOTIV = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]
N_TIMES, SFREQ = 1600, 200.0          # a multiple of LaBraM's 200-sample patch and the detector's stride 16
NAMES = sorted(n for n in em.MODELS if not n.startswith("_"))


def build(name: str, n_outputs: int | None = 3):
    torch.manual_seed(0)
    return em.create_model(name, chs_info=chs_info_from_names(STANDARD_1020), n_times=N_TIMES, sfreq=SFREQ,
                           n_outputs=n_outputs)


def test_import_eegnb_models_registers_every_model():
    "A fresh interpreter: `import eegnb.models` alone registers the HMS models too (no `import eegnb.hms` needed)."
    code = ("import eegnb.models as em; names = set(em.list_models().index); "
            "assert {'hms_resnet_gru', 'hms_spectrogram_cnn', 'eegnetv4', 'labram'} <= names, names; "
            "em.create_model('hms_resnet_gru', n_chans=16, n_outputs=6, n_times=2000, sfreq=200.0); "
            "assert 'eegnb.hms' not in sys.modules")
    r = subprocess.run([sys.executable, "-c", "import sys; " + code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]


def test_registry_lists_the_families():
    fams = set(em.list_models().family)
    assert {"baseline", "labram", "hms"} <= fams
    with pytest.raises(ValueError, match="not_a_model"):
        em.create_model("not_a_model")


@pytest.mark.parametrize("name", NAMES)
def test_forward_backward_finite(name):
    m = build(name)
    x = 30 * torch.randn(4, 19, N_TIMES)
    out = m(x)
    assert out.shape == (4, 3) and torch.isfinite(out).all()
    feats = m.forward_features(x)
    assert feats["pooled"].shape == (4, m.embed_dim) and feats["tokens"].shape[0] == 4
    torch.nn.functional.cross_entropy(out, torch.tensor([0, 1, 2, 0])).backward()
    grads = [p.grad for p in m.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    assert all(g is None or torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_stay_finite(name):
    m = build(name).eval()
    for x in (torch.zeros(2, 19, N_TIMES), torch.full((2, 19, N_TIMES), 5e3), 1e4 * torch.randn(2, 19, N_TIMES)):
        assert torch.isfinite(m(x)).all(), f"{name}: non-finite output for input of scale {x.abs().max():g}"


@pytest.mark.parametrize("name", NAMES)
def test_nan_input_is_an_error(name):
    x = torch.randn(2, 19, N_TIMES)
    x[1, 3, 10] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        build(name)(x)


@pytest.mark.parametrize("name", NAMES)
def test_layer_groups_cover_every_parameter_once(name):
    m = build(name)
    groups = m.layer_groups()
    ids = [id(p) for g in groups for p in g]
    assert len(ids) == len(set(ids)) == len(list(m.parameters()))
    assert {id(p) for p in m.head.parameters()} <= {id(p) for p in groups[-1]}


@pytest.mark.parametrize("name", NAMES)
def test_reset_head_and_features_without_head(name):
    m = build(name, n_outputs=None)
    assert m(torch.randn(2, 19, N_TIMES)).shape == (2, m.embed_dim)
    m.reset_head(5)
    assert m(torch.randn(2, 19, N_TIMES)).shape == (2, 5)


@pytest.mark.parametrize("name", NAMES)
def test_other_montages(name):
    "Models that read any montage take 14 and 64 channels with positions; the others refuse, and read them behind an adapter."
    m = build(name)
    x14 = torch.randn(2, 14, N_TIMES)
    pos14 = torch.from_numpy(em.electrode_positions(EMOTIV))
    if em.MODELS[name]["any_montage"]:
        assert m(x14, pos=pos14).shape == (2, 3)
    else:
        with pytest.raises(ValueError):
            m(x14, pos=pos14)
        a = em.with_adapter(m).eval()
        assert a(x14, pos=pos14).shape == (2, 3)
        mask = torch.ones(2, 14, dtype=torch.bool)
        mask[:, 0] = False
        y1 = a(x14, pos=pos14, chan_mask=mask)
        x14b = x14.clone()
        x14b[:, 0] = 1e3
        torch.testing.assert_close(a(x14b, pos=pos14, chan_mask=mask), y1)   # a masked channel is ignored
