"""Write a SYNTHETIC corpus in the public layouts of TUH EEG, TUSZ, Sleep-EDF Expanded and HMS, for scale and
memory benchmarks only.

    python benchmarks/make_corpus.py --hours N --out DIR [--seed S] [--layouts tuh,tusz,sleep_edfx,hms]
                                     [--min-minutes 5] [--max-hours 72]

NOTHING IT WRITES IS EEG DATA. Every EDF header says SYNTHETIC-NOT-EEG in its patient and recording fields, the TUH
label files say so in a comment, the HMS parquet files in their schema metadata, and README.txt files at the corpus
root and in each dataset folder say so. Never present these files, or numbers computed from their contents, as
results on the real corpora: they exist to give eegnb's real loaders files of the real layouts, names, rates and
sizes, so that indexing, reading, streaming and memory can be measured at scale.

The layout facts come from data_manifests/{tuh_eeg,tusz,sleep_edfx,hms_kaggle}.yaml and the shared data's SOURCE.md
files (the Sleep-EDF PSG header copies the one of the real SC4001E0 excerpt). Where the manifests are unsure
(TUEG's exact folder names, Sleep-EDF telemetry channels, TUH trend channels), the choice made is noted below.

`--hours N` EEG-hours are shared over the layouts (tuh 35 %, tusz 35 %, sleep_edfx 20 %, hms 10 %, renormalised
over those chosen) and drawn as records of 5 min to 72 h (70 % up to 1 h, 20 % 1-24 h, 10 % 24-72 h: a share of
long records), TUH files at 250/256/400/512 Hz with 20-40 TUH-named channels, some with 1-Hz trend channels
(mixed rates). The output is deterministic for a seed. DIR gets `manifest.json` (every file, its hours, rate,
channels and known-answer labels) and `README.txt`; use DIR as eegnb's data directory:
`eegnb.data.records("tusz", data_dir=DIR)`. The summary line is printed last.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_formats import (SYNTHETIC_TAG, TCP_MONTAGE, Signal, tuh_label_text, tuh_segments,  # noqa: E402
                            write_annotation_edf, write_synthetic_edf)

LAYOUTS = {"tuh": "tuh_eeg", "tusz": "tusz", "sleep_edfx": "sleep_edfx", "hms": "hms_kaggle"}
"CLI layout name -> eegnb dataset (and folder) name."
SHARES = {"tuh": 0.35, "tusz": 0.35, "sleep_edfx": 0.20, "hms": 0.10}
RATES, RATE_P = [250, 256, 400, 512], [0.45, 0.35, 0.1, 0.1]

README = f"""SYNTHETIC DATA - NOT EEG - FOR SCALE AND MEMORY BENCHMARKS ONLY ({SYNTHETIC_TAG})

Every file under this folder was written by eegnb's benchmarks/make_corpus.py from seeded random noise
(a 1/f-like spectrum plus a 10-Hz rhythm; TUSZ-layout 'seizures' are an added 3-Hz rhythm at the times the
.csv_bi files give). The folders copy the public layouts of TUH EEG (tuh_eeg/), TUSZ (tusz/), Sleep-EDF
Expanded (sleep_edfx/) and the Kaggle HMS competition (hms_kaggle/) so that eegnb's real loaders can read
them, but no file holds any recording of any person, and no label means anything clinically.
Do not present these files, or any number computed from their contents, as data or results.
manifest.json lists every file with its duration, sampling rate, channels and the labels written into it.
"""

# TUH referential labels in a typical file order: 10-20 electrodes, then the extra ones real files carry.
TUH_1020 = ["FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T3", "T4", "T5", "T6",
            "A1", "A2", "FZ", "CZ", "PZ"]
TUH_EXTRA = ["ROC", "LOC", "EKG1", "T1", "T2", "26", "27", "28", "29", "30", "31", "32", "SP1", "SP2", "OZ",
             "X1", "X2", "RESP1"]
# Trend channels at 1 Hz that some TUH files carry beside the EEG (so mixed sampling rates in one EDF); as
# generally reported for TUH files, not checked against a real one here.
TUH_TRENDS = ["IBI", "BURSTS", "SUPPR"]
MONTAGES = {"01_tcp_ar": "REF", "02_tcp_le": "LE", "03_tcp_ar_a": "REF"}   # 03_tcp_ar_a lacks A1/A2

# Sleep-EDF SC PSG signals, header fields copied from the real SC4001E0 excerpt (30-s records, 100 Hz and 1 Hz).
SC_SIGNALS = [Signal("EEG Fpz-Cz", 3000, "uV", -192, 192, -2048, 2047, "Ag-AgCl electrodes", "HP:0.5Hz LP:100Hz [enhanced cassette BW]"),
              Signal("EEG Pz-Oz", 3000, "uV", -197, 196, -2048, 2047, "Ag-AgCl electrodes", "HP:0.5Hz LP:100Hz [enhanced cassette BW]"),
              Signal("EOG horizontal", 3000, "uV", -1009, 1009, -2048, 2047, "Ag-AgCl electrodes", "HP:0.5Hz LP:100Hz [enhanced cassette BW]"),
              Signal("Resp oro-nasal", 30, "", -2048, 2047, -2048, 2047, "Oral-nasal thermistors", "HP:0.03Hz LP:0.9Hz"),
              Signal("EMG submental", 30, "uV", -5, 5, -2500, 2500, "Ag-AgCl electrodes", "HP:16Hz Rectification LP:0.7Hz"),
              Signal("Temp rectal", 30, "DegC", 34, 40, -2849, 2731, "Rectal thermistor", ""),
              Signal("Event marker", 30, "", -2047, 2048, -2047, 2048, "Marker button", "Hold during 2 seconds")]
# Sleep-EDF ST PSGs: the manifest has not checked their channels; assumed EEG/EOG/EMG at 100 Hz + a 1-Hz marker.
ST_SIGNALS = SC_SIGNALS[:3] + [Signal("EMG submental", 3000, "uV", -300, 300, -2048, 2047, "Ag-AgCl electrodes", ""),
                               Signal("Event marker", 30, "", -2047, 2048, -2047, 2048, "Marker button", "")]
SLEEP_STAGES = ["Sleep stage W", "Sleep stage 1", "Sleep stage 2", "Sleep stage 3", "Sleep stage 4", "Sleep stage R",
                "Movement time"]
HMS_COLUMNS = ["Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1", "Fz", "Cz", "Pz", "Fp2", "F4", "C4", "P4", "F8",
               "T4", "T6", "O2", "EKG"]
HMS_CONSENSUS = ["Seizure", "LPD", "GPD", "LRDA", "GRDA", "Other"]


def draw_durations(rng, budget_s: float, min_s: float, max_s: float, step: float) -> list[float]:
    """Record lengths (s, multiples of `step`) summing to at most `budget_s`: 70 % log-uniform 5 min-1 h,
    20 % 1-24 h, 10 % 24-72 h, clipped to [min_s, max_s]; the last takes what is left if that is >= min_s."""
    out, left = [], budget_s
    while left >= min_s or not out:
        lo, hi = [(300, 3600), (3600, 86400), (86400, 259200)][rng.choice(3, p=[0.7, 0.2, 0.1])]
        d = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        d = min(max(d, min_s), max_s, max(left, min_s))
        d = max(step, step * round(d / step))
        out.append(d); left -= d
    if 0 < left < min_s and out[-1] + left <= max_s:      # fold a remainder too short for a record into the last one
        out[-1] = step * round((out[-1] + left) / step)
    return out


def _patient(i: int) -> str:
    "Synthetic 8-letter TUH-style patient ids, 'zz' first so they never collide with real ones (aaaa...)."
    s = ""
    for _ in range(6): i, r = divmod(i, 26); s = chr(97 + r) + s
    return "zz" + s


def plan_tuh(layout: str, rng, durations: list[float]) -> list[dict]:
    "Patients, sessions, tokens, montage, rate and channels of each TUH/TUSZ record."
    recs, pat, ses, tok, cfg = [], -1, 0, 0, None
    for d in durations:
        step = "patient" if pat < 0 else rng.choice(["token", "session", "patient"], p=[0.4, 0.3, 0.3])
        if step == "patient": pat, ses, tok = pat + 1, 1, 0
        elif step == "session": ses, tok = ses + 1, 0
        else: tok += 1
        if step != "token":          # one montage, rate and channel set per session
            montage = rng.choice(list(MONTAGES), p=[0.6, 0.25, 0.15])
            date = dt.date(2002, 1, 1) + dt.timedelta(days=int(rng.integers(0, 15 * 365)))
            n_ch = int(rng.integers(20, 41))
            trends = bool(rng.random() < 0.3)
            split = str(rng.choice(["train", "dev", "eval"], p=[0.6, 0.25, 0.15])) if step == "patient" else cfg["split"]
            cfg = dict(montage=montage, date=date, sfreq=int(rng.choice(RATES, p=RATE_P)), n_ch=n_ch, trends=trends,
                       split=split)                       # TUSZ splits are patient-disjoint
        p = _patient(pat)
        name = f"{p}_s{ses:03d}_t{tok:03d}"
        sess = f"s{ses:03d}_{cfg['date']:%Y_%m_%d}"
        ref = MONTAGES[cfg["montage"]]
        pool = [e for e in TUH_1020 if not (cfg["montage"] == "03_tcp_ar_a" and e in ("A1", "A2"))] + TUH_EXTRA
        n_fast = cfg["n_ch"] - (len(TUH_TRENDS) if cfg["trends"] else 0)
        chans = [f"EEG {e}-{ref}" for e in pool[:n_fast - 2]] + [f"EMG-{ref}", f"PHOTIC-{ref}"]
        folder = f"edf/{cfg['split']}/{p}/{sess}/{cfg['montage']}" if layout == "tusz" else f"edf/{p}/{sess}/{cfg['montage']}"
        events = []
        if layout == "tusz" and rng.random() < 0.4:         # TUSZ files with seizures: 1-3 events of 10-120 s
            for _ in range(int(rng.integers(1, 4))):
                dur = float(rng.uniform(10, min(120, d / 4)))
                onset = float(np.round(rng.uniform(0, d - dur), 4)); dur = float(np.round(dur, 4))
                if all(onset + dur + 5 < a or b + 5 < onset for a, b in ((e[0], e[0] + e[1]) for e in events)):
                    events.append((onset, dur))
            events.sort()
        recs.append(dict(layout=layout, dataset=LAYOUTS[layout], record=name, path=f"{folder}/{name}.edf",
                         seconds=d, sfreq=cfg["sfreq"], ch_names=chans + (TUH_TRENDS if cfg["trends"] else []),
                         start=dt.datetime.combine(cfg["date"], dt.time(9, 0)), events=events,
                         seizure_type=str(rng.choice(["fnsz", "gnsz", "cpsz", "absz", "tcsz"]))))
    return recs


def plan_sleep(rng, durations: list[float], taken: set[str]) -> list[dict]:
    "Sleep-EDF names SC4ssNE0 / ST7ssNJ0 not used by the real database (subjects counted down from 99)."
    free = {k: [f"{pre}{ss:02d}{n}" for ss in range(99, -1, -1) for n in range(1, 10)
                if not any(t.startswith(f"{folder}/{pre}{ss:02d}{n}") for t in taken)]
            for k, (pre, folder) in {"SC": ("SC4", "sleep-cassette"), "ST": ("ST7", "sleep-telemetry")}.items()}
    recs = []
    for d in durations:
        kind = "SC" if rng.random() < 0.75 or not free["ST"] else "ST"
        key = free[kind].pop(0)
        folder = "sleep-cassette" if kind == "SC" else "sleep-telemetry"
        psg = f"{key}{'E0' if kind == 'SC' else 'J0'}"
        hyp = f"{key}{'E' if kind == 'SC' else 'J'}{rng.choice(list('CHJP'))}"
        stages, t = [], 0.0
        while t < d:
            run = min(30.0 * int(rng.integers(1, 40)), d - t)
            stages.append((t, run, SLEEP_STAGES[int(rng.choice(7, p=[0.25, 0.1, 0.3, 0.08, 0.07, 0.15, 0.05]))]))
            t += run
        stages.append((d, 30.0 * int(rng.integers(10, 240)), "Sleep stage ?"))   # as real ones, past the PSG end
        recs.append(dict(layout="sleep_edfx", dataset="sleep_edfx", record=psg, path=f"{folder}/{psg}-PSG.edf",
                         hypnogram=f"{folder}/{hyp}-Hypnogram.edf", seconds=d, sfreq=100,
                         ch_names=[s.label for s in (SC_SIGNALS if kind == "SC" else ST_SIGNALS)], kind=kind,
                         start=dt.datetime(1990, 1, 1, 16, 0) + dt.timedelta(days=int(rng.integers(0, 1500))),
                         stages=stages))
    return recs


def plan_hms(rng, budget_s: float, max_s: float) -> list[dict]:
    "HMS EEGs of 50 s to 1 h at 200 Hz, each with label rows every 2-10 s (50-s windows)."
    recs, left, ids = [], budget_s, set()
    while left >= 50 or not recs:
        d = float(min(max(50, int(np.exp(rng.uniform(np.log(50), np.log(3600))))), max(left, 50), max(max_s, 50)))
        eeg_id = int(rng.integers(10**8, 4 * 10**9))
        if eeg_id in ids: continue
        ids.add(eeg_id)
        offsets, o = [], 0.0
        while o + 50 <= d:
            offsets.append(o); o += float(rng.integers(1, 6)) * 2
        rows = []
        spec, patient = int(rng.integers(10**8, 4 * 10**9)), int(rng.integers(1, 65000))
        for sub, off in enumerate(offsets):
            votes = rng.multinomial(int(rng.integers(1, 20)), rng.dirichlet(np.ones(6) * 0.5))
            rows.append(dict(eeg_id=eeg_id, eeg_sub_id=sub, eeg_label_offset_seconds=off, spectrogram_id=spec,
                             spectrogram_sub_id=sub, spectrogram_label_offset_seconds=off,
                             label_id=int(rng.integers(10**8, 4 * 10**9)), patient_id=patient,
                             expert_consensus=HMS_CONSENSUS[int(np.argmax(votes))],
                             **{f"{c}_vote": int(v) for c, v in zip(["seizure", "lpd", "gpd", "lrda", "grda", "other"], votes)}))
        recs.append(dict(layout="hms", dataset="hms_kaggle", record=str(eeg_id), path=f"train_eegs/{eeg_id}.parquet",
                         seconds=d, sfreq=200, ch_names=HMS_COLUMNS, label_rows=rows))
        left -= d
    return recs


def plan(hours: float, layouts: list[str], seed: int, min_s: float, max_s: float) -> list[dict]:
    "Every record to write, deterministic for `seed`."
    rng = np.random.default_rng(seed)
    share = {k: SHARES[k] / sum(SHARES[l] for l in layouts) for k in layouts}
    out = []
    for lay in layouts:
        budget = hours * 3600 * share[lay]
        if lay in ("tuh", "tusz"):
            out += plan_tuh(lay, rng, draw_durations(rng, budget, min_s, max_s, 1.0))
        elif lay == "sleep_edfx":
            from eegnb.data.manifest import load_manifest
            taken = set(load_manifest("sleep_edfx").files.path)
            out += plan_sleep(rng, draw_durations(rng, budget, max(min_s, 30.0), max_s, 30.0), taken)
        else:
            out += plan_hms(rng, budget, max_s)
    return out


def write_record(r: dict, root: Path, seed: int, idx: int, progress) -> list[str]:
    "Write one planned record (and its label files); return the paths written, relative to `root`."
    rng = np.random.default_rng([seed, idx])
    ds = root / r["dataset"]
    path = ds / r["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    if r["layout"] in ("tuh", "tusz"):
        sf = r["sfreq"]
        sigs = [Signal(c, sf, "uV") for c in r["ch_names"] if c not in TUH_TRENDS]
        sigs += [Signal(c, 1, "", -1000, 1000, -32767, 32767) for c in r["ch_names"] if c in TUH_TRENDS]
        n_rec = int(r["seconds"])
        write_synthetic_edf(path, sigs, record_duration=1.0, n_records=n_rec, start=r["start"], rng=rng,
                            events=r["events"], progress=progress)
        files = [path]
        if r["layout"] == "tusz":
            segs = tuh_segments(r["seconds"], r["events"])
            bi = [("TERM", a, b, lab) for a, b, lab in segs]
            per_ch = [(ch, a, b, r["seizure_type"] if lab == "seiz" else lab) for ch in TCP_MONTAGE for a, b, lab in segs]
            for suffix, rows in ((".csv_bi", bi), (".csv", per_ch)):
                p = path.with_suffix(suffix)
                p.write_text(tuh_label_text(r["record"], r["seconds"], rows)); files.append(p)
    elif r["layout"] == "sleep_edfx":
        sigs = SC_SIGNALS if r["kind"] == "SC" else ST_SIGNALS
        write_synthetic_edf(path, sigs, record_duration=30.0, n_records=int(r["seconds"] // 30), start=r["start"],
                            rng=rng, progress=progress)
        hyp = ds / r["hypnogram"]
        write_annotation_edf(hyp, r["stages"], start=r["start"])
        files = [path, hyp]
    else:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq
        from corpus_formats import NoiseSource
        n = int(r["seconds"] * 200)
        x = NoiseSource(20, 200.0, rng).read(n).astype(np.float32)
        x[-1] *= 10                                                                  # EKG column larger
        table = pa.Table.from_pandas(pd.DataFrame(dict(zip(HMS_COLUMNS, x))), preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"synthetic": README.splitlines()[0].encode()})
        pq.write_table(table, path)
        progress(r["seconds"])
        files = [path]
    return [p.relative_to(root).as_posix() for p in files]


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hours", type=float, required=True, help="EEG-hours to write in all (shared over the layouts)")
    p.add_argument("--out", type=Path, required=True, help="corpus root (becomes an eegnb data directory)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--layouts", default="tuh,tusz,sleep_edfx,hms")
    p.add_argument("--min-minutes", type=float, default=5.0, help="shortest record (min)")
    p.add_argument("--max-hours", type=float, default=72.0, help="longest record (h)")
    a = p.parse_args(argv)
    layouts = [l.strip() for l in a.layouts.split(",") if l.strip()]
    bad = [l for l in layouts if l not in LAYOUTS]
    if bad: p.error(f"unknown layouts {bad}; choose from {', '.join(LAYOUTS)}")
    from tqdm.auto import tqdm
    t0 = time.perf_counter()
    recs = plan(a.hours, layouts, a.seed, a.min_minutes * 60, a.max_hours * 3600)
    root = a.out
    root.mkdir(parents=True, exist_ok=True)
    (root / "README.txt").write_text(README)
    for lay in layouts: (root / LAYOUTS[lay]).mkdir(exist_ok=True); (root / LAYOUTS[lay] / "README.txt").write_text(README)
    total = sum(r["seconds"] for r in recs)
    entries = []
    with tqdm(total=total / 3600, unit="EEG-h", desc="synthetic corpus", file=sys.stderr,
              bar_format="{l_bar}{bar}| {n:.2f}/{total:.2f} EEG-h [{elapsed}<{remaining}]") as bar:
        def progress(s): bar.update(min(s / 3600, bar.total - bar.n))
        for i, r in enumerate(recs):
            files = write_record(r, root, a.seed, i, progress)
            e = {k: v for k, v in r.items() if k not in ("start", "label_rows")}
            e.update(files=files, hours=r["seconds"] / 3600, n_channels=len(r["ch_names"]),
                     bytes=sum((root / f).stat().st_size for f in files), start=r["start"].isoformat() if "start" in r else None)
            if "label_rows" in r: e["n_label_rows"] = len(r["label_rows"])
            entries.append(e)
    if "hms" in layouts:
        import pandas as pd
        rows = [row for r in recs if r["layout"] == "hms" for row in r["label_rows"]]
        pd.DataFrame(rows).to_csv(root / "hms_kaggle" / "train.csv", index=False)
    summary = {"synthetic": True, "warning": README.splitlines()[0], "generator": "benchmarks/make_corpus.py",
               "seed": a.seed, "hours_requested": a.hours, "hours_written": total / 3600, "layouts": layouts,
               "min_minutes": a.min_minutes, "max_hours": a.max_hours,
               "by_layout": {l: {"records": sum(e["layout"] == l for e in entries),
                                 "hours": sum(e["hours"] for e in entries if e["layout"] == l)} for l in layouts},
               "rates": sorted({e["sfreq"] for e in entries}), "records": entries}
    (root / "manifest.json").write_text(json.dumps(summary, indent=1))
    gib = sum(e["bytes"] for e in entries) / 1024 ** 3
    print(f"make_corpus: wrote {len(entries)} SYNTHETIC records ({total / 3600:.2f} EEG-h, {gib:.2f} GiB) in "
          f"{len(layouts)} layouts to {root} in {time.perf_counter() - t0:.1f} s (benchmarks only, not data)")
    return summary


if __name__ == "__main__":
    main()
