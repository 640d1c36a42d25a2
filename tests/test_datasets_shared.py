"""Every dataset we hold loads through `eegnb.data.load` and matches the facts in its SOURCE.md."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eegnb.data as ed
from conftest import needs_shared

pytestmark = [pytest.mark.shared, needs_shared]


# ---------------------------------------------------------------- EEGMAT
EEGMAT_SAMPLES = {"Subject00_1": 91000, "Subject00_2": 31000, "Subject01_1": 91000, "Subject02_1": 91000,
                  "Subject04_1": 85000, "Subject06_1": 91000, "Subject08_1": 91000, "Subject10_1": 94000,
                  "Subject13_1": 91000, "Subject31_1": 40000}
EEGMAT_QUALITY = {"Subject00": "bad", "Subject01": "good", "Subject02": "good", "Subject04": "bad", "Subject06": "bad",
                  "Subject08": "good", "Subject10": "bad", "Subject13": "good", "Subject31": "good"}


def test_eegmat_all_records(shared):
    df = ed.records("eegmat", data_dir=shared)
    assert df.present.sum() == 18 and df.subject[df.present].nunique() == 9
    for r in df[df.present].itertuples():
        rec = ed.load("eegmat", r.record, data_dir=shared)
        assert (rec.n_chans, rec.sfreq) == (21, 500.0)
        assert rec.n_times == EEGMAT_SAMPLES.get(r.record, 31000), r.record
        assert rec.ch_types.count("eeg") == 19 and rec.ch_types[-1] == "ecg"
        assert rec.labels["count_quality"] == EEGMAT_QUALITY[r.subject]
        assert rec.meas_date.month == 1 and rec.meas_date.day == 1
        assert len(rec.annotations) == 0          # the '[Total time]' exporter artefact is dropped
        assert rec.site and "Kyiv" in rec.site


# ---------------------------------------------------------------- EEGMMI
@pytest.mark.parametrize("record,n_times,counts", [
    ("S001R01", 9760, {"T0": 1}), ("S002R01", 9760, {"T0": 1}), ("S002R02", 9760, {"T0": 1}),
    ("S001R03", 20000, {"T0": 15, "T1": 8, "T2": 7}), ("S001R04", 20000, {"T0": 15, "T1": 8, "T2": 7}),
    ("S001R07", 20000, {"T0": 15, "T1": 8, "T2": 7}), ("S001R08", 20000, {"T0": 15, "T1": 8, "T2": 7}),
    ("S001R11", 20000, {"T0": 15, "T1": 7, "T2": 8}), ("S001R12", 20000, {"T0": 15, "T1": 7, "T2": 8})])
def test_eegmmi(shared, record, n_times, counts):
    rec = ed.load("eegmmi", record, data_dir=shared)
    assert (rec.n_chans, rec.sfreq, rec.n_times) == (64, 160.0, n_times)
    assert rec.ch_names[:3] == ["Fc5.", "Fc3.", "Fc1."]
    assert rec.annotations.code.value_counts().to_dict() == counts
    if int(record[-2:]) in (4, 8, 12):
        assert set(rec.annotations.description) == {"rest", "imagined_left_fist", "imagined_right_fist"}
    # median |x| about 32 µV (SOURCE.md): the unit conversion is right
    assert 10 < np.median(np.abs(rec.pick_types("eeg").data)) < 100


# ---------------------------------------------------------------- Bonn
BONN_RANGE = {"A": (-288, 294), "B": (-424, 360), "C": (-412, 623), "D": (-1147, 2047), "E": (-1885, 2047)}


def test_bonn_all_segments(shared):
    df = ed.records("bonn", data_dir=shared)
    assert len(df) == 500 and df.present.all()
    assert df.groupby("set").size().to_dict() == {s: 100 for s in "ABCDE"}
    lo, hi = {}, {}
    for rec in ed.load_all("bonn", data_dir=shared):
        assert (rec.n_chans, rec.n_times, rec.sfreq) == (1, 4097, 173.61)
        s = rec.labels["set"]
        lo[s] = min(lo.get(s, 0), rec.data.min()); hi[s] = max(hi.get(s, 0), rec.data.max())
    assert {s: (lo[s], hi[s]) for s in lo} == BONN_RANGE


def test_bonn_spot_values(shared):
    z = ed.load("bonn", "Z001", data_dir=shared)
    assert z.data[0, :5].tolist() == [12, 22, 35, 45, 69]
    assert z.data.mean() == pytest.approx(6.816, abs=1e-3) and z.data.std() == pytest.approx(42.591, abs=1e-3)
    s = ed.load("bonn", "S001", data_dir=shared)
    assert s.data[0, :5].tolist() == [100, 124, 153, 185, 210] and s.labels["seizure"]
    n = ed.load("bonn", "N001", data_dir=shared)          # set C files end in upper-case .TXT
    assert n.labels["set"] == "C" and n.n_times == 4097
    assert (ed.load("bonn", "F009", data_dir=shared).data == 2047).sum() == 52   # clipped at the ADC limit


# ---------------------------------------------------------------- Guinea-Bissau
GB = {"2": ("Control", 39552, 4015.2), "68": ("Control", 36608, 4049.0), "84": ("Control", 38272, 4087.4),
      "1": ("Epilepsy", 38528, 3944.9), "4": ("Epilepsy", 38272, 4104.4), "73": ("Epilepsy", 38272, 4068.5)}


def test_guinea_bissau(shared):
    df = ed.records("guinea_bissau", data_dir=shared)
    assert df.present.sum() == 16
    groups = {}
    for r in df[df.present].itertuples():
        rec = ed.load("guinea_bissau", r.record, data_dir=shared)
        groups[rec.labels["group"]] = groups.get(rec.labels["group"], 0) + 1
        assert (rec.n_chans, rec.sfreq) == (14, 128.0) and rec.ch_names[0] == "AF3"
        assert "COUNTER" in rec.aux and "GYROX" in rec.aux and len(rec.aux) == rec.n_times
        if r.subject in GB:
            group, n, mean = GB[r.subject]
            assert (rec.labels["group"], rec.n_times) == (group, n)
            # the removed DC offsets are the ~4000 µV Emotiv offset; the mean of the raw values is in SOURCE.md
            raw_mean = np.mean([(rec.data[i].astype(np.float64) + off).mean()
                                for i, off in enumerate(rec.provenance["dc_offset_uv"].values())])
            assert raw_mean == pytest.approx(mean, abs=0.1)
            # values are Emotiv ADC codes x 20/39 µV
            k = (rec.data[0].astype(np.float64) + rec.provenance["dc_offset_uv"]["AF3"]) * 39 / 20
            assert np.abs(k - np.round(k)).max() < 0.01
    assert groups == {"Epilepsy": 8, "Control": 8}


# ---------------------------------------------------------------- CHB-MIT clips
def test_chbmit_clips(shared):
    df = ed.records("chbmit_clips", data_dir=shared)
    assert df.present.sum() == 34
    assert df.groupby(["subject", "label"]).size().to_dict() == {
        ("chb01", "ictal"): 7, ("chb01", "preictal"): 7, ("chb02", "ictal"): 3, ("chb02", "preictal"): 3,
        ("chb03", "ictal"): 7, ("chb03", "preictal"): 7}
    rec = ed.load("chbmit_clips", "chb01_03_ictal", data_dir=shared)
    assert (rec.n_chans, rec.n_times, rec.sfreq) == (23, 2561, 256.0)
    assert rec.data.min() == pytest.approx(-499.1453, abs=1e-3) and rec.data.max() == pytest.approx(449.9145, abs=1e-3)
    assert rec.ch_names[14] == "T8-P8-0" and rec.ch_names[22] == "T8-P8-1"


# ---------------------------------------------------------------- DREAMS
DREAMS = {1: ("C3-A1", 100, 180000, {0: 4, 1: 68, 2: 220, 3: 12, 5: 56}, 52, 115, 159),
          2: ("CZ-A1", 200, 360000, {0: 56, 1: 80, 2: 200, 3: 20, 5: 4}, 60, 52, 94),
          3: ("C3-A1", 50, 90000, {1: 16, 2: 224, 3: 88, 5: 32}, 5, 44, 39),
          4: ("CZ-A1", 200, 360000, {0: 8, 1: 20, 2: 144, 3: 80, 5: 108}, 44, 25, 52),
          5: ("CZ-A1", 200, 360000, {1: 104, 2: 208, 3: 8, 5: 40}, 56, 86, 84),
          6: ("CZ-A1", 200, 360140, {0: 24, 1: 92, 2: 220, 3: 12, 5: 12}, 72, 87, 100),
          7: ("CZ-A1", 200, 360000, {0: 4, 1: 40, 2: 244, 3: 36, 4: 28, 5: 8}, 18, 0, 33),
          8: ("CZ-A1", 200, 360000, {2: 260, 3: 24, 5: 76}, 48, 0, 131)}


@pytest.mark.parametrize("i", range(1, 9))
def test_dreams(shared, i):
    ch, sf, n, stages, e1, e2, auto = DREAMS[i]
    rec = ed.load("dreams_spindles", f"excerpt{i}", data_dir=shared)
    assert (rec.ch_names, rec.sfreq, rec.n_times) == ([ch], float(sf), n)
    a = rec.annotations
    hyp = a[a.description.str.startswith(("Sleep stage", "Movement"))]
    assert hyp.code.astype(int).value_counts().to_dict() == stages
    counts = a.description.value_counts()
    assert counts.get("spindle_expert1", 0) == e1
    assert counts.get("spindle_expert2", 0) == e2
    assert counts.get("spindle_automatic", 0) == auto


# ---------------------------------------------------------------- HMS, YASA, Sleep-EDF
def test_hms_raw_eeg(shared):
    rec = ed.load("hms", "1000913311", data_dir=shared)
    assert (rec.n_chans, rec.sfreq, rec.n_times, rec.duration) == (20, 200.0, 10000, 50.0)
    assert rec.ch_types[-1] == "ecg"
    assert rec.data.min() == pytest.approx(-4936.43, abs=0.01) and rec.data.max() == pytest.approx(4960.53, abs=0.01)
    assert rec.labels["n_label_rows"] == 0          # unlabelled in the sample we hold: no label invented


def test_yasa_samples(shared):
    n2 = ed.load("yasa_samples", "data_N2_spindles_15sec_200Hz", data_dir=shared)
    assert (n2.n_times, n2.sfreq) == (3000, 200.0)
    assert n2.data.min() == pytest.approx(-188.4, abs=0.05) and n2.data.max() == pytest.approx(101.2, abs=0.05)
    n3 = ed.load("yasa_samples", "data_N3_no-spindles_30sec_100Hz", data_dir=shared)
    assert (n3.n_times, n3.sfreq) == (3000, 100.0)
    eog = ed.load("yasa_samples", "data_EOGs_REM_256Hz", data_dir=shared)
    assert (eog.ch_names, eog.n_times, eog.sfreq) == (["LOC", "ROC"], 219904, 256.0)
    fif = ed.load("yasa_samples", "data_resting_EO_200Hz_raw", data_dir=shared)
    assert (fif.ch_names, fif.sfreq, round(fif.duration)) == (["F4-A1", "CZ-A2"], 200.0, 360)


def test_sleep_edf_excerpt(shared):
    rec = ed.load("sleep_edf_hypnograms", "SC4001E0", data_dir=shared)
    assert (rec.ch_names, rec.sfreq, rec.n_times) == (["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"], 100.0, 30000)
    # sums of the physical values, as edfio's own test and SOURCE.md give them
    sums = rec.data.astype(np.float64).sum(axis=1)
    np.testing.assert_allclose(sums, [5786.7253, -10889.6711, 22995.8369], atol=0.05)
    # the 5-min excerpt lies inside the night's first (wake) stage annotation
    assert rec.annotations.description.tolist() == ["Sleep stage W"]
    assert rec.annotations.duration.tolist() == [300.0]
    assert rec.provenance["hypnogram_clipped"] == {"dropped": 153, "shortened": 1}


def test_every_held_dataset_loads(shared):
    for name in ed.list_datasets("held"):
        df = ed.records(name, data_dir=shared)
        assert df.present.any(), name
        rec = ed.load(name, df[df.present].record.iloc[0], data_dir=shared)
        assert rec.dataset == name and rec.provenance["verified"]
