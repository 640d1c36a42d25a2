"""eegnb.preprocess.signal against MNE on a real EEGMAT recording (the demo copy, so these always run)."""
from __future__ import annotations

import time

import mne
import numpy as np
import pytest

import eegnb.data as ed
from eegnb.core import Recording
from eegnb.preprocess.signal import bandpass, notch, resample


def corr_rows(a, b):
    "Pearson correlation of each row of `a` with the same row of `b`."
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    return (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))


@pytest.fixture(scope="module")
def rec():
    "EEGMAT Subject00_1: 19 EEG + A2-A1 + ECG, 500 Hz, 182 s."
    return ed.load("eegmat", "Subject00_1", data_dir=ed.demo_dir())


@pytest.fixture(scope="module")
def eeg(rec):
    return [i for i, t in enumerate(rec.ch_types) if t == "eeg"]


def test_bandpass_matches_filter_data(rec, eeg):
    ref = mne.filter.filter_data(rec.data[eeg].astype(np.float64), rec.sfreq, 0.5, 45.0, verbose="error")
    out = bandpass(rec, 0.5, 45.0).data[eeg]
    rms = np.sqrt(np.mean(ref ** 2))
    diff = np.abs(out - ref).max()
    print(f"bandpass vs mne.filter.filter_data: max |diff| {diff:.2e} µV = {diff / rms:.1e} x RMS, "
          f"min corr {corr_rows(out, ref).min():.9f}")
    assert diff < 2e-5 * rms
    assert corr_rows(out, ref).min() > 0.99999


def test_bandpass_notch_match_raw_filter(rec, eeg):
    "The MNE calls a user would write: raw.filter(0.5, 45) then raw.notch_filter(50)."
    raw = rec.to_mne().filter(0.5, 45.0, verbose="error").notch_filter(50.0, verbose="error")
    ref = raw.get_data()[eeg] * 1e6
    out = notch(bandpass(rec, 0.5, 45.0), 50.0)
    rms = np.sqrt(np.mean(ref ** 2))
    diff = np.abs(out.data[eeg] - ref).max()
    print(f"bandpass+notch vs raw.filter+raw.notch_filter: max |diff| {diff / rms:.1e} x RMS, "
          f"min corr {corr_rows(out.data[eeg], ref).min():.9f}")
    assert diff < 2e-5 * rms and corr_rows(out.data[eeg], ref).min() > 0.99999
    np.testing.assert_array_equal(out.data[19:], rec.data[19:])      # A2-A1 and ECG untouched, as picks=None says
    assert [s["step"] for s in out.provenance["steps"]] == ["bandpass", "notch"]


def test_notch_matches_notch_filter(rec, eeg):
    ref = mne.filter.notch_filter(rec.data[eeg].astype(np.float64), rec.sfreq, [50.0, 100.0], verbose="error")
    out = notch(rec, [50.0, 100.0]).data[eeg]
    assert np.abs(out - ref).max() < 2e-5 * np.sqrt(np.mean(ref ** 2))
    assert corr_rows(out, ref).min() > 0.99999


def test_notch_detects_nothing_on_eegmat(rec):
    "EEGMAT was notch-filtered at 50 Hz by its amplifier: there is no line peak to remove."
    step = notch(rec).provenance["steps"][-1]
    assert step["line_freq"] == "none detected" and step["freqs"] == []
    assert step["line_ratio_50"] < 0.5


def test_resample_matches_mne(rec, eeg):
    bp = bandpass(rec, 0.5, 45.0)
    ours = resample(bp, 200.0)
    assert (ours.sfreq, ours.n_times, ours.data.dtype) == (200.0, 36400, np.float32)
    raw = bp.to_mne()
    poly = raw.copy().resample(200.0, method="polyphase", verbose="error").get_data()[eeg] * 1e6
    c_poly = corr_rows(ours.data[eeg], poly)
    fft = raw.copy().resample(200.0, verbose="error").get_data()[eeg] * 1e6
    c_fft = corr_rows(ours.data[eeg], fft)
    print(f"resample vs MNE polyphase: max |diff| {np.abs(ours.data[eeg] - poly).max():.1e} µV, min corr {c_poly.min():.9f}; "
          f"vs MNE's default FFT: min corr {c_fft.min():.4f}")
    assert np.abs(ours.data[eeg] - poly).max() < 1e-3 and c_poly.min() > 0.99999
    # MNE's FFT resampling shifts its output by a fraction of a sample on some lengths (it rounds the padding it
    # removes): on this file the channels still correlate above 0.95, and method="fft" reproduces it exactly.
    assert c_fft.min() > 0.95
    np.testing.assert_allclose(resample(bp, 200.0, method="fft").data[eeg], fft, atol=1e-3)


def test_polyphase_is_time_aligned():
    "A sine resampled 500 -> 200 Hz lands on the true values at the new sample times."
    n = 91000
    x = 100 * np.sin(2 * np.pi * 30 * np.arange(n) / 500.0)
    y = resample(Recording(x[None], 500.0, ["s"]), 200.0).data[0]
    truth = 100 * np.sin(2 * np.pi * 30 * np.arange(y.size) / 200.0)
    assert np.abs(y - truth)[400:-400].max() < 0.2


def test_chunked_equals_whole(rec, eeg):
    "Chunks of 5 s give the whole-recording result (to float32 rounding), for every step."
    rms = rec.data[eeg].std()
    for f in (lambda r, c: bandpass(r, 0.5, 45.0, chunk_s=c), lambda r, c: notch(r, 50.0, chunk_s=c),
              lambda r, c: resample(r, 200.0, chunk_s=c), lambda r, c: resample(r, 128.0, chunk_s=c)):
        whole, chunked = f(rec, 600.0).data, f(rec, 5.0).data
        assert whole.shape == chunked.shape
        assert np.abs(whole - chunked).max() < 2e-5 * rms


def test_filter_timing(rec):
    "Printed, not asserted: timing belongs to the benchmarks."
    raw = rec.to_mne()
    def best(f, n=5):
        ts = []
        for _ in range(n):
            t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
        return min(ts)
    t_mne = best(lambda: raw.copy().filter(0.5, 45.0, verbose="error").notch_filter(50.0, verbose="error"))
    t_ours = best(lambda: notch(bandpass(rec, 0.5, 45.0), 50.0))
    print(f"band-pass + notch, {rec.n_chans} ch x {rec.duration:.0f} s at {rec.sfreq:g} Hz: eegnb {t_ours * 1e3:.0f} ms, "
          f"MNE {t_mne * 1e3:.0f} ms ({t_mne / t_ours:.1f}x)")
