"""The window store end to end: prepare on real data, resume after SIGKILL, and read it back through the loaders."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import DEMO, REPO, SHARED, needs_shared
from eegnb.preprocess.pipeline import PrepConfig, preprocess
from eegnb.store import open_store, prepare, store_key, write_windows


def summary_counts(stdout: str) -> dict[str, int]:
    "The totals line of `eegnb prepare`: written, skipped, rejected, failed, windows."
    m = re.search(r"written (\d+), skipped (\d+) \(already done\), rejected (\d+), failed (\d+); (\d+) windows", stdout)
    assert m, stdout
    return dict(zip(["written", "skipped", "rejected", "failed", "windows"], map(int, m.groups())))


def all_windows(store) -> dict[str, np.ndarray]:
    "Every window of the store, per record key (reads every shard the index names)."
    out = {}
    for key, rows in store.index.groupby("key").groups.items():
        x, idx = store.get_batch(np.asarray(rows))
        assert x.shape[0] == len(idx) and np.isfinite(x).all()
        out[key] = x
    return out


def test_prepare_demo_end_to_end(tmp_path):
    from distributed import LocalCluster
    from eegnb.data import load
    config = PrepConfig()
    rep = prepare(["eegmat"], tmp_path, config=config, data_dir=DEMO, n_workers=1, progress=False)
    s = rep.summary().loc["eegmat"]
    assert s.failed == 0 and s.written + s.rejected == 8, rep.table
    store = open_store(tmp_path)
    assert len(store) == s.windows == rep.table.n_windows.sum() > 0
    assert set(store.index.config_hash) == {config.hash()}
    # the stored windows are exactly what preprocess gives for that record
    key = store.index.key.iloc[0]
    rec = load("eegmat", store.index.record.iloc[0], data_dir=DEMO)
    want = preprocess(rec, config)
    got, rows = store.get_batch(np.flatnonzero(store.index.key == key))
    np.testing.assert_array_equal(got, want.data)
    np.testing.assert_allclose(rows.start_s, want.table.start_s)
    # a rerun on a cluster given by address (the same code path) finds everything done
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        again = prepare(["eegmat"], tmp_path, config=config, data_dir=DEMO, scheduler=cluster.scheduler_address,
                        progress=False)
    s2 = again.summary().loc["eegmat"]
    assert (s2.written, s2.skipped, s2.windows) == (0, s.written, s.windows)


def cli_prepare(out: Path, datasets: list[str], *extra: str, popen: bool = False):
    args = [sys.executable, "-m", "eegnb.cli", "prepare", *sum((["--dataset", d] for d in datasets), []),
            "--out", str(out), "--data-dir", str(SHARED), *extra]
    if popen:
        return subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)


def index_parts(out: Path) -> list[str]:
    "Keys of the finished records: index parts, not the `.tmp-*` files a write in progress has."
    return sorted(q.stem for q in (out / "index").glob("*.parquet") if not q.name.startswith("."))


KILL_DATASETS = ["eegmat", "chbmit_clips", "bonn", "guinea_bissau"]
KILL_ARGS = ("--workers", "2", "--limit", "12")


def kill_when(out: Path, n_parts: int) -> tuple[list[str], list[str]]:
    """Start `eegnb prepare` into `out` and SIGKILL its whole process group (driver and Dask workers) as soon
    as `out` holds `n_parts` finished records; check what readers then see. Returns (finished keys, leftovers)."""
    p = cli_prepare(out, KILL_DATASETS, *KILL_ARGS, popen=True)
    deadline = time.time() + 300
    while len(index_parts(out)) < n_parts:
        assert p.poll() is None, f"prepare ended before {n_parts} records were written: {p.communicate()}"
        assert time.time() < deadline, f"fewer than {n_parts} index parts within 300 s"
        time.sleep(0.005)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    for _ in range(100):                                   # nothing of the killed run is left running
        try: os.killpg(p.pid, 0)
        except ProcessLookupError: break
        time.sleep(0.05)
    else:
        pytest.fail("processes of the killed prepare are still running")
    finished = index_parts(out)
    leftovers = sorted(q.name for q in out.rglob(".tmp-*"))
    orphans = sorted({q.stem for q in (out / "shards").glob("*.zarr") if not q.name.startswith(".")} - set(finished))
    print(f"killed with {len(finished)} records finished; leftovers {leftovers}; shards without index part {orphans}")
    store = open_store(out)                                # every visible part has a complete, readable shard
    assert sorted(store.shards.key) == finished
    all_windows(store)
    return finished, leftovers


@needs_shared
@pytest.mark.shared
def test_sigkill_mid_prepare_then_resume(tmp_path):
    """SIGKILL `eegnb prepare` once the first record is complete, and its rerun again a few records later:
    readers never see a partial record, the final rerun skips what was finished, and the store equals a
    clean run's."""
    out = tmp_path / "killed"
    first, _ = kill_when(out, 1)
    second, _ = kill_when(out, len(first) + 4)             # the resumed run, killed in turn
    assert set(first) <= set(second)

    r = cli_prepare(out, KILL_DATASETS, *KILL_ARGS)
    assert r.returncode == 0, r.stdout + r.stderr
    resumed = summary_counts(r.stdout)
    assert resumed["skipped"] == len(second) and resumed["failed"] == 0, r.stdout
    assert not list(out.rglob(".tmp-*")) and not (out / ".prepare.lock").exists()

    clean = tmp_path / "clean"
    r = cli_prepare(clean, KILL_DATASETS, *KILL_ARGS)
    assert r.returncode == 0, r.stdout + r.stderr
    fresh = summary_counts(r.stdout)
    assert fresh["skipped"] == 0
    assert (resumed["written"] + resumed["skipped"], resumed["rejected"], resumed["windows"]) == \
           (fresh["written"], fresh["rejected"], fresh["windows"])
    a, b = open_store(out), open_store(clean)
    pd.testing.assert_series_equal(a.index.groupby("dataset").size(), b.index.groupby("dataset").size())
    cols = ["key", "i", "start_s", "stop_s", "label"]
    pd.testing.assert_frame_equal(a.index[cols], b.index[cols])
    wa, wb = all_windows(a), all_windows(b)
    assert wa.keys() == wb.keys() and all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert sorted(q.stem for q in (out / "shards").glob("*.zarr")) == sorted(a.shards.key)   # orphans replaced


def test_loader_throughput(tmp_path):
    """Read a store through `WindowDataModule` (TrainWindows + montage_loader, the path training uses) with 0 and 2
    worker processes: training batches hold training subjects only, every training window comes once per epoch, and
    a site split tests on that site alone (prints windows/s; no timing assert)."""
    import torch
    from eegnb.preprocess.windows import Windows
    from eegnb.train.data import WindowDataModule
    n_chans, n_times, per = 19, 1000, 40
    rng = np.random.default_rng(0)
    for s in range(10):
        table = pd.DataFrame({"start_s": np.arange(per) * 5.0, "stop_s": np.arange(per) * 5.0 + 5.0,
                              "label": rng.choice(["rest", "task"], per)})
        data = rng.standard_normal((per, n_chans, n_times)).astype(np.float32)
        data[:, 0, 0] = s                                    # which record a window came from
        write_windows(tmp_path, store_key("toy", f"S{s}"), Windows(data, 200.0, [f"C{i}" for i in range(n_chans)],
                      table, dict(dataset="toy", record=f"S{s}", subject=f"S{s}", site="north" if s < 5 else "south")),
                      config_hash="h")
    store = open_store(tmp_path)
    assert len(store) == 10 * per
    t0 = time.perf_counter()
    for j in range(200): store.get(j)
    print(f"store.get: {200 / (time.perf_counter() - t0):.0f} windows/s")
    subject_of = lambda b: {f"S{int(v)}" for v in b["x"][:, 0, 0]}
    for workers in (0, 2):
        dm = WindowDataModule(tmp_path, batch_size=64, num_workers=workers, seed=0)
        dm.setup()
        sides = {k: set(store.index.subject.iloc[v]) for k, v in dm.splits.items()}
        assert all(sides[a].isdisjoint(sides[b]) for a, b in [("train", "val"), ("train", "test"), ("val", "test")])
        loader = dm.train_dataloader()
        for epoch in range(2):                             # persistent workers are reused in the second epoch
            loader.batch_sampler.set_epoch(epoch)
            t0, rows = time.perf_counter(), []
            for b in loader:
                x, y = b["x"], b["y"]
                assert x.shape[1:] == (n_chans, n_times) and x.dtype == torch.float32 and (y >= 0).all()
                assert subject_of(b) <= sides["train"]                  # only training subjects
                rows += b["row"].tolist()
            assert sorted(rows) == sorted(dm.splits["train"].tolist())  # every training window once
            print(f"num_workers={workers} epoch {epoch}: {len(rows) / (time.perf_counter() - t0):.0f} windows/s")
    site = WindowDataModule(tmp_path, split="site", test_site="north", batch_size=64, seed=0)
    site.setup()
    north = {f"S{s}" for s in range(5)}
    assert set().union(*(subject_of(b) for b in site.test_dataloader())) == north
    assert not set().union(*(subject_of(b) for b in site.train_dataloader())) & north
