"""HMS inference latency per 50-s window on this CPU: PyTorch eager vs ONNX Runtime fp32 vs ONNX Runtime dynamic
int8, batch 1 and 64, both models (raw-EEG ResNet1D-SE+BiGRU on (16, 10000), spectrogram EfficientNet-B0 on
(4, 100, 300)) at their default (CPU) sizes, one thread. Untrained weights: latency does not depend on them.

    python benchmarks/bench_hms.py [--repeats 5]
Writes benchmarks/results/hms.json; prints a summary line last."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import write_result  # noqa: E402
from eegnb.hms.export import export_onnx, onnx_parity, ort_session, quantize_int8  # noqa: E402
from eegnb.models.hms import HMSResNetGRU, HMSSpectrogramCNN  # noqa: E402


def _time(fn, repeats):
    fn()                                                               # warm-up
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def main(repeats: int = 5):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    models = {"hms_resnet_gru": (HMSResNetGRU().eval(), lambda n: (rng.normal(size=(n, 16, 10000)) * 30).astype(np.float32)),
              "hms_spectrogram_cnn": (HMSSpectrogramCNN().eval(), lambda n: rng.normal(size=(n, 4, 100, 300)).astype(np.float32))}
    tmp = Path(tempfile.mkdtemp())
    fig = {}
    jobs = [(m, b, how) for m in models for b in (1, 64) for how in ("eager", "onnx_fp32", "onnx_int8")]
    sessions = {}
    for name, (net, make) in models.items():
        X = make(64)
        p32 = export_onnx(net, X, tmp / f"{name}.onnx")
        p8 = quantize_int8(p32, tmp / f"{name}.int8.onnx")
        sessions[name] = {"onnx_fp32": ort_session(p32), "onnx_int8": ort_session(p8)}
        with torch.no_grad():
            ref = net(torch.from_numpy(X[:8])).numpy()
        q = sessions[name]["onnx_int8"].run(None, {"x": X[:8]})[0]
        fig[name] = {"parity_fp32_max_abs_logit_diff": onnx_parity(net, p32, X[:8]),
                     "int8_max_abs_logit_diff": float(np.abs(q - ref).max()),
                     "fp32_mb": p32.stat().st_size / 2**20, "int8_mb": p8.stat().st_size / 2**20,
                     "n_params": sum(p.numel() for p in net.parameters())}
    for name, batch, how in tqdm(jobs, desc="latency"):
        net, make = models[name]
        X = make(batch)
        if how == "eager":
            xt = torch.from_numpy(X)
            def fn():
                with torch.no_grad(): net(xt)
        else:
            s = sessions[name][how]
            fn = lambda: s.run(None, {"x": X})
        t = _time(fn, repeats if batch == 1 else max(2, repeats // 2))
        fig[name][f"{how}_b{batch}_ms_per_window"] = 1e3 * t / batch
        fig[name][f"{how}_b{batch}_windows_per_s"] = batch / t
    for name in models:
        f = fig[name]
        for b in (1, 64):
            f[f"speedup_fp32_vs_eager_b{b}"] = f[f"eager_b{b}_ms_per_window"] / f[f"onnx_fp32_b{b}_ms_per_window"]
            f[f"speedup_int8_vs_fp32_b{b}"] = f[f"onnx_fp32_b{b}_ms_per_window"] / f[f"onnx_int8_b{b}_ms_per_window"]
    fig["threads"] = 1
    fig["note"] = "median of repeats; one thread; default (CPU) model sizes; untrained weights; 2-core machine shared with other jobs"
    r, c = fig["hms_resnet_gru"], fig["hms_spectrogram_cnn"]
    summary = (f"hms latency ms/window b1|b64 - raw: eager {r['eager_b1_ms_per_window']:.1f}|{r['eager_b64_ms_per_window']:.1f}, "
               f"ort fp32 {r['onnx_fp32_b1_ms_per_window']:.1f}|{r['onnx_fp32_b64_ms_per_window']:.1f}, "
               f"int8 {r['onnx_int8_b1_ms_per_window']:.1f}|{r['onnx_int8_b64_ms_per_window']:.1f}; "
               f"spec: eager {c['eager_b1_ms_per_window']:.1f}|{c['eager_b64_ms_per_window']:.1f}, "
               f"ort fp32 {c['onnx_fp32_b1_ms_per_window']:.1f}|{c['onnx_fp32_b64_ms_per_window']:.1f}, "
               f"int8 {c['onnx_int8_b1_ms_per_window']:.1f}|{c['onnx_int8_b64_ms_per_window']:.1f}")
    write_result("hms", fig, summary)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    main(ap.parse_args().repeats)
