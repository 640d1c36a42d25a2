"""Pure-PyTorch Mamba: the fast selective scan against the step-by-step reference, causality, mamba_ssm compatibility."""
from __future__ import annotations

import pytest
import torch

from eegnb.models.mamba import BiMamba, Mamba, linear_recurrence, mamba_kernel_available, selective_scan, \
    selective_scan_naive

# state_dict of mamba_ssm.modules.mamba_simple.Mamba(d_model=16, d_state=8) (own parameters first, then submodules in
# registration order: in_proj, conv1d, x_proj, dt_proj, out_proj; bias=False, conv_bias=True).
MAMBA_SSM_KEYS = {
    "A_log": (32, 8), "D": (32,), "in_proj.weight": (64, 16), "conv1d.weight": (32, 1, 4), "conv1d.bias": (32,),
    "x_proj.weight": (1 + 2 * 8, 32), "dt_proj.weight": (32, 1), "dt_proj.bias": (32,), "out_proj.weight": (16, 32),
}


def _inputs(batch=2, d_inner=8, d_state=4, L=50, groups=None, delta_scale=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g)
    bc = (batch, d_state, L) if groups is None else (batch, groups, d_state, L)
    return dict(u=r(batch, d_inner, L), delta=r(batch, d_inner, L) * delta_scale,
                A=-torch.rand(d_inner, d_state, generator=g) * 8, B=r(*bc), C=r(*bc), D=r(d_inner),
                z=r(batch, d_inner, L), delta_bias=torch.rand(d_inner, generator=g), delta_softplus=True)


@pytest.mark.parametrize("chunk_size", [2, 5, 32, None, "auto"])
@pytest.mark.parametrize("case", ["plain", "groups", "short", "no_options", "constant_BC"])
def test_fast_scan_equals_naive(chunk_size, case):
    kw = {"plain": _inputs(), "groups": _inputs(L=37, groups=2), "short": _inputs(L=3),
          "no_options": dict(_inputs(L=40), D=None, z=None, delta_bias=None),
          "constant_BC": dict(_inputs(L=30), B=torch.randn(8, 4), C=torch.randn(8, 4))}[case]
    out, last = selective_scan(**kw, chunk_size=chunk_size, return_last_state=True)
    out_ref, last_ref = selective_scan_naive(**kw, return_last_state=True)
    torch.testing.assert_close(out, out_ref, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(last, last_ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("chunk_size", [4, None])
def test_gradients_equal_naive(chunk_size):
    def grads(fn):
        kw = {k: (v.clone().requires_grad_(True) if torch.is_tensor(v) else v) for k, v in _inputs(L=45).items()}
        fn(**kw).square().sum().backward()
        return [kw[k].grad for k in ("u", "delta", "A", "B", "C", "D", "z", "delta_bias")]
    for g, g_ref in zip(grads(lambda **k: selective_scan(**k, chunk_size=chunk_size)), grads(selective_scan_naive)):
        torch.testing.assert_close(g, g_ref, rtol=1e-3, atol=1e-3 * max(1.0, g_ref.abs().max().item()))


@pytest.mark.parametrize("L", [1024, 4096])
def test_long_sequences_and_extreme_deltas(L):
    kw = _inputs(batch=1, d_inner=4, d_state=4, L=L, delta_scale=30.0, seed=1)     # softplus(Δ) ~ 1e-40 .. 100
    ref = selective_scan_naive(**kw)
    for cs in (32, None):
        out = selective_scan(**kw, chunk_size=cs)
        assert torch.isfinite(out).all()
        torch.testing.assert_close(out, ref, rtol=1e-3, atol=1e-3)


def test_extreme_deltas_gradients_finite():
    kw = {k: (v.clone().requires_grad_(True) if torch.is_tensor(v) else v)
          for k, v in _inputs(batch=1, d_inner=4, d_state=4, L=300, delta_scale=1e3, seed=2).items()}
    for cs in (8, None):
        selective_scan(**kw, chunk_size=cs).sum().backward()
        assert all(torch.isfinite(kw[k].grad).all() for k in ("u", "delta", "A", "B", "C"))


def test_linear_recurrence_known_answer():
    h = linear_recurrence(torch.full((1, 5, 1), 0.5).log(), torch.arange(1.0, 6.0).reshape(1, 5, 1), chunk_size=2)
    torch.testing.assert_close(h.flatten(), torch.tensor([1.0, 2.5, 4.25, 6.125, 8.0625]))


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"A must be \(d_inner, d_state\)"):
        selective_scan(**dict(_inputs(), A=torch.randn(3, 4)))
    with pytest.raises(ValueError, match=r"B must be \(batch, d_state, L\)"):
        selective_scan(**dict(_inputs(), B=torch.randn(2, 4, 49)))


def test_state_dict_matches_mamba_ssm():
    m = Mamba(16, d_state=8)
    assert list(m.state_dict()) == list(MAMBA_SSM_KEYS)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == MAMBA_SSM_KEYS
    other = {k: torch.randn(s) for k, s in MAMBA_SSM_KEYS.items()}       # a checkpoint written by mamba_ssm
    m.load_state_dict(other, strict=True)
    torch.testing.assert_close(m.A_log, other["A_log"])


def test_forward_stream_is_causal():
    torch.manual_seed(0)
    m = Mamba(16, d_state=8)
    x = torch.randn(2, 64, 16)
    x2 = x.clone()
    x2[:, 40:] = torch.randn(2, 24, 16) * 10
    y, y2 = m(x), m(x2)
    torch.testing.assert_close(y2[:, :40], y[:, :40], rtol=1e-5, atol=1e-5)
    assert (y2[:, 40:] - y[:, 40:]).abs().max() > 1e-3


def test_bimamba_fused_directions_equal_separate_streams():
    torch.manual_seed(0)
    bm = BiMamba(16, d_state=4).eval()
    x = torch.randn(2, 30, 16)
    h = bm.norm(x)
    torch.testing.assert_close(bm(x), x + bm.fwd(h) + bm.bwd(h.flip(1)).flip(1), rtol=1e-5, atol=1e-5)
    x2 = x.clone()
    x2[:, 20:] = torch.randn(2, 10, 16)
    assert (bm(x2)[:, :20] - bm(x)[:, :20]).abs().max() > 1e-4          # bidirectional: the future reaches the past


@pytest.mark.gpu
@pytest.mark.skipif(not mamba_kernel_available(), reason="needs a CUDA GPU and mamba_ssm")
def test_matches_mamba_ssm_on_gpu():
    from mamba_ssm import Mamba as RefMamba
    from mamba_ssm.ops.selective_scan_interface import selective_scan_ref
    torch.manual_seed(0)
    kw = {k: (v.cuda() if torch.is_tensor(v) else v) for k, v in _inputs(batch=2, d_inner=64, d_state=16, L=512).items()}
    torch.testing.assert_close(selective_scan(**kw), selective_scan_ref(**kw), rtol=1e-3, atol=1e-3)
    ref = RefMamba(32, d_state=16).cuda()
    ours = Mamba(32, d_state=16, use_fast_path=False).cuda()
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(2, 256, 32, device="cuda")
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-3, atol=1e-3)
