"""Hypothesis strategies for valid endpoint configurations, canary secrets, chunking settings and inputs.

Every strategy is a small function with keyword-only options returning a ``SearchStrategy``. Realistic
values (ids, resource names, sentences) come from a Faker instance reseeded with a drawn integer on every
use, so a value is a pure function of the hypothesis draw: one hypothesis seed reproduces it in any run,
process or thread; shrinking moves that integer (and the drawn sizes) towards 0.

Nothing here reads the clock, ``uuid`` or a shared random generator: canary secrets are hypothesis draws
(the runner then appends a token derived from the seed and the case to make them unique per case).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from faker import Faker
from hypothesis import strategies as st

from contract.profiles import Profile
from harness.gen.cases import EndpointCase

__all__ = [
    "BEDROCK_MODELS",
    "OPENAI_CHAT_MODELS",
    "OPENAI_EMBEDDING_MODELS",
    "REGIONS",
    "aws_access_key",
    "aws_secret_key",
    "bedrock_regions",
    "chunk_text",
    "chunking_settings",
    "endpoint",
    "entra_token",
    "faker_text",
    "inference_id",
    "inputs",
    "openai_key",
]

OPENAI_EMBEDDING_MODELS: tuple[str, ...] = ("text-embedding-3-small", "text-embedding-3-large")
OPENAI_CHAT_MODELS: tuple[str, ...] = ("gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo")
#: Bedrock provider -> task -> model ids the Bedrock mock serves.
BEDROCK_MODELS: dict[str, dict[str, tuple[str, ...]]] = {
    "amazontitan": {
        "text_embedding": ("amazon.titan-embed-text-v2:0", "amazon.titan-embed-text-v1"),
        "completion": ("amazon.titan-text-express-v1",),
    },
    "cohere": {"text_embedding": ("cohere.embed-english-v3",), "completion": ("cohere.command-r-v1:0",)},
    "anthropic": {"completion": ("anthropic.claude-3-haiku-20240307-v1:0",)},
    "ai21labs": {"completion": ("ai21.jamba-1-5-mini-v1:0",)},
    "meta": {"completion": ("meta.llama3-8b-instruct-v1:0",)},
    "mistral": {"completion": ("mistral.mistral-7b-instruct-v0:2",)},
}
#: AWS regions drawn for Bedrock endpoints (an embedded Bedrock mock accepts all of them).
REGIONS: tuple[str, ...] = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
_API_VERSIONS = ("2024-02-01", "2024-06-01", "2024-10-21")
_HEX = "0123456789abcdef"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


_LOCAL = threading.local()


def _thread_faker() -> Faker:
    fake = getattr(_LOCAL, "faker", None)
    if fake is None:
        fake = _LOCAL.faker = Faker("en_US")
    return fake


@functools.lru_cache(maxsize=8192)
def _fake(kind: str, n: int) -> str:
    # One Faker per thread (building one costs ~1 ms), reseeded on every call: the value depends on ``n``
    # only, never on what this thread generated before (a cached, advancing Faker would make a second run
    # in the same process, or two worker threads, draw different values for the same seed).
    fake = _thread_faker()
    fake.seed_instance(n)
    return str(getattr(fake, kind)())


def faker_text(kind: str) -> st.SearchStrategy[str]:
    """A Faker value of ``kind`` (``"word"``, ``"sentence"``, ``"company"``, ``"user_name"``…): a pure
    function of a drawn integer (shrinks towards the value of seed 0).

    Raises:
        ValueError: Faker has no provider ``kind``.
    """
    if kind.startswith("_") or not hasattr(_thread_faker(), kind):
        raise ValueError(f"Faker has no provider {kind!r}")
    return st.integers(0, 2**20).map(lambda n: _fake(kind, n))


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return "-".join(p for p in out.split("-") if p) or "x"


def inference_id(*, prefix: str = "h") -> st.SearchStrategy[str]:
    """A valid inference id: ``prefix`` + a Faker slug (lowercase, '-' or '_' separated)."""
    sep = st.sampled_from(["-", "_"])
    return st.tuples(faker_text("word"), faker_text("word"), sep).map(
        lambda t: f"{prefix}{t[2]}{_slug(t[0])}{t[2]}{_slug(t[1])}".replace("-", t[2])
    )


def openai_key() -> st.SearchStrategy[str]:
    """A canary OpenAI key ``sk-canary-<hex>`` (16 hex digits)."""
    return st.text(_HEX, min_size=16, max_size=16).map(lambda h: f"sk-canary-{h}")


def entra_token() -> st.SearchStrategy[str]:
    """A canary Entra ID token (JWT-looking, unique hex inside)."""
    return st.text(_HEX, min_size=24, max_size=24).map(lambda h: f"eyJcanary.{h}.entra")


def aws_access_key() -> st.SearchStrategy[str]:
    """A canary AWS access key id ``AKIACANARY`` + 6 base32 characters (``uniquify`` appends more)."""
    return st.text(_UPPER, min_size=6, max_size=6).map(lambda s: f"AKIACANARY{s}")


def aws_secret_key() -> st.SearchStrategy[str]:
    """A canary AWS secret access key (40 characters, starts ``canarySecret``)."""
    return st.text(_HEX, min_size=28, max_size=28).map(lambda h: f"canarySecret{h}")


def chunking_settings(profile: Profile, *, boundaries: bool = True) -> st.SearchStrategy[dict[str, Any] | None]:
    """Valid ``chunking_settings`` for ``profile`` (``None`` = omitted, so the default applies).

    With ``boundaries`` the sizes are drawn from the bounds themselves half of the time
    (min, cap, overlap = max/2, sentence_overlap 0/1), else uniformly in range.
    """
    # st.builds(dict), not st.just({}): a fresh object per example, never one dict shared by every case
    options: list[st.SearchStrategy[dict[str, Any] | None]] = [st.none(), st.builds(dict)]

    def size(strategy: str) -> st.SearchStrategy[int]:
        b = profile.chunking_bounds[strategy]
        hi = b.max_max_chunk_size or 500
        uniform = st.integers(b.min_max_chunk_size, hi)
        edges = st.sampled_from([b.min_max_chunk_size, hi])
        return st.one_of(edges, uniform) if boundaries else uniform

    if "word" in profile.chunking_strategies:
        options.append(
            size("word").flatmap(
                lambda m: st.one_of(st.just(m // 2), st.integers(1, m // 2)).map(
                    lambda o: {"strategy": "word", "max_chunk_size": m, "overlap": o}
                )
            )
        )
    if "sentence" in profile.chunking_strategies:
        options.append(
            st.tuples(size("sentence"), st.sampled_from([None, 0, 1])).map(
                lambda t: (
                    {"strategy": "sentence", "max_chunk_size": t[0]}
                    | ({} if t[1] is None else {"sentence_overlap": t[1]})
                )
            )
        )
    if "none" in profile.chunking_strategies:
        options.append(st.just({"strategy": "none"}))
    return st.one_of(*options)


def chunk_text(*, words: int) -> st.SearchStrategy[str]:
    """A text of at least ``words`` words for the chunked (``semantic_text``) path: sentences of 3-25 words
    ``W<n> w<n+1> … w<m>.`` joined by single spaces (shrinks towards 3-word sentences).

    Only ASCII letters/digits, single spaces and sentence-final periods, so counting ``[A-Za-z0-9]+`` runs
    gives exactly the words ES's ICU word iterator counts (es-inference.md §4.1); every sentence starts with
    a capital because ICU does not break a sentence before a lower-case letter (UAX #29 SB8), so the
    sentence chunker really packs and overlaps sentences instead of word-splitting one long sentence.
    """
    if words < 1:
        raise ValueError(f"words must be >= 1, got {words}")

    def build(lengths: list[int]) -> str:
        out, n, i = [], 0, 0
        while n < words:
            k = lengths[i % len(lengths)]
            out.append(" ".join(f"{'W' if j == 0 else 'w'}{n + j}" for j in range(k)) + ".")
            n, i = n + k, i + 1
        return " ".join(out)

    return st.lists(st.integers(3, 25), min_size=3, max_size=12).map(build)


def _rate_limit() -> st.SearchStrategy[dict[str, Any] | None]:
    # high values: a real cluster throttles to the configured rate and the harness must not slow down
    return st.one_of(st.none(), st.integers(1000, 100_000).map(lambda n: {"requests_per_minute": n}))


def _openai(task_type: str, mock_url: str | None) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
    path = "/v1/embeddings" if task_type == "text_embedding" else "/v1/chat/completions"
    models = OPENAI_EMBEDDING_MODELS if task_type == "text_embedding" else OPENAI_CHAT_MODELS
    base = {
        "api_key": openai_key(),
        "model_id": st.sampled_from(models),
        "url": st.just((mock_url or "https://api.openai.com") + path),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "organization_id": faker_text("company").map(lambda c: "org-" + _slug(c)),
        "rate_limit": _rate_limit(),
    }
    if task_type == "text_embedding":
        optional["dimensions"] = st.integers(1, 64)
        optional["similarity"] = st.sampled_from(["cosine", "dot_product", "l2_norm"])
    return st.tuples(
        st.fixed_dictionaries(base, optional=optional),
        st.fixed_dictionaries({}, optional={"user": faker_text("user_name")}),
    )


def _azure(task_type: str, resource: str | None = None) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
    secret = st.one_of(
        openai_key().map(lambda k: {"api_key": k.replace("sk-canary-", "azcanary")}),
        entra_token().map(lambda t: {"entra_id": t}),
    )
    base = {
        "resource_name": st.just(resource) if resource else faker_text("word").map(lambda w: _slug(w) + "-res"),
        "deployment_id": faker_text("word").map(lambda w: _slug(w) + "-dep"),
        "api_version": st.sampled_from(_API_VERSIONS),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {"rate_limit": _rate_limit()}
    if task_type == "text_embedding":
        optional["dimensions"] = st.integers(1, 64)
        optional["similarity"] = st.sampled_from(["cosine", "dot_product", "l2_norm"])
    settings = st.tuples(secret, st.fixed_dictionaries(base, optional=optional)).map(lambda t: {**t[0], **t[1]})
    return st.tuples(settings, st.fixed_dictionaries({}, optional={"user": faker_text("user_name")}))


def bedrock_regions(announced: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The regions drawn for Bedrock endpoints: :data:`REGIONS`, narrowed to those a Bedrock mock announces
    it answers for (its ``/__admin/health``), so a mock started with ``--region us-east-1`` is only given
    endpoints it can verify; :data:`REGIONS` when the mock does not say or answers for all of them."""
    if not announced:
        return REGIONS
    return tuple(r for r in REGIONS if r in announced) or tuple(announced)


def _bedrock(
    profile: Profile, task_type: str, regions: tuple[str, ...] = REGIONS
) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
    providers = [
        p
        for p in profile.bedrock_providers_by_task.get(task_type, ())
        if task_type in BEDROCK_MODELS.get(p, {}) or (task_type == "chat_completion" and p in BEDROCK_MODELS)
    ]

    def for_provider(provider: str) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
        models = BEDROCK_MODELS[provider].get(task_type) or BEDROCK_MODELS[provider]["completion"]
        settings = st.fixed_dictionaries(
            {
                "access_key": aws_access_key(),
                "secret_key": aws_secret_key(),
                "region": st.sampled_from(regions),
                "model": st.sampled_from(models),
                "provider": st.just(provider),
            },
            optional={"rate_limit": _rate_limit()},
        )
        if task_type == "text_embedding":
            return st.tuples(settings, st.just({}))
        unit = st.floats(0.0, 1.0, allow_nan=False).map(lambda f: round(f, 2))
        task_opt: dict[str, st.SearchStrategy[Any]] = {
            "temperature": unit,
            "top_p": unit,
            "max_new_tokens": st.integers(1, 256),
        }
        if provider in profile.bedrock_top_k_providers:
            task_opt["top_k"] = unit
        return st.tuples(settings, st.fixed_dictionaries({}, optional=task_opt))

    # cached: flatmap calls for_provider on every draw, and a new strategy object costs hypothesis its
    # properties again; the same provider gives the same strategy either way
    return st.sampled_from(providers).flatmap(functools.cache(for_provider))


def inputs(task_type: str, *, max_inputs: int = 4) -> st.SearchStrategy[list[str]]:
    """Inference inputs: Faker sentences; exactly one for completion/chat_completion, 1..``max_inputs``
    otherwise (shrinks to one short sentence)."""
    sentence = faker_text("sentence")
    if task_type == "text_embedding":
        return st.lists(sentence, min_size=1, max_size=max_inputs)
    return st.lists(sentence, min_size=1, max_size=1)


def endpoint(
    profile: Profile,
    service: str,
    task_type: str,
    *,
    openai_url: str | None = None,
    chunking: bool = True,
    regions: tuple[str, ...] = (),
    azure_resource: str | None = None,
) -> st.SearchStrategy[EndpointCase]:
    """A valid endpoint for ``service`` × ``task_type`` in ``profile`` with fresh canary secrets.

    Args:
        openai_url: base URL of the OpenAI mock (``url`` becomes ``<openai_url>/v1/embeddings`` or
            ``…/v1/chat/completions``).
        chunking: draw ``chunking_settings`` for text_embedding (else omit them).
        regions: the regions the Bedrock mock answers for (see :func:`bedrock_regions`; empty: all).
        azure_resource: the Azure ``resource_name`` of every endpoint (``--azure-resource``; None: drawn).

    Raises:
        ValueError: the profile does not support ``task_type`` on ``service``.
    """
    if not profile.supports(service, task_type):
        raise ValueError(f"{service} does not support {task_type} in {profile.version}")
    if service == "openai":
        parts = _openai(task_type, openai_url)
    elif service == "azureopenai":
        parts = _azure(task_type, azure_resource)
    elif service == "amazonbedrock":
        parts = _bedrock(profile, task_type, bedrock_regions(regions))
    else:
        raise ValueError(f"unknown service {service!r}")
    chunks: st.SearchStrategy[dict[str, Any] | None] = (
        chunking_settings(profile) if chunking and task_type == "text_embedding" else st.none()
    )

    def build(t: tuple[str, tuple[dict[str, Any], dict[str, Any]], dict[str, Any] | None, list[str]]) -> EndpointCase:
        ident, (settings, task_settings), chunk, texts = t
        settings = {k: v for k, v in settings.items() if v is not None}
        body: dict[str, Any] = {"service": service, "service_settings": settings}
        if task_settings:
            body["task_settings"] = task_settings
        if chunk is not None:
            body["chunking_settings"] = chunk
        return EndpointCase(service, task_type, ident, body, texts)

    return st.tuples(inference_id(), parts, chunks, inputs(task_type)).map(build)
