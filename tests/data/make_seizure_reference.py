"""Record the seizure recordings of the pre-store path (`eegnb.train.seizure.to_chains`, commit c6818e4) as checksums.

Run once at the branch point: `python tests/data/make_seizure_reference.py` (needs $EEGNB_SHARED_DATA). Writes
`tests/data/seizure_reference.json`: per dataset and record the sha256 of `x` (float32 C order) and `y` (uint8),
their shapes, `sfreq`, `subject`, `record`, the RMS of `x` and its first samples, for tests/test_seizure_store.py.
With `--arrays DIR` it also saves every `x` as DIR/<dataset>__<record>.npy (to measure differences, not committed)."""
import argparse
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from eegnb.tasks.seizure import load_seizure_recordings  # was eegnb.train.seizure

# dataset -> (montage kwargs, number of records kept: the first n of `eegnb.data.records` order, None = all)
CASES = {"chbmit_clips": ({}, None), "bonn": ({"chains": None}, 8), "eegmat": ({}, None), "guinea_bissau": ({}, None)}

def sha(a: np.ndarray) -> str: return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--arrays", default=None)
    args = ap.parse_args()
    data = os.environ["EEGNB_SHARED_DATA"]
    out = {}
    for ds, (kw, n) in CASES.items():
        recs = load_seizure_recordings(ds, data_dir=data, **kw)[:n]
        out[ds] = {"kwargs": kw, "n": n, "records": [
            {"record": r.record, "subject": r.subject, "sfreq": r.sfreq, "x_shape": list(r.x.shape), "x_dtype": str(r.x.dtype),
             "x_sha256": sha(r.x), "y_sha256": sha(r.y), "y_sum": int(r.y.sum()), "y_dtype": str(r.y.dtype),
             "x_rms": float(np.sqrt(np.mean(r.x.astype(np.float64) ** 2))), "x_head": r.x[:, :4].astype(float).tolist(),
             "info": {k: v for k, v in r.info.items() if not (isinstance(v, float) and v != v)}} for r in recs]}
        if args.arrays:
            Path(args.arrays).mkdir(parents=True, exist_ok=True)
            for r in recs: np.save(Path(args.arrays) / f"{ds}__{r.record}.npy", r.x)
        print(ds, len(recs), flush=True)
    Path(__file__).with_name("seizure_reference.json").write_text(json.dumps(out, indent=1) + "\n")
