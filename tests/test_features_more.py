"""eegnb.features connectivity, spectrogram and table: one known-answer check per module (synthetic data and the
demo EEGMAT records only)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.signal

import eegnb.data as ed
from eegnb.features import (HMS_CHAINS, SpectralFeatures, connectivity_features, feature_table, hms_frequencies,
                            hms_spectrogram, spectral_features, stft_spectrogram)
from eegnb.preprocess.pipeline import PrepConfig

SF = 200.0


def test_connectivity_known_answers():
    "A shared alpha rhythm couples A-B (coh, PLV ~ 1), independent noise C-D does not; coh equals SciPy's."
    rng = np.random.default_rng(1)
    t = np.arange(int(20 * SF)) / SF
    sos = scipy.signal.butter(4, [7, 14], "bandpass", fs=SF, output="sos")
    alpha = scipy.signal.sosfiltfilt(sos, rng.standard_normal(t.size))
    common = 10 * np.sin(2 * np.pi * 10 * t) + 20 * alpha / alpha.std()
    x = np.stack([common + rng.standard_normal(t.size), common + rng.standard_normal(t.size),
                  rng.standard_normal(t.size), rng.standard_normal(t.size)])[None]
    F = connectivity_features(x, SF, ["A", "B", "C", "D"])
    assert F.shape == (1, 3 * 6 * 6)
    assert F["coh_alpha_A-B"][0] > 0.95 and F["plv_alpha_A-B"][0] > 0.95
    assert F["coh_alpha_C-D"][0] < 0.2 and F["plv_alpha_C-D"][0] < 0.3
    f, c = scipy.signal.coherence(x[0, 1], x[0, 3], fs=SF, nperseg=400)
    for band, lo, hi in [("theta", 4, 8), ("alpha", 8, 13), ("gamma", 30, 45)]:
        np.testing.assert_allclose(F[f"coh_{band}_B-D"][0], c[(f >= lo) & (f <= hi)].mean(), rtol=1e-6)


def _synth(seconds, names, rng):
    n = int(seconds * SF)
    x = rng.standard_normal((2, len(names), n)) * 0.5
    x[:, names.index("O2")] += 20 * np.sin(2 * np.pi * 10 * np.arange(n) / SF)
    return x


def test_spectrogram_known_answers():
    "STFT and HMS image peak at 10 Hz; fixed image size for 10-s and 50-s windows; chains are derivation means."
    rng = np.random.default_rng(2)
    sine = 20 * np.sin(2 * np.pi * 10 * np.arange(int(10 * SF)) / SF)[None, None]
    f, _, S = stft_spectrogram(sine, SF, fmax=40)
    assert (f[S[0, 0].argmax(0)] == 10).all()
    names = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T7", "T8", "P7", "P8", "Fz",
             "Cz", "Pz"]
    hf = hms_frequencies(100)
    for seconds in (10, 50):
        x = _synth(seconds, names, rng)
        img = hms_spectrogram(x, SF, names)
        assert img.shape == (2, 4, 100, 300)
        # O2 is in RP (P4-O2) and RL (P8-O2): chains 2 and 3
        assert np.all(np.abs(hf[img[:, 2:].mean(-1).argmax(-1)] - 10) <= hf[1] - hf[0])
        assert img[:, 2:].max() > img[:, :2].max() + 2
    # chain average: with a derivation d on Fp2 and zeros elsewhere, RL's derivations are (d, 0, 0, 0), so 4x its
    # RL image is d's own resampled spectrogram; the mean of those over RL's four derivations is RL's image
    x = _synth(10, names, rng)
    lin = hms_spectrogram(x, SF, names, log=False)
    parts = []
    for a, b in HMS_CHAINS["RL"]:
        y = np.zeros_like(x)
        y[:, names.index("Fp2")] = x[:, names.index(a)] - x[:, names.index(b)]
        parts.append(hms_spectrogram(y, SF, names, log=False)[:, 3] * 4)   # only Fp2-F8 is nonzero: 1/4 of the mean
    np.testing.assert_allclose(lin[:, 3], np.mean(parts, axis=0), rtol=1e-5)


def test_feature_table_matches_direct(tmp_path):
    "The table of a small EEGMAT store equals spectral_features on the windows, with identity columns in front."
    from eegnb.store import open_store, prepare
    prepare(["eegmat"], tmp_path, config=PrepConfig(quality=False), data_dir=ed.demo_dir(), n_workers=1,
            progress=False)
    store = open_store(tmp_path)
    sp = SpectralFeatures(store.sfreq, store.ch_names)
    rows = np.arange(len(store))[::-3]
    T = feature_table(tmp_path, [sp], rows=rows, batch_size=4, progress=False)
    assert list(T.index) == list(rows)
    assert list(T.columns[:7]) == ["dataset", "subject", "record", "key", "i", "start_s", "label"]
    direct = spectral_features(store.read(rows), store.sfreq, store.ch_names)
    np.testing.assert_allclose(T.iloc[:, 7:].to_numpy(), direct.to_numpy(), rtol=1e-10)
    pd.testing.assert_series_equal(T.key, store.index.key.iloc[rows])
    k0 = store.shards.key.iloc[0]
    store.shards["ch_names"] = [list(c)[:-1] + ["X"] if k == k0 else list(c)
                                for k, c in zip(store.shards.key, store.shards.ch_names)]
    with pytest.raises(ValueError, match="rows="):
        feature_table(store, [sp], progress=False)
