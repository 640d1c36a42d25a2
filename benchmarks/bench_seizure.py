"""Seizure detection on CPU: inference throughput and scaling with window length.

    python benchmarks/bench_seizure.py [--quick]

1. Throughput, in hours of EEG per second of inference, of the three detectors of configs/seizure/chbmit.yaml on
   real seizure-free EEG (EEGMAT recordings converted to the 18 bipolar chains at 256 Hz), sliding 5-s windows with
   a 2.5-s step and stitching (`eegnb.train.records.predict_recording`), one thread: the `seizure_tcn_mamba`
   detector (small preset, untrained weights: the cost does not depend on them), braindecode EEGNetv4, and
   LightGBM on line length + band power (fitted on the CHB-MIT clips; feature time included).
2. Scaling with window length, 1, 4, 16 and 64 min at 256 Hz (960 ... 61 440 steps of 16 samples): one BiMamba
   layer (the detector's sequence path) against one `nn.TransformerEncoderLayer` of the same width (d_model 32,
   4 heads, PyTorch SDPA), batch 1, forward without gradient; and the whole small detector (18 chains) on the
   same lengths. Each point runs in a fresh subprocess; peak memory is the rise of the peak resident set during
   the forward over the resident set just before it (Linux: the peak, VmHWM, is reset through
   /proc/self/clear_refs before the forward; elsewhere a `ru_maxrss` delta, which misses rises below earlier
   peaks such as the import of torch). A point is skipped (and
   reported with its extrapolation from the previous one: time and memory linear for Mamba and the detector,
   quadratic for the transformer, whose SDPA on this CPU holds the L x L scores) when it would exceed 120 s or 6 GiB.

No GPU was used. Writes benchmarks/results/seizure.json; summary line last.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

from tqdm.auto import tqdm

from common import REPO, write_result

TIME_LIMIT_S = 120.0
MEM_LIMIT_MB = 6 * 1024                 # the machine has 23 GiB shared with other jobs
MINUTES = (1, 4, 16, 64)
SFREQ = 256
WIDTH, HEADS = 32, 4
DETECTOR_KW = {"d_model": 16, "d_edge": 4, "depth": 1, "tcn_widths": [8, 16, 16, 16]}

POINT = r"""
import json, resource, sys, time, torch
torch.set_num_threads(1)
kind, minutes = sys.argv[1], float(sys.argv[2])
L = int(minutes * 60 * 256 / 16)
torch.manual_seed(0)
if kind == "bimamba":
    from eegnb.models.mamba import BiMamba
    m = BiMamba({w}, d_state=4, expand=1).eval(); x = torch.randn(1, L, {w})
    f = lambda: m(x)
elif kind == "transformer":
    m = torch.nn.TransformerEncoderLayer({w}, {h}, dim_feedforward=2 * {w}, batch_first=True, dropout=0.0).eval()
    x = torch.randn(1, L, {w}); f = lambda: m(x)
else:
    from eegnb.models.seizure import SeizureDetector
    m = SeizureDetector(n_chans=18, n_times=L * 16, **{kw}).eval(); x = torch.randn(1, 18, L * 16) * 50
    f = lambda: m.forward_dense(x)
def status(key):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key))   # kB
try:
    open("/proc/self/clear_refs", "w").write("5"); how = "VmHWM reset"      # peak RSS := current RSS
except OSError:
    how = "ru_maxrss"
rss0, peak0 = status("VmRSS:"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with torch.no_grad():
    t0 = time.perf_counter(); y = f(); dt = time.perf_counter() - t0
peak1 = status("VmHWM:") if how == "VmHWM reset" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rise = (peak1 - rss0) if how == "VmHWM reset" else (peak1 - peak0)
print(json.dumps({{"seconds": dt, "peak_rise_mb": rise / 1024, "memory_method": how, "steps": L, "out": list(y.shape)}}))
"""


def run_point(kind: str, minutes: float) -> dict:
    code = POINT.format(w=WIDTH, h=HEADS, kw=repr(DETECTOR_KW))
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    try:
        p = subprocess.run([sys.executable, "-c", code, kind, str(minutes)], capture_output=True, text=True,
                           timeout=TIME_LIMIT_S * 2, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "limit_s": TIME_LIMIT_S * 2}
    if p.returncode != 0:
        return {"status": "failed", "stderr": p.stderr[-400:]}
    return {"status": "ok", **json.loads(p.stdout.strip().splitlines()[-1])}


def scaling() -> dict:
    out = {}
    growth_time = {"bimamba": 1, "detector": 1, "transformer": 2}          # exponent of the length ratio
    growth_mem = {"bimamba": 1, "detector": 1, "transformer": 2}           # measured: SDPA here stores L x L scores
    for kind in tqdm(("bimamba", "transformer", "detector"), desc="scaling"):
        prev = None
        for minutes in MINUTES:
            if prev is not None and prev["status"] == "ok":
                r = minutes / prev["minutes"]
                est_t = prev["seconds"] * r ** growth_time[kind]
                est_m = max(prev["peak_rise_mb"], 1.0) * r ** growth_mem[kind]
                if est_t > TIME_LIMIT_S or est_m > MEM_LIMIT_MB:
                    res = {"status": "skipped", "extrapolated_seconds": est_t, "extrapolated_peak_rise_mb": est_m,
                           "why": f"estimate over the limits ({TIME_LIMIT_S:.0f} s, {MEM_LIMIT_MB} MB)"}
                    out[f"{kind}_{minutes}min"] = {"minutes": minutes, **res}
                    prev = {**res, "status": "skipped"}
                    continue
            elif prev is not None:
                out[f"{kind}_{minutes}min"] = {"minutes": minutes, "status": "skipped",
                                               "why": f"the previous length was {prev['status']}"}
                continue
            res = {"minutes": minutes, **run_point(kind, minutes)}
            out[f"{kind}_{minutes}min"] = res
            prev = res
    return out


def throughput(quick: bool) -> dict:
    import numpy as np
    import torch
    from eegnb.models import create_model
    from eegnb.tasks.seizure import load_seizure_recordings
    from eegnb.train.records import fit_detector, model_probabilities, predict_recording
    torch.set_num_threads(1)
    data = os.environ.get("EEGNB_SHARED_DATA") or str(REPO.parent / "shared" / "data")
    recs = load_seizure_recordings("eegmat", data_dir=data)[: 2 if quick else 6]
    clips = load_seizure_recordings("chbmit_clips", data_dir=data)
    window, step = 1280, 640
    hours = sum(r.duration_s for r in recs) / 3600
    lgbm = fit_detector({"kind": "features", "params": {"n_estimators": 100, "num_leaves": 7}}, clips,
                        window=window, step=step)
    det = create_model("seizure_tcn_mamba", n_chans=18, n_outputs=2, n_times=window, **DETECTOR_KW).eval()
    eegnet = create_model("eegnetv4", n_chans=18, n_outputs=2, n_times=window, sfreq=256.0).eval()
    fns = {"detector": lambda xb: model_probabilities(det, xb, "dense"),
           "eegnetv4": lambda xb: model_probabilities(eegnet, xb, "window"),
           "lightgbm": lgbm.predict_windows}
    out = {"eeg_hours": hours, "n_recordings": len(recs), "window_s": window / 256, "step_s": step / 256}
    for name, fn in tqdm(fns.items(), desc="throughput"):
        predict_recording(fn, recs[0].x[:, :window * 4], window, step)            # warm-up
        t0 = time.perf_counter()
        for r in recs: predict_recording(fn, r.x, window, step)
        dt = time.perf_counter() - t0
        out[name] = {"seconds": dt, "eeg_hours_per_s": hours / dt}
    for name in ("detector", "eegnetv4"):
        out[name]["ratio_to_lightgbm"] = out[name]["eeg_hours_per_s"] / out["lightgbm"]["eeg_hours_per_s"]
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    quick = "--quick" in sys.argv
    tp = throughput(quick)
    sc = scaling()
    figures = {"throughput_cpu_1_thread": tp, "scaling": sc, "gpu": "none lent: CPU only",
               "memory_method": "peak RSS (VmHWM, reset via /proc/self/clear_refs) minus RSS before one forward, fresh subprocess per point",
               "limits": {"time_s": TIME_LIMIT_S, "memory_mb": MEM_LIMIT_MB}}
    def ratio(kind):
        a, b = sc.get(f"{kind}_1min", {}), sc.get(f"{kind}_16min", {})
        return b["seconds"] / a["seconds"] if a.get("status") == b.get("status") == "ok" else float("nan")
    figures["time_ratio_16min_over_1min"] = {k: ratio(k) for k in ("bimamba", "transformer", "detector")}
    fmt = lambda k: f"{sc[k]['seconds']:.2f} s" if sc[k].get("status") == "ok" else sc[k]["status"]
    summary = (f"seizure: EEG-h/s detector {tp['detector']['eeg_hours_per_s']:.3f}, eegnetv4 "
               f"{tp['eegnetv4']['eeg_hours_per_s']:.2f}, lightgbm {tp['lightgbm']['eeg_hours_per_s']:.2f}; "
               f"64 min: bimamba {fmt('bimamba_64min')}, transformer {fmt('transformer_64min')}, detector "
               f"{fmt('detector_64min')}; 16/1 min time ratio bimamba {figures['time_ratio_16min_over_1min']['bimamba']:.1f}, "
               f"transformer {figures['time_ratio_16min_over_1min']['transformer']:.1f} (CPU, 1 thread, no GPU)")
    write_result("seizure", figures, summary)


if __name__ == "__main__":
    main()
