"""eegnb.features: import cost (no antropy/numba/MNE at import) and full feature tables on real EEGMAT windows."""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

import eegnb.data as ed
from eegnb.preprocess.pipeline import PrepConfig, preprocess


def test_import_is_light():
    "`import eegnb.features` is quick and leaves antropy, numba (compiled on import), MNE and YASA unloaded."
    code = ("import sys, eegnb, eegnb.features; "
            "heavy = sorted(m for m in ('antropy', 'numba', 'mne', 'yasa') if m in sys.modules); "
            "assert not heavy, f'imported by eegnb.features: {heavy}'")
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    print(f"python -c 'import eegnb, eegnb.features': {dt:.2f} s")
    assert res.returncode == 0, res.stderr
    assert dt < 10, f"import took {dt:.1f} s"


@pytest.fixture(scope="module")
def windows():
    rec = ed.load("eegmat", "Subject01_2", data_dir=ed.demo_dir())
    return preprocess(rec, PrepConfig(quality=False))


def test_feature_tables_on_real_windows(windows):
    import eegnb.features as ft
    w = windows
    n_win, n_ch = w.data.shape[:2]
    S = ft.spectral_features(w.data, w.sfreq, w.ch_names)
    n_bands = len(ft.BANDS)
    assert S.shape == (n_win, (2 * n_bands + len(ft.RATIOS) + 4) * n_ch)
    n_levels = len(ft.wavelet_bands(w.sfreq))
    T = ft.temporal_features(w.data, w.sfreq, w.ch_names)
    assert T.shape == (n_win, (len(ft.TIME_FEATURES) + len(ft.COMPLEXITY_FEATURES) + 2 * n_levels) * n_ch)
    for df in (S, T):
        assert np.isfinite(df.to_numpy()).all(), df.columns[~np.isfinite(df.to_numpy()).all(0)].tolist()
        assert df.columns.is_unique
    assert not set(S.columns) & set(T.columns)
    joined = S.join(T)
    assert joined.shape == (n_win, S.shape[1] + T.shape[1])
    assert list(ft.SpectralFeatures(w.sfreq, w.ch_names).get_feature_names_out()) == list(S.columns)
    assert list(ft.TemporalFeatures(w.sfreq, w.ch_names).get_feature_names_out()) == list(T.columns)
    M = ft.spectral_features(w.data, w.sfreq, w.ch_names, method="multitaper")
    assert M.shape == S.shape and np.isfinite(M.to_numpy()).all()
