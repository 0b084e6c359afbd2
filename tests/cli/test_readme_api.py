"""The README's API notes say what the code does: required arguments are named, properties are properties and
methods are methods, and ``embedding_for`` gives the vector a mock returns."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import requests

from mocks.core import embedding_for
from mocks.core.journal import Journal
from mocks.openai import OpenAIMock

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
_TEXT = " ".join(README.split())  # README lines wrap


def test_embedding_for_is_shown_with_its_required_arguments() -> None:
    shown = re.search(r"embedding_for\(([^)]*)\)", _TEXT)
    assert shown, "README does not show embedding_for(...)"
    required = [name for name, p in inspect.signature(embedding_for).parameters.items()
                if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
    assert required == ["model", "dimensions"]
    for name in required:
        assert f"{name}=" in shown.group(1), f"README's embedding_for(...) omits the required {name}="


@pytest.mark.parametrize(("payload", "dimensions"), [({}, 1536), ({"dimensions": 8}, 8)], ids=["model-size", "asked"])
def test_embedding_for_gives_the_vector_the_mock_returns(payload: dict[str, int], dimensions: int) -> None:
    with OpenAIMock(seed=1) as mock:
        body = {"model": "text-embedding-3-small", "input": "hi", "encoding_format": "float", **payload}
        answer = requests.post(f"{mock.base_url}/embeddings", json=body, headers={"Authorization": "Bearer k"},
                               timeout=10).json()
    vector = answer["data"][0]["embedding"]
    assert vector == pytest.approx(embedding_for("hi", model="text-embedding-3-small", dimensions=dimensions, seed=1))


def test_journal_properties_and_methods_are_listed_as_such() -> None:
    properties = re.search(r"properties ((?:`journal\.\w+`(?:, | and )?)+)", _TEXT)
    methods = re.search(r"methods ((?:`journal\.\w+\([^`]*\)`(?:, | and )?)+)", _TEXT)
    assert properties and methods, "README does not list the journal's properties and methods"
    for name in re.findall(r"journal\.(\w+)`", properties.group(1)):
        assert isinstance(inspect.getattr_static(Journal, name), property), f"journal.{name} is not a property"
    listed = re.findall(r"journal\.(\w+)\(", methods.group(1))
    assert set(listed) >= {"count", "filter", "assert_called"}
    for name in listed:
        assert inspect.isfunction(inspect.getattr_static(Journal, name)), f"journal.{name} is not a method"
