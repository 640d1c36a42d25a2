#!/usr/bin/env python3
"""Regenerate the trailing ``files:`` block of every dataset manifest in ``data_manifests/``.

Each manifest is hand-written YAML whose last top-level key is ``files:``. This script rewrites only that block:
everything above the ``files:`` line is left byte-for-byte unchanged. Sources:

* held datasets (``kind: held``): the rows of ``<shared>/MANIFEST.tsv`` whose dataset column equals the
  manifest's ``folder``, with the leading ``<folder>/`` stripped from each path. The metadata files (SOURCE.md,
  SHA256SUMS, MANIFEST.csv, ...) are included because they are part of the mirror.
* public datasets with a checksum list held in the shared data (PhysioNet's own ``SHA256SUMS.txt``):
  ``sleep_edfx`` and ``chbmit``. Sizes are unknown there, so ``bytes`` is null.
* every other public dataset: ``files: []``.

Entries are sorted by path and written as one flow mapping per line, so a second run changes nothing.

Usage::

    python tools/manifest_files.py                 # rewrite the files: blocks, one summary line per manifest
    python tools/manifest_files.py --check         # change nothing; exit 1 if any block is out of date
    python tools/manifest_files.py --verify        # also hash the held files on disk and compare with MANIFEST.tsv
    python tools/manifest_files.py --shared /path/to/shared/data

The shared data location is ``--shared``, else ``$EEGNB_SHARED_DATA``, else ``../shared/data`` next to the
repository root (resolved from this script's location). Needs Python 3.11 and PyYAML only.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MANIFESTS = REPO / "data_manifests"
DEFAULT_SHARED = REPO.parent / "shared" / "data"

# Public datasets whose upstream checksum list (PhysioNet's SHA256SUMS.txt) is held in the shared data.
PUBLIC_SHA256SUMS = {
    "sleep_edfx": "sleep_edf_hypnograms/SHA256SUMS.txt",
    "chbmit": "chbmit_clips/info/SHA256SUMS.txt",
}

FILES_LINE = re.compile(r"^files:", re.MULTILINE)
SHA256_RE = re.compile(r"[0-9a-f]{64}")
PLAIN_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+/-]*")


class ManifestError(Exception):
    """A manifest or a source list is malformed."""


@dataclass(frozen=True)
class Entry:
    path: str
    bytes: int | None
    sha256: str


# ---------------------------------------------------------------------------------------------------- sources
def check_relpath(path: str, where: str) -> str:
    """Reject anything that is not a clean relative POSIX path inside the dataset folder."""
    if not path or path.startswith("/") or "\\" in path or re.match(r"[A-Za-z]:", path):
        raise ManifestError(f"{where}: not a relative POSIX path: {path!r}")
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ManifestError(f"{where}: path has an empty, '.' or '..' segment: {path!r}")
    if any(ord(c) < 32 for c in path):
        raise ManifestError(f"{where}: control character in path: {path!r}")
    return path


def check_sha(sha: str, where: str) -> str:
    if not SHA256_RE.fullmatch(sha):
        raise ManifestError(f"{where}: not a lower-case sha256: {sha!r}")
    return sha


def read_manifest_tsv(shared: Path) -> dict[str, list[Entry]]:
    """MANIFEST.tsv rows grouped by dataset folder, paths relative to that folder."""
    tsv = shared / "MANIFEST.tsv"
    if not tsv.is_file():
        raise ManifestError(f"{tsv} not found (set --shared or EEGNB_SHARED_DATA)")
    out: dict[str, dict[str, Entry]] = {}
    with tsv.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if reader.fieldnames != ["dataset", "path", "bytes", "sha256"]:
            raise ManifestError(f"{tsv}: unexpected header {reader.fieldnames}")
        for lineno, row in enumerate(reader, start=2):
            where = f"{tsv.name}:{lineno}"
            folder, full = row["dataset"], row["path"]
            prefix = folder + "/"
            if not full.startswith(prefix):
                raise ManifestError(f"{where}: path {full!r} is not under {prefix!r}")
            rel = check_relpath(full[len(prefix):], where)
            entry = Entry(rel, int(row["bytes"]), check_sha(row["sha256"], where))
            seen = out.setdefault(folder, {})
            if rel in seen and seen[rel] != entry:
                raise ManifestError(f"{where}: conflicting duplicate row for {full!r}")
            seen[rel] = entry
    return {folder: sorted(rows.values(), key=lambda e: e.path) for folder, rows in out.items()}


def read_sha256sums(path: Path) -> list[Entry]:
    """Parse a ``<sha256> <path>`` list (one or two spaces, optional '*' binary marker); bytes unknown."""
    if not path.is_file():
        raise ManifestError(f"{path} not found")
    entries: dict[str, Entry] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{lineno}"
        m = re.fullmatch(r"([0-9a-fA-F]{64}) [ *]?(.+)", line.rstrip("\r"))
        if not m:
            raise ManifestError(f"{where}: cannot parse {line!r}")
        rel = check_relpath(m.group(2).strip(), where)
        entry = Entry(rel, None, check_sha(m.group(1).lower(), where))
        if rel in entries and entries[rel] != entry:
            raise ManifestError(f"{where}: conflicting duplicate for {rel!r}")
        entries[rel] = entry
    return sorted(entries.values(), key=lambda e: e.path)


def verify_on_disk(folder_dir: Path, entries: list[Entry]) -> list[str]:
    """Hash held files and compare with the list; return a list of problems."""
    problems = []
    for e in entries:
        p = folder_dir / e.path
        if not p.is_file():
            problems.append(f"missing: {p}")
            continue
        if e.bytes is not None and p.stat().st_size != e.bytes:
            problems.append(f"size differs: {p}")
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != e.sha256:
            problems.append(f"sha256 differs: {p}")
    return problems


# ---------------------------------------------------------------------------------------------------- writing
def yaml_scalar(text: str) -> str:
    """Plain scalar when YAML reads it back as the same string in a flow mapping, else double-quoted."""
    if PLAIN_SAFE.fullmatch(text):
        try:
            if yaml.safe_load("{k: %s}" % text) == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)  # JSON strings are valid YAML double-quoted scalars


def render_files(entries: list[Entry]) -> str:
    if not entries:
        return "files: []\n"
    lines = ["files:\n"]
    for e in entries:
        size = "null" if e.bytes is None else str(e.bytes)
        lines.append(f"  - {{path: {yaml_scalar(e.path)}, bytes: {size}, sha256: {yaml_scalar(e.sha256)}}}\n")
    return "".join(lines)


def split_manifest(text: str) -> str:
    """Return the hand-written head: everything before the last top-level ``files:`` line."""
    matches = list(FILES_LINE.finditer(text))
    if not matches:  # no files: block yet - append one
        return text if text.endswith("\n") or not text else text + "\n"
    return text[: matches[-1].start()]


def load_head(head: str, where: str) -> dict:
    try:
        data = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        raise ManifestError(f"{where}: hand-written part is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{where}: not a YAML mapping")
    return data


# ---------------------------------------------------------------------------------------------------- main
def entries_for(meta: dict, where: str, shared: Path, held_rows: dict[str, list[Entry]]) -> tuple[list[Entry], str]:
    kind, folder, name = meta.get("kind"), meta.get("folder"), meta.get("name")
    if kind == "held":
        if folder not in held_rows:
            raise ManifestError(f"{where}: no MANIFEST.tsv rows for folder {folder!r}")
        return held_rows[folder], "MANIFEST.tsv"
    if kind == "public":
        rel = PUBLIC_SHA256SUMS.get(name)
        if rel is None:
            return [], "none"
        return read_sha256sums(shared / rel), rel
    raise ManifestError(f"{where}: kind must be 'held' or 'public', got {kind!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=None,
                    help="shared data directory (default: $EEGNB_SHARED_DATA or ../shared/data next to the repo)")
    ap.add_argument("--manifests", type=Path, default=DEFAULT_MANIFESTS, help="manifest directory")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if any files: block is out of date")
    ap.add_argument("--verify", action="store_true", help="also hash held files on disk against MANIFEST.tsv")
    args = ap.parse_args(argv)

    shared = args.shared or Path(os.environ.get("EEGNB_SHARED_DATA") or DEFAULT_SHARED)
    shared = shared.resolve()
    manifests = sorted(args.manifests.glob("*.yaml"))
    if not manifests:
        print(f"no manifests in {args.manifests}", file=sys.stderr)
        return 2

    try:
        held_rows = read_manifest_tsv(shared)
        stale, problems = [], []
        for path in manifests:
            where = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
            text = path.read_text(encoding="utf-8")
            head = split_manifest(text)
            meta = load_head(head, where)
            if meta.get("name") != path.stem:
                raise ManifestError(f"{where}: name {meta.get('name')!r} differs from the file stem {path.stem!r}")
            entries, source = entries_for(meta, where, shared, held_rows)
            if args.verify and meta.get("kind") == "held":
                problems += verify_on_disk(shared / meta["folder"], entries)
            new = head + render_files(entries)
            # Round-trip: the files block must load back to exactly the entries.
            loaded = yaml.safe_load(new)["files"]
            expected = [{"path": e.path, "bytes": e.bytes, "sha256": e.sha256} for e in entries]
            if loaded != expected:
                raise ManifestError(f"{where}: files block does not round-trip")
            if new == text:
                status = "unchanged"
            elif args.check:
                stale.append(where)
                status = "OUT OF DATE"
            else:
                with path.open("w", encoding="utf-8", newline="\n") as fh:
                    fh.write(new)
                status = "updated"
            print(f"{meta['name']:<22} {meta['kind']:<6} {len(entries):>5} files  from {source:<38} {status}")
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    for p in problems:
        print(f"verify: {p}", file=sys.stderr)
    if problems:
        return 1
    if stale:
        print(f"{len(stale)} manifest(s) out of date; run python tools/manifest_files.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
