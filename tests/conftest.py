"""Shared fixtures: where the real data is, and tools to make damaged copies of real files."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EEGNB_SHARED_DATA") or REPO.parent / "shared" / "data")
DEMO = REPO / "demo_data"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared data mirror absent ({SHARED})")


@pytest.fixture(scope="session")
def shared() -> Path:
    "The shared data mirror (skips the test when it is absent)."
    if not SHARED.is_dir():
        pytest.skip(f"shared data mirror absent ({SHARED})")
    return SHARED


@pytest.fixture
def data_copy(tmp_path, shared):
    "copy('eegmat', 'Subject01_2.edf', ...) -> a data directory in tmp_path holding copies of those files."
    def copy(dataset: str, *rels: str) -> Path:
        for rel in rels:
            dst = tmp_path / dataset / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(shared / dataset / rel, dst)
        return tmp_path
    return copy


def patch_bytes(path: Path, offset: int, value: bytes) -> None:
    "Overwrite bytes of a file in place (for damaged copies: never call it on shared data)."
    assert SHARED not in path.resolve().parents, "refusing to modify the shared data"
    b = bytearray(path.read_bytes())
    b[offset:offset + len(value)] = value
    path.write_bytes(bytes(b))


def edf_signal_field(path: Path, field_offset: int, width: int, index: int, value: str) -> None:
    """Set one per-signal header field of an EDF copy (field_offset in bytes-per-signal units:
    label 0/16, transducer 16/80, unit 96/8, ..., samples per record 216/8)."""
    ns = int(path.read_bytes()[252:256])
    patch_bytes(path, 256 + field_offset * ns + index * width, value.ljust(width).encode("ascii"))


def assert_same_arrays(new: dict, reference: dict) -> None:
    "Every array of `new` has the shape and exactly the values (bitwise) of the same-named array of `reference`."
    import numpy as np
    for k, v in new.items():
        assert v.shape == reference[k].shape, f"{k}: shape {v.shape} != {reference[k].shape}"
        assert np.array_equal(v, reference[k]), f"{k}: max |diff| {np.abs(v - reference[k]).max():.3g}"
