"""Peak memory preprocessing a 24-hour, 19-channel, 256-Hz EDF (generated), against MNE loading the same file.

    python benchmarks/bench_memory.py [--hours 24]

The EDF is synthetic (pink-ish noise plus a 10-Hz rhythm and 50-Hz mains, in µV, 16-bit) and is written once to
`$TMPDIR/eegnb-bench/`: it exists to measure memory, not to test any claim about EEG. Each side runs in its own
process and reports its peak resident set size (ru_maxrss): eegnb streams the file through
`iter_preprocess_edf` (band-pass 0.5-45 Hz, notch 50 Hz, resample to 200 Hz, 10-s windows, window quality);
MNE does `read_raw_edf(preload=True)` only, the first step of its pipeline. Target: eegnb under 2 GiB.
Writes benchmarks/results/memory.json; the summary line is last.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import write_result

CH = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8", "P7", "P3", "Pz", "P4", "P8", "O1", "O2"]
SF = 256


def make_edf(path: Path, hours: float) -> None:
    "Write a plain EDF, 1-s records, 19 EEG channels at 256 Hz, ±3276.7 µV in 0.1-µV steps, in chunks."
    n_rec, ns = int(hours * 3600), len(CH)
    def f(v, w): return str(v).ljust(w)[:w].encode("ascii")
    head = (f("0", 8) + f("X X X X", 80) + f("Startdate 01-JAN-2020 X X X", 80) + f("01.01.20", 8) + f("00.00.00", 8)
            + f(256 * (ns + 1), 8) + f("", 44) + f(n_rec, 8) + f(1, 8) + f(ns, 4))
    sig = b"".join([b"".join(f("EEG " + c, 16) for c in CH), b"".join(f("AgAgCl", 80) for _ in CH),
                    b"".join(f("uV", 8) for _ in CH), b"".join(f("-3276.8", 8) for _ in CH),
                    b"".join(f("3276.7", 8) for _ in CH), b"".join(f("-32768", 8) for _ in CH),
                    b"".join(f("32767", 8) for _ in CH), b"".join(f("", 80) for _ in CH),
                    b"".join(f(SF, 8) for _ in CH), b"".join(f("", 32) for _ in CH)])
    rng = np.random.default_rng(0)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write(head + sig)
        state = np.zeros(ns)
        for r0 in range(0, n_rec, 600):                                   # 10 minutes at a time
            k = min(600, n_rec - r0)
            t = (r0 * SF + np.arange(k * SF)) / SF
            white = rng.normal(0, 8, (ns, k * SF))
            brown = np.cumsum(white * 0.05, axis=1) + state[:, None]
            state = brown[:, -1] * 0.999
            x = white + brown * 0.2 + 20 * np.sin(2 * np.pi * 10 * t) + 5 * np.sin(2 * np.pi * 50 * t)
            d = np.clip(np.round(x * 10), -32768, 32767).astype("<i2")       # 0.1 µV per digital step
            fh.write(d.reshape(ns, k, SF).transpose(1, 0, 2).tobytes())
    tmp.replace(path)


def child(side: str, path: str) -> None:
    import resource
    t0 = time.perf_counter()
    if side == "eegnb":
        from eegnb.preprocess.pipeline import PrepConfig, iter_preprocess_edf
        cfg = PrepConfig(montage="native", notch=50.0, sfreq=200.0, window_s=10.0, quality=False)
        n = 0
        for w in iter_preprocess_edf(path, cfg, chunk_s=600):
            n += len(w)
        extra = {"windows": n}
    else:
        import mne
        raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
        extra = {"samples": int(raw.n_times)}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"peak_rss_bytes": peak, "seconds": time.perf_counter() - t0, **extra}))


def run_child(side: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", side, str(path)], capture_output=True, text=True,
                         cwd=Path(__file__).parent)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--hours", type=float, default=24.0)
    p.add_argument("--child", nargs=2)
    a = p.parse_args()
    if a.child:
        return child(*a.child)
    d = Path(tempfile.gettempdir()) / "eegnb-bench"
    d.mkdir(exist_ok=True)
    path = d / f"synthetic_{a.hours:g}h_19ch_256Hz.edf"
    if not path.exists():
        make_edf(path, a.hours)
    ours, theirs = run_child("eegnb", path), run_child("mne", path)
    gib = 1024 ** 3
    figures = {"hours": a.hours, "file_bytes": path.stat().st_size, "eegnb_peak_rss_gib": ours["peak_rss_bytes"] / gib,
               "eegnb_seconds": ours["seconds"], "windows": ours["windows"],
               "mne_read_peak_rss_gib": theirs["peak_rss_bytes"] / gib, "mne_read_seconds": theirs["seconds"]}
    summary = (f"memory: eegnb preprocesses a {a.hours:g}-h 19-ch 256-Hz EDF ({figures['file_bytes'] / gib:.2f} GiB) "
               f"at peak RSS {figures['eegnb_peak_rss_gib']:.2f} GiB in {ours['seconds']:.0f} s "
               f"({'under' if figures['eegnb_peak_rss_gib'] < 2 else 'OVER'} the 2 GiB target); "
               f"MNE read_raw_edf(preload) alone peaks at {figures['mne_read_peak_rss_gib']:.2f} GiB")
    write_result("memory", figures, summary)


if __name__ == "__main__":
    main()
