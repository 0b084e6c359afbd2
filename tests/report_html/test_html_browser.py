"""The HTML report opened in a real headless Chromium: the script ran, the matrix and a failure are shown.

Saves a screenshot to ``reports/html-report.png`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from html_sample import CANARY  # type: ignore[import-not-found]

from harness.report.html import write_html
from harness.report.model import RunReport
from harness.report.redact import Redactor

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not installed (Debian: apt-get install chromium); scripts/test.sh installs it")


def _run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    cmd = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *args,
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.fixture
def page(report: RunReport, redactor: Redactor, tmp_path: Path) -> Path:
    return write_html(report, tmp_path / "report.html", redactor=redactor)


def test_dom_after_scripts(page: Path, tmp_path: Path) -> None:
    done = _run_chromium(tmp_path, "--virtual-time-budget=2000", "--dump-dom", page.as_uri())
    dom = done.stdout
    assert done.returncode == 0 and dom, done.stderr[-2000:]
    assert 'data-ready="1"' in dom, "the report's script did not run"
    # The script removed `hidden` from the toolbar and counted the rows it shows.
    assert 'id="toolbar" role="search" hidden' not in dom
    assert "Showing 4 of 4 rules, 1 of 1 failures" in dom
    assert 'class="matrix"' in dom and 'data-o="failed"' in dom
    assert 'id="failure-1"' in dom
    assert CANARY not in dom


def test_failure_link_opens_its_details(page: Path, tmp_path: Path) -> None:
    done = _run_chromium(tmp_path, "--virtual-time-budget=2000", "--dump-dom", page.as_uri() + "#failure-1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert '<details class="failure" id="failure-1"' in done.stdout
    opened = done.stdout.split('id="failure-1"', 1)[1].split(">", 1)[0]
    assert "open" in opened, "following #failure-1 did not expand the failure"


def test_screenshot(page: Path, tmp_path: Path) -> None:
    out = REPO / "reports" / "html-report.png"
    out.parent.mkdir(exist_ok=True)
    if out.exists():
        out.unlink()
    # Open the failure in the markup (a #fragment would scroll, and headless screenshots start at the top).
    opened = tmp_path / "opened.html"
    opened.write_text(page.read_text(encoding="utf-8").replace(
        '<details class="failure" id="failure-1"', '<details class="failure" id="failure-1" open', 1
    ), encoding="utf-8")
    done = _run_chromium(
        tmp_path, "--window-size=1280,1500", "--virtual-time-budget=2000", f"--screenshot={out}", opened.as_uri()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.is_file() and out.stat().st_size > 10_000, "no screenshot written"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# Runs after the report's own script; measures the laid-out page and leaves the figures in the DOM.
_PROBE = """<script>(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.rule"));
  var shown = rows.filter(function (r) { return r.getClientRects().length && r.getBoundingClientRect().height > 0; });
  var boxes = [];
  document.querySelectorAll("main, main *").forEach(function (el) {
    var s = getComputedStyle(el);
    if (/(auto|scroll)/.test(s.overflowY + s.overflowX) && el.scrollHeight > el.clientHeight + 1) {
      boxes.push(el.tagName.toLowerCase() + "." + el.className);
    }
  });
  var na = document.querySelector('td.c[data-o="not_applicable"] .txt');
  var order = Array.prototype.map.call(document.querySelectorAll("main > section"), function (s) { return s.id; });
  document.body.setAttribute("data-probe", JSON.stringify({
    rows: rows.length, shown: shown.length, boxes: boxes, first: rows[0].querySelector("code").textContent,
    na_text: na ? getComputedStyle(na).display : null, sections: order,
    rules: new Set(rows.map(function (r) { return r.querySelector("code").textContent; })).size,
    bottom: shown[shown.length - 1].getBoundingClientRect().bottom + window.scrollY,
    page: document.documentElement.scrollHeight
  }));
})();</script>"""


def test_full_run_shows_every_rule_row_without_an_inner_scroll_box(tmp_path: Path) -> None:
    import json

    from html_sample import make_full_report  # type: ignore[import-not-found]

    report = make_full_report()
    rule_ids = {r.rule_id for r in report.results}
    page = write_html(report, tmp_path / "full.html", redactor=Redactor([CANARY]))
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    done = _run_chromium(tmp_path, "--window-size=1280,900", "--virtual-time-budget=3000", "--dump-dom",
                         probed.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, "the probe did not run"
    probe = json.loads(html.unescape(found.group(1)))
    assert len(rule_ids) > 90 and probe["rules"] == len(rule_ids)
    assert probe["shown"] == probe["rows"] == len(rule_ids), probe  # every rule row laid out, none hidden
    assert probe["boxes"] == [], probe  # nothing scrolls inside the page: a full-page view holds the matrix
    assert probe["page"] >= probe["bottom"] > 900, probe  # the rows extend the page itself
    assert probe["sections"] == ["failures", "matrix"] and probe["first"] == "chunking.max_chunk_size.min", probe
    assert probe["na_text"] == "none", probe  # not-applicable cells collapsed to their symbol


_SCROLLED = """<script>setTimeout(function () {
  window.scrollTo(0, 2500);
  setTimeout(function () {
    var svc = document.querySelector("table.matrix thead th.svc").getBoundingClientRect();
    var task = document.querySelector("table.matrix thead tr:nth-child(2) th").getBoundingClientRect();
    var top = document.querySelector("header.top").getBoundingClientRect();
    document.body.setAttribute("data-probe", JSON.stringify(
      {y: window.scrollY, svc: svc.top, svc_h: svc.height, task: task.top, header: top.bottom}));
  }, 100);
}, 100);</script>"""


def test_matrix_column_headers_stay_under_the_page_header_when_scrolled(tmp_path: Path) -> None:
    import json

    from html_sample import make_full_report  # type: ignore[import-not-found]

    page = write_html(make_full_report(), tmp_path / "full.html")
    probed = tmp_path / "scrolled.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", _SCROLLED + "</body>"), encoding="utf-8")
    done = _run_chromium(tmp_path, "--window-size=1280,800", "--virtual-time-budget=3000", "--dump-dom",
                         probed.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, "the probe did not run"
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["y"] == 2500, probe  # the page itself scrolled
    assert probe["svc"] == pytest.approx(probe["header"], abs=1), probe  # services row right under the header
    assert probe["task"] == pytest.approx(probe["svc"] + probe["svc_h"], abs=1), probe  # task types under it
