"""Codec speed and size: every eegnb.compress codec on real EEGMAT windows, against the plain way (zstd / gzip on float32).

    python benchmarks/bench_compress.py

Windows: EEGMAT through the store with `PrepConfig()` defaults (10 s, 19 channels, 200 Hz, µV); the batch of 256
repeats the 205 EEGMAT windows to 256. For each codec: encode and decode milliseconds per window at batch 1 (median
of 5 windows) and batch 256 (one run), CPU, one thread; ratio (int16 bytes / whole stream, header included) and PRD
at batch 256 and at batch 1. Learned codecs use the weights the rate-distortion notebook cached
(`$TMPDIR/eegnb-compress-models`); without them an untrained net of the same architecture is timed (speed only,
its ratio/PRD are then reported as NaN). Ratios against the plain way: `speed_vs_zstd_f32` = zstd-float32 ms /
codec ms (encode + decode), `size_vs_zstd_f32` = codec ratio / zstd-float32 ratio.
Writes benchmarks/results/compress.json; the summary line is last.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from common import eegmat_dir, write_result

torch.set_num_threads(1)


def load_windows() -> tuple[np.ndarray, float]:
    from eegnb.preprocess.pipeline import PrepConfig
    from eegnb.store import open_store, prepare
    store = Path(os.environ.get("TMPDIR", "/tmp")) / "eegnb-compress-bench-store"
    prepare(["eegmat"], store, config=PrepConfig(), data_dir=eegmat_dir(), n_workers=1, progress=False)
    st = open_store(store)
    return st.read(np.arange(len(st))), float(st.sfreq)


def learned_codecs() -> dict:
    from eegnb.compress.learned import CodecNet, CodecNetConfig, GuardedVAECodec, LearnedCodec, load_codec_net
    model_dir = Path(os.environ.get("TMPDIR", "/tmp")) / "eegnb-compress-models"
    specs = {"conv-l4": CodecNetConfig("conv", latent_ch=4), "lstm-l4": CodecNetConfig("lstm", latent_ch=4),
             "transformer-l4": CodecNetConfig("transformer", latent_ch=4), "vae-l4": CodecNetConfig("vae", latent_ch=4),
             "multich-conv-l32": CodecNetConfig("conv", n_chans=19, latent_ch=32, width=64)}
    out = {}
    for name, cfg in specs.items():
        found = sorted(model_dir.glob(f"{name}-*.pt"), key=lambda p: p.stat().st_mtime)
        net, trained = (load_codec_net(found[-1]), True) if found else (CodecNet(cfg).eval(), False)
        out[f"learned-{name}"] = (LearnedCodec(net), trained)
        if name == "vae-l4": out["vae-guard-10"] = (GuardedVAECodec(net, prd_bound=10.0), trained)
    return out


def time_codec(codec, x, sfreq, repeats):
    enc, dec = [], []
    for _ in range(repeats):
        t = time.perf_counter(); s = codec.encode(x, sfreq); enc.append(time.perf_counter() - t)
        t = time.perf_counter(); y = codec.decode(s); dec.append(time.perf_counter() - t)
    return 1e3 * np.median(enc) / len(x), 1e3 * np.median(dec) / len(x), s, y


def main():
    from eegnb.compress import GzipCodec, LPCCodec, WaveletCodec, ZstdCodec, compression_ratio
    x, sfreq = load_windows()
    big = np.concatenate([x] * (256 // len(x) + 1))[:256]
    codecs = {"zstd-float32": (ZstdCodec(), True), "gzip-float32": (GzipCodec(), True),
              "zstd-int16-0.1uV": (ZstdCodec("int16", 0.1), True), "lpc-0.1uV": (LPCCodec(0.1), True),
              "wavelet-q60": (WaveletCodec(60), True), "wavelet-q40": (WaveletCodec(40), True), **learned_codecs()}
    for c, _ in codecs.values(): c.decode(c.encode(x[:2], sfreq))        # JIT and warm-up
    rows = {}
    for name, (codec, trained) in tqdm(codecs.items(), desc="codecs"):
        r = {"trained": trained}
        for b, xb, rep in ((1, None, 5), (256, big, 1)):
            if b == 1:
                e1, d1, ratios, prds = [], [], [], []
                for i in range(rep):
                    e, d, s, y = time_codec(codec, x[i:i + 1], sfreq, 1)
                    e1.append(e); d1.append(d); ratios.append(compression_ratio(x[i:i + 1].shape, s))
                    prds.append(100 * np.linalg.norm(y - x[i:i + 1]) / np.linalg.norm(x[i:i + 1]))
                r.update(enc_ms_b1=float(np.median(e1)), dec_ms_b1=float(np.median(d1)), ratio_b1=float(np.mean(ratios)),
                         prd_b1=float(np.mean(prds)))
            else:
                e, d, s, y = time_codec(codec, xb, sfreq, rep)
                r.update(enc_ms_b256=e, dec_ms_b256=d, ratio_b256=compression_ratio(xb.shape, s),
                         prd_b256=float(np.mean(100 * np.linalg.norm((y - xb).reshape(len(xb), -1), axis=1)
                                                / np.linalg.norm(xb.reshape(len(xb), -1), axis=1))))
        if not trained: r.update(ratio_b1=np.nan, prd_b1=np.nan, ratio_b256=np.nan, prd_b256=np.nan)
        rows[name] = r
    ref = rows["zstd-float32"]
    for r in rows.values():
        r["speed_vs_zstd_f32_b256"] = (ref["enc_ms_b256"] + ref["dec_ms_b256"]) / (r["enc_ms_b256"] + r["dec_ms_b256"])
        r["size_vs_zstd_f32_b256"] = r["ratio_b256"] / ref["ratio_b256"]
    for name, r in rows.items():
        print(f"{name:26s} b1 enc {r['enc_ms_b1']:8.2f} dec {r['dec_ms_b1']:8.2f} ms | b256 enc {r['enc_ms_b256']:8.2f} "
              f"dec {r['dec_ms_b256']:8.2f} ms/window | ratio {r['ratio_b256']:6.2f} (b1 {r['ratio_b1']:6.2f}) PRD {r['prd_b256']:6.2f}%")
    w = rows["wavelet-q40"]
    summary = (f"compress: {len(x)} EEGMAT windows 19x2000; zstd-f32 ratio {ref['ratio_b256']:.2f}, lpc lossless "
               f"{rows['lpc-0.1uV']['ratio_b256']:.2f}, wavelet-q40 {w['ratio_b256']:.1f} (PRD {w['prd_b256']:.1f}%), "
               f"conv AE {rows['learned-conv-l4']['ratio_b256']:.1f} (PRD {rows['learned-conv-l4']['prd_b256']:.1f}%); "
               f"conv AE encode {rows['learned-conv-l4']['enc_ms_b256']:.1f} ms/window at batch 256")
    write_result("compress", {"n_windows": len(x), "shape": list(x.shape[1:]), "sfreq": sfreq, "codecs": rows}, summary)


if __name__ == "__main__":
    main()
