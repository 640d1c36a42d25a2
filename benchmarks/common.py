"""Shared helpers for the benchmarks: where the data is, and how results are written."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path

from eegnb.report import publish_paths

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def eegmat_dir() -> Path:
    "EEGMAT files: EEGNB_DATA/eegmat, else the shared mirror beside the clone, else the demo subset."
    for d in (os.environ.get("EEGNB_DATA"), REPO.parent / "shared" / "data"):
        if d and (Path(d) / "eegmat").is_dir():
            return Path(d)
    return REPO / "demo_data"


def machine() -> dict:
    "What ran the benchmark."
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def write_result(name: str, figures: dict, summary: str) -> Path:
    "Write benchmarks/results/<name>.json (figures, commit, machine, time) and print the summary line last."
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(publish_paths(json.dumps({"benchmark": name, "figures": figures, "commit": commit(),
                                             "machine": machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                             "summary": summary}, indent=1, default=float)))   # no machine-local folders
    print(summary)
    return out
