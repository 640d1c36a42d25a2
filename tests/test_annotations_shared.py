"""eegnb.data.annotations on the real label files of the shared data mirror.

Every number asserted here is from the fact tables of the folders' SOURCE.md files (or, where marked, measured
on these files and stated in the notebook); the notebook's own tests use small in-memory examples only.
"""
from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eegnb.core import DataError, make_annotations
from eegnb.data.annotations import (
    AASM_STAGES, EEGMMI_RUNS, HMS_CLASSES, HMS_LABEL_COLUMNS, eegmmi_events, hypnogram_epochs, read_chbmit_seizures_file,
    read_chbmit_summary, read_dreams_hypnogram, read_dreams_spindles, read_hms_labels, read_hms_spectrogram,
    read_sleep_edf_hypnogram, read_yasa_hypno_npz, read_yasa_hypnogram, to_aasm,
)

SHARED = Path(os.environ.get("EEGNB_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
pytestmark = [pytest.mark.shared, pytest.mark.skipif(not SHARED.is_dir(), reason="shared data mirror absent")]

DREAMS = SHARED / "dreams_spindles"
SLEEP_EDF = SHARED / "sleep_edf_hypnograms"
YASA = SHARED / "yasa_samples"
CHB01 = SHARED / "chbmit_clips" / "chb01"
HMS = SHARED / "hms"
EEGMMI = SHARED / "eegmmi"


# ---------------------------------------------------------------- DREAMS
# excerpt: (channel, stage counts by DREAMS code, spindles expert 1, expert 2 (None: not scored), automatic)
DREAMS_FACTS = {
    1: ("C3-A1", {0: 4, 1: 68, 2: 220, 3: 12, 5: 56}, 52, 115, 159),
    2: ("CZ-A1", {0: 56, 1: 80, 2: 200, 3: 20, 5: 4}, 60, 52, 94),
    3: ("C3-A1", {1: 16, 2: 224, 3: 88, 5: 32}, 5, 44, 39),
    4: ("CZ-A1", {0: 8, 1: 20, 2: 144, 3: 80, 5: 108}, 44, 25, 52),
    5: ("CZ-A1", {1: 104, 2: 208, 3: 8, 5: 40}, 56, 86, 84),
    6: ("CZ-A1", {0: 24, 1: 92, 2: 220, 3: 12, 5: 12}, 72, 87, 100),
    7: ("CZ-A1", {0: 4, 1: 40, 2: 244, 3: 36, 4: 28, 5: 8}, 18, None, 33),
    8: ("CZ-A1", {2: 260, 3: 24, 5: 76}, 48, None, 131),
}


@pytest.mark.parametrize("n", sorted(DREAMS_FACTS))
def test_dreams_hypnogram(n):
    hyp = read_dreams_hypnogram(DREAMS / f"Hypnogram_excerpt{n}.txt")
    assert len(hyp) == 360 and set(hyp.duration) == {5.0}
    assert hyp.onset.iloc[-1] == 1795.0                      # 360 epochs x 5 s = the 30-min excerpt
    assert dict(Counter(hyp.code.tolist())) == DREAMS_FACTS[n][1]
    ep = hypnogram_epochs(hyp, epoch=5.0)
    assert len(ep) == 360 and ep.tolist() == hyp.description.tolist()
    aasm = to_aasm(ep)
    counts = DREAMS_FACTS[n][1]
    assert (aasm == "N3").sum() == counts.get(0, 0) + counts.get(1, 0)   # S3 (1) + S4 (0)
    assert (aasm == "W").sum() == counts.get(5, 0) and (aasm == "REM").sum() == counts.get(4, 0)


def test_dreams_code_order_is_inverted():
    "DREAMS codes run the other way: 5 is wake and 0 is S4 (deepest)."
    hyp = read_dreams_hypnogram(DREAMS / "Hypnogram_excerpt7.txt")
    pairs = set(zip(hyp.code, hyp.description))
    assert pairs == {(5, "Sleep stage W"), (4, "Sleep stage R"), (3, "Sleep stage 1"), (2, "Sleep stage 2"),
                     (1, "Sleep stage 3"), (0, "Sleep stage 4")}


@pytest.mark.parametrize("n", sorted(DREAMS_FACTS))
def test_dreams_spindles(n):
    channel, _, n1, n2, na = DREAMS_FACTS[n]
    files = {"expert1": DREAMS / f"Visual_scoring1_excerpt{n}.txt", "expert2": DREAMS / f"Visual_scoring2_excerpt{n}.txt",
             "automatic": DREAMS / f"Automatic_detection_excerpt{n}.txt"}
    for scorer, expected in zip(files, (n1, n2, na)):
        if expected is None:
            assert not files[scorer].exists()                  # expert 2 scored excerpts 1-6 only
            continue
        sp = read_dreams_spindles(files[scorer])
        assert len(sp) == expected
        assert set(sp.description) == {f"spindle_{scorer}"}
        assert sp.attrs["channel"] == channel
        assert (sp.duration > 0).all() and (sp.onset + sp.duration <= 1801).all()
        assert sp.onset.is_monotonic_increasing


def test_dreams_expert_quirks():
    "Expert 2 used a fixed 1-s duration; expert 1 scored only the first ~1000 s (measured here)."
    e2 = {n: read_dreams_spindles(DREAMS / f"Visual_scoring2_excerpt{n}.txt") for n in range(1, 7)}
    assert (e2[1].duration == 1.0).sum() == 113
    assert all((e2[n].duration == 1.0).all() for n in range(2, 7))
    for n in DREAMS_FACTS:
        e1 = read_dreams_spindles(DREAMS / f"Visual_scoring1_excerpt{n}.txt")
        assert (e1.onset + e1.duration).max() < 1000


def test_dreams_corrupt_copies(tmp_path):
    good = (DREAMS / "Hypnogram_excerpt1.txt").read_text().splitlines()
    bad = tmp_path / "Hypnogram_excerpt1.txt"
    bad.write_text("\n".join(good[:100] + ["9"] + good[101:]) + "\n")
    with pytest.raises(DataError, match=r"Hypnogram_excerpt1.txt: line 101: unknown stage code 9"):
        read_dreams_hypnogram(bad)
    bad.write_text("\n".join(good[1:]) + "\n")
    with pytest.raises(DataError, match=r"not the '\[Hypnogram\]' header"):
        read_dreams_hypnogram(bad)
    sp = (DREAMS / "Visual_scoring1_excerpt1.txt").read_text().splitlines()
    cut = tmp_path / "Visual_scoring1_excerpt1.txt"
    cut.write_text("\n".join(sp[:10] + [sp[10][:8]] + sp[11:]) + "\n")
    with pytest.raises(DataError, match=r"line 11: expected 'onset duration'"):
        read_dreams_spindles(cut)


# ---------------------------------------------------------------- Sleep-EDF
HYPNO = SLEEP_EDF / "sleep-cassette" / "SC4001EC-Hypnogram.edf"


def test_sleep_edf_annotations():
    ann = read_sleep_edf_hypnogram(HYPNO)
    assert len(ann) == 154
    assert dict(Counter(ann.description)) == {"Sleep stage W": 12, "Sleep stage 1": 24, "Sleep stage 2": 40,
                                             "Sleep stage 3": 48, "Sleep stage 4": 23, "Sleep stage R": 6,
                                             "Sleep stage ?": 1}
    assert ann.iloc[0].tolist() == [0.0, 30630.0, "Sleep stage W"]
    assert ann.iloc[-1].tolist() == [79500.0, 6900.0, "Sleep stage ?"]
    assert (ann.duration % 30 == 0).all()
    assert (ann.onset + ann.duration).max() == 86400.0


def test_sleep_edf_epochs():
    ann = read_sleep_edf_hypnogram(HYPNO)
    ep = hypnogram_epochs(ann)
    assert len(ep) == 2880
    assert ep.value_counts().to_dict() == {"Sleep stage W": 1997, "Sleep stage 1": 58, "Sleep stage 2": 250,
                                           "Sleep stage 3": 101, "Sleep stage 4": 119, "Sleep stage R": 125,
                                           "Sleep stage ?": 230}
    assert ep.index[1] == 30.0 and ep.loc[30630.0] == "Sleep stage 1" and ep.loc[30600.0] == "Sleep stage W"
    scored = hypnogram_epochs(ann, total=2650 * 30.0)         # the PSG's length: 2650 records of 30 s
    assert len(scored) == 2650 and "Sleep stage ?" not in set(scored) and scored.attrs["n_dropped"] == 230
    aasm = to_aasm(scored)
    assert aasm.value_counts().to_dict() == {"W": 1997, "N1": 58, "N2": 250, "N3": 220, "REM": 125}
    assert set(aasm) <= set(AASM_STAGES)
    assert (ep.iloc[:10] == "Sleep stage W").all()             # short_psg.edf (first 300 s) is all wake


def test_sleep_edf_wrong_and_corrupt_files(tmp_path):
    with pytest.raises(DataError, match="plain EDF, not EDF\\+"):
        read_sleep_edf_hypnogram(SLEEP_EDF / "short_psg.edf")     # the PSG excerpt, not a hypnogram
    raw = HYPNO.read_bytes()
    (tmp_path / "cut.edf").write_bytes(raw[:1000])                # MNE alone would read 19 annotations from this
    with pytest.raises(DataError, match="1000 bytes, but the header declares 1 records and so 4620 bytes: a truncated copy"):
        read_sleep_edf_hypnogram(tmp_path / "cut.edf")
    (tmp_path / "crlf.edf").write_bytes(raw.replace(b"\n", b"\r\n") + b"\r\n")
    with pytest.raises(DataError, match="corrupt copy"):
        read_sleep_edf_hypnogram(tmp_path / "crlf.edf")
    with pytest.raises(DataError, match="no sleep-stage annotations"):
        hypnogram_epochs(make_annotations([0.0], [1.0], "T0"))


# ---------------------------------------------------------------- YASA
def test_yasa_hypnograms():
    full = read_yasa_hypnogram(YASA / "data_full_6hrs_100Hz_hypno_30s.txt")
    assert len(full) == 720 and full.index[-1] == 719 * 30.0
    assert full.value_counts().to_dict() == {"W": 43, "N1": 22, "N2": 318, "N3": 182, "REM": 155}
    sub = read_yasa_hypnogram(YASA / "sub-02_hypno_30s.txt")
    assert len(sub) == 98                                      # the first line ('W') is an epoch, not a header
    assert sub.iloc[0] == "W"
    assert sub.value_counts().to_dict() == {"W": 36, "N2": 31, "N3": 22, "N1": 9}


def test_yasa_npz():
    h = read_yasa_hypno_npz(YASA / "data_full_6hrs_100Hz_hypno.npz")
    assert h.shape == (2_161_058,) and h.dtype == np.int32
    assert dict(zip(*np.unique(h, return_counts=True))) == {0: 130172, 1: 65934, 2: 947925, 3: 537075, 4: 479952}
    # Measured here: the npz has the same sequence of stage runs as the 30-s text (plus a final 40-s wake run),
    # but its transitions are not on 30-s boundaries: it is not simply the text file upsampled to 100 Hz.
    t = pd.Series(read_yasa_hypnogram(YASA / "data_full_6hrs_100Hz_hypno_30s.txt")).map(
        {"W": 0, "N1": 1, "N2": 2, "N3": 3, "REM": 4}).to_numpy()
    runs = lambda x: x[np.r_[0, np.flatnonzero(np.diff(x)) + 1]]
    assert runs(h).tolist() == runs(t).tolist() + [0]
    assert (np.flatnonzero(np.diff(h)) + 1)[0] == 30096


def test_yasa_corrupt(tmp_path):
    lines = (YASA / "sub-02_hypno_30s.txt").read_text().splitlines()
    bad = tmp_path / "sub-02_hypno_30s.txt"
    bad.write_text("\n".join(lines[:50] + ["N5"] + lines[51:]) + "\n")
    with pytest.raises(DataError, match="line 51: 'N5' is not a YASA stage"):
        read_yasa_hypnogram(bad)
    (tmp_path / "h.npz").write_bytes((YASA / "data_full_6hrs_100Hz_hypno.npz").read_bytes()[:4000])
    with pytest.raises(DataError, match="not a readable .npz"):
        read_yasa_hypno_npz(tmp_path / "h.npz")


# ---------------------------------------------------------------- CHB-MIT
CHB01_SEIZURES = {"chb01_03.edf": (2996, 3036), "chb01_04.edf": (1467, 1494), "chb01_15.edf": (1732, 1772),
                  "chb01_16.edf": (1015, 1066), "chb01_18.edf": (1720, 1810), "chb01_21.edf": (327, 420),
                  "chb01_26.edf": (1862, 1963)}
CHB_CHANNELS = ["FP1-F7", "F7-T7", "T7-P7", "P7-O1", "FP1-F3", "F3-C3", "C3-P3", "P3-O1", "FP2-F4", "F4-C4", "C4-P4",
                "P4-O2", "FP2-F8", "F8-T8", "T8-P8", "P8-O2", "FZ-CZ", "CZ-PZ", "P7-T7", "T7-FT9", "FT9-FT10",
                "FT10-T8", "T8-P8"]


def test_chbmit_summary():
    s = read_chbmit_summary(CHB01 / "chb01-summary.txt")
    assert s["sfreq"] == 256.0
    assert s["channels"] == CHB_CHANNELS                        # T8-P8 twice, as in the EDF headers
    files = s["files"]
    assert len(files) == 42 and files.file.is_unique
    assert files.iloc[0].tolist() == ["chb01_01.edf", "11:42:54", "12:42:54", 0]
    assert files.n_seizures.sum() == 7
    sz = s["seizures"]
    assert len(sz) == 7 and set(sz.description) == {"seizure"}
    got = {r.file: (r.onset, r.onset + r.duration) for r in sz.itertuples()}
    assert got == {k: (float(a), float(b)) for k, (a, b) in CHB01_SEIZURES.items()}
    assert set(files.loc[files.n_seizures > 0, "file"]) == set(CHB01_SEIZURES)


@pytest.mark.parametrize("edf", sorted(CHB01_SEIZURES))
def test_chbmit_seizures_files_agree_with_summary(edf):
    ann = read_chbmit_seizures_file(CHB01 / f"{edf}.seizures")
    summary = read_chbmit_summary(CHB01 / "chb01-summary.txt")["seizures"]
    expected = summary[summary.file == edf]
    assert len(ann) == len(expected) == 1
    assert ann.onset.tolist() == expected.onset.tolist() == [float(CHB01_SEIZURES[edf][0])]
    assert ann.duration.tolist() == expected.duration.tolist()
    assert ann.description.tolist() == ["seizure"]


def test_chbmit_corrupt(tmp_path):
    text = (CHB01 / "chb01-summary.txt").read_text()
    bad = tmp_path / "chb01-summary.txt"
    bad.write_text(text.replace("Seizure End Time: 1494 seconds\n", ""))
    with pytest.raises(DataError, match="seizure start in chb01_04.edf has no end time"):
        read_chbmit_summary(bad)
    bad.write_text(text[: text.index("Seizure Start Time: 327")])
    with pytest.raises(DataError, match="chb01_21.edf declares 1 seizures but lists 0"):
        read_chbmit_summary(bad)
    raw = (CHB01 / "chb01_03.edf.seizures").read_bytes()
    (tmp_path / "x.edf.seizures").write_bytes(raw[:40])
    with pytest.raises(DataError, match="not a readable WFDB annotation file"):
        read_chbmit_seizures_file(tmp_path / "x.edf.seizures")
    shutil.copy(CHB01 / "chb01-summary.txt", tmp_path / "y.edf.seizures")   # text, not WFDB
    with pytest.raises(DataError):
        read_chbmit_seizures_file(tmp_path / "y.edf.seizures")


# ---------------------------------------------------------------- HMS
def test_hms_labels():
    lab = read_hms_labels(HMS / "train.csv")
    assert len(lab) == 39 and list(lab.columns[:15]) == HMS_LABEL_COLUMNS
    by = lab.groupby("expert_consensus").eeg_id.agg(["count", "nunique"])
    assert by.to_dict("index") == {"GRDA": {"count": 33, "nunique": 1}, "Other": {"count": 6, "nunique": 2}}
    votes = lab.groupby("eeg_id")[[f"{c}_vote" for c in HMS_CLASSES]].first()
    assert votes.loc[736071630].tolist() == [0, 0, 0, 0, 6, 5]
    assert votes.loc[2224496146].tolist() == [0, 0, 0, 0, 0, 3]
    assert votes.loc[2125449393].tolist() == [0, 0, 0, 5, 0, 13]
    assert set(lab.n_votes) == {11, 3, 18}
    assert np.allclose(lab[[f"{c}_prob" for c in HMS_CLASSES]].sum(axis=1), 1.0)
    assert lab.lrda_prob[lab.eeg_id == 2125449393].eq(5 / 18).all()
    assert (lab.eeg_end_s - lab.eeg_start_s).eq(50).all() and (lab.spec_end_s - lab.spec_start_s).eq(600).all()
    assert lab.spec_end_s.max() == 1380.0 and (lab.patient_id == 2524).all()
    assert lab.groupby("eeg_id").spectrogram_sub_id.agg(["min", "max"]).loc[2125449393].tolist() == [35, 38]


def test_hms_spectrogram_and_label_windows():
    sg = read_hms_spectrogram(HMS / "train_spectrograms" / "1000189855.parquet")
    assert sg.shape == (690, 400) and sg.attrs["n_nan"] == 0
    assert sg.index[0] == 1.0 and sg.index[-1] == 1379.0 and (np.diff(sg.index) == 2).all()
    assert list(sg.columns.get_level_values("region").unique()) == ["LL", "RL", "LP", "RP"]
    freqs = sg["LL"].columns
    assert len(freqs) == 100 and freqs[0] == 0.59 and freqs[-1] == 19.92
    lab = read_hms_labels(HMS / "train.csv")
    # every 10-min label window lies within the spectrogram's time axis (rows are 2-s steps centred on odd s)
    assert (lab.spec_start_s >= 0).all() and lab.spec_end_s.max() <= sg.index[-1] + 1


def test_hms_corrupt(tmp_path):
    lines = (HMS / "train.csv").read_text().splitlines()
    row = lines[5].split(",")
    label_id = row[6]
    row[-6:] = ["0"] * 6
    (tmp_path / "train.csv").write_text("\n".join(lines[:5] + [",".join(row)] + lines[6:]) + "\n")
    with pytest.raises(DataError, match=f"zero votes \\(no target\\), first label_id {label_id}"):
        read_hms_labels(tmp_path / "train.csv")
    (tmp_path / "train.csv").write_text("\n".join(lines[:20] + [lines[20][:25]]) + "\n")
    with pytest.raises(DataError):
        read_hms_labels(tmp_path / "train.csv")
    df = pd.read_parquet(HMS / "train_spectrograms" / "1000189855.parquet").drop(columns=["RP_19.92"])
    df.to_parquet(tmp_path / "s.parquet")
    with pytest.raises(DataError, match="399 spectrogram columns"):
        read_hms_spectrogram(tmp_path / "s.parquet")


# ---------------------------------------------------------------- EEGMMI
# file: (T0, T1, T2) counts from SOURCE.md
EEGMMI_COUNTS = {"S001/S001R01.edf": (1, 0, 0), "S002/S002R01.edf": (1, 0, 0), "S002/S002R02.edf": (1, 0, 0),
                 "S001/S001R03.edf": (15, 8, 7), "S001/S001R04.edf": (15, 8, 7), "S001/S001R07.edf": (15, 8, 7),
                 "S001/S001R08.edf": (15, 8, 7), "S001/S001R11.edf": (15, 7, 8), "S001/S001R12.edf": (15, 7, 8)}


@pytest.mark.parametrize("rel", sorted(EEGMMI_COUNTS))
def test_eegmmi_events(rel):
    import mne
    a = mne.read_annotations(EEGMMI / rel)
    ann = make_annotations(a.onset, a.duration, a.description)
    run = int(rel[-6:-4])
    ev = eegmmi_events(ann, run)
    n0, n1, n2 = EEGMMI_COUNTS[rel]
    assert Counter(ev.code) == Counter({k: v for k, v in zip(("T0", "T1", "T2"), (n0, n1, n2)) if v})
    prefix = "imagined_" if EEGMMI_RUNS[run]["imagined"] else ""
    expected = {"rest": n0, f"{prefix}left_fist": n1, f"{prefix}right_fist": n2} if run > 2 else {"rest": 1}
    assert dict(Counter(ev.description)) == {k: v for k, v in expected.items() if v}
    assert run in (1, 2) or EEGMMI_RUNS[run]["task"].endswith("left_right_fist")
    if run > 2:                                                # events last 4.1-4.2 s and alternate with rest
        assert ev.duration.between(4.0, 4.3).all()
        assert (ev.description.iloc[::2] == "rest").all()


def test_eegmmi_wrong_run():
    import mne
    a = mne.read_annotations(EEGMMI / "S001" / "S001R03.edf")
    with pytest.raises(DataError, match="no meaning in run 1"):
        eegmmi_events(make_annotations(a.onset, a.duration, a.description), 1)
