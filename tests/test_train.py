"""The phase framework end to end through the CLI: exact resume after a killed run, DDP on two CPU processes (gloo)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from eegnb.train.data import synthetic_store

TINY = {"embed_dim": 16, "depth": 1, "n_heads": 2, "patch_len": 100, "k_neighbors": 3}


def write_config(tmp: Path, store: Path, **over) -> Path:
    cfg = {"name": "tiny", "model": "eeg_foundation", "model_options": TINY, "store": str(store), "seed": 0,
           "out_dir": str(tmp / "runs"),
           "trainer": {"accelerator": "cpu", "progress": False, "log_every_n_steps": 1},
           "phases": [{"name": "pretrain", "kind": "pretrain", "objective": "masked_reconstruction", "epochs": 4,
                       "batch_size": 8, "probe": False, "optim": {"lr": 1e-3}}]}
    for k, v in over.items():
        cfg[k] = v
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def cli(config: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen([sys.executable, "-m", "eegnb.cli", "train", "--config", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, **kw)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store")
    synthetic_store(str(path), n_subjects=6, n_windows=60, sfreq=100.0, n_times=400)
    return path


def phase_dir(out: Path) -> Path:
    found = sorted((out / "runs" / "tiny").glob("pretrain-*"))
    return found[0] if found else out / "missing"


def test_resume_after_kill_is_exact(tmp_path, store):
    # An uninterrupted run ...
    a = tmp_path / "a"; a.mkdir()
    p = cli(write_config(a, store))
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 0, out
    ref = torch.load(phase_dir(a) / "weights.pt", weights_only=True)["encoder"]
    # ... and the same run killed (SIGKILL) once its first epoch's checkpoint exists, then run again.
    b = tmp_path / "b"; b.mkdir()
    cfg_b = write_config(b, store)
    p = cli(cfg_b, start_new_session=True)
    t0 = time.time()
    while not any((b / "runs" / "tiny").glob("pretrain-*/last.ckpt")):
        assert p.poll() is None, "the run ended before its first checkpoint"
        assert time.time() - t0 < 300
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert not (phase_dir(b) / "weights.pt").exists(), "the run finished before it was killed: nothing to resume"
    p = cli(cfg_b)
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 0, out
    assert "resuming from last.ckpt" in out
    got = torch.load(phase_dir(b) / "weights.pt", weights_only=True)["encoder"]
    assert ref.keys() == got.keys()
    for k in ref:
        torch.testing.assert_close(got[k], ref[k], rtol=0, atol=1e-6, msg=f"{k} differs after resume")
    meta_a = json.loads((phase_dir(a) / "meta.json").read_text())
    meta_b = json.loads((phase_dir(b) / "meta.json").read_text())
    assert meta_a["global_step"] == meta_b["global_step"] and meta_a["data_index_hash"] == meta_b["data_index_hash"]


def test_ddp_two_cpu_processes(tmp_path, store):
    one = tmp_path / "one"; one.mkdir()
    two = tmp_path / "two"; two.mkdir()
    p1 = cli(write_config(one, store))
    out1, _ = p1.communicate(timeout=300)
    assert p1.returncode == 0, out1
    p2 = cli(write_config(two, store, trainer={"accelerator": "cpu", "progress": False, "devices": 2,
                                               "strategy": "ddp", "log_every_n_steps": 1}))
    out2, _ = p2.communicate(timeout=300)
    assert p2.returncode == 0, out2
    m1 = json.loads((phase_dir(one) / "meta.json").read_text())
    m2 = json.loads((phase_dir(two) / "meta.json").read_text())
    assert (m1["world_size"], m2["world_size"]) == (1, 2)
    # each of the two processes steps through half of the batches (rounded up), so the run takes half the steps
    epochs = 4
    n_batches = m1["global_step"] // epochs
    assert m2["global_step"] == epochs * -(-n_batches // 2), (m1["global_step"], m2["global_step"])
    w = torch.load(phase_dir(two) / "weights.pt", weights_only=True)["encoder"]
    assert all(torch.isfinite(v).all() for v in w.values())
