"""`eegnb.data.fetch` against an HTTP server on 127.0.0.1 serving copies of real files."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

import eegnb.data as ed
from eegnb.core import DataError
from eegnb.data.manifest import sha256_file
from conftest import DEMO

pytestmark = pytest.mark.network

GOOD, BAD = "Subject01_2.edf", "Subject00_2.edf"


@pytest.fixture
def server(tmp_path):
    "Serve a folder over HTTP on loopback: a good copy, and a file whose bytes differ from its manifest entry."
    site = tmp_path / "site"
    site.mkdir()
    (site / GOOD).write_bytes((DEMO / "eegmat" / GOOD).read_bytes())
    b = bytearray((DEMO / "eegmat" / BAD).read_bytes()); b[60_000] ^= 0xFF
    (site / BAD).write_bytes(bytes(b))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture
def manifests(tmp_path, monkeypatch, server):
    "A manifest folder whose eegmat-like dataset downloads from the local server."
    mdir = tmp_path / "manifests"; mdir.mkdir()
    rows = []
    for f in (GOOD, BAD):
        p = DEMO / "eegmat" / f
        rows.append(f"  - {{path: {f}, bytes: {p.stat().st_size}, sha256: {sha256_file(p)}}}")
    (mdir / "local.yaml").write_text(
        "name: local\nkind: public\nfolder: local\ndownload: {base_url: '" + server + "', access: open}\nfiles:\n"
        + "\n".join(rows) + "\n")
    monkeypatch.setenv("EEGNB_MANIFESTS", str(mdir))
    return mdir


def test_fetch_verifies_and_is_idempotent(tmp_path, manifests):
    data = tmp_path / "data"
    [p] = ed.fetch("local", [GOOD], data_dir=data, progress=False)
    assert p == data / "local" / GOOD and sha256_file(p) == sha256_file(DEMO / "eegmat" / GOOD)
    mtime = p.stat().st_mtime_ns
    ed.fetch("local", [GOOD], data_dir=data, progress=False)          # already there and intact: untouched
    assert p.stat().st_mtime_ns == mtime


def test_checksum_mismatch_leaves_nothing(tmp_path, manifests):
    data = tmp_path / "data"
    with pytest.raises(DataError, match=r"does not match the local manifest's sha256.*nothing was written"):
        ed.fetch("local", [BAD], data_dir=data, progress=False)
    leftovers = list((data / "local").iterdir()) if (data / "local").exists() else []
    assert leftovers == [], leftovers                                  # no partial or temporary file


def test_unlisted_and_unreachable(tmp_path, manifests):
    with pytest.raises(DataError, match="not listed in the local manifest"):
        ed.fetch("local", ["nope.edf"], data_dir=tmp_path / "data", progress=False)


def test_no_per_file_download(tmp_path):
    m = ed.load_manifest("tuab")
    assert (m.meta.get("download") or {}).get("base_url") is None
    with pytest.raises(DataError, match="not listed|cannot be downloaded"):
        ed.fetch("tuab", ["x.edf"], data_dir=tmp_path, progress=False)
