"""Known-answer checks for `eegnb.eval.interpret`: TreeSHAP finds the one informative feature and is additive;
deep attributions of a model that reads one channel fall on that channel."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eegnb.eval.interpret import explain_deep, explain_tree, parse_feature_name


def test_tree_shap_finds_the_informative_feature_and_is_additive():
    lgb = pytest.importorskip("lightgbm")
    pytest.importorskip("shap")
    rng = np.random.default_rng(0)
    cols = [f"power_{b}_{c}" for b in ("theta", "alpha", "beta") for c in ("Fp1", "Cz", "O1", "O2")]
    cols += ["hjorth_mobility_Cz", "age"]
    X = pd.DataFrame(rng.normal(size=(400, len(cols))), columns=cols)
    y = (X.power_alpha_O1 > 0).astype(int)
    clf = lgb.LGBMClassifier(n_estimators=40, num_leaves=8, verbose=-1).fit(X, y)
    ex = explain_tree(clf, X)
    assert ex.summary().feature[0] == "power_alpha_O1"
    assert ex.by_channel().channel[0] == "O1"
    assert ex.by_band().band[0] == "alpha"
    raw = clf.predict(X, raw_score=True)
    assert np.abs(ex.values.sum(axis=1) + ex.base_values - raw).max() < 1e-4


@pytest.mark.parametrize("method", ["gradient", "deep"])
def test_deep_attribution_falls_on_the_only_channel_read(method):
    torch = pytest.importorskip("torch")
    pytest.importorskip("shap")

    class Chan2(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(64, 3)

        def forward(self, x):
            return self.lin(x[:, 2, :])

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 5, 64)).astype(np.float32)
    bg = rng.normal(size=(10, 5, 64)).astype(np.float32)
    de = explain_deep(Chan2(), X, background=bg, method=method, nsamples=50)
    assert de.values.shape == (8, 5, 64)
    assert de.by_channel().fraction[2] >= 0.99


def test_feature_name_parsing():
    assert parse_feature_name("abspow_alpha_Fp1") == ("alpha", "Fp1")
    assert parse_feature_name("hjorth_mobility_Cz") == (None, "Cz")
    assert parse_feature_name("age") == (None, None)
