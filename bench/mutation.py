"""Mutation testing of the pure judges: how many small faults planted in them the fast judge tests catch.

Mutates the modules listed in ``bench/mutation.toml`` (``harness/checks/responses.py``, ``sse.py`` and
``upstream.py``) with mutmut and runs the fast in-process judge tests (``tests/harness/test_judges*.py``)
against each mutant, then prints the mutants' total, how many were killed, survived and timed out, the
mutation score and every survivor (``file:line``, the function, the line before and after the mutation),
each marked when ``bench/mutation.toml`` lists it as an equivalent mutant (explained in docs/mutation.md).

Everything happens in a temporary copy of the repository (the files git tracks and the untracked ones it does
not ignore): the working tree is never mutated. In that copy, decorated top-level functions of the mutated
modules are rewritten as ``name = decorator(name)`` after the module's last line (mutmut skips decorated
functions; the line numbers stay those of the working tree). Exit status 0 when the score reaches the goal
and every survivor is a listed equivalent mutant, 1 otherwise, 2 when the run could not be made.

Usage (after ``bash scripts/setup.sh test mutation``; about a minute on 2 cores)::

    .venv/bin/python bench/mutation.py [--jobs 2] [--keep]
"""

from __future__ import annotations

import argparse
import ast
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "bench" / "mutation.toml"
#: the packages importable from the mutated copy (mutmut copies them into ``mutants/``)
PACKAGES = ("contract", "harness", "mocks", "specs")
#: mutmut's statuses, as this report counts them
DETECTED_KILLED = {"killed"}
DETECTED_TIMEOUT = {"timeout", "segfault"}  # a worker killed for running past its CPU limit
UNDETECTED = {"survived", "no tests", "suspicious"}  # "no tests": no judge test reaches the function


@dataclass(frozen=True)
class Mutant:
    """One mutant's result and, for an undetected one, where it is and what it changed."""

    name: str
    status: str
    file: str
    function: str
    line: int = 0
    before: str = ""
    after: str = ""

    def key(self) -> tuple[str, str, str, str]:
        return (self.file, self.function, _norm(self.before), _norm(self.after))


def _norm(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------- the copy
def copy_repository(dest: Path) -> None:
    """The files git tracks plus the untracked ones it does not ignore (new tests included), else the tree."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            check=True,
            capture_output=True,
        ).stdout.decode()
        files = sorted(f for f in listed.split("\0") if f)
    except (OSError, subprocess.CalledProcessError):
        files = []
    if not files:
        skip = shutil.ignore_patterns(".git", ".venv", "__pycache__", "reports", "mutants", "*.egg-info")
        shutil.copytree(REPO, dest, ignore=skip, dirs_exist_ok=True)
        return
    for name in files:
        src = REPO / name
        if src.is_file():  # a tracked file deleted in the working tree is left out
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def undecorate(source: str) -> str:
    """``@d\\ndef f`` -> ``def f`` (the decorator lines blanked) and ``f = d(f)`` after the last line.

    mutmut leaves decorated functions unmutated; blanking keeps every other line where it was."""
    tree = ast.parse(source)
    lines = source.splitlines()
    rebinds: list[str] = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.decorator_list:
            continue
        first = min(d.lineno for d in node.decorator_list) - 1  # the '@' line, 0-based
        expr = node.name
        for deco in reversed(node.decorator_list):
            expr = f"{ast.get_source_segment(source, deco)}({expr})"
        for i in range(first, node.lineno - 1):
            lines[i] = ""
        rebinds.append(f"{node.name} = {expr}")
    if not rebinds:
        return source
    return (
        "\n".join([*lines, "", "# bench/mutation.py: the decorators, applied after mutmut's trampolines", *rebinds])
        + "\n"
    )


def write_mutmut_config(dest: Path, paths: list[str], tests: list[str]) -> None:
    """mutmut's settings (``setup.cfg`` of the copy; the project's pyproject.toml stays as it is)."""

    def block(values: list[str]) -> str:
        return "".join(f"\n    {v}" for v in values)

    (dest / "setup.cfg").write_text(
        "[mutmut]\n"
        f"source_paths ={block(list(PACKAGES))}\n"
        f"only_mutate ={block(paths)}\n"
        f"pytest_add_cli_args_test_selection ={block(tests)}\n"
        # pytest's pythonpath = ["."] would put the unmutated copy ahead of mutmut's mutants/ on sys.path
        f"pytest_add_cli_args ={block(['-o', 'pythonpath=', '-p', 'no:xdist', '-p', 'no:randomly'])}\n"
        "use_git_change_detection = false\n"
        # CPU limit per mutant: (its tests' time + 5 s) x 15 x 2; generous on a shared machine
        "timeout_constant = 5.0\n",
        encoding="utf-8",
    )


# ---------------------------------------------------------------------------------------------- the run
def mutmut(dest: Path, *args: str, log: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTANT_UNDER_TEST")}
    env["PYTHONHASHSEED"] = "0"
    cmd = [sys.executable, "-m", "mutmut", *args]
    if log is None:
        done = subprocess.run(cmd, cwd=dest, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[2:])} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return done.stdout
    with log.open("w", encoding="utf-8") as out:
        rc = subprocess.run(cmd, cwd=dest, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"mutmut run failed (exit {rc}); end of {log}:\n{tail}")
    return ""


def diff_of(dest: Path, name: str, rel: str) -> str:
    """What ``mutmut show <name>`` prints (the diff of the mutant's function), computed in this process."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    here = Path.cwd()
    os.chdir(dest)  # mutmut reads mutants/<rel> relative to the directory it ran in
    try:
        return str(get_diff_for_mutant(name, path=rel))
    finally:
        os.chdir(here)


_RESULT = re.compile(r"^\s+(\S+): (.+?)\s*$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")


def parse_results(text: str) -> dict[str, str]:
    """``mutmut results --all true``: mutant name -> status."""
    return {m[1]: m[2] for line in text.splitlines() if (m := _RESULT.match(line))}


def _function_of(name: str) -> str:
    last = name.rpartition(".")[2]
    last = re.sub(r"__mutmut_\d+$", "", last)
    if last.startswith("x\u01c1"):  # a method: xǁClassǁmethod
        return ".".join(last[2:].split("\u01c1"))
    return last.removeprefix("x_")


def _def_span(source: str, function: str) -> tuple[int, int]:
    """The lines (1-based, inclusive) of top-level function or method ``function`` (``Class.method``)."""
    tree = ast.parse(source)
    *owner, name = function.split(".")
    body: list[ast.stmt] = tree.body
    if owner:
        body = next((n.body for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner[0]), [])
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node.lineno, node.end_lineno or node.lineno
    return 0, 0


def locate(diff: str, source: str, function: str) -> tuple[int, str, str]:
    """From ``mutmut show``'s diff of one function: the line mutated in ``source`` and the lines before/after."""
    start, end = _def_span(source, function)
    minus, plus, where = [], [], 0
    offset = 0
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if hunk := _HUNK.match(line):
            offset = int(hunk[1])
            continue
        if line.startswith("-"):
            minus.append(line[1:].strip())
            where = where or offset
            offset += 1
        elif line.startswith("+"):
            plus.append(line[1:].strip())
        elif line.startswith(" "):
            offset += 1
    lines = source.splitlines()
    guess = start + where - 1 if where else start
    if minus and not (0 < guess <= len(lines) and lines[guess - 1].strip() == minus[0]):
        found = [i for i in range(start, end + 1) if lines[i - 1].strip() == minus[0]]
        guess = min(found, key=lambda i: abs(i - guess)) if found else start
    return guess, " / ".join(minus), " / ".join(plus)


# ---------------------------------------------------------------------------------------------- report
def load_config(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def run(config: dict[str, Any], jobs: int, keep: bool) -> int:
    settings = config["mutation"]
    paths: list[str] = list(settings["paths"])
    goal = float(settings.get("goal", 0.9))
    equivalent = {
        (e["file"], e["function"], _norm(e["before"]), _norm(after)): e
        for e in config.get("equivalent", [])
        for after in ([e["after"]] if isinstance(e["after"], str) else e["after"])
    }
    version = metadata.version("mutmut")
    tmp = Path(tempfile.mkdtemp(prefix="judges-mutation-"))
    try:
        copy_repository(tmp)
        tests = sorted({t for pattern in settings["tests"] for t in glob.glob(pattern, root_dir=tmp)})
        if not tests:
            raise RuntimeError(f"no test file matches {settings['tests']}")
        originals = {}
        for rel in paths:
            originals[rel] = (tmp / rel).read_text(encoding="utf-8")
            (tmp / rel).write_text(undecorate(originals[rel]), encoding="utf-8")
        write_mutmut_config(tmp, paths, tests)
        print(f"mutmut {version}: mutating {', '.join(paths)}", file=sys.stderr)
        print(f"  tests: {' '.join(tests)}", file=sys.stderr)
        print(f"  in a copy of the repository: {tmp} ({jobs} workers) ...", file=sys.stderr)
        mutmut(tmp, "run", "--max-children", str(jobs), log=tmp / "mutmut-run.log")
        statuses = parse_results(mutmut(tmp, "results", "--all", "true"))
        module_to_path = {p.removesuffix(".py").replace("/", "."): p for p in paths}
        mutants: list[Mutant] = []
        for name, status in sorted(statuses.items()):
            module = name.rpartition(".")[0]
            rel = module_to_path.get(module, module.replace(".", "/") + ".py")
            mutant = Mutant(name, status, rel, _function_of(name))
            if status not in DETECTED_KILLED | DETECTED_TIMEOUT:
                line, before, after = locate(diff_of(tmp, name, rel), originals.get(rel, ""), mutant.function)
                mutant = Mutant(name, status, rel, mutant.function, line, before, after)
            mutants.append(mutant)
    except RuntimeError as exc:
        print(f"mutation: {exc}", file=sys.stderr)
        return 2
    finally:
        if keep:
            print(f"  copy kept: {tmp} (mutmut results / mutmut show <name> there)", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return report(mutants, paths, goal, equivalent, version)


def report(
    mutants: list[Mutant],
    paths: list[str],
    goal: float,
    equivalent: dict[tuple[str, str, str, str], dict[str, Any]],
    version: str,
) -> int:
    unknown = sorted({m.status for m in mutants} - DETECTED_KILLED - DETECTED_TIMEOUT - UNDETECTED)
    if unknown:
        print(f"mutation: mutants left {', '.join(unknown)} (an incomplete run): rerun", file=sys.stderr)
        return 2
    total = len(mutants)
    killed = sum(m.status in DETECTED_KILLED for m in mutants)
    timeout = sum(m.status in DETECTED_TIMEOUT for m in mutants)
    survivors = sorted(
        (m for m in mutants if m.status in UNDETECTED), key=lambda m: (m.file, m.line, m.before, m.after, m.name)
    )
    score = (killed + timeout) / total if total else 0.0
    print(f"Mutation testing of the pure judges (mutmut {version})")
    for rel in paths:
        of_file = [m for m in mutants if m.file == rel]
        caught = sum(m.status not in UNDETECTED for m in of_file)
        print(f"  {rel}: {caught}/{len(of_file)} detected")
    print(f"mutants: {total}")
    print(f"killed: {killed}")
    print(f"survived: {len(survivors)}" + _breakdown(survivors))
    print(f"timeout: {timeout}")
    print(f"score: {score:.1%} ({killed + timeout}/{total} detected; goal {goal:.0%})")
    unexplained = 0
    if survivors:
        print("survivors:")
    for m in survivors:
        known = m.key() in equivalent
        unexplained += not known
        mark = "equivalent (docs/mutation.md)" if known else ("no test reaches it" if m.status == "no tests" else "")
        print(f"  {m.file}:{m.line} {m.function}: `{m.before}` -> `{m.after}`" + (f"  [{mark}]" if mark else ""))
    stale = sorted(set(equivalent) - {m.key() for m in survivors})
    for file, function, before, after in stale:
        print(f"  (listed as equivalent, now killed or gone: {file} {function}: `{before}` -> `{after}`)")
    ok = score >= goal and unexplained == 0
    verdict = "goal met" if ok else f"goal not met ({unexplained} survivors not explained as equivalent)"
    print(f"verdict: {verdict}")
    return 0 if ok else 1


def _breakdown(survivors: list[Mutant]) -> str:
    counts = Counter(m.status for m in survivors)
    if set(counts) <= {"survived"}:
        return ""
    return " (" + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) + ")"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--config", type=Path, default=CONFIG, help="the TOML settings (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (to run mutmut show there)")
    args = parser.parse_args(argv)
    try:
        metadata.version("mutmut")
    except metadata.PackageNotFoundError:
        print("mutation: mutmut is not installed: bash scripts/setup.sh test mutation", file=sys.stderr)
        return 2
    return run(load_config(args.config), max(1, args.jobs), args.keep)


if __name__ == "__main__":
    sys.exit(main())
