"""The seizure recordings read from the window store (`PrepConfig(montage="bipolar", chains="seizure18",
window_s=None, filtering="separate")`) are the recordings of the former `to_chains` path, bit for bit.

The reference (`tests/data/seizure_reference.json`) was recorded by `tests/data/make_seizure_reference.py` at
commit c6818e4, before `to_chains` was replaced: sha256 of every `x` (float32) and `y` (uint8), shapes, `sfreq`,
subject, record and info of all 34 CHB-MIT clips, the first 8 Bonn segments (single channel), the 18 EEGMAT
records and the Guinea-Bissau controls (18 chains harmonized with spline-filled electrodes). Records now come in
the store's order; each is compared with its reference by name."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from eegnb.preprocess.channels import BIPOLAR_CHAINS, CHBMIT_BIPOLAR, DOUBLE_BANANA
from eegnb.preprocess.pipeline import PrepConfig
from eegnb.store import open_store
from eegnb.tasks.seizure import SEIZURE_CHAINS, load_seizure_recordings, seizure_prep_config

REF = json.loads((Path(__file__).parent / "data" / "seizure_reference.json").read_text())


def sha(a: np.ndarray) -> str: return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("seizure_store")


@pytest.mark.shared
@pytest.mark.parametrize("dataset", list(REF))
def test_store_path_equals_to_chains(shared, store_dir, dataset):
    ref = REF[dataset]
    kw = {"chains": None} if ref["kwargs"].get("chains", "x") is None else {}
    recs = load_seizure_recordings(dataset, data_dir=shared, store=store_dir / ("single" if kw else "chains18"),
                                   limit=ref["n"], **kw)
    # the store's order (the order `prepare` wrote the records) replaced the manifest's order of the old path
    assert sorted(r.record for r in recs) == sorted(r["record"] for r in ref["records"])
    by_record = {w["record"]: w for w in ref["records"]}
    for r in recs:
        want = by_record[r.record]
        assert r.subject == want["subject"] and r.sfreq == want["sfreq"] and r.dataset == dataset
        assert list(r.x.shape) == want["x_shape"] and str(r.x.dtype) == want["x_dtype"] == "float32"
        assert str(r.y.dtype) == want["y_dtype"] and int(r.y.sum()) == want["y_sum"]
        assert sha(r.y) == want["y_sha256"], r.record
        assert sha(r.x) == want["x_sha256"], (r.record, r.x[:, :4].tolist(), want["x_head"])
        assert {k: v for k, v in r.info.items() if not (isinstance(v, float) and v != v)} == want["info"]


@pytest.mark.shared
def test_store_holds_whole_records(shared, store_dir):
    "One whole-record window per record; records of different lengths share the store; labels in the index."
    ws = open_store(store_dir / "chains18")
    clips = ws.index[ws.index.dataset == "chbmit_clips"]
    assert len(clips) == 34 and (clips.i == 0).all() and (clips.start_s == 0).all()
    sh = ws.shards.set_index("key")
    assert (sh.n_windows == 1).all() and sh.n_times.nunique() > 1          # eegmat, GB and the clips differ in length
    want = [f"{a}-{b}" for a, b in SEIZURE_CHAINS]
    assert all(list(c) == want for c in sh.loc[clips.key, "ch_names"])
    assert set(clips.label) == {"ictal", "preictal"} and (clips.meta_montage == "bipolar").all()
    with pytest.raises(ValueError, match="differ in"): ws.shape


def test_prep_config_bipolar():
    assert BIPOLAR_CHAINS["seizure18"] == CHBMIT_BIPOLAR[:18] == SEIZURE_CHAINS
    assert BIPOLAR_CHAINS["double_banana"] == DOUBLE_BANANA
    assert seizure_prep_config(SEIZURE_CHAINS) == seizure_prep_config("seizure18")
    assert seizure_prep_config(None).montage == "native"
    with pytest.raises(ValueError, match="named chain set"): seizure_prep_config([("Fp1", "Cz")])
    with pytest.raises(ValueError, match="needs chains"): PrepConfig(montage="bipolar")
    with pytest.raises(ValueError, match="needs chains"): PrepConfig(chains="seizure18")
    with pytest.raises(ValueError): PrepConfig(montage="bipolar", chains="nope")
    assert PrepConfig().hash() == PrepConfig(chains=None, filtering="fused").hash()   # old stores keep their hash
