"""The preprocessing pipeline on real recordings: agreement with MNE, and every held dataset through it."""
from __future__ import annotations

import numpy as np
import pytest

import eegnb.data as ed
from eegnb.core import DataError
from eegnb.data.readers import read_edf
from eegnb.preprocess.pipeline import PrepConfig, iter_preprocess_edf, preprocess
from conftest import DEMO, needs_shared

EEG19 = ["EEG Fp1", "EEG Fp2", "EEG F3", "EEG F4", "EEG F7", "EEG F8", "EEG T3", "EEG T4", "EEG C3", "EEG C4",
         "EEG T5", "EEG T6", "EEG P3", "EEG P4", "EEG O1", "EEG O2", "EEG Fz", "EEG Cz", "EEG Pz"]
CFG = PrepConfig(montage="native", notch=50.0, l_freq=0.5, h_freq=45.0, sfreq=200.0, window_s=10.0, quality=False)


def _mne_polyphase(path):
    import mne
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error").pick(EEG19)
    raw.filter(0.5, 45.0, verbose="error").notch_filter(50.0, verbose="error")
    raw.resample(200.0, method="polyphase", verbose="error")
    return mne.make_fixed_length_epochs(raw, duration=10.0, preload=True, verbose="error").get_data() * 1e6


@pytest.mark.parametrize("name", ["Subject00_1.edf", "Subject31_2.edf"])
def test_agrees_with_mne(name):
    path = DEMO / "eegmat" / name
    ours = preprocess(read_edf(path, include=EEG19), CFG).data
    streamed = np.concatenate([w.data for w in iter_preprocess_edf(path, CFG, include=EEG19, chunk_s=30)])
    theirs = _mne_polyphase(path)
    assert ours.shape == theirs.shape == streamed.shape
    x, y = ours.transpose(1, 0, 2).reshape(19, -1), theirs.transpose(1, 0, 2).reshape(19, -1)
    corr = [np.corrcoef(x[c], y[c])[0, 1] for c in range(19)]
    assert min(corr) > 0.999, corr
    np.testing.assert_allclose(streamed, ours, atol=1e-3 * np.abs(ours).max())


@pytest.mark.shared
@needs_shared
def test_every_held_dataset_preprocesses(shared):
    "One record of each held dataset with the default config: windows, or a rejection that says why."
    seen = {}
    for name in ed.list_datasets("held"):
        df = ed.records(name, data_dir=shared)
        first = "data_N2_spindles_15sec_200Hz" if name == "yasa_samples" else df[df.present].record.iloc[0]
        rec = ed.load(name, first, data_dir=shared)
        w = preprocess(rec, PrepConfig(quality=False))
        assert w.sfreq == 200.0 and np.isfinite(w.data).all()
        seen[name] = (w.meta["montage"], len(w), w.data.shape[1])
    assert seen["eegmat"][0] == "1020" and seen["eegmat"][2] == 19
    assert seen["eegmmi"][0] == "1020" and seen["hms"][0] == "1020"
    assert seen["chbmit_clips"][0] == "native" and seen["bonn"][0] == "native" and seen["guinea_bissau"][0] == "native"
    assert seen["dreams_spindles"][1] == 360                                # 5-s stage epochs of a 30-min excerpt
    assert seen["sleep_edf_hypnograms"][1] == 10                            # 30-s epochs of the 5-min excerpt
    eog = ed.load("yasa_samples", "data_EOGs_REM_256Hz", data_dir=shared)    # EOG only: rejected, and says why
    with pytest.raises(DataError, match="no EEG channels"):
        preprocess(eog, PrepConfig(quality=False))
