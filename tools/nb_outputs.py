#!/usr/bin/env python
"""Run notebooks as `nbdev_test` does and commit the small, deterministic outputs of their example cells.

    python tools/nb_outputs.py nbs/22_preprocess.signal.ipynb [more.ipynb ...]

Cells are executed with the same skips as `nbdev_test` (`#| eval: false`, the `slow` and `gpu` flags; `shared` cells
run when `EEGNB_SHARED_DATA` is set). An output is kept only where a reader gains from it and the file stays clean:
not on exported cells, text or markdown only (stdout, `repr`s, `show_doc`; a display with an HTML or image part
is a figure and is dropped whole), at most `MAX_LINES` lines and
`MAX_CHARS` characters per cell, and no machine-local path (a folder of this machine, the data setting). Everything
else (plotly/HTML/images, stderr warnings, long tables) is dropped, so a rerun changes only what it printed.
The notebook is written back and cleaned with `nbdev_clean`."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.process import NBProcessor
from nbdev.frontmatter import FrontmatterProc

MAX_LINES, MAX_CHARS = 30, 3000
KEEP_MIME = ("text/plain", "text/markdown")
SKIP_FLAGS = {"slow", "gpu"} | (set() if os.environ.get("EEGNB_SHARED_DATA") else {"shared"})
LOCAL = [p for p in {"/work/", "/root/", "/tmp/", "/home/", "/Users/", str(Path.home()) + "/",
                     os.environ.get("EEGNB_SHARED_DATA", ""), os.environ.get("EEGNB_DATA", "")} if len(p) > 2]
ADDRESS = re.compile(r" at 0x[0-9a-f]{6,}")


def _skip(cell) -> bool:
    if cell.cell_type != "code" or "nbdev_export(" in cell.source: return True
    d = getattr(cell, "directives_", {}) or {}
    return d.get("eval:", [""])[0].lower() == "false" or bool(SKIP_FLAGS & d.keys())


def _text(out: dict) -> str:
    if out.get("output_type") == "stream": return "".join(out.get("text", ""))
    return "".join("".join(v) if isinstance(v, list) else str(v) for k, v in out.get("data", {}).items() if k in KEEP_MIME)


def keep_outputs(source: str, outputs: list[dict]) -> list[dict]:
    "The outputs of one cell worth committing (see the module docstring), or [] for none."
    if source.lstrip().startswith(("#| export", "#|export", "#| exporti")): return []
    kept = []
    for o in outputs:
        t = o.get("output_type")
        if t == "stream" and o.get("name") != "stdout": continue
        if t in ("execute_result", "display_data"):
            data = {k: v for k, v in o.get("data", {}).items() if k in KEEP_MIME}
            if not data or set(o.get("data", {})) - set(KEEP_MIME): continue    # figures, HTML, widgets: not text
            o = {**o, "data": data, "metadata": {}}
        elif t != "stream": continue
        kept.append(o)
    text = "".join(_text(o) for o in kept)
    if (not text.strip() or text.count("\n") > MAX_LINES or len(text) > MAX_CHARS or ADDRESS.search(text)
            or any(p in text for p in LOCAL)):
        return []
    return kept


def run(path: Path) -> int:
    "Execute `path`, write the kept outputs into it; returns how many cells show an output."
    nb = NBProcessor(path, procs=FrontmatterProc, process=True).nb
    shell = CaptureShell(path)
    with working_directory(path.parent):
        shell.run_all(nb, exc_stop=True, preproc=_skip)
    outs = {c.id: [dict(o) for o in c.get("outputs", [])] for c in nb.cells if c.cell_type == "code" and "id" in c}
    raw = json.loads(path.read_text())
    n = 0
    for cell in raw["cells"]:
        if cell["cell_type"] != "code": continue
        cell["outputs"] = keep_outputs("".join(cell["source"]), outs.get(cell.get("id"), []))
        n += bool(cell["outputs"])
    path.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n")
    subprocess.run(["nbdev_clean", "--fname", str(path)], check=True)
    return n


if __name__ == "__main__":
    os.environ.setdefault("IN_TEST", "1")
    for p in sys.argv[1:]:
        print(f"{p}: {run(Path(p))} cells with outputs", flush=True)
