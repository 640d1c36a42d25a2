"""The main job end to end: every report template on the demo data (the reduced `smoke` profile), rendered to HTML
that a real browser opens with the network off, and a failing template reported, not hidden."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from eegnb.data.manifest import repo_root
from eegnb.report import chromium_path, check_offline_html, list_reports, remote_assets

ROOT = repo_root()


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    r = subprocess.run([sys.executable, "-m", "eegnb.cli", "report", "--profile", "smoke", "--out", str(out)],
                       capture_output=True, text=True, timeout=2400, cwd=ROOT)
    return out, r


def test_every_template_has_all_profiles():
    names = set(list_reports("demo"))
    assert {"cross_site", "ablation", "robustness", "data_overview"} <= names
    assert set(list_reports("full")) == names and set(list_reports("smoke")) == names


def test_smoke_profile_runs_every_report(smoke_run):
    out, r = smoke_run
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    index = json.loads((out / "index.json").read_text())
    assert [x["status"] for x in index["reports"]] == ["ok"] * len(list_reports("smoke"))
    assert index["commit"] and index["manifests"]["eegmat"] and index["libraries"]["torch"] != "missing"
    assets = list((out / "assets").glob("plotly-*.min.js"))
    assert len(assets) == 1                                    # plotly.js stored once, beside the pages
    for rep in index["reports"]:
        page = (out / rep["html"]).read_text()
        assert remote_assets(page) == [] and assets[0].name in page
        assert "plotly.js v" not in page                       # no page embeds its own copy of plotly.js


@pytest.mark.skipif(chromium_path() is None, reason="no chromium on PATH (Debian: apt install chromium)")
def test_pages_render_offline_in_chromium(smoke_run):
    out, r = smoke_run
    assert r.returncode == 0
    for page in sorted(out.glob("*.html")):
        res = check_offline_html(page)
        assert res["requests"] == [], (page.name, res["requests"])
        if page.name != "index.html":
            assert res["figures"] > 0 and res["rendered"] == res["figures"], (page.name, res)


def test_failing_template_is_reported(tmp_path, monkeypatch):
    import nbformat
    import eegnb.report as rp
    tdir, pdir = tmp_path / "templates", tmp_path / "params" / "demo"
    tdir.mkdir(); pdir.mkdir(parents=True)
    for name, code in {"good": "print(x)", "bad": "raise ValueError('the data are gone')"}.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}"),
                                             nbformat.v4.new_code_cell("x = 1\nprofile = 'demo'", metadata={"tags": ["parameters"]}),
                                             nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, tdir / f"{name}.ipynb")
        (pdir / f"{name}.yaml").write_text("x: 2\n")
    monkeypatch.setattr(rp, "templates_dir", lambda: tdir)
    monkeypatch.setattr(rp, "params_dir", lambda profile: tmp_path / "params" / profile)
    runs = rp.run_reports(profile="demo", out_dir=tmp_path / "html", progress=False)
    assert {r.name: r.status for r in runs} == {"bad": "failed", "good": "ok"}
    bad = next(r for r in runs if r.name == "bad")
    assert "the data are gone" in bad.error and (tmp_path / "html" / "bad.html").exists()
    index = (tmp_path / "html" / "index.html").read_text()
    assert "1 of 2 reports failed" in index and "the data are gone" in index
    rp.run_reports(["good"], profile="demo", out_dir=tmp_path / "html", progress=False)     # re-run one: the other stays listed
    index = json.loads((tmp_path / "html" / "index.json").read_text())
    assert [(r["name"], r["status"]) for r in index["reports"]] == [("bad", "failed"), ("good", "ok")]
    (pdir / "good.yaml").write_text("y: 2\n")
    with pytest.raises(ValueError, match=r"parameters \['y'\] are not in the template"):
        rp.run_report("good", "demo", out_dir=tmp_path / "html")


def test_published_pages_name_no_machine_local_folder():
    "Committed report pages and benchmark results write folders as `{data}`, `{demo}`, `{repo}`, never a home or work path."
    import re
    root = Path(__file__).resolve().parents[1]
    local = re.compile(r"(?<![\w.{])/(?:home|root|work|tmp|Users|mnt|scratch)/[\w.-]+")
    files = sorted((root / "reports/html/full").glob("*.html")) + sorted((root / "reports/html/full").glob("*.json")) \
        + sorted((root / "benchmarks/results").glob("*.json"))
    assert files
    bad = {f.relative_to(root).as_posix(): sorted(set(local.findall(f.read_text().replace("\\u002f", "/").replace("\\/", "/"))))[:3]
           for f in files}
    assert not {k: v for k, v in bad.items() if v}, bad
