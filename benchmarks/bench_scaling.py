"""Scaling of `eegnb.store.prepare`: the same job on 1 and on 2 Dask workers (a local cluster, processes).

    python benchmarks/bench_scaling.py

Job: every EEGMAT file in the data directory (EEGNB_DATA, else ../shared/data, else the demo subset) through the
default pipeline (10-20 harmonization, 0.5-45 Hz, line-noise notch, 200 Hz, 10-s windows, quality flags) into a
fresh store. Wall time includes starting the cluster. Writes benchmarks/results/scaling.json; summary line last.
"""
from __future__ import annotations

import shutil
import tempfile
import time
import warnings
from pathlib import Path

from common import eegmat_dir, write_result


def run(n_workers: int, data: Path) -> tuple[float, int]:
    from eegnb.preprocess.pipeline import PrepConfig
    from eegnb.store import prepare
    out = Path(tempfile.mkdtemp(prefix=f"eegnb-scaling-{n_workers}-"))
    try:
        t0 = time.perf_counter()
        rep = prepare(["eegmat"], out, config=PrepConfig(), data_dir=data, n_workers=n_workers, progress=False)
        dt = time.perf_counter() - t0
        return dt, int(rep.summary()["windows"].sum())
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    warnings.simplefilter("ignore")
    data = eegmat_dir()
    run(1, data)                                                       # warm the page cache and imports
    t1, n1 = run(1, data)
    t2, n2 = run(2, data)
    assert n1 == n2, (n1, n2)
    figures = {"data_dir": str(data), "windows": n1, "wall_s_1_worker": t1, "wall_s_2_workers": t2, "speedup": t1 / t2}
    write_result("scaling", figures, f"scaling: prepare eegmat ({n1} windows) 1 worker {t1:.1f} s, 2 workers {t2:.1f} s "
                                     f"= {t1 / t2:.2f}x")


if __name__ == "__main__":
    main()
