"""tools/compare_reports.py finds a changed number in a result table and ignores timings."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

TOOL = Path(__file__).resolve().parents[1] / "tools" / "compare_reports.py"


def _run(a: Path, b: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), str(a), str(b)], capture_output=True, text=True)


def _nb(path: Path, html: str, stamp: str) -> None:
    cell = {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {"text/html": html}},
                                             {"output_type": "stream", "name": "stdout", "text": f"took {stamp}"}]}
    path.write_text(json.dumps({"cells": [cell]}))


def test_compare_reports(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(); b.mkdir()
    df = pd.DataFrame({"metric": ["auroc", "kappa"], "value": [0.75, 0.1]})
    df.to_csv(a / "scores.csv", index=False); df.to_csv(b / "scores.csv", index=False)
    _nb(a / "r.ipynb", df.to_html(), "12 s"); _nb(b / "r.ipynb", df.to_html(), "15 s")
    r = _run(a, b)
    assert r.returncode == 0 and "0 differences" in r.stdout, r.stdout
    df.assign(value=[0.75, 0.2]).to_csv(b / "scores.csv", index=False)
    r = _run(a, b)
    assert r.returncode == 1 and "column 'value': 1 of 2 cells differ" in r.stdout, r.stdout
