"""Record the fold assignments of the seven pre-`eegnb.splits` group splits into `splits_reference.json`.

Ran ONCE at commit 48edf69 (before issue 15 moved every split into `eegnb.splits`), with
`PYTHONHASHSEED=0 python tests/data/record_splits.py`; `tests/test_splits.py` asserts that `eegnb.splits`
reproduces every fold exactly, so published numbers keep their folds. The functions it calls no longer exist;
the synthetic inputs are rebuilt by `tests/test_splits.py` from the `inputs` recorded next to each case."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def make_groups(n_groups: int, *, balance: float, n_classes: int, seed: int, str_groups: bool = True):
    "Rows of `n_groups` groups of 1-9 rows; labels drawn per row (class 0 with probability `balance` when binary)."
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 10, n_groups)
    g = np.repeat(np.arange(n_groups), sizes)
    if n_classes == 2: y = (rng.uniform(size=len(g)) > balance).astype(int)
    else: y = rng.integers(0, n_classes, len(g))
    groups = np.array([f"s{i:02d}" for i in g], dtype=object) if str_groups else g * 3 + 1
    return groups, y


CASES = [dict(n_groups=n, balance=b, n_classes=c, seed=s, str_groups=sg)
         for n, b, c, s, sg in [(2, .5, 2, 0, True), (3, .5, 2, 1, True), (5, .5, 2, 2, False), (7, .9, 2, 3, True),
                                (12, .5, 3, 4, True), (12, .8, 2, 5, False), (20, .5, 2, 6, True)]]
N_SPLITS = [None, 2, 3, 5, 10]
SEEDS = [0, 1, 7]


def index_frame(seed: int) -> pd.DataFrame:
    "A store-like index: two datasets, subjects with missing values (grouped by record), three sites, one missing."
    rng = np.random.default_rng(seed)
    rows = []
    for d, n_sub in (("eegmat", 9), ("bonn", 4)):
        for s in range(n_sub):
            for r in range(rng.integers(1, 3)):
                subj = None if (d == "bonn" and s == 3) else f"S{s}"
                for w in range(rng.integers(1, 5)):
                    rows.append({"dataset": d, "subject": subj, "record": f"{d}-{s}-{r}",
                                 "site": None if (d == "bonn" and s == 0) else f"site{(s + (d == 'bonn')) % 3}"})
    return pd.DataFrame(rows)


def main():
    from eegnb.eval.crosssite import in_site_predictions
    from eegnb.eval.classification import _outer_splits
    from eegnb.hms.data import patient_folds
    from eegnb.loaders import leave_one_site_out, subject_split
    from eegnb.train.robustness import cross_fit
    from eegnb.train.data import subject_folds
    from eegnb.train.seizure import group_folds
    from sklearn.dummy import DummyClassifier

    import warnings
    warnings.filterwarnings("ignore", message="The least populated class")
    out = {"cases": CASES, "n_splits": N_SPLITS, "seeds": SEEDS, "records": []}
    rec = out["records"]
    def add(fn, case, **kw):
        res = kw.pop("result")
        rec.append({"fn": fn, "case": case, **kw, "result": res})

    def code(parts, n):
        "Row labels as one digit string: row i carries the number of the part (list of row arrays) holding it."
        lab = np.full(n, -1)
        for j, p in enumerate(parts): lab[p] = j
        assert (lab >= 0).all() and lab.max() < 10
        return "".join(map(str, lab))

    for ci, case in enumerate(CASES):
        groups, y = make_groups(**case)
        n_groups = len(np.unique(groups))
        for seed in SEEDS:
            for k in N_SPLITS:
                # evaluate._outer_splits (no None: it takes an int)
                if k is not None:
                    try: res = code([te for _, te in _outer_splits(y, groups, k, seed)], len(y))
                    except ValueError as e: res = {"error": str(e)}
                    add("evaluate._outer_splits", ci, n_splits=k, seed=seed, result=res)
                    # train.data.subject_folds, with and without y, two validation fractions
                    for use_y in (True, False):
                        for val in (0.2, 0.34):
                            try:
                                res = [code([f[s] for s in ("train", "val", "test")], len(y))
                                       for f in subject_folds(groups, y if use_y else None, n_splits=k, seed=seed, val=val)]
                            except ValueError as e: res = {"error": str(e)}
                            add("train.data.subject_folds", ci, n_splits=k, seed=seed, use_y=use_y, val=val, result=res)
                    # eval.crosssite.in_site_predictions: the fold of every unit (one unit per row)
                    table = pd.DataFrame({"site": "a", "y": y, "group": groups, "unit": np.arange(len(y)),
                                          "f0": np.arange(len(y), dtype=float)})
                    try:
                        units = in_site_predictions(table, lambda: DummyClassifier(strategy="prior"), n_splits=k, seed=seed)
                        res = "".join(map(str, units.set_index("unit").loc[np.arange(len(y)), "fold"]))
                    except ValueError as e: res = {"error": str(e)}
                    add("eval.crosssite.in_site_predictions", ci, n_splits=k, seed=seed, result=res)
                    # hms.data.patient_folds (raises with fewer groups than folds)
                    lab = pd.DataFrame({"patient_id": groups, "eeg_id": [f"e{g}" for g in groups]})
                    try: res = "".join(map(str, patient_folds(lab, k, seed)))
                    except ValueError as e: res = {"error": str(e)}
                    add("hms.data.patient_folds", ci, n_splits=k, seed=seed, result=res)
                # robustness.cross_fit: the fold that held out each group
                fold_no = iter(range(10 ** 6))
                def fit(Xtr, ytr):
                    f = next(fold_no)
                    return lambda X, f=f: np.full((len(X), 2), f, dtype=float)
                try:
                    gp = cross_fit(fit, np.zeros((len(y), 1)), y, groups, n_splits=k, seed=seed)
                    res = {str(g): int(gp.predictors[g](np.zeros((1, 1)))[0, 0]) for g in np.unique(groups)}
                except ValueError as e: res = {"error": str(e)}
                add("robustness.cross_fit", ci, n_splits=k, seed=seed, result=res)
                # train.seizure.group_folds
                try: res = [[str(s) for s in f] for f in group_folds([str(g) for g in groups], k, seed)]
                except ValueError as e: res = {"error": str(e)}
                add("train.seizure.group_folds", ci, n_splits=k, seed=seed, result=res)
    # loaders.subject_split / leave_one_site_out on store-like indexes
    for iseed in (0, 1):
        index = index_frame(iseed)
        for seed in SEEDS:
            for val, test in ((0.15, 0.15), (0.1, 0.0), (0.0, 0.3), (0.4, 0.4), (0.2, 0.1)):
                sp = subject_split(index, val=val, test=test, seed=seed)
                res = code([sp[s] for s in ("train", "val", "test")], len(index))
                add("loaders.subject_split", None, index_seed=iseed, seed=seed, val=val, test=test, group="subject", result=res)
            sp = subject_split(index, seed=seed, group="record")
            res = code([sp[s] for s in ("train", "val", "test")], len(index))
            add("loaders.subject_split", None, index_seed=iseed, seed=seed, val=0.15, test=0.15, group="record", result=res)
            for site in sorted(index.site.dropna().unique()):
                for val in (0.15, 0.5):
                    sp = leave_one_site_out(index, site, val=val, seed=seed)
                    res = code([sp[s] for s in ("train", "val", "test")], len(index))
                    add("loaders.leave_one_site_out", None, index_seed=iseed, seed=seed, site=site, val=val, result=res)
    path = Path(__file__).with_name("splits_reference.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"{len(rec)} records -> {path} ({path.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
