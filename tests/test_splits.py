"""`eegnb.splits` reproduces the folds of the seven splits it replaced (recorded in `tests/data/splits_reference.json`
by `tests/data/record_splits.py` before the move), its docstring examples run, it stays a ground-floor module, and
no other module of eegnb builds a split of its own."""
import ast
import doctest
import importlib.util
import inspect
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sklearn.model_selection as skms
from sklearn.dummy import DummyClassifier

import eegnb.splits as splits
from eegnb.splits import DealtGroupFolds, GroupFolds, PatientFolds, leave_one_site_out, subject_folds, subject_split

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("record_splits", ROOT / "tests/data/record_splits.py")
rec = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(rec)
REF = json.loads((ROOT / "tests/data/splits_reference.json").read_text())


def code(parts, n):
    "Same encoding as record_splits: row i -> the number of the part holding it."
    lab = np.full(n, -1)
    for j, p in enumerate(parts): lab[p] = j
    assert (lab >= 0).all()
    return "".join(map(str, lab))


def records(fn):
    out = [r for r in REF["records"] if r["fn"] == fn]
    assert out, fn
    return out


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")
        yield


def data(r):
    return rec.make_groups(**REF["cases"][r["case"]])


def test_reference_covers_the_seven_splits():
    assert {r["fn"] for r in REF["records"]} == {"evaluate._outer_splits", "train.data.subject_folds", "eval.crosssite.in_site_predictions",
                       "hms.data.patient_folds", "robustness.cross_fit", "train.seizure.group_folds",
                       "loaders.subject_split", "loaders.leave_one_site_out"}


def test_evaluate_cross_validate_keeps_its_folds():
    from eegnb.eval.classification import cross_validate
    for r in records("evaluate._outer_splits"):
        groups, y = data(r)
        assert code([te for _, te in GroupFolds(r["n_splits"], seed=r["seed"]).split(np.zeros(len(y)), y, groups)],
                    len(y)) == r["result"], r
        if r["seed"] == 0:                                   # through the caller itself (one seed: it fits models)
            oof = cross_validate(lambda p: DummyClassifier(), np.zeros((len(y), 1)), y, groups,
                                 n_splits=r["n_splits"], seed=r["seed"])
            assert "".join(map(str, oof.sort_values("index").fold)) == r["result"], r


def test_subject_folds_keeps_its_folds():
    for r in records("train.data.subject_folds"):
        groups, y = data(r)
        got = subject_folds(groups, y if r["use_y"] else None, n_splits=r["n_splits"], seed=r["seed"], val=r["val"])
        assert [code([f[s] for s in ("train", "val", "test")], len(y)) for f in got] == r["result"], r


def test_in_site_predictions_keeps_its_folds():
    from eegnb.eval.crosssite import in_site_predictions
    for r in records("eval.crosssite.in_site_predictions"):
        groups, y = data(r)
        table = pd.DataFrame({"site": "a", "y": y, "group": groups, "unit": np.arange(len(y)),
                              "f0": np.arange(len(y), dtype=float)})
        units = in_site_predictions(table, lambda: DummyClassifier(strategy="prior"), n_splits=r["n_splits"], seed=r["seed"])
        assert "".join(map(str, units.set_index("unit").loc[np.arange(len(y)), "fold"])) == r["result"], r


def test_cross_fit_keeps_its_folds():
    from eegnb.train.robustness import cross_fit
    for r in records("robustness.cross_fit"):
        groups, y = data(r)
        fold_no = iter(range(10 ** 6))
        def fit(Xtr, ytr):
            f = next(fold_no)
            return lambda X, f=f: np.full((len(X), 2), f, dtype=float)
        gp = cross_fit(fit, np.zeros((len(y), 1)), y, groups, n_splits=r["n_splits"], seed=r["seed"])
        assert {str(g): int(gp.predictors[g](np.zeros((1, 1)))[0, 0]) for g in np.unique(groups)} == r["result"], r


def test_patient_folds_keep_their_folds():
    for r in records("hms.data.patient_folds"):
        groups, y = data(r)
        lab = pd.DataFrame({"patient_id": groups, "eeg_id": [f"e{g}" for g in groups]})
        if isinstance(r["result"], dict):
            with pytest.raises(ValueError, match="group\\(s\\) for"):
                PatientFolds(r["n_splits"], seed=r["seed"]).assign(lab)
        else:
            assert "".join(map(str, PatientFolds(r["n_splits"], seed=r["seed"]).assign(lab))) == r["result"], r
            # hms.train passes the groups as an array beside a meta table that may hold eeg_id
            got = PatientFolds(r["n_splits"], seed=r["seed"]).assign(lab[["eeg_id"]], groups)
            assert "".join(map(str, got)) == r["result"], r


def test_seizure_held_out_subjects_keep_their_folds():
    for r in records("train.seizure.group_folds"):
        groups, y = data(r)
        assert DealtGroupFolds(r["n_splits"], seed=r["seed"]).test_groups([str(g) for g in groups]) == r["result"], r


def test_subject_split_and_leave_one_site_out_keep_their_sides():
    for r in records("loaders.subject_split"):
        index = rec.index_frame(r["index_seed"])
        sp = subject_split(index, val=r["val"], test=r["test"], seed=r["seed"], group=r["group"])
        assert code([sp[s] for s in ("train", "val", "test")], len(index)) == r["result"], r
    for r in records("loaders.leave_one_site_out"):
        index = rec.index_frame(r["index_seed"])
        sp = leave_one_site_out(index, r["site"], val=r["val"], seed=r["seed"])
        assert code([sp[s] for s in ("train", "val", "test")], len(index)) == r["result"], r


def test_docstring_examples_run():
    res = doctest.testmod(splits)
    assert res.attempted >= 6 and res.failed == 0, res


def test_group_folds_errors_name_the_problem():
    with pytest.raises(ValueError, match="GroupFolds needs at least 2 groups, got 1"):
        list(GroupFolds(3).split(None, [0, 1], ["a", "a"]))
    with pytest.raises(ValueError, match="n_splits must be an int >= 2 or None"):
        GroupFolds(0)


# --- the consolidation itself -------------------------------------------------------------------------------------
SPLITTERS = {n for n, o in vars(skms).items() if inspect.isclass(o)
             and issubclass(o, (skms.BaseCrossValidator, skms._split.BaseShuffleSplit))} | {"train_test_split", "check_cv"}
# name-pattern exceptions that are not splits of data rows, with the reason
NOT_A_SPLIT = {("eegnb/eval/seizure.py", "_szcore_split"): "cuts seizure events longer than max_duration into pieces (SzCORE scoring), not rows"}


SPLIT_NAME = re.compile(r"[A-Za-z0-9](_folds|_splits?|Folds)$")   # `subject_split`, `_outer_splits`, `PatientFolds`;
                                                                 # not a bare `_split` method (of a network)


def _modules():
    return sorted(p for p in (ROOT / "eegnb").rglob("*.py") if p.name != "_modidx.py")


def test_only_eegnb_splits_builds_splits():
    assert {"KFold", "GroupKFold", "StratifiedGroupKFold", "LeaveOneGroupOut", "GroupShuffleSplit"} <= SPLITTERS
    problems = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "eegnb/splits.py": continue
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn.model_selection"):
                bad = [a.name for a in node.names if a.name in SPLITTERS or a.name == "*"]
                if bad: problems.append(f"{rel}:{node.lineno} imports {bad} from {node.module}")
            if isinstance(node, ast.Import):
                problems += [f"{rel}:{node.lineno} imports {a.name}" for a in node.names
                             if a.name.startswith("sklearn.model_selection")]
            if isinstance(node, ast.Attribute) and node.attr in SPLITTERS and node.attr != "check_cv":
                problems.append(f"{rel}:{node.lineno} uses .{node.attr}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (rel, node.name) not in NOT_A_SPLIT:
                if SPLIT_NAME.search(node.name):
                    problems.append(f"{rel}:{node.lineno} defines {node.name}: grouped splits belong in eegnb.splits")
    assert not problems, "\n".join(problems)


def test_splits_is_a_ground_floor_module():
    allowed = {"__future__", "zlib", "collections", "typing", "numpy", "pandas", "sklearn"}
    for node in ast.walk(ast.parse((ROOT / "eegnb/splits.py").read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                assert node.level == 1 and node.module == "core", f"eegnb.splits imports .{node.module}"
            else:
                assert node.module.split(".")[0] in allowed, f"eegnb.splits imports {node.module}"
        elif isinstance(node, ast.Import):
            assert all(a.name.split(".")[0] in allowed for a in node.names), [a.name for a in node.names]
