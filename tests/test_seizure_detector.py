"""SeizureDetector (seizure_tcn_mamba): shapes, numerical robustness, the per-step graph, masked channels (tiny, CPU)."""
from __future__ import annotations

import pytest
import torch

from eegnb.models.base import MODELS, chs_info_from_names
from eegnb.models.seizure import SeizureDetector, laplacian_pe, pair_index, topk_graph

CH19 = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T3", "C3", "Cz", "C4", "T4", "T5", "P3", "Pz", "P4", "T6", "O1", "O2"]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return SeizureDetector(chs_info=chs_info_from_names(CH19), n_outputs=2, n_times=512, sfreq=256)


def test_registry_entry():
    entry = MODELS["seizure_tcn_mamba"]
    assert (entry["cls"], entry["family"], entry["pretrain"], entry["any_montage"]) == \
        (SeizureDetector, "seizure", None, False)


def test_output_shapes(model):
    x = torch.randn(3, 19, 512) * 40
    assert model(x).shape == (3, 2)
    feats = model.forward_features(x)
    assert feats["tokens"].shape == (3, 32, 32) and feats["pooled"].shape == (3, 32)
    torch.testing.assert_close(feats["pooled"], feats["tokens"].amax(1))
    assert model.forward_dense(x).shape == (3, 512)
    assert model.forward_dense(torch.randn(1, 19, 256)).shape == (1, 256)                  # any multiple of 16
    step = SeizureDetector(n_chans=19, n_times=512, dense="step")
    assert step.forward_dense(x).shape == (3, 32)
    assert sum(map(len, model.layer_groups())) == len(list(model.parameters()))


def test_bad_input_is_refused(model):
    with pytest.raises(ValueError, match="multiple of 16"):
        model(torch.randn(1, 19, 500))
    with pytest.raises(ValueError, match="multiple of 16"):
        SeizureDetector(n_chans=19, n_times=100)
    x = torch.randn(2, 19, 512)
    x[1, 4, 10] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        model(x)
    with pytest.raises(ValueError, match="built for 19 channels"):
        model(torch.randn(1, 18, 512))


@pytest.mark.parametrize("case", ["flat_channels", "all_zero", "huge_1e4uV", "saturated_half"])
def test_finite_forward_and_gradients(model, case):
    torch.manual_seed(1)
    x = torch.randn(2, 19, 512) * 30
    if case == "flat_channels": x[:, :6] = 12.0
    if case == "all_zero": x[:] = 0.0
    if case == "huge_1e4uV": x = x / 30 * 1e4
    if case == "saturated_half": x[:, :, :256] = 1e4
    model.train()
    model.zero_grad()
    out, dense = model(x), model.forward_dense(x)
    assert torch.isfinite(out).all() and torch.isfinite(dense).all()
    (out.square().mean() + dense.square().mean()).backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    model.eval()


def test_graph_rebuilt_per_step(model):
    scores = torch.randn(1, 8, 171)
    scores[0, 1] = scores[0, 0]
    scores[0, 1, :4] += 10.0                                     # step 1: pairs (0, 1) .. (0, 4) score high
    ei, ew, pe = model.blocks[0].step_graphs(scores, model.pairs, torch.ones(1, 19, dtype=torch.bool))
    def edges(step):
        inside = (ei[1] >= 19 * step) & (ei[1] < 19 * (step + 1))
        return {(int(a) - 19 * step, int(b) - 19 * step) for a, b in ei[:, inside].T}
    assert len(edges(0)) == 19 * 4 and edges(0) != edges(1)
    assert {(j, 0) for j in (1, 2, 3, 4)} <= edges(1)
    assert pe.shape == (1, 8, 19, 4)
    torch.testing.assert_close(pe[0, 3], pe[0, 0])                  # held for lap_every = 4 steps
    assert not torch.equal(pe[0, 4], pe[0, 0])                      # recomputed at step 4


def test_model_steps_have_different_graphs(model):
    model.eval()
    model.forward_dense(torch.randn(1, 19, 512) * 40)
    s = model.last_scores[0]                                        # (L, n_pairs)
    _, _, adj = topk_graph(s, model.pairs, 19, k=4)
    assert len({tuple((a > 0).flatten().tolist()) for a in adj}) > 1


def test_masked_channel_cannot_change_window_logits(model):
    model.eval()
    x = torch.randn(2, 19, 512) * 40
    cm = torch.ones(2, 19, dtype=torch.bool)
    cm[:, 7] = False
    x2 = x.clone()
    x2[:, 7] = torch.randn(2, 512) * 800
    torch.testing.assert_close(model(x, chan_mask=cm), model(x2, chan_mask=cm), rtol=1e-5, atol=1e-5)


def test_topk_graph_and_laplacian_known_answers():
    pairs = pair_index(4)
    scores = torch.tensor([[5.0, 4.0, -1.0, 0.0, 0.5, 2.0]])      # (0,1) (0,2) (0,3) (1,2) (1,3) (2,3)
    ei, ew, adj = topk_graph(scores, pairs, 4, k=2)
    assert sorted(ei[0, ei[1] == 0].tolist()) == [1, 2]
    torch.testing.assert_close(ew, adj[0][ei[1], ei[0]])
    path = torch.zeros(4, 4)
    path[[0, 1, 2], [1, 2, 3]] = 1
    pe = laplacian_pe((path + path.T)[None], 2, sign="none")[0]
    assert pe[0, 0] * pe[3, 0] < 0                                  # Fiedler vector: ends on opposite sides


def test_large_preset_size():
    n = sum(p.numel() for p in SeizureDetector(n_chans=19, n_outputs=2, n_times=2560, **SeizureDetector.LARGE).parameters())
    assert 25e6 < n < 35e6
