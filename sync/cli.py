"""The `pairsync` command line (typer). Every failure ends in one line on stderr and the exit
code from DESIGN.md: 0 all synced, 1 some target failed, 2 config or usage error."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from adapters.base import Update
from sync import __version__
from sync.config import load_config
from sync.engine import RunSummary, run_pair, summary_lines
from sync.errors import PairsyncError
from sync.logs import configure_logging, redact

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Keep one shared board between an executive and their assistant, in every tool.",
)
log = logging.getLogger("pairsync")
T = TypeVar("T")

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The pair's TOML config file.", dir_okay=False)
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pairsync {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every step.")] = False,
    log_format: Annotated[str, typer.Option(help="text | json")] = "text",
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    configure_logging(verbose=verbose, json_format=log_format == "json")


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; turn every error into one line and its exit code."""
    try:
        return action()
    except PairsyncError as exc:
        for line in str(exc).splitlines():
            typer.echo(f"pairsync: {redact(line)}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except (KeyboardInterrupt, typer.Exit):
        raise
    except Exception as exc:  # the last line of defence: never a raw traceback
        log.debug("internal error", exc_info=True)
        typer.echo(f"pairsync: internal error: {redact(f'{type(exc).__name__}: {exc}')}", err=True)
        raise typer.Exit(1) from None


def print_summary(summary: RunSummary, as_json: bool) -> None:
    if as_json:
        typer.echo(redact(json.dumps(summary.to_json(), indent=2, default=str)))
        return
    if summary.dry_run:
        for target, changes in summary.plan.writes.items():
            for change in changes:
                verb = "update" if isinstance(change, Update) else "create"
                typer.echo(f"would {verb} {change.item.kind} {change.item.title!r} in {target}")
    for line in summary_lines(summary):
        typer.echo(redact(line))


@app.command()
def sync(
    config: ConfigOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Sync one pair's board across all its targets."""

    def body() -> RunSummary:
        return run_pair(load_config(config), dry_run)

    summary = guarded(body)
    print_summary(summary, as_json)
    raise typer.Exit(1 if summary.failed else 0)


@app.command()
def check(config: ConfigOption) -> None:
    """Validate the config and reach every target."""

    def body() -> bool:
        from sync.engine import build_adapters

        pair = load_config(config)
        typer.echo(f"{config}: config ok ({len(pair.targets)} targets)")
        ok = True
        for adapter in build_adapters(pair):
            try:
                lines = adapter.check()
            except PairsyncError as exc:
                typer.echo(f"{adapter.name}: FAILED {redact(str(exc))}")
                ok = False
                continue
            for line in lines:
                mark = "ok" if line.ok else "FAILED"
                typer.echo(f"{adapter.name}: {line.what}: {mark} {redact(line.detail)}".rstrip())
                ok = ok and line.ok
        return ok

    raise typer.Exit(0 if guarded(body) else 1)


@app.command()
def demo(
    keep: Annotated[
        Path | None, typer.Option(help="Write the demo into this directory and keep it.")
    ] = None,
) -> None:
    """Show pairsync at work on built-in boards, with no credentials."""
    from sync.demo import run_demo

    guarded(lambda: run_demo(keep, typer.echo))


def main() -> None:
    app(prog_name="pairsync")


if __name__ == "__main__":
    sys.exit(main())
