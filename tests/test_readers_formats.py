"""Formats we hold no real file of: BDF and Delhi-style MATLAB segments, written from real samples.

No BDF recording and no Delhi (Neurology & Sleep Centre) file is in the shared data, so these tests convert
real samples into those formats with the format's public layout and check the readers give them back."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.io import savemat

from eegnb.core import DataError
from eegnb.data.readers import read_edf, read_edf_header, read_file, read_mat
from conftest import DEMO, SHARED, needs_shared


def _edf_to_bdf(edf: bytes) -> bytes:
    "Rewrite a 16-bit EDF+ (no annotation signal used) as a 24-bit BDF with the same physical values."
    ns = int(edf[252:256]); hb = 256 * (ns + 1)
    head = bytearray(edf[:hb])
    spr = [int(edf[256 + 216 * ns + 8 * i: 256 + 216 * ns + 8 * (i + 1)]) for i in range(ns)]
    labels = [edf[256 + 16 * i: 256 + 16 * (i + 1)].decode().strip() for i in range(ns)]
    keep = [i for i, l in enumerate(labels) if l != "EDF Annotations"]
    rec = np.frombuffer(edf[hb:], dtype="<i2").reshape(-1, sum(spr))
    # new header with only the data signals; digital range widened x256 (values x256) keeps physical values
    def field(off, width, i): return bytes(head[256 + off * ns + width * i: 256 + off * ns + width * (i + 1)])
    out = bytearray(b"\xffBIOSEMI" + bytes(head[8:184]) + f"{256 * (len(keep) + 1):<8}".encode()
                    + b"24BIT".ljust(44) + bytes(head[236:252]) + f"{len(keep):<4}".encode())
    for off, width in [(0, 16), (16, 80), (96, 8), (104, 8), (112, 8), (120, 8), (128, 8), (136, 80), (216, 8), (224, 32)]:
        for i in keep:
            v = field(off, width, i)
            if off in (120, 128):
                v = f"{int(v) * 256:<8}".encode()
            out += v
    starts = np.cumsum([0] + spr)
    body = np.concatenate([rec[:, starts[i]:starts[i + 1]].astype(np.int32) * 256 for i in keep], axis=1)
    b = body.reshape(-1).astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
    return bytes(out) + b.tobytes()


def test_bdf_gives_the_same_microvolts(tmp_path):
    src = DEMO / "eegmat" / "Subject04_2.edf"          # no EDF+ annotation in this file
    p = tmp_path / "Subject04_2.bdf"
    p.write_bytes(_edf_to_bdf(src.read_bytes()))
    h = read_edf_header(p)
    assert h.bdf and h.record_bytes == 21 * 500 * 3
    bdf, edf = read_edf(p), read_edf(src)
    assert bdf.ch_names == edf.ch_names and bdf.sfreq == edf.sfreq == 500.0
    np.testing.assert_allclose(bdf.data, edf.data, rtol=1e-5, atol=1e-3)
    from eegnb.data.readers import iter_edf
    streamed = np.concatenate([c for _, c in iter_edf(p, chunk_s=7)], axis=1)     # 24-bit chunked reading
    np.testing.assert_allclose(streamed, edf.data, rtol=1e-5, atol=1e-3)
    p.write_bytes(p.read_bytes()[:-1000])
    with pytest.raises(DataError, match="truncated"):
        read_edf(p)


@needs_shared
def test_delhi_style_mat(tmp_path):
    # Delhi layout (Swami et al. 2016): one variable per file named after its class, 1024 samples at 200 Hz
    x = np.loadtxt(SHARED / "bonn" / "S" / "S001.txt")[:1024]
    p = tmp_path / "ictal1.mat"
    savemat(p, {"ictal": x[:, None]})
    rec = read_mat(p, sfreq=200.0)
    assert (rec.ch_names, rec.n_times, rec.sfreq) == (["ictal"], 1024, 200.0)
    np.testing.assert_array_equal(rec.data[0], x.astype(np.float32))
    assert read_file(p, sfreq=200.0).n_times == 1024
    savemat(p, {"ictal": x[:, None], "other": x[:, None]})
    with pytest.raises(DataError, match=r"2 numeric variables \(\['ictal', 'other'\]\); say which"):
        read_mat(p, sfreq=200.0)
    p.write_bytes(p.read_bytes()[:200])
    with pytest.raises(DataError, match="not a readable MATLAB file"):
        read_mat(p, sfreq=200.0)


def test_mne_round_trip_on_real_recordings():
    import eegnb.data as ed
    from eegnb.core import Recording
    rec = ed.load("eegmat", "Subject00_1", data_dir=DEMO)
    raw = rec.to_mne()
    assert raw.get_channel_types()[-2:] == ["misc", "ecg"] and raw.info["meas_date"] == rec.meas_date
    back = Recording.from_mne(raw)
    np.testing.assert_allclose(back.data, rec.data, rtol=1e-6, atol=1e-4)
    assert (back.ch_names, back.ch_types, back.ch_units, back.sfreq) == (rec.ch_names, rec.ch_types, rec.ch_units, rec.sfreq)
    # and MNE's own reading of the file agrees with ours, in volts
    import mne
    ref = mne.io.read_raw_edf(DEMO / "eegmat" / "Subject00_1.edf", preload=True, verbose="error")
    np.testing.assert_allclose(raw.get_data(), ref.get_data(), rtol=1e-6, atol=1e-10)
