"""eegnb.train.robustness: corruptions with known answers on tiny synthetic windows, and a severity sweep."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eegnb.preprocess.channels import STANDARD_1020
from eegnb.train.robustness import (CORRUPTIONS, add_blinks, add_line_noise, channel_dropout, corrupt, cross_fit,
                              robustness_figure, robustness_summary, severity_sweep, unit_error)

NAMES = list(STANDARD_1020)
SFREQ = 200.0


@pytest.fixture
def windows():
    return np.random.default_rng(0).standard_normal((3, 19, 2000)).astype(np.float32) * 10


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_severity_zero_is_identity_and_seed_is_deterministic(windows, name):
    before = windows.copy()
    np.testing.assert_array_equal(corrupt(name, windows, 0.0, sfreq=SFREQ, ch_names=NAMES, rng=0), windows)
    a = corrupt(name, windows, 1.0, sfreq=SFREQ, ch_names=NAMES, rng=5)
    b = corrupt(name, windows, 1.0, sfreq=SFREQ, ch_names=NAMES, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert a.shape == windows.shape and a.dtype == windows.dtype and not np.array_equal(a, windows)
    np.testing.assert_array_equal(windows, before)                    # input never modified


def test_dropout_zero_counts_and_zeroes_exactly(windows):
    out = channel_dropout(windows, NAMES, 0.5, mode="zero", rng=1)
    for w in range(len(out)):
        lost = (out[w] == 0).all(axis=1)
        assert lost.sum() == round(0.5 * 19)
        np.testing.assert_array_equal(out[w, ~lost], windows[w, ~lost])


def test_line_noise_amplitude_at_50_hz():
    x = np.zeros((2, 19, 2000))
    out = add_line_noise(x, 0.25, sfreq=SFREQ, freq=50.0, rng=0)
    amp = 2 * np.abs(np.fft.rfft(out, axis=-1)) / 2000
    freqs = np.fft.rfftfreq(2000, 1 / SFREQ)
    np.testing.assert_allclose(amp[..., freqs == 50.0], 5.0, rtol=1e-6)   # 0.25 * 20 µV


def test_blinks_frontal_only_and_bad_input():
    out = add_blinks(np.zeros((5, 19, 2000)), 0.5, sfreq=SFREQ, ch_names=NAMES, rng=0)
    assert np.isclose(out[:, NAMES.index("Fp2")].max(), 100.0, atol=1.0)
    assert np.abs(out[:, NAMES.index("O1")]).max() == 0
    with pytest.raises(ValueError, match="severity must be in"):
        unit_error(out, 2.0)
    with pytest.raises(ValueError, match="blinks"):
        add_blinks(np.zeros((1, 2, 100)), 1.0, sfreq=SFREQ, ch_names=["O1", "O2"])


def test_sweep_routes_held_out_models_and_figure():
    rng = np.random.default_rng(0)
    y = np.array(["a", "b"] * 8)
    groups = np.repeat(["s1", "s2", "s3", "s4"], 4)
    X = rng.standard_normal((16, 19, 400)) + (y == "b")[:, None, None] * 3.0       # class b: +3 µV offset
    seen = []

    def fit(Xtr, ytr):
        seen.append(len(Xtr))
        thr = Xtr.mean()
        return lambda Xte: np.c_[Xte.mean((1, 2)) < thr, Xte.mean((1, 2)) >= thr].astype(float)

    pred = cross_fit(fit, X, y, groups)
    assert seen == [12, 12, 12, 12]                                   # leave-one-subject-out
    df = severity_sweep({"offset": pred}, X, y, groups, NAMES, SFREQ, ["line_noise_50", "unit_volts"],
                        [0.0, 1.0], n_boot=10)
    clean = df[(df.severity == 0) & (df.metric == "balanced_accuracy")].value
    assert (clean == 1.0).all()
    volts = df.query("corruption == 'unit_volts' and severity == 1 and metric == 'balanced_accuracy'").value
    assert volts.iloc[0] == 0.5                                       # ×1e-6: every window below the threshold
    assert set(df.n_groups) == {4} and set(df.n_windows) == {16}
    s = robustness_summary(df).set_index("corruption")
    assert s.loc["unit_volts", "breaks_at"] == 1.0 and np.isnan(s.loc["line_noise_50", "breaks_at"])
    fig = robustness_figure(df)
    assert "4 subjects, 16 windows" in fig.layout.title.text
    assert isinstance(df, pd.DataFrame)
