"""Bad input gets a clear error naming the file and the problem. Every case damages a copy of a real file."""
from __future__ import annotations

import gzip
import os
import shutil

import numpy as np
import pandas as pd
import pytest

import eegnb.data as ed
from eegnb.core import DataError
from eegnb.data.readers import read_edf, read_emotiv_csv, read_hms_eeg, read_npy, read_text_signal
from conftest import DEMO, SHARED, edf_signal_field, needs_shared, patch_bytes

EDF = "Subject01_2.edf"


@pytest.fixture
def eegmat_copy(tmp_path):
    "A data directory holding a copy of one real EEGMAT recording (from the demo data, always present)."
    d = tmp_path / "eegmat"
    d.mkdir()
    for f in (EDF, "subject-info.csv"):
        shutil.copy2(DEMO / "eegmat" / f, d / f)
    return tmp_path


def _load(data_dir, verify=False):
    return ed.load("eegmat", "Subject01_2", data_dir=data_dir, verify=verify)


def test_intact_copy_loads(eegmat_copy):
    assert _load(eegmat_copy, verify=True).n_times == 31000


def test_truncated_edf(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    p.write_bytes(p.read_bytes()[: 5888 + 30 * 21114 + 100])          # 30 whole records and a bit
    with pytest.raises(DataError, match=rf"{EDF}: truncated: 30 whole data records of the 62"):
        _load(eegmat_copy)
    with pytest.raises(DataError, match="corrupt: .* bytes, the eegmat manifest says"):
        _load(eegmat_copy, verify=True)                               # the manifest check catches it first
    rec = read_edf(p, on_truncated="crop")
    assert rec.duration == 30.0 and "truncated" in rec.provenance["repairs"][0]


def test_flipped_byte_is_corrupt(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    b = bytearray(p.read_bytes()); b[100_000] ^= 0x55; p.write_bytes(bytes(b))
    with pytest.raises(DataError, match="corrupt: sha256 differs from the eegmat manifest"):
        _load(eegmat_copy, verify=True)
    rep = ed.verify("eegmat", data_dir=eegmat_copy)
    assert rep.table.set_index("path").loc[EDF, "status"] == "corrupt" and not rep.ok


def test_crlf_converted_edf(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(DataError, match="LF->CRLF conversion"):
        _load(eegmat_copy)


def test_minus_one_records_is_repaired(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    patch_bytes(p, 236, b"-1      ")
    rec = _load(eegmat_copy)
    assert rec.n_times == 31000 and "declared -1 data records; counted 62" in rec.provenance["repairs"][0]
    ref = ed.load("eegmat", "Subject01_2", data_dir=DEMO)
    np.testing.assert_array_equal(rec.data, ref.data)


def test_renamed_file_is_missing(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    p.rename(p.with_name("subject01_2.edf"))
    with pytest.raises(DataError, match=r"missing: eegmat file 'Subject01_2.edf'.*eegnb data fetch eegmat"):
        _load(eegmat_copy)


def test_not_an_edf(tmp_path):
    p = tmp_path / "fake.edf"
    shutil.copy2(DEMO / "eegmat" / "subject-info.csv", p)
    with pytest.raises(DataError, match=r"fake.edf: not an EDF or BDF file"):
        read_edf(p)
    (tmp_path / "tiny.edf").write_bytes(b"0       ")
    with pytest.raises(DataError, match="too short for an EDF/BDF header"):
        read_edf(tmp_path / "tiny.edf")


def test_duplicate_channel_names(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    edf_signal_field(p, 0, 16, 1, "EEG Fp1")                            # Fp2 relabelled Fp1
    with pytest.raises(DataError, match=r"duplicate channel labels \['EEG Fp1'\]"):
        read_edf(p)
    rec = read_edf(p, on_duplicate="rename")
    assert "EEG Fp1-0" in rec.ch_names and "EEG Fp1-1" in rec.ch_names


def test_unknown_channel_name(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    edf_signal_field(p, 0, 16, 2, "EEG Xx3")                            # F3 relabelled to nothing known
    with pytest.raises(DataError, match=r"unknown \['EEG Xx3'\], missing \['EEG F3'\]"):
        _load(eegmat_copy)


def test_volts_declared_as_microvolts(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    for i in range(19):                                                # EEG units 'uV' -> 'V': values x 1e6
        edf_signal_field(p, 96, 8, i, "V")
    with pytest.raises(DataError, match="implausibly large for µV"):
        _load(eegmat_copy)


def test_mixed_sampling_rates(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    edf_signal_field(p, 216, 8, 20, "250")                             # ECG at 250 Hz, record size unchanged
    with pytest.raises(DataError, match=r"(different sampling rates|header declares|bytes)"):
        read_edf(p)


@needs_shared
def test_text_signal_in_volts(tmp_path):
    v = np.loadtxt(SHARED / "bonn" / "Z" / "Z001.txt") * 1e-6                                         # the same segment written in volts
    p = tmp_path / "Z001_volts.txt"
    np.savetxt(p, v)
    with pytest.raises(DataError, match="Z001_volts.txt: EEG amplitudes look like volts"):
        read_text_signal(p, sfreq=173.61, ch_name="EEG")


@needs_shared
def test_nan_in_text_signal(tmp_path):
    lines = (SHARED / "bonn" / "Z" / "Z001.txt").read_text().splitlines()
    lines[100] = "nan"
    p = tmp_path / "Z001.txt"; p.write_text("\n".join(lines))
    with pytest.raises(DataError, match=r"Z001.txt: 1 NaN/inf samples, first in channel 'EEG' at sample 100"):
        read_text_signal(p, sfreq=173.61, ch_name="EEG")
    lines[100] = "12x"
    p.write_text("\n".join(lines))
    with pytest.raises(DataError, match="not a one-number-per-line signal"):
        read_text_signal(p, sfreq=173.61, ch_name="EEG")


@needs_shared
def test_corrupt_npy(tmp_path):
    src = SHARED / "chbmit_clips" / "chb01" / "ictal" / "chb01_03_ictal.npy"
    p = tmp_path / src.name
    p.write_bytes(src.read_bytes()[:50_000])
    with pytest.raises(DataError, match="chb01_03_ictal.npy: not a readable .npy array"):
        read_npy(p, sfreq=256, ch_names=[f"c{i}" for i in range(23)])
    with pytest.raises(DataError, match="23 channels in the file but 2 channel names"):
        read_npy(src, sfreq=256, ch_names=["a", "b"])


@needs_shared
def test_corrupt_and_nan_emotiv_csv(tmp_path):
    src = SHARED / "guinea_bissau" / "signal-4.csv.gz"
    p = tmp_path / src.name
    p.write_bytes(src.read_bytes()[:200_000])                           # truncated gzip stream
    with pytest.raises(DataError, match="signal-4.csv.gz: not a readable CSV"):
        read_emotiv_csv(p)
    df = pd.read_csv(src)
    df.loc[10, "O1"] = np.nan
    q = tmp_path / "signal-4-nan.csv.gz"
    df.to_csv(q, index=False, compression="gzip")
    with pytest.raises(DataError, match=r"1 empty/NaN EEG cells, first in 'O1' at row 11"):
        read_emotiv_csv(q)
    df = pd.read_csv(src).drop(columns=["T8"])
    df.to_csv(q, index=False, compression="gzip")
    with pytest.raises(DataError, match=r"EEG columns \['T8'\] missing"):
        read_emotiv_csv(q)


@needs_shared
def test_nan_in_hms_parquet(tmp_path):
    df = pd.read_parquet(SHARED / "hms" / "train_eegs" / "1000913311.parquet")
    df.loc[500:509, "Cz"] = np.nan
    p = tmp_path / "1000913311.parquet"; df.to_parquet(p)
    with pytest.raises(DataError, match=r"10 NaN/inf samples, first in channel 'Cz' at sample 500"):
        read_hms_eeg(p)
    rec = read_hms_eeg(p, nan="zero")
    assert rec.provenance["nan_filled_with_zero"] == 10
    (tmp_path / "bad.parquet").write_bytes((SHARED / "hms" / "train_eegs" / "1000913311.parquet").read_bytes()[:3000])
    with pytest.raises(DataError, match="bad.parquet: not a readable parquet file"):
        read_hms_eeg(tmp_path / "bad.parquet")


@needs_shared
def test_annotation_outside_recording(tmp_path):
    d = tmp_path / "dreams_spindles"; d.mkdir()
    for f in ("excerpt3.txt", "Hypnogram_excerpt3.txt", "Visual_scoring1_excerpt3.txt",
              "Visual_scoring2_excerpt3.txt", "Automatic_detection_excerpt3.txt"):
        shutil.copy2(SHARED / "dreams_spindles" / f, d / f)
    scoring = d / "Visual_scoring1_excerpt3.txt"
    scoring.write_text(scoring.read_text().rstrip("\n") + "\n5000.0 1.0\n")                                      # a spindle 53 min into a 30-min excerpt
    with pytest.raises(DataError, match=r"annotation\(s\) outside the recording .* at 5000.000 s"):
        ed.load("dreams_spindles", "excerpt3", data_dir=tmp_path, verify=False)


@needs_shared
def test_sleep_edf_mixed_rates_need_a_choice(shared):
    p = shared / "sleep_edf_hypnograms" / "short_psg.edf"
    with pytest.raises(DataError, match=r"different sampling rates: 100 Hz: EEG Fpz-Cz.*; 1 Hz: Resp oro-nasal"):
        read_edf(p)
    rec = read_edf(p, mixed_rates="resample", check_units=False)
    assert rec.sfreq == 100.0 and any("upsampled" in r for r in rec.provenance["repairs"])
    assert rec.ch_units[rec.ch_names.index("Temp rectal")] == "DegC"
    assert 37.1 < rec.data[rec.ch_names.index("Temp rectal")].mean() < 37.4   # °C, never scaled to µV


def test_manifest_path_escaping_data_dir(tmp_path, monkeypatch):
    (tmp_path / "evil.yaml").write_text("name: evil\nfolder: evil\nfiles:\n  - {path: ../eegmat/x.edf, bytes: 1, sha256: null}\n")
    monkeypatch.setenv("EEGNB_MANIFESTS", str(tmp_path))
    with pytest.raises(DataError, match=r"evil.yaml: file path '../eegmat/x.edf' escapes the dataset folder"):
        ed.load_manifest("evil")


def test_rate_disagrees_with_manifest(eegmat_copy):
    p = eegmat_copy / "eegmat" / EDF
    patch_bytes(p, 244, b"2       ")                               # 2-s records: every signal now at 250 Hz
    with pytest.raises(DataError, match=rf"{EDF}: sampled at 250 Hz but the eegmat manifest says 500 Hz"):
        _load(eegmat_copy)
