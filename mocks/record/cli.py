"""``harness mock <provider> --record DIR --upstream URL`` / ``--replay DIR``: the arguments and the app.

Kept apart from :mod:`mocks.cli` so ``harness mock`` changes little: :func:`add_record_arguments` adds the
flags, :func:`check_record_arguments` rejects bad combinations (one line, exit 2), :func:`wrap_app` turns a
provider mock into its recorder or player.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import urlsplit

from mocks.core.app import MockApp

__all__ = [
    "add_compare_arguments",
    "add_record_arguments",
    "check_record_arguments",
    "describe",
    "run_compare",
    "wrap_app",
]


def add_record_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--record DIR``, ``--upstream URL``, ``--replay DIR`` and ``--timing``."""
    parser.add_argument(
        "--record",
        metavar="DIR",
        default=None,
        help="forward every request to --upstream and store each exchange in DIR as a JSON cassette "
        "(secrets removed; streams frame by frame)",
    )
    parser.add_argument(
        "--upstream",
        metavar="URL",
        default=None,
        help="with --record: where to forward (the real provider, e.g. https://api.openai.com, or any URL)",
    )
    parser.add_argument(
        "--replay",
        metavar="DIR",
        default=None,
        help="answer from the cassettes in DIR (matched on method, path and normalised body); an unmatched "
        "request gets a 404 in the provider's format",
    )
    parser.add_argument(
        "--resign",
        action="store_true",
        help="with bedrock --record: sign each forwarded request again for --upstream's host with the AWS "
        "credentials of botocore's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...), "
        "for an upstream that is not *.amazonaws.com (in front of AWS this is always done)",
    )
    parser.add_argument(
        "--timing",
        action="store_true",
        help="with --record: store each stream event's arrival time; with --replay: replay streams with it",
    )


def check_record_arguments(args: argparse.Namespace, kinds: list[str]) -> str | None:
    """The error line for a bad combination of the record/replay flags, or ``None``."""
    record, replay, upstream = (
        getattr(args, "record", None),
        getattr(args, "replay", None),
        getattr(args, "upstream", None),
    )
    if record and replay:
        return "harness mock: error: --record and --replay exclude each other"
    if (record or replay) and len(kinds) != 1:
        return "harness mock: error: --record/--replay work with one provider, not 'all'"
    if record and not upstream:
        return "harness mock: error: --record needs --upstream URL"
    if upstream and not record:
        return "harness mock: error: --upstream is only used with --record"
    if getattr(args, "resign", False) and (not record or kinds != ["bedrock"]):
        return "harness mock: error: --resign is only used with bedrock --record"
    if getattr(args, "resign", False) and _aws_credentials("bedrock", str(upstream), always=True) is None:
        return (
            "harness mock: error: --resign found no AWS credentials: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to the upstream's credentials"
        )
    if upstream:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"harness mock: error: argument --upstream: expected an http(s) URL, got {upstream!r}"
    if (record or replay) and getattr(args, "server", "werkzeug") != "werkzeug":
        return "harness mock: error: --record/--replay need --server werkzeug"
    if replay:
        from pathlib import Path

        if not Path(replay).is_dir():
            return f"harness mock: error: argument --replay: no directory {replay!r}"
    return None


def wrap_app(kind: str, app: MockApp, args: argparse.Namespace) -> MockApp:
    """``app`` itself, or its recorder (``--record``) or player (``--replay``) rendering errors like it."""
    if getattr(args, "record", None):
        from mocks.record.recorder import RecordingApp

        return RecordingApp(
            kind,
            args.upstream,
            args.record,
            renderer=app,
            timing=args.timing,
            aws_credentials=_aws_credentials(kind, args.upstream, always=getattr(args, "resign", False)),
        )
    if getattr(args, "replay", None):
        from mocks.record.replay import ReplayApp

        return ReplayApp(args.replay, renderer=app, timing=args.timing)
    return app


def describe(app: object) -> str | None:
    """The banner line of a recorder or player (``None`` for a plain mock)."""
    from mocks.record.recorder import RecordingApp
    from mocks.record.replay import ReplayApp

    if isinstance(app, RecordingApp):
        resign = "; SigV4 signed again for it" if app.resigns else ""
        return f"  recording to {app.directory}/ from {app.upstream}{resign}"
    if isinstance(app, ReplayApp):
        return f"  replaying {len(app)} recorded exchange(s) from {app.directory}/"
    return None


def _aws_credentials(kind: str, upstream: str, *, always: bool = False) -> Any:
    """For Bedrock in front of AWS (or any upstream with ``always``, ``--resign``): the recorder's own
    credentials (botocore's default chain), used to sign each forwarded request again for the upstream's host.
    ``None`` elsewhere (the caller's signature is forwarded) or when the chain finds none."""
    host = urlsplit(upstream).hostname or ""
    if kind != "bedrock" or not (always or host.endswith(".amazonaws.com")):
        return None
    import botocore.session

    return botocore.session.Session().get_credentials()


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``harness compare-recording DIR --provider P``."""
    parser.add_argument("directory", metavar="DIR", help="a recording made with harness mock --record")
    parser.add_argument(
        "--provider",
        required=True,
        choices=["openai", "azure", "bedrock"],
        help="which mock answers the recorded requests",
    )
    parser.add_argument("--seed", type=int, default=0, help="the mock's seed (default 0)")
    parser.add_argument(
        "--ignore-header",
        action="append",
        default=[],
        metavar="NAME",
        help="a response header to leave out of the comparison (repeatable; date, server, "
        "framing and CDN headers are always left out)",
    )


def run_compare(args: argparse.Namespace) -> int:
    """Compare the recording with the mock; print one line per difference. Exit 0: none, 1: differences,
    2: no usable recording."""
    from mocks.apps import build_app
    from mocks.record.compare import DEFAULT_IGNORED_HEADERS, compare, format_report
    from mocks.record.replay import load_cassettes

    try:
        cassettes = [c for c in load_cassettes(args.directory) if c.get("provider") in (args.provider, None)]
    except FileNotFoundError as exc:
        print(f"harness compare-recording: error: {exc}", file=sys.stderr)
        return 2
    if not cassettes:
        print(f"harness compare-recording: error: no {args.provider} cassettes in {args.directory}", file=sys.stderr)
        return 2
    ignored = DEFAULT_IGNORED_HEADERS | {h.lower() for h in args.ignore_header}
    differences = compare(args.provider, cassettes, build_app(args.provider, {"seed": args.seed}), ignored)
    print(format_report(args.directory, args.provider, len(cassettes), differences))
    return 1 if differences else 0
