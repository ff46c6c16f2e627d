"""The `pairsync` typer app: global options, the one error guard, and the option types
the commands share."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from sync.config import PairConfig
from sync.contract import Update
from sync.errors import PairsyncError
from sync.logs import configure_logging, redact, say
from sync.model import Kind
from sync.run.pairs import PairResult
from sync.run.report import error_kind, fail, usage_problem
from sync.run.summary import RunSummary, stderr_lines, summary_lines
from sync.store.where import has_state, open_state

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts name config tables ([agenda]): not markup
    help="Keep one shared board between an executive and their assistant, in every tool.",
)
log = logging.getLogger("pairsync")
T = TypeVar("T")

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The pair's TOML config file.", dir_okay=False)
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pairsync {installed_version()}")
        raise typer.Exit()


def installed_version() -> str:
    """The installed distribution's version, looked up only when asked (importing
    `importlib.metadata` was a twentieth of every command's start-up)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pairsync")
    except PackageNotFoundError:  # running from a source tree
        return "0.0.0"


LOG_FORMATS = ("text", "json")


def _log_format(value: str) -> str:
    if value not in LOG_FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(LOG_FORMATS)}")
    return value


@app.callback()
def main_options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every step.")] = False,
    log_format: Annotated[
        str,
        typer.Option(
            callback=_log_format, metavar="text|json", help="Every stderr line as text or JSON."
        ),
    ] = "text",
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    configure_logging(verbose=verbose, json_format=log_format == "json")


def guarded(action: Callable[[], T], as_json: bool = False) -> T:
    """Run a command body; turn every error into one line and its exit code."""
    try:
        return action()
    except PairsyncError as exc:
        raise fail(error_kind(exc), str(exc).splitlines(), exc.exit_code, as_json) from None
    except (KeyboardInterrupt, typer.Exit):
        raise
    except typer.Abort:  # a prompt got no answer (end of input, Ctrl-C, Ctrl-D)
        aborted = "aborted before the last answer; nothing was written"
        raise fail("usage", [aborted], 1, as_json) from None
    except Exception as exc:  # the last line of defence: never a raw traceback
        log.debug("internal error", exc_info=True)
        problem = f"internal error: {type(exc).__name__}: {exc}"
        raise fail("internal", [problem], 1, as_json) from None


def print_summary(summary: RunSummary, as_json: bool) -> None:
    if as_json:
        typer.echo(redact(json.dumps(summary.to_json(), indent=2, default=str)))
        return
    if summary.dry_run:
        for target, changes in summary.plan.writes.items():
            for change in changes:
                verb = "update" if isinstance(change, Update) else "create"
                typer.echo(f"would {verb} {change.item.kind} {change.item.title!r} in {target}")
    echo_summary(summary)


def echo_summary(summary: RunSummary) -> None:
    """The run's lines: a failure's and a warning's on stderr (as the README says), the
    others on stdout."""
    on_stderr = stderr_lines(summary)
    for line in summary_lines(summary):
        typer.echo(redact(line), err=line in on_stderr)


ConfigDirOption = Annotated[
    Path | None,
    typer.Option(
        "--config-dir", help="A directory of pair files (*.toml): sync them all.", file_okay=False
    ),
]


WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="With --config-dir: how many pairs to sync at once "
        "[default: PAIRSYNC_WORKERS, else 16].",
        show_default=False,
    ),
]


ProcessesOption = Annotated[
    int | None,
    typer.Option(
        "--processes",
        min=1,
        help="With --config-dir: how many processes sync the pairs, each with its share "
        "of --workers [default: the number of cores; one for a directory one process "
        "takes at once].",
        show_default=False,
    ),
]


DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="PostgreSQL URL, postgresql://user@host/db [default: PAIRSYNC_DATABASE_URL].",
        show_default=False,
    ),
]


def report_pairs(results: Iterable[PairResult], as_json: bool) -> None:
    """Per pair: its summary lines, or one line saying why it failed; with `as_json`, one
    JSON array, written a pair at a time (20,000 pairs' are tens of MiB as one text)."""
    if as_json:
        entries = (
            r.summary.to_json()
            if r.summary
            else {"config": str(r.config_path), "ok": False, "error": r.error}
            for r in results
        )
        opening = "["
        for entry in entries:
            text = textwrap.indent(json.dumps(entry, indent=2, default=str), "  ")
            typer.echo(redact(f"{opening}\n{text}"), nl=False)
            opening = ","
        typer.echo("[]" if opening == "[" else "\n]")
        return
    for result in results:
        if result.summary is not None:
            echo_summary(result.summary)
        if not result.ok:
            reason = result.reason()
            where = (
                "" if reason.startswith(result.config_path.name) else f"{result.config_path.name}: "
            )
            say(f"{where}{reason}")


def echo_line(line: str) -> None:
    typer.echo(redact(line), err=line.startswith("pairsync: "))


def known_places(pair: PairConfig) -> dict[str, dict[Kind, tuple[str, str]]]:
    """Per target, the lists / sections the state found before (followed when renamed)."""
    if not has_state(pair):
        return {}
    state = open_state(pair)
    try:
        return {target.name: state.places(target.name) for target in pair.targets}
    finally:
        state.close()


def main() -> None:
    """Run the command line; a usage error (unknown option, bad value) is one line, exit 2,
    and with --json also a JSON document."""
    configure_logging()  # until the options are read
    try:
        code = app(prog_name="pairsync", standalone_mode=False)
    except typer.TyperException as exc:  # click's UsageError and kin
        problem = usage_problem(exc)
        if problem is None:  # `pairsync` alone: the help
            typer.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        code = fail("usage", [problem], exc.exit_code, "--json" in sys.argv[1:]).exit_code
    sys.exit(code or 0)
