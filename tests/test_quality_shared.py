"""eegnb.preprocess.quality on real files with known defects (Bonn, Guinea-Bissau, EEGMAT from the shared mirror)."""
from __future__ import annotations

import numpy as np
import pytest

import eegnb.data as ed
from conftest import SHARED, needs_shared
from eegnb.core import Recording
from eegnb.preprocess.quality import channel_quality, window_quality

pytestmark = [pytest.mark.shared, needs_shared]

EMOTIV_LSB = 20 / 39        # µV per ADC code: every Guinea-Bissau value is k x 20/39, k in 0..16383 (SOURCE.md)


def test_bonn_f009_clipped_z001_not():
    f009 = channel_quality(ed.load("bonn", "F009", data_dir=SHARED)).iloc[0]
    assert f009.clipped and f009.bad and f009.clip_samples == 52        # 52 samples at the ADC limit 2047
    z001 = channel_quality(ed.load("bonn", "Z001", data_dir=SHARED)).iloc[0]
    assert not z001.clipped and not z001.bad and z001.clip_samples == 1


def emotiv_rails(rec: Recording) -> tuple[np.ndarray, np.ndarray]:
    """The Emotiv's 14-bit limits (codes 0 and 16383) in the reader's µV, which subtracted each channel's median
    (kept in provenance['dc_offset_uv'], rounded to 1e-3 µV); half a code inside, so code 16382 is not a hit."""
    off = np.array([rec.provenance["dc_offset_uv"][c] for c in rec.ch_names])
    return 0.5 * EMOTIV_LSB - off, (16383 - 0.5) * EMOTIV_LSB - off


@pytest.mark.parametrize("record,channel", [("signal-89", "AF4"), ("signal-2", "P7")])
def test_guinea_bissau_adc_limit(record, channel):
    rec = ed.load("guinea_bissau", record, data_dir=SHARED)
    q = channel_quality(rec, rails_uv=emotiv_rails(rec))
    assert q.index[q.clipped].tolist() == [channel] and q.loc[channel, "bad"]
    # The limit is reached once or twice in ~38 000 samples: from the signal alone that is no plateau.
    assert not channel_quality(rec).clipped.any()
    # The windows say where: only the ones holding those samples have a clipped channel.
    lo, hi = emotiv_rails(rec)
    win = int(10 * rec.sfreq)
    n_win = rec.n_times // win
    windows = rec.data[:, :n_win * win].reshape(rec.n_chans, n_win, win).transpose(1, 0, 2)
    wq = window_quality(windows, rec.sfreq, rec.ch_names, rails_uv=(lo, hi))
    at_limit = np.flatnonzero((rec.data[rec.ch_names.index(channel), :n_win * win] >= hi[rec.ch_names.index(channel)]))
    assert set(np.flatnonzero(wq.n_clipped)) == set(at_limit // win)


def test_guinea_bissau_signal4_not_clipped():
    rec = ed.load("guinea_bissau", "signal-4", data_dir=SHARED)      # ADC codes 6631..9688: far from both limits
    q = channel_quality(rec, rails_uv=emotiv_rails(rec))
    assert not q.clipped.any() and not q.bad.any()


def test_eegmat_zeroed_channel_is_flat_and_bad():
    rec = ed.load("eegmat", "Subject13_1", data_dir=SHARED)
    before = channel_quality(rec)
    assert not before.bad.any()
    data = rec.data.copy()
    data[rec.ch_names.index("EEG C3")] = 0.0
    q = channel_quality(Recording(data, rec.sfreq, rec.ch_names, ch_types=rec.ch_types, ch_units=rec.ch_units))
    assert q.loc["EEG C3", ["flat", "bad", "low_corr"]].all()
    assert q.loc["EEG C3", "longest_flat_s"] == rec.duration
    assert q.index[q.bad].tolist() == ["EEG C3"]
