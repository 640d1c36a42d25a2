"""benchmarks/make_corpus.py: its SYNTHETIC files sit at the real TUH EEG / TUSZ / Sleep-EDF / HMS paths, open in
MNE, and eegnb's real loaders read back the channel names, rates and labels that were written; a long record is
written in bounded memory. (The corpus is benchmark tooling: nothing here treats it as data.)"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import make_corpus as mc  # noqa: E402
from corpus_formats import SYNTHETIC_TAG  # noqa: E402

SEED = 0            # this seed's small plan has TUH trend channels, TUSZ seizures, SC and ST nights, 3 montages


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic_corpus")
    mc.main(["--hours", "0.5", "--out", str(root), "--seed", str(SEED), "--max-hours", "0.05", "--min-minutes", "2"])
    return root, json.loads((root / "manifest.json").read_text())


def _entries(man, layout):
    out = [e for e in man["records"] if e["layout"] == layout]
    assert out, f"no {layout} record"
    return out


def test_plan_heterogeneity_and_determinism():
    "A large plan (nothing written) spans the real corpora's rates, channel counts and record lengths; seeded."
    lays = ["tuh", "tusz", "sleep_edfx"]
    a = mc.plan(2000, lays, 1, 300, 72 * 3600)
    assert a == mc.plan(2000, lays, 1, 300, 72 * 3600)
    assert a != mc.plan(2000, lays, 2, 300, 72 * 3600)
    tuh = [r for r in a if r["layout"] in ("tuh", "tusz")]
    assert {r["sfreq"] for r in tuh} == {250, 256, 400, 512}
    n = [len(r["ch_names"]) for r in tuh]
    assert min(n) >= 20 and max(n) <= 40 and len(set(n)) > 10
    secs = np.array([r["seconds"] for r in a])
    assert secs.min() >= 300 and secs.max() <= 72 * 3600 and (secs > 24 * 3600).any()
    assert abs(sum(r["seconds"] for r in a) / 3600 - 2000) < 72          # within one long record of the request
    assert any(any(c.endswith("-LE") for c in r["ch_names"]) for r in tuh)
    assert any("IBI" in r["ch_names"] for r in tuh)                      # mixed-rate trend channels
    hms = mc.plan(2, ["hms"], 1, 300, 72 * 3600)
    assert all(50 <= r["seconds"] <= 3600 and r["sfreq"] == 200 for r in hms)
    assert abs(sum(r["seconds"] for r in hms) / 3600 - 2) < 0.02


def test_layout_paths_and_synthetic_marks(corpus):
    root, man = corpus
    assert man["synthetic"] is True and "SYNTHETIC" in (root / "README.txt").read_text()
    pats = {"tuh": r"edf/(zz[a-z]{6})/s\d{3}_\d{4}_\d\d_\d\d/(01_tcp_ar|02_tcp_le|03_tcp_ar_a)/\1_s\d{3}_t\d{3}\.edf",
            "tusz": r"edf/(train|dev|eval)/(zz[a-z]{6})/s\d{3}_\d{4}_\d\d_\d\d/(01_tcp_ar|02_tcp_le|03_tcp_ar_a)/\2_s\d{3}_t\d{3}\.edf",
            "sleep_edfx": r"(sleep-cassette/SC4\d{3}E0|sleep-telemetry/ST7\d{3}J0)-PSG\.edf",
            "hms": r"train_eegs/\d+\.parquet"}
    for e in man["records"]:
        assert re.fullmatch(pats[e["layout"]], e["path"]), e["path"]
        for f in e["files"]:
            assert (root / f).is_file()
            if f.endswith(".edf"):
                assert SYNTHETIC_TAG.encode() in (root / f).read_bytes()[:256]     # patient and recording fields
            if f.endswith((".csv", ".csv_bi")):
                assert SYNTHETIC_TAG in (root / f).read_text()
        if e["layout"] == "tusz":
            assert {Path(f).suffix for f in e["files"]} == {".edf", ".csv", ".csv_bi"}
        if e["layout"] == "sleep_edfx":
            hyp, psg = Path(e["files"][1]), Path(e["files"][0])
            assert hyp.parent == psg.parent and hyp.name[:7] == psg.name[:7]               # paired by 7-char prefix
            assert e["files"][1].endswith("-Hypnogram.edf")
    for ds in ("tuh_eeg", "tusz", "sleep_edfx", "hms_kaggle"):
        assert "SYNTHETIC" in (root / ds / "README.txt").read_text()
    assert (root / "hms_kaggle" / "train.csv").is_file()


def test_mne_opens_the_edfs(corpus):
    import mne
    root, man = corpus
    n = 0
    for e in man["records"]:
        if e["layout"] == "hms": continue
        raw = mne.io.read_raw_edf(root / e["files"][0], preload=False, verbose="error")
        assert raw.ch_names == e["ch_names"]
        assert raw.info["sfreq"] == e["sfreq"]
        assert raw.n_times == int(e["seconds"] * e["sfreq"])
        n += 1
        if e["layout"] == "sleep_edfx":
            ann = mne.read_annotations(root / e["files"][1])
            assert list(ann.description) == [s[2] for s in e["stages"]]
            assert np.allclose(ann.onset, [s[0] for s in e["stages"]])
            assert np.allclose(ann.duration, [s[1] for s in e["stages"]])
    assert n >= 6


def _load(ds, root, record):
    from eegnb.data.datasets import load_row, records
    df = records(ds, data_dir=root)
    row = df[df.record == record]
    assert len(row) == 1 and bool(row.present.iloc[0])
    return load_row(ds, row.iloc[0], root, verify=True)


@pytest.mark.parametrize("layout", ["tuh", "tusz"])
def test_tuh_loaders_read_names_rates_labels(corpus, layout):
    root, man = corpus
    ds = mc.LAYOUTS[layout]
    from eegnb.data.datasets import records
    assert set(records(ds, data_dir=root).query("present").record) == {e["record"] for e in _entries(man, layout)}
    entries = _entries(man, layout)
    if layout == "tusz":                                   # one with seizures, and a mixed-rate one if there is
        entries = [e for e in entries if e["events"]][:1] + [e for e in entries if "IBI" in e["ch_names"]][:1]
    for e in entries:
        rec = _load(ds, root, e["record"])
        assert rec.ch_names == e["ch_names"] and rec.sfreq == e["sfreq"]
        assert rec.duration == pytest.approx(e["seconds"])
        eeg = rec.data[[i for i, c in enumerate(rec.ch_names) if c.startswith("EEG ")]]
        assert 3 < np.median(np.abs(eeg - np.median(eeg, axis=1, keepdims=True))) < 100   # µV scale
        seiz = rec.annotations[rec.annotations.description == "seiz"]
        assert np.allclose(seiz.onset, [ev[0] for ev in e["events"]], atol=1e-4)
        assert np.allclose(seiz.duration, [ev[1] for ev in e["events"]], atol=1e-4)
        if layout == "tusz":
            assert set(rec.annotations.description) <= {"seiz", "bckg"}
            assert rec.annotations.duration.sum() == pytest.approx(e["seconds"])          # segments tile the file
    if layout == "tusz":
        assert any(e["events"] for e in entries)
    assert any("IBI" in e["ch_names"] for e in _entries(man, "tuh") + _entries(man, "tusz"))


def test_tusz_seizure_is_in_the_signal(corpus):
    "The known answer is in the samples too: the 3-Hz 'seizure' rhythm raises the power inside the labelled span."
    root, man = corpus
    e = next(e for e in _entries(man, "tusz") if e["events"])
    rec = _load("tusz", root, e["record"])
    on, dur = e["events"][0]
    i0, i1 = int(on * rec.sfreq), int((on + dur) * rec.sfreq)
    inside, outside = rec.data[:20, i0:i1].std(), np.delete(rec.data[:20], np.s_[i0:i1], axis=1).std()
    assert inside > 2 * outside


def test_sleep_edfx_loader_reads_psg_and_hypnogram(corpus):
    root, man = corpus
    kinds = set()
    for e in _entries(man, "sleep_edfx"):
        rec = _load("sleep_edfx", root, e["record"])
        kinds.add(e["kind"])
        assert rec.ch_names == ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"] and rec.sfreq == 100.0
        assert rec.duration == pytest.approx(e["seconds"])
        stages = rec.annotations
        kept = [s for s in e["stages"] if s[0] < e["seconds"]]
        assert list(stages.description) == [s[2] for s in kept]
        assert np.allclose(stages.onset, [s[0] for s in kept]) and np.allclose(stages.duration, [s[1] for s in kept])
        assert rec.provenance["hypnogram_clipped"]["dropped"] == 1                      # the 'Sleep stage ?' tail
    assert kinds == {"SC", "ST"}


def test_hms_loader_reads_eeg_and_votes(corpus):
    import pyarrow.parquet as pq
    root, man = corpus
    for e in _entries(man, "hms"):
        assert b"synthetic" in pq.read_schema(root / "hms_kaggle" / e["path"]).metadata
        rec = _load("hms_kaggle", root, e["record"])
        assert rec.ch_names == e["ch_names"] and rec.sfreq == 200.0 and rec.duration == pytest.approx(e["seconds"])
        rows = rec.labels["label_rows"]
        assert rec.labels["n_label_rows"] == e["n_label_rows"] == len(rows)
        assert (rows.eeg_end_s <= e["seconds"]).all() and (rows.n_votes > 0).all()
        votes = rows[[f"{c}_vote" for c in ("seizure", "lpd", "gpd", "lrda", "grda", "other")]].to_numpy()
        cons = [mc.HMS_CONSENSUS[i] for i in votes.argmax(axis=1)]
        assert list(rows.expert_consensus) == cons


_MEM_CHILD = textwrap.dedent("""
    import datetime as dt, json, resource, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import scipy.signal
    from corpus_formats import Signal, write_synthetic_edf
    hours, n_ch, sf = float(sys.argv[3]), 32, 512
    sigs = [Signal(f"EEG {i}-REF", sf) for i in range(n_ch)]
    def hwm():
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM"))
    write_synthetic_edf(sys.argv[2] + ".warm", sigs, record_duration=1.0, n_records=2,    # lazy imports done
                        start=dt.datetime(2000, 1, 1), rng=np.random.default_rng(0))
    try:
        with open("/proc/self/clear_refs", "w") as f: f.write("5")   # reset the peak (VmHWM) to the current RSS
    except OSError:
        print(json.dumps({"reset": False})); sys.exit(0)
    before = hwm()
    write_synthetic_edf(sys.argv[2], sigs, record_duration=1.0, n_records=int(hours * 3600),
                        start=dt.datetime(2000, 1, 1), rng=np.random.default_rng(0))
    peak = hwm()
    print(json.dumps({"before": before, "peak": peak,
                      "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
""")


def _write_long(tmp_path, hours):
    out = tmp_path / "long.edf"
    r = subprocess.run([sys.executable, "-c", _MEM_CHILD, str(REPO / "benchmarks"), str(out), str(hours)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    mem = json.loads(r.stdout.strip().splitlines()[-1])
    if not mem.get("reset", True):
        pytest.skip("this kernel does not let a process reset its peak RSS (/proc/self/clear_refs)")
    n = int(hours * 3600) * 512 * 32
    assert out.stat().st_size == 256 * 33 + 2 * n
    return mem, n


def test_long_record_memory_bounded_1h(tmp_path):
    "A 1-h 32-channel 512-Hz EDF (float32 array 236 MB) is written with < 120 MB above the interpreter's baseline."
    mem, n = _write_long(tmp_path, 1.0)
    print(f"1 h: peak {mem['peak'] / 2**20:.0f} MiB from {mem['before'] / 2**20:.0f} MiB before writing "
          f"(process lifetime peak {mem['ru_maxrss'] / 2**20:.0f} MiB); float32 array {4 * n / 2**20:.0f} MiB")
    assert mem["peak"] - mem["before"] < 120 * 2**20


@pytest.mark.slow
def test_long_record_memory_bounded_6h(tmp_path):
    "6 h at 32 channels and 512 Hz is a 1.4 GB float32 array; writing it peaks at the same small size as 1 h."
    mem, n = _write_long(tmp_path, 6.0)
    print(f"6 h: peak {mem['peak'] / 2**20:.0f} MiB from {mem['before'] / 2**20:.0f} MiB before writing; "
          f"float32 array {4 * n / 2**20:.0f} MiB")
    assert mem["peak"] - mem["before"] < 120 * 2**20 and mem["peak"] < 4 * n / 5
