"""How failures are told: the JSON document `--json` prints when a command fails, and
per-target problem lines in which many changes failing for one reason are counted once.

The failure document is small and stable, so that a script can always parse stdout:

    {"ok": false, "exit_code": 2,
     "error": {"kind": "config", "message": "a.toml: x: ...; a.toml: y: ...",
               "problems": ["a.toml: x: ...", "a.toml: y: ..."]}}

`kind` is one of `ERROR_KINDS`' values, `usage` or `internal`; `problems` holds the
lines printed on stderr (more than one only for a config file with several problems).
"""

from __future__ import annotations

import json
from collections import Counter

import typer

from sync.errors import ConfigError, LockHeld, PairsyncError, StateError, TargetError
from sync.logs import redact, say

ERROR_KINDS: dict[type[PairsyncError], str] = {
    ConfigError: "config",
    LockHeld: "lock",
    StateError: "state",
    TargetError: "target",
}


def error_kind(exc: BaseException) -> str:
    for cls in type(exc).__mro__:
        if cls in ERROR_KINDS:
            return ERROR_KINDS[cls]
    return "error" if isinstance(exc, PairsyncError) else "internal"


def failure_document(kind: str, problems: list[str], exit_code: int) -> dict[str, object]:
    return {
        "ok": False,
        "exit_code": exit_code,
        "error": {"kind": kind, "message": "; ".join(problems), "problems": problems},
    }


def fail(kind: str, problems: list[str], exit_code: int, as_json: bool) -> typer.Exit:
    """Print the failure lines on stderr (and, with --json, one JSON document on stdout);
    return the exit to raise."""
    problems = [redact(line) for line in problems]
    for line in problems:
        say(line)
    if as_json:
        typer.echo(json.dumps(failure_document(kind, problems, exit_code), indent=2))
    return typer.Exit(exit_code)


def usage_problem(exc: typer.TyperException) -> str | None:
    """One line for a command-line usage error (click's, without the usage block), or
    None when there is no command to name (`pairsync` alone prints its help)."""
    context = getattr(exc, "ctx", None)
    if context is None or type(exc).__name__ == "NoArgsIsHelpError":
        return None
    command = context.command_path
    where = command.partition(" ")[2]
    return f"{where + ': ' if where else ''}{exc.format_message()} (see {command} --help)"


def not_written_lines(target: str, failures: list[tuple[str, str]]) -> list[str]:
    """One line per reason, `TARGET: N changes not written: REASON`, from (title, error)
    pairs; a reason met once names its item. A target that dies mid-run thus gives one
    line, not the same error per item."""
    reasons = Counter(error.removeprefix(f"{target}: ") for _, error in failures)
    titles = {error.removeprefix(f"{target}: "): title for title, error in failures}
    return [
        f"{target}: {count} changes not written: {reason}"
        if count > 1
        else f"{target}: {titles[reason]!r}: {reason}"
        for reason, count in reasons.items()
    ]


def counted(count: int, noun: str) -> str:
    """`1 request`, `2 requests`: the count lines people read."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
