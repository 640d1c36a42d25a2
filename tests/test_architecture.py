"""eegnb's imports run downward only: core → data → preprocess → store → features → models → train → evaluate,
with `eegnb.registry` on the ground floor. Parsed with `ast`, so these checks are fast and list every offender.

Rules: (a) no import cycle among eegnb modules (module-level imports); (b) no import of an eegnb module inside a
function, method or class body, except the `LAZY_OK` pairs (optional heavy third-party dependencies pulled in
indirectly); (c) no `from X import _name` / `X._name` where X is another eegnb module; (d) every module imports in a
fresh interpreter on its own and in any order. `PENDING` lists the violations in files other work is rewriting;
the lead empties it after merging (a stale entry fails, so it only shrinks)."""
from __future__ import annotations

import ast
import json
import os
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "eegnb"

LAZY_OK: dict[tuple[str, str], str] = {
    # (importing module, imported eegnb module): why it cannot be a module-level import. Only for eegnb modules
    # that pull an OPTIONAL heavy third-party dependency (mamba-ssm, onnxruntime, ...) at import time, and for the
    # command line, whose commands import the training stack only when they run it.
    **{("eegnb.cli", m): "start-up time: `eegnb --help` and `eegnb data ...` take ~2 s instead of ~10 s (torch, "
                          "Lightning, braindecode); `eegnb train`/`predict` import the layer they run"
       for m in ("eegnb.train", "eegnb.hms.train", "eegnb.hms.predict")},
}

# Violations in files other agents are rewriting in parallel ("file:imported module" for a function-local import,
# "file:private name" for a private-name import, "cycle:a -> b -> a" for a cycle), each with what to do.
PENDING: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__": parts = parts[:-1]
    return ".".join(parts)


FILES = {module_name(p): p for p in sorted(PKG.rglob("*.py")) if p.name != "_modidx.py"}
MODULES = set(FILES)


def _rel(mod: str) -> str: return FILES[mod].relative_to(ROOT).as_posix()


def _is_private(name: str) -> bool: return name.startswith("_") and not name.startswith("__")


def _resolve_from(mod: str, node: ast.ImportFrom) -> str:
    "Absolute module named by `from <node.module> import ...` inside module `mod`."
    if not node.level: return node.module or ""
    pkg = mod.split(".") if FILES[mod].name == "__init__.py" else mod.split(".")[:-1]
    base = pkg[: len(pkg) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _owner(dotted: str) -> str | None:
    "The longest prefix of `dotted` that is an eegnb module."
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in MODULES: return ".".join(parts[:i])
    return None


class Visitor(ast.NodeVisitor):
    """Collects (target module, lineno, local?) imports, private names imported from or read off other eegnb
    modules, and the names bound to eegnb modules."""
    def __init__(self, mod: str):
        self.mod, self.depth, self.type_checking = mod, 0, 0
        self.imports: list[tuple[str, int, bool]] = []
        self.private: list[tuple[str, int]] = []
        self.bound: dict[str, str] = {}

    def _scope(self, node):
        self.depth += 1; self.generic_visit(node); self.depth -= 1
    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _scope

    def visit_If(self, node):
        tc = "TYPE_CHECKING" in ast.unparse(node.test)
        self.type_checking += tc; self.generic_visit(node); self.type_checking -= tc

    def _add(self, target: str, line: int):
        if not self.type_checking or self.depth: self.imports.append((target, line, self.depth > 0))

    def visit_Import(self, node):
        for a in node.names:
            if not a.name.split(".")[0] == "eegnb": continue
            self._add(_owner(a.name) or a.name, node.lineno)
            if a.asname: self.bound[a.asname] = a.name
            else: self.bound["eegnb"] = "eegnb"

    def visit_ImportFrom(self, node):
        base = _resolve_from(self.mod, node)
        if base.split(".")[0] != "eegnb": return
        for a in node.names:
            sub = f"{base}.{a.name}"
            if sub in MODULES:
                self._add(sub, node.lineno); self.bound[a.asname or a.name] = sub
            else:
                self._add(_owner(base) or base, node.lineno)
                if _is_private(a.name) and base != self.mod: self.private.append((f"{base}.{a.name}", node.lineno))

    def visit_Attribute(self, node):
        chain, n = [], node
        while isinstance(n, ast.Attribute): chain.append(n.attr); n = n.value
        if isinstance(n, ast.Name) and n.id in self.bound:
            dotted = ".".join([self.bound[n.id], *reversed(chain)])
            owner = _owner(dotted)
            rest = dotted[len(owner) + 1:].split(".") if owner and dotted != owner else []
            if owner and owner != self.mod and rest and _is_private(rest[0]):
                self.private.append((f"{owner}.{rest[0]}", node.lineno))
                return
        self.generic_visit(node)


@pytest.fixture(scope="module")
def parsed() -> dict[str, Visitor]:
    out = {}
    for mod, path in FILES.items():
        v = Visitor(mod); v.visit(ast.parse(path.read_text(), filename=str(path))); out[mod] = v
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    "One cycle path per strongly connected component (Tarjan), as `[a, b, ..., a]`."
    index, low, stack, on, comps, i = {}, {}, [], set(), [], [0]
    def strong(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index: strong(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop(); on.discard(w); comp.add(w)
                if w == v: break
            if len(comp) > 1 or v in graph.get(v, ()): comps.append(comp)
    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index: strong(v)
    paths = []
    for comp in comps:                        # shortest cycle through the component's first module (BFS)
        start = min(comp); prev, todo = {start: None}, [start]
        for v in todo:
            for w in sorted(graph[v] & comp):
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None: path.append(prev[path[-1]])
                    paths.append([*reversed(path), start]); todo = []; break
                if w not in prev: prev[w] = v; todo.append(w)
            else: continue
            break
    return paths


def _report(found: dict[str, list[str]], what: str) -> None:
    "Fail listing every offender not in PENDING; fail on PENDING entries of this kind that no longer occur."
    new = {k: v for k, v in found.items() if k not in PENDING}
    assert not new, f"{len(new)} {what}:\n" + "\n".join(f"  {k}  ({'; '.join(v)})" for k, v in sorted(new.items()))


def _found_cycles(parsed) -> dict[str, list[str]]:
    graph = {m: {t for t, _, local in v.imports if not local and t in MODULES and t != m} for m, v in parsed.items()}
    out = {}
    for path in _cycles(graph):
        where = [f"{_rel(a)}:{next(l for t, l, loc in parsed[a].imports if t == b and not loc)}"
                 for a, b in zip(path, path[1:])]
        out["cycle:" + " -> ".join(path)] = where
    return out


def _found_local(parsed) -> dict[str, list[str]]:
    out = defaultdict(list)
    for m, v in parsed.items():
        for t, line, local in v.imports:
            key = f"{_rel(m)}:{t}"
            if local and t in MODULES and (m, t) not in LAZY_OK and f"line {line}" not in out[key]:
                out[key].append(f"line {line}")
    return dict(out)


def _found_private(parsed) -> dict[str, list[str]]:
    out = defaultdict(list)
    for m, v in parsed.items():
        for name, line in sorted(set(v.private)): out[f"{_rel(m)}:{name}"].append(f"line {line}")
    return dict(out)


def test_no_import_cycles(parsed):
    _report(_found_cycles(parsed), "import cycles among eegnb modules (module-level imports)")


def test_no_function_local_eegnb_imports(parsed):
    _report(_found_local(parsed), "function-local imports of eegnb modules (move them to the top of the module, or "
                                  "add to LAZY_OK with a reason if they pull an optional heavy dependency)")


def test_no_private_names_across_modules(parsed):
    _report(_found_private(parsed), "imports of another eegnb module's private names (make the helper public: a "
                                    "real name, a docstring, in __all__)")


def test_pending_and_lazy_ok_are_current(parsed):
    "Every PENDING / LAZY_OK entry still names a real violation, so the lists only shrink."
    found = {**_found_cycles(parsed), **_found_local(parsed), **_found_private(parsed)}
    stale = sorted(set(PENDING) - set(found))
    assert not stale, "PENDING entries that no longer occur (remove them):\n  " + "\n  ".join(stale)
    lazy = {(m, t) for m, v in parsed.items() for t, _, local in v.imports if local}
    stale = sorted(set(LAZY_OK) - lazy)
    assert not stale, f"LAZY_OK entries that no longer occur (remove them): {stale}"
    assert all(reason.strip() for reason in LAZY_OK.values()), "every LAZY_OK entry needs a reason"


IMPORT_ALL = r"""
import importlib, json, sys, time
mods, alone = json.loads(sys.argv[1]), sys.argv[2] == "alone"
failed = []
for m in mods:
    if alone:
        for k in [k for k in sys.modules if k == "eegnb" or k.startswith("eegnb.")]: del sys.modules[k]
    try: importlib.import_module(m)
    except Exception as e: failed.append(f"{m}: {type(e).__name__}: {e}")
print(json.dumps(failed))
"""


@pytest.mark.parametrize("order", ["shuffled", "alone"])
def test_every_module_imports_in_any_order(order):
    "One fresh interpreter per ordering; `alone` drops every eegnb module from `sys.modules` before each import."
    mods = sorted(MODULES)
    if order == "shuffled": random.Random(0).shuffle(mods)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-c", IMPORT_ALL, json.dumps(mods), order], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    failed = json.loads(r.stdout.strip().splitlines()[-1])
    assert not failed, f"{len(failed)} modules fail to import ({order}):\n  " + "\n  ".join(failed)


def _notebook(mod: str) -> str:
    "The notebook a module is exported from (its `File to edit:` header), as its file stem."
    head = FILES[mod].read_text().split("\n", 4)[:4]
    for line in head:
        if "File to edit:" in line: return Path(line.split("File to edit:")[1].strip().rstrip(".")).stem
    return ""


def test_notebook_order_is_import_order(parsed):
    """`ls nbs/` reads as the architecture: a module imports only modules whose notebooks sort before its own.
    A package `__init__` (a re-export facade) counts as the last notebook of what it imports."""
    nb = {m: _notebook(m) for m in MODULES}
    is_pkg = {m: FILES[m].name == "__init__.py" for m in MODULES}
    key: dict[str, str] = {}
    def rank(m: str, seen=()) -> str:
        if m in key: return key[m]
        k = nb[m]
        if is_pkg[m]:
            for t, _, local in parsed[m].imports:
                if not local and t in MODULES and t != m and t.startswith(m + ".") and t not in seen:
                    k = max(k, rank(t, seen + (m,)))
        key[m] = k
        return k
    bad = []
    for m, v in parsed.items():
        if is_pkg[m] or not nb[m]: continue
        for t, line, local in v.imports:
            if local or t not in MODULES or t == m: continue
            if rank(t) >= nb[m] and not m.startswith(t + "."):
                bad.append(f"{_rel(m)}:{line} ({nb[m]}) imports {t} ({rank(t)})")
    assert not bad, "imports of notebooks numbered later:\n  " + "\n  ".join(sorted(set(bad)))
