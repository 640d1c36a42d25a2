"""One definition each: the frequency-band table, the band-pass filter and the standard feature classifiers.

These tests read the source (the generated `eegnb/**/*.py`, the notebooks in `nbs/` and the report templates) and fail
when a second copy appears, naming the file and line, so that SHAP band summaries, features, figures and model
inputs keep meaning the same bands, the same filter and the same classifier settings."""
import ast
import json
import re
from pathlib import Path

import eegnb
import eegnb.features.spectral
import eegnb.eval.interpret

ROOT = Path(eegnb.__file__).resolve().parent.parent
PY = sorted(p for p in (ROOT / "eegnb").rglob("*.py") if p.name != "_modidx.py")


def _rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def _numeric_edges(node: ast.AST) -> bool:
    "True when `node` (a literal) holds at least two numbers: band edges such as `(8.0, 13.0)` or `{'a': (8, 13)}`."
    return sum(isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)
               for n in ast.walk(node)) >= 2


def test_interpret_uses_the_feature_bands():
    assert eegnb.eval.interpret.BANDS is eegnb.features.spectral.BANDS
    names = [b[0] for b in eegnb.features.spectral.BANDS]
    assert eegnb.eval.interpret.parse_feature_name(f"abspow_{names[2]}_O1") == (names[2], "O1")


def test_no_second_band_table():
    "Only eegnb/features/spectral.py assigns a module-level `BANDS` / `*_BANDS` holding numeric band edges."
    pat = re.compile(r"^(?:BANDS|\w+_BANDS)$")
    found = []
    for p in PY:
        if _rel(p) == "eegnb/features/spectral.py": continue
        for node in ast.parse(p.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            value = getattr(node, "value", None)
            for t in targets:
                if isinstance(t, ast.Name) and pat.match(t.id) and value is not None and _numeric_edges(value):
                    found.append(f"{_rel(p)}:{node.lineno} {t.id}")
    assert not found, f"band tables outside eegnb/features/spectral.py (import BANDS from there instead): {found}"


# scipy/MNE filter calls allowed outside eegnb/preprocess/signal.py, each for a reason that is not band-passing EEG
FILTER_CALLS = ("butter", "sosfiltfilt", "filtfilt", "firwin", "filter_data")
FILTER_ALLOWED = {
    ("eegnb/preprocess/pipeline.py", "antialias_filter", "firwin"):
        "the anti-aliasing low-pass handed to scipy's resample_poly (resampling, not a band-pass)",
    ("eegnb/train/robustness.py", "add_muscle", "butter"):
        "shapes synthetic white noise into 20-100 Hz muscle bursts of 0.5-2 s (generating an artefact, not filtering "
        "data; a short IIR suits bursts shorter than an FIR of the same band)",
    ("eegnb/train/robustness.py", "add_muscle", "sosfiltfilt"): "see add_muscle/butter",
}


def _calls(tree: ast.AST):
    "(function name enclosing the call or '<module>', called attribute/name, line) for every call in `tree`."
    def visit(node, where):
        for child in ast.iter_child_nodes(node):
            w = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else where
            if isinstance(child, ast.Call):
                f = child.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
                if name: yield w, name, child.lineno
            yield from visit(child, w)
    yield from visit(tree, "<module>")


def test_one_bandpass():
    """Band-passing goes through eegnb.preprocess.signal (`filter_array` / `bandpass`): no other module calls
    scipy.signal's butter/sosfiltfilt/filtfilt/firwin or mne.filter.filter_data, save the allow-list."""
    found, used = [], set()
    for p in PY:
        if _rel(p) == "eegnb/preprocess/signal.py": continue
        for where, name, line in _calls(ast.parse(p.read_text())):
            if name in FILTER_CALLS:
                key = (_rel(p), where, name)
                if key in FILTER_ALLOWED: used.add(key)
                else: found.append(f"{_rel(p)}:{line} {where}() calls {name}")
    assert not found, f"filters outside eegnb/preprocess/signal.py (use filter_array or bandpass there): {found}"
    assert used == set(FILTER_ALLOWED), f"stale allow-list entries: {set(FILTER_ALLOWED) - used}"


# hand-built classifiers allowed outside eegnb/eval/classification.py: (file, count) -> reason
CLASSIFIER_ALLOWED = {
    "nbs/45_eval.interpret.ipynb": (2, "toy LightGBM models with known answers for the explainer, not a baseline"),
    "nbs/75_train.phases.ipynb": (1, "linear probe on learned embeddings, not a feature classifier"),
    "eegnb/train/phases.py": (1, "linear probe on learned embeddings, not a feature classifier"),
    "nbs/77_train.run.ipynb": (1, "linear probe on learned embeddings, not a feature classifier"),
    "eegnb/train/run.py": (1, "linear probe on learned embeddings, not a feature classifier"),
    "nbs/44_eval.crosssite.ipynb": (1, "example of passing a custom sklearn model instead of a standard name"),
}
CLASSIFIER_RE = re.compile(r"\b(?:LGBMClassifier|LogisticRegression)\(")


def _code(p: Path) -> str:
    if p.suffix == ".py": return p.read_text()
    return "\n".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code")


def test_one_classifier_factory():
    """The standard feature classifiers come from eegnb.eval.classification.feature_classifier (settings in
    CLASSIFIER_DEFAULTS): no other module, notebook or report template constructs LGBMClassifier( or
    LogisticRegression( itself, save the allow-list."""
    files = PY + sorted((ROOT / "nbs").glob("*.ipynb")) + sorted((ROOT / "reports" / "templates").glob("*.ipynb"))
    bad = {}
    for p in files:
        if _rel(p) in ("eegnb/eval/classification.py", "nbs/41_eval.classification.ipynb"): continue    # the factory and its notebook
        n = len(CLASSIFIER_RE.findall(_code(p)))
        allowed = CLASSIFIER_ALLOWED.get(_rel(p), (0, ""))[0]
        if n != allowed: bad[_rel(p)] = f"{n} constructions, {allowed} allowed"
    assert not bad, f"build feature classifiers with eegnb.eval.classification.feature_classifier(kind, seed=..., **overrides): {bad}"


def test_one_group_bootstrap():
    """Intervals over subjects come from one resampler (`eegnb.splits.group_bootstrap`): no other module draws
    groups with `rng.choice(<groups>, len(<groups>))` itself (score, cross-site metrics, sleep F1, HMS scores used to)."""
    draw = re.compile(r"\.choice\(\s*(\w+)\s*,\s*len\(\s*\1\s*\)")
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "eegnb").rglob("*.py")) if p.name != "_modidx.py"
            for i, line in enumerate(p.read_text().splitlines(), 1) if draw.search(line)]
    assert [h.split(":")[0] for h in hits] == ["eegnb/splits.py"], hits
