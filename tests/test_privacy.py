"""Nothing identifying leaves a reader: EDF patient names and birthdates are dropped."""
from __future__ import annotations

import mne

import eegnb.data as ed
from eegnb.data.readers import read_edf
from conftest import DEMO


def test_edf_patient_fields_are_dropped():
    path = DEMO / "eegmat" / "Subject01_2.edf"
    header = path.read_bytes()[:88].decode("latin-1")
    assert "Subject1" in header and "01-JAN-1993" in header           # what the file itself carries
    raw = mne.io.read_raw_edf(path, verbose="error")
    assert raw.info["subject_info"]["last_name"] == "Subject1"        # and what plain MNE passes on
    rec = ed.load("eegmat", "Subject01_2", data_dir=DEMO)
    text = repr(rec.__dict__)
    assert "Subject1 " not in text and "1993" not in text and "birth" not in text
    assert rec.labels["age_header"] == 18 and rec.labels["sex_header"] == "M"
    assert rec.to_mne().info["subject_info"] is None


def test_read_edf_keeps_no_name():
    rec = read_edf(DEMO / "eegmat" / "Subject00_1.edf")
    assert "Subject0" not in repr(rec.labels) + repr(rec.provenance).replace("Subject00_1.edf", "")
