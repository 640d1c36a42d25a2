"""The `eegnb` command, run as a user runs it."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import DEMO, REPO, needs_shared


def eegnb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eegnb.cli", *args], capture_output=True, text=True, cwd=REPO)


def test_list_shows_every_manifest():
    r = eegnb("data", "list", "--data-dir", str(DEMO))
    assert r.returncode == 0, r.stderr
    for name in ("eegmat", "bonn", "sleep_edfx", "chbmit", "tusz", "hms_kaggle", "hbn"):
        assert name in r.stdout


def test_verify_demo():
    r = eegnb("data", "verify", "eegmat", "--data-dir", str(DEMO))
    assert r.returncode == 0, r.stderr
    assert "corrupt files: 0" in r.stdout


@needs_shared
@pytest.mark.shared
def test_verify_shared_reports_all_held_intact(shared):
    r = eegnb("data", "verify", "--data-dir", str(shared))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "intact: 9 datasets" in r.stdout and "corrupt files: 0" in r.stdout


def test_verify_reports_corrupt(tmp_path):
    d = tmp_path / "eegmat"; d.mkdir()
    b = bytearray((DEMO / "eegmat" / "Subject00_2.edf").read_bytes()); b[-10] ^= 1
    (d / "Subject00_2.edf").write_bytes(bytes(b))
    r = eegnb("data", "verify", "eegmat", "--data-dir", str(tmp_path))
    assert r.returncode == 1
    assert "CORRUPT eegmat/Subject00_2.edf: sha256" in r.stdout


def test_bad_dataset_name():
    r = eegnb("data", "info", "eegmatt")
    assert r.returncode == 2 and "Allowed values are" in r.stderr


def test_prepare_then_features(tmp_path):
    store, table = tmp_path / "store", tmp_path / "features.parquet"
    r = eegnb("prepare", "--dataset", "eegmat", "--out", str(store), "--data-dir", str(DEMO), "--workers", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "written 8, skipped 0" in r.stdout and "85 windows" in r.stdout
    r = eegnb("features", "--store", str(store), "--out", str(table), "--features", "spectral,temporal")
    assert r.returncode == 0, r.stderr
    import pandas as pd
    t = pd.read_parquet(table)
    assert len(t) == 85 and t.subject.nunique() == 4 and "relpow_alpha_O1" in t and "hjorthmob_Cz" in t
    r = eegnb("features", "--store", str(store), "--out", str(table), "--features", "wavelets")
    assert r.returncode == 2 and "Allowed values are" in r.stderr
