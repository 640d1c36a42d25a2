#!/usr/bin/env python
"""Compare the numbers of two report runs: every result table (`reports/_build/<profile>/*.csv`) and every table or
text the executed notebooks display, cell by cell.

    python tools/compare_reports.py OLD_BUILD_DIR NEW_BUILD_DIR [--rtol 1e-9]

A build dir is what `eegnb report --profile P` leaves in `reports/_build/P/` (run it once at the commit before a
change and once after, e.g. from two git worktrees); a folder of rendered pages (`reports/html/P/`) compares the
tables of each page. Durations, dates, paths and stderr (progress bars, warnings) are
not compared. Prints one line per differing table and ends with a summary line; exits 1 when anything differs.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

VOLATILE = re.compile(r"(\d+(\.\d+)?\s*(s|min|seconds)\b)|(\d{4}-\d\d-\d\dT?[\d:.]*)|(/[\w.-]+)+/?|"
                      r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")   # + plotly div ids
TIMING = re.compile(r"time \(s\)|training time|duration|elapsed|seconds", re.I)


def _close(a, b, rtol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b): return True
        return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12)
    if isinstance(a, str) and isinstance(b, str): return VOLATILE.sub("", a) == VOLATILE.sub("", b)
    return a == b


def compare_frames(old: pd.DataFrame, new: pd.DataFrame, rtol: float) -> list[str]:
    "Differences between two tables: shape, columns, then cells (numbers to `rtol`)."
    if list(old.columns) != list(new.columns):
        return [f"columns differ: {sorted(set(old.columns) ^ set(new.columns))}"]
    if old.shape != new.shape: return [f"shape {old.shape} -> {new.shape}"]
    out = []
    for c in old.columns:
        a, b = old[c].tolist(), new[c].tolist()
        bad = [i for i, (x, y) in enumerate(zip(a, b)) if not _close(x, y, rtol)]
        if bad:
            i = bad[0]
            out.append(f"column {c!r}: {len(bad)} of {len(a)} cells differ (first: row {i}: {a[i]!r} -> {b[i]!r})")
    return out


def _outputs(nb_path: Path) -> list[tuple[str, str]]:
    "(place, text) of each displayed table or text of an executed notebook, stderr and timings left out."
    nb = json.loads(nb_path.read_text())
    out = []
    for k, cell in enumerate(nb.get("cells", [])):
        for j, o in enumerate(cell.get("outputs", [])):
            if o.get("output_type") == "stream" and o.get("name") == "stderr": continue
            data = o.get("data", {})
            text = data.get("text/html") or data.get("text/markdown") or data.get("text/plain") or o.get("text")
            if text is None: continue
            text = ("".join(text) if isinstance(text, list) else str(text)).replace("\\u002f", "/")
            if TIMING.search(text) and "<table" not in text and "Plotly" not in text: continue   # wall-clock times
            out.append((f"cell {k} output {j}", text))
    return out


class _TableParser(HTMLParser):
    "The cell texts of every `<table>` of an HTML fragment (the standard library's parser: no lxml needed)."
    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell = [], None, None
    def handle_starttag(self, tag, attrs):
        if tag == "table": self.tables.append([])
        elif tag == "tr" and self.tables: self._row = []
        elif tag in ("td", "th") and self._row is not None: self._cell = []
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split())); self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row); self._row = None
    def handle_data(self, data):
        if self._cell is not None: self._cell.append(data)


def _number(v: str):
    try: return float(v)
    except ValueError: return v


def _tables(text: str) -> list[pd.DataFrame]:
    "Every table of an HTML output as a DataFrame of cells (numbers as floats)."
    if "<table" not in text: return []
    p = _TableParser(); p.feed(text)
    return [pd.DataFrame([[_number(c) for c in r] for r in t]) for t in p.tables]


def compare_dirs(old: Path, new: Path, rtol: float = 1e-9) -> tuple[int, list[str]]:
    "Number of items compared and the list of differences between two report build dirs."
    n, diffs = 0, []
    for f in sorted(old.glob("*.csv")):
        g = new / f.name
        if not g.exists(): diffs.append(f"{f.name}: missing in the new run"); continue
        n += 1
        diffs += [f"{f.name}: {d}" for d in compare_frames(pd.read_csv(f), pd.read_csv(g), rtol)]
    for f in sorted(old.glob("*.html")):                       # rendered pages: their tables
        g = new / f.name
        if f.name == "index.html" or not g.exists(): continue
        fa, fb = _tables(f.read_text()), _tables(g.read_text())
        n += len(fa)
        if len(fa) != len(fb): diffs.append(f"{f.name}: {len(fa)} tables -> {len(fb)}"); continue
        for k, (x, y) in enumerate(zip(fa, fb)):
            diffs += [f"{f.name} table {k}: {d}" for d in compare_frames(x, y, rtol)]
    for f in sorted(old.glob("*.ipynb")):
        g = new / f.name
        if not g.exists(): diffs.append(f"{f.name}: missing in the new run"); continue
        a, b = _outputs(f), _outputs(g)
        if len(a) != len(b): diffs.append(f"{f.name}: {len(a)} displayed outputs -> {len(b)}"); continue
        for (place, ta), (_, tb) in zip(a, b):
            n += 1
            fa, fb = _tables(ta), _tables(tb)
            if fa or fb:
                if len(fa) != len(fb): diffs.append(f"{f.name} {place}: {len(fa)} tables -> {len(fb)}"); continue
                for x, y in zip(fa, fb):
                    diffs += [f"{f.name} {place}: {d}" for d in compare_frames(x, y, rtol)]
            elif VOLATILE.sub("", ta) != VOLATILE.sub("", tb):
                la, lb = VOLATILE.sub("", ta).splitlines(), VOLATILE.sub("", tb).splitlines()
                first = next((f"{x[:80]!r} -> {y[:80]!r}" for x, y in zip(la, lb) if x != y), f"{len(la)} -> {len(lb)} lines")
                diffs.append(f"{f.name} {place}: text differs ({first})")
    return n, diffs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("old", type=Path); p.add_argument("new", type=Path)
    p.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance for numbers (default 1e-9)")
    a = p.parse_args(argv)
    n, diffs = compare_dirs(a.old, a.new, a.rtol)
    for d in diffs: print(d)
    print(f"compare_reports: {n} tables and outputs compared, {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
