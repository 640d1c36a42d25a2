"""Windows per second read the way training reads them: `TrainWindows` batches from `montage_loader` (shuffled,
one montage per batch, batch 64), with 0 and 2 worker processes, over a store of 10-s, 19-channel, 200-Hz windows.

    python benchmarks/bench_loader.py [N_READS]

The store is built once from the EEGMAT files (EEGNB_DATA, else ../shared/data, else the demo subset) with the
default pipeline. Reads are shuffled batches over all windows, epoch after epoch (`set_epoch`), until `N_READS`
(default 20,000) windows are read; single-window reads (`dataset[i]`) are uniformly random. Target: at least 5,000
windows/s on a 2-core machine. Writes benchmarks/results/loader.json; the summary line is last.
"""
from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from common import eegmat_dir, write_result

N_READS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
BATCH = 64


def main() -> None:
    warnings.simplefilter("ignore")
    from eegnb.preprocess.pipeline import PrepConfig
    from eegnb.store import open_store, prepare
    from eegnb.train.data import TrainWindows, montage_loader
    out = Path(tempfile.gettempdir()) / "eegnb-bench" / "loader-store"
    prepare(["eegmat"], out, config=PrepConfig(), data_dir=eegmat_dir(), n_workers=1, progress=False)
    store = open_store(out)
    ds = TrainWindows(store, label="label")
    n_chans, n_times = ds[0]["x"].shape
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(ds), N_READS)
    t0 = time.perf_counter()
    for i in idx:
        ds[int(i)]
    single = N_READS / (time.perf_counter() - t0)
    rates = {}
    for workers in (0, 2):
        loader = montage_loader(ds, BATCH, shuffle=True, seed=0, num_workers=workers)
        next(iter(loader))                                               # start the workers
        t0, n, epoch = time.perf_counter(), 0, 0
        while n < N_READS:
            loader.batch_sampler.set_epoch(epoch)
            for b in loader:
                n += len(b["x"])
                if n >= N_READS: break
            epoch += 1
        rates[workers] = n / (time.perf_counter() - t0)
    figures = {"store_windows": len(ds), "window_shape": [int(n_chans), int(n_times)], "reads": N_READS,
               "batch_size": BATCH, "dataset_getitem_per_s": single, "montage_loader_0_workers_per_s": rates[0],
               "montage_loader_2_workers_per_s": rates[2]}
    write_result("loader", figures,
                 f"loader: {single:,.0f} windows/s via TrainWindows[i], montage_loader(batch {BATCH}, shuffled) "
                 f"{rates[0]:,.0f}/s with 0 workers, {rates[2]:,.0f}/s with 2 workers ({n_chans} ch x {n_times} "
                 f"samples, {len(ds)} windows; target 5,000/s)")


if __name__ == "__main__":
    main()
