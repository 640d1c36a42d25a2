"""Random-access windows per second from the store (10-s, 19-channel, 200-Hz windows), with and without a
2-worker torch DataLoader.

    python benchmarks/bench_loader.py

The store is built once from the EEGMAT files (EEGNB_DATA, else ../shared/data, else the demo subset) with the
default pipeline. Reads are uniformly random over all windows (with replacement when the store is smaller than
the number of reads). Target: at least 5,000 windows/s on a 2-core machine. Writes
benchmarks/results/loader.json; the summary line is last.
"""
from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from common import eegmat_dir, write_result

N_READS = 20_000


def main() -> None:
    warnings.simplefilter("ignore")
    import torch
    from torch.utils.data import DataLoader, RandomSampler
    from eegnb.loaders import WindowDataset
    from eegnb.preprocess.pipeline import PrepConfig
    from eegnb.store import open_store, prepare
    out = Path(tempfile.gettempdir()) / "eegnb-bench" / "loader-store"
    prepare(["eegmat"], out, config=PrepConfig(), data_dir=eegmat_dir(), n_workers=1, progress=False)
    store = open_store(out)
    ds = WindowDataset(store, label="label")
    n_chans, n_times = ds[0][0].shape
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(ds), N_READS)
    t0 = time.perf_counter()
    for i in idx:
        x, y = ds[int(i)]
    single = N_READS / (time.perf_counter() - t0)
    rates = {}
    for workers in (0, 2):
        loader = DataLoader(ds, batch_size=64, sampler=RandomSampler(ds, replacement=True, num_samples=N_READS,
                            generator=torch.Generator().manual_seed(0)), num_workers=workers,
                            persistent_workers=workers > 0)
        next(iter(loader))                                               # start the workers
        t0, n = time.perf_counter(), 0
        for x, y in loader:
            n += len(x)
        rates[workers] = n / (time.perf_counter() - t0)
    figures = {"store_windows": len(ds), "window_shape": [int(n_chans), int(n_times)], "reads": N_READS,
               "dataset_getitem_per_s": single, "dataloader_0_workers_per_s": rates[0],
               "dataloader_2_workers_per_s": rates[2]}
    write_result("loader", figures,
                 f"loader: {single:,.0f} windows/s via Dataset[i], DataLoader(batch 64) {rates[0]:,.0f}/s with 0 workers, "
                 f"{rates[2]:,.0f}/s with 2 workers ({n_chans} ch x {n_times} samples, {len(ds)} windows; target 5,000/s)")


if __name__ == "__main__":
    main()
