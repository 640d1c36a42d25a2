"""Every held dataset through `prepare` into one store: window counts, label alignment, channel masks and
quality flags checked against the facts of the real files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eegnb.data as ed
from eegnb.data.readers import read_edf
from eegnb.preprocess.pipeline import PrepConfig, preprocess
from eegnb.store import open_store, prepare, store_key, write_windows
from conftest import DEMO, SHARED, needs_shared

pytestmark = [pytest.mark.shared, needs_shared]
HELD = ["eegmat", "eegmmi", "bonn", "guinea_bissau", "chbmit_clips", "dreams_spindles", "yasa_samples",
        "sleep_edf_hypnograms", "hms"]


@pytest.fixture(scope="module")
def store(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("store") / "all"
    rep = prepare(HELD, out, config=PrepConfig(), data_dir=shared, n_workers=2, progress=False)
    return rep, open_store(out)


def test_counts_per_dataset(store):
    rep, st = store
    s = rep.summary()
    # 10-s windows: EEGMAT 151 rest + 54 task; EEGMMI 3 x 6 + 6 x 12; Bonn 500 x 2 (23.6 s); CHB-MIT 34 x 1;
    # DREAMS 8 x 360 5-s stages; YASA 1 + 3 + 36 (EOG-only file rejected); Sleep-EDF 10 x 30 s; HMS 5
    expected = {"eegmat": 205, "eegmmi": 90, "bonn": 1000, "chbmit_clips": 34, "dreams_spindles": 2880,
                "yasa_samples": 40, "sleep_edf_hypnograms": 10, "hms": 5}
    for name, n in expected.items():
        assert s.loc[name, "windows"] == n, (name, s.loc[name].to_dict())
    # Guinea-Bissau: floor(recordedPeriod / 10) per person
    meta = pd.read_csv(SHARED / "guinea_bissau" / "metadata_guineabissau.csv")
    held = st.index[st.index.dataset == "guinea_bissau"].groupby("subject").size()
    periods = meta.set_index(meta["subject.id"].astype(str)).recordedPeriod
    assert all(held[sid] == periods[sid] // 10 for sid in held.index)
    assert s.loc["yasa_samples", "rejected"] == 1 and s.rejected.sum() == 1 and s.failed.sum() == 0
    assert len(st) == s.windows.sum()


def test_labels_aligned(store):
    _, st = store
    ix = st.index
    ex1 = ix[(ix.dataset == "dreams_spindles") & (ix.record == "excerpt1")]
    assert ex1.label.value_counts().to_dict() == {"Sleep stage 2": 220, "Sleep stage 3": 68, "Sleep stage W": 56,
                                                  "Sleep stage 1": 12, "Sleep stage 4": 4}
    assert (ex1.stop_s - ex1.start_s).eq(5.0).all() and ex1.start_s.is_monotonic_increasing
    mat = ix[ix.dataset == "eegmat"]
    assert set(mat[mat.run == "1"].label) == {"rest"} and set(mat[mat.run == "2"].label) == {"mental_arithmetic"}
    chb = ix[ix.dataset == "chbmit_clips"]
    assert chb.label.value_counts().to_dict() == {"ictal": 17, "preictal": 17}
    gb = ix[ix.dataset == "guinea_bissau"]
    assert gb.groupby("label").subject.nunique().to_dict() == {"Control": 8, "Epilepsy": 8}
    assert set(ix[ix.dataset == "sleep_edf_hypnograms"].label) == {"Sleep stage W"}


def test_montages_and_masks(store):
    _, st = store
    m = st.index.groupby("dataset").meta_montage.unique().map(lambda v: sorted(v))
    assert m["eegmat"] == ["1020"] and m["eegmmi"] == ["1020"] and m["hms"] == ["1020"]
    assert m["bonn"] == ["native"] and m["chbmit_clips"] == ["native"] and m["guinea_bissau"] == ["native"]
    assert (st.index.n_filled == 0).all()                                   # every 10-20 record had all 19 electrodes


def test_quality_flags_on_known_files(store):
    _, st = store
    ix = st.index.set_index("record")
    assert ix.loc["F009"].n_clipped.max() >= 1 and ix.loc["Z001"].n_clipped.max() == 0    # 52 samples at the 2047 rail
    assert ix.loc["signal-89"].n_clipped.max() >= 1 and ix.loc["signal-4"].n_clipped.max() == 0


def test_flat_channel_and_filled_channels_reach_the_index(tmp_path):
    rec = ed.load("eegmat", "Subject01_2", data_dir=DEMO)
    rec.data[rec.ch_names.index("EEG O2")] = 0.0                            # a disconnected electrode
    w = preprocess(rec, PrepConfig(quality=False))
    assert (w.table.n_flat == 1).all() and (w.table.frac_bad_chans == 1 / 19).all()
    dropped = rec.pick([c for c in rec.ch_names if c not in ("EEG Cz", "EEG T3")])
    w2 = preprocess(dropped, PrepConfig(quality=False))
    out = tmp_path / "s"
    write_windows(out, store_key("eegmat", "Subject01_2"), w2, config_hash=w2.meta["config_hash"])
    ix = open_store(out).index
    assert (ix.n_filled == 2).all() and set(ix.filled_channels.iloc[0].split(",")) == {"T7", "Cz"}
