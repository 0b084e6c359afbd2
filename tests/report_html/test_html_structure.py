"""The HTML report: parsed with the standard library and checked for structure, escaping and redaction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from html_sample import BODY_SECRET, CANARY, HOSTILE  # type: ignore[import-not-found]

from harness.report.html import render_html, write_html
from harness.report.model import RunReport
from harness.report.redact import Redactor
from mocks.core.secrets import fingerprint

_VOID = {"meta", "input", "br", "img", "link", "wbr", "hr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def iter(self, tag: str | None = None):  # type: ignore[no-untyped-def]
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        out = []
        for node in self.iter(tag):
            if all(v in node.attrs.get(k.rstrip("_"), "").split() or node.attrs.get(k.rstrip("_")) == v
                   for k, v in attrs.items()):
                out.append(node)
        return out

    def all_text(self) -> str:
        return "".join(self.text) + "".join(c.all_text() for c in self.children)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"unbalanced </{tag}>, open: {[n.tag for n in self.stack]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].text.append(data)


def parse(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#root"], "unclosed elements"
    return builder.root


def test_document_is_self_contained_and_balanced(report: RunReport, redactor: Redactor, tmp_path: Path) -> None:
    path = write_html(report, tmp_path / "out" / "report.html", redactor=redactor)
    text = path.read_text(encoding="utf-8")
    root = parse(text)
    assert text.startswith("<!doctype html>")
    # No external resource of any kind: no src/href to a network or file, CSP forbids requests.
    for node in root.iter():
        for attr in ("src", "href"):
            value = node.attrs.get(attr)
            if value is not None:
                assert value.startswith("#"), f"<{node.tag} {attr}={value!r}> reaches outside the file"
    csp = [m for m in root.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0].attrs["content"]
    assert len(root.find_all("style")) == 1 and len(root.find_all("script")) == 1


def test_header_shows_profile_seed_target_and_totals(report: RunReport, redactor: Redactor) -> None:
    root = parse(render_html(report, redactor=redactor))
    header = root.find_all("header")[0]
    facts = {dt.all_text(): dd.all_text() for dt, dd in zip(header.find_all("dt"), header.find_all("dd"), strict=True)}
    assert facts["ES profile"] == "8.18"
    assert facts["Seed"] == "7"
    assert facts["Target"].startswith("http://127.0.0.1:9200")
    totals = {li.attrs["class"]: li.all_text() for li in header.find_all("ul", class_="totals")[0].find_all("li")}
    counts = report.counts
    for outcome, n in counts.items():
        assert re.search(rf"\b{n}\b", totals[f"o-{outcome}"]), (outcome, totals)
    assert "1 violation" in header.all_text()


def test_matrix_has_a_row_per_rule_and_a_column_per_service_and_task(report: RunReport, redactor: Redactor) -> None:
    root = parse(render_html(report, redactor=redactor))
    table, across = root.find_all("table", class_="matrix")
    rows = table.find_all("tr", class_="rule")
    # failing rules first, under their own group header
    assert [r.find_all("code")[0].all_text() for r in rows] == ["chunking.max_chunk_size.min", "secrets.never_returned"]
    groups = [th.all_text() for tr in table.find_all("tr", class_="group") for th in tr.find_all("th")]
    assert groups == ["failing rules", "secrets"]
    head = table.find_all("thead")[0]
    services = [th.all_text() for th in head.find_all("th", class_="svc")]
    assert services == ["openai", "azureopenai", "amazonbedrock"]  # no mostly empty "all services" column
    # 3 services x 2 task types data columns, each row as wide.
    assert all(len(r.find_all("td")) == 6 for r in rows)
    chunk = rows[0]
    cells = [td.attrs.get("data-o") for td in chunk.find_all("td")]
    assert cells == ["failed", "passed", "passed", "passed", "passed", "skipped"]
    # Colour is never alone: every cell carries a word and an aria-label.
    for td in chunk.find_all("td"):
        assert td.attrs.get("aria-label")
        assert td.all_text().strip()
    failed_link = chunk.find_all("td")[0].find_all("a")[0]
    assert failed_link.attrs["href"] == "#failure-1"
    assert "fail" in failed_link.all_text()
    # checks that do not depend on a service get a small table of their own
    assert [r.find_all("code")[0].all_text() for r in across.find_all("tr", class_="rule")] == [
        "id_format.invalid", "schema.get_response"]
    assert [td.attrs.get("data-o") for td in across.find_all("td")] == ["passed", "not_checked"]


def test_failures_come_before_the_matrix_and_not_applicable_starts_collapsed(report: RunReport,
                                                                            redactor: Redactor) -> None:
    root = parse(render_html(report, redactor=redactor))
    main = root.find_all("main")[0]
    assert [s.attrs["id"] for s in main.children if s.tag == "section"] == ["failures", "matrix"]
    boxes = {i.attrs["data-outcome"]: "checked" in i.attrs for i in root.find_all("input") if "data-outcome" in i.attrs}
    assert boxes == {"passed": True, "failed": True, "not_applicable": False, "not_checked": True, "skipped": True}


def test_failure_is_expandable_with_the_evidence(report: RunReport, redactor: Redactor) -> None:
    root = parse(render_html(report, redactor=redactor))
    details = root.find_all("details", class_="failure")
    assert len(details) == 1
    failure = details[0]
    assert failure.attrs["id"] == "failure-1"
    summary = failure.find_all("summary")[0].all_text()
    assert "chunking.max_chunk_size.min" in summary and "openai" in summary
    body = failure.all_text()
    assert "Expected" in body and "Seen" in body and "validation_exception" in body
    assert "PUT" in body and "/_inference/text_embedding/e1" in body  # the request
    assert "/v1/embeddings" in body and "fp-0123456789abcdef" in body  # the upstream call
    code = failure.find_all("code", id="failure-1-replay")[0]
    assert code.all_text().startswith("curl -X PUT")
    button = failure.find_all("button", class_="copy")[0]
    assert button.attrs["data-copy"] == "failure-1-replay"


def test_text_is_escaped(report: RunReport, redactor: Redactor) -> None:
    text = render_html(report, redactor=redactor)
    assert HOSTILE not in text
    assert "<img" not in text
    root = parse(text)
    assert len(root.find_all("script")) == 1  # only ours
    assert HOSTILE in root.find_all("details", class_="failure")[0].all_text()  # shown as text


def test_secrets_are_redacted(report: RunReport, redactor: Redactor) -> None:
    text = render_html(report, redactor=redactor)
    assert CANARY not in text
    assert fingerprint(CANARY) in text
    # A secret JSON field (in a body and quoted in the replay command) and a secret header are fingerprinted
    # even though the run's redactor does not know the value.
    assert BODY_SECRET not in text
    assert fingerprint(BODY_SECRET) in text
    assert "Bearer sk-" not in render_html(report)  # no redactor at all: the header rule still applies


def test_conformant_report_says_so(redactor: Redactor) -> None:
    from harness.report.model import Result

    ok = RunReport(es_version="9.1", target="http://es:9200", seed=1, embedded=False, started="t",
                   results=[Result("id_format.invalid", None, None, "passed")])
    root = parse(render_html(ok))
    assert "Conformant" in root.find_all("header")[0].all_text()
    assert "No rule was broken." in root.find_all("section", id="failures")[0].all_text()
    assert root.find_all("body")[0].attrs["data-verdict"] == "conformant"
