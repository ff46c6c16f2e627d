"""The `pairsync` command line (typer). Every failure ends in one line on stderr and the exit
code from DESIGN.md: 0 all synced, 1 some target failed, 2 config or usage error."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from sync import __version__
from sync.agenda import (
    AgendaRun,
    StaleEntry,
    make_agenda,
    stale_items,
)
from sync.config import PairConfig, load_config
from sync.contract import CheckLine, Update
from sync.engine import RunSummary, run_pair, summary_lines
from sync.errors import ConfigError, PairsyncError, StateError
from sync.facilitation import five_whys_progress
from sync.logs import configure_logging, redact, say
from sync.model import Kind
from sync.pairs import PairResult, config_files, parse_interval, run_loop, sync_many
from sync.report import error_kind, fail, usage_problem
from sync.settings import process_settings
from sync.state import ItemRecord, State

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
        typer.echo(f"pairsync {__version__}")
        raise typer.Exit()


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
    for line in summary_lines(summary):
        typer.echo(redact(line))


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


@app.command()
def sync(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="The pair's TOML config file.")
    ] = None,
    config_dir: ConfigDirOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    accept_vanished: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-vanished",
            metavar="TARGET",
            help="Archive everywhere the items held as vanished from TARGET (repeatable).",
        ),
    ] = None,
    workers: WorkersOption = None,
) -> None:
    """Sync one pair (--config) or every pair in a directory (--config-dir)."""
    if (config is None) == (config_dir is None):
        usage = "sync: give exactly one of --config FILE or --config-dir DIR"
        raise fail("usage", [usage], 2, as_json)
    if accept_vanished and config is None:
        raise fail("usage", ["sync: --accept-vanished needs --config FILE"], 2, as_json)
    guarded(process_settings, as_json)  # a bad PAIRSYNC_* is a usage error for all pairs
    if config is not None:
        accepted = accept_vanished or []

        def one_pair() -> RunSummary:
            pair = load_config(config)
            check_targets(pair, accepted, "--accept-vanished")
            return run_pair(pair, dry_run, show_progress=True, accept_vanished=accepted)

        summary = guarded(one_pair, as_json)
        print_summary(summary, as_json)
        raise typer.Exit(1 if summary.failed else 0)
    assert config_dir is not None
    results = guarded(lambda: sync_many(config_files(config_dir), dry_run, workers), as_json)
    report_pairs(results, as_json)
    raise typer.Exit(0 if all(r.ok for r in results) else 1)


def check_targets(pair: PairConfig, names: list[str], option: str) -> None:
    """Usage error (exit 2) for a name that is not one of the pair's targets."""
    known = [t.name for t in pair.targets]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(
            [f"{option}: no target {unknown[0]!r} in this pair (targets: {', '.join(known)})"]
        )


def report_pairs(results: list[PairResult], as_json: bool) -> None:
    """Per pair: its summary lines, or one line saying why it failed."""
    if as_json:
        typer.echo(
            redact(
                json.dumps(
                    [
                        r.summary.to_json()
                        if r.summary
                        else {"config": str(r.config_path), "ok": False, "error": r.error}
                        for r in results
                    ],
                    indent=2,
                    default=str,
                )
            )
        )
        return
    for result in results:
        if result.summary is not None:
            for line in summary_lines(result.summary):
                typer.echo(redact(line))
        if not result.ok:
            reason = result.reason()
            where = (
                "" if reason.startswith(result.config_path.name) else f"{result.config_path.name}: "
            )
            say(f"{where}{reason}")


@app.command()
def serve(
    config_dir: Annotated[Path, typer.Option("--config-dir", file_okay=False)],
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    every: Annotated[str, typer.Option("--every", help="Polling interval: 30s, 15m, 1h.")] = "15m",
    auth_token: Annotated[
        str | None,
        typer.Option(
            envvar="PAIRSYNC_AUTH_TOKEN",
            help="Required off 127.0.0.1: Bearer token (or Basic password) for the page.",
        ),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(help="The URL the tools call (behind a proxy), if not registered."),
    ] = None,
    debounce: Annotated[
        float, typer.Option(help="Seconds a pair must be quiet after a webhook before it syncs.")
    ] = 0.5,
) -> None:
    """Webhooks (Trello, Asana), Slack buttons and a status page; every pair also polled."""
    from sync.serve.run import serve as run_serve

    seconds = guarded(lambda: parse_interval(every))
    guarded(
        lambda: run_serve(
            config_dir,
            host=host,
            port=port,
            every_seconds=seconds,
            every=every,
            debounce=debounce,
            auth_token=auth_token,
            public_url=public_url,
            report=lambda finished: report_pairs([finished.result], False),
            say=lambda line: typer.echo(line, err=True),
        )
    )


webhooks_app = typer.Typer(
    no_args_is_help=True, help="The tools' webhooks that call pairsync serve."
)
app.add_typer(webhooks_app, name="webhooks")
PublicUrl = Annotated[
    str, typer.Option("--public-url", help="Where pairsync serve is reachable, e.g. https://…")
]


def _webhooks(config: Path, act: Callable[[PairConfig], bool]) -> None:
    ok = guarded(lambda: act(load_config(config)))
    raise typer.Exit(0 if ok else 1)


@webhooks_app.command("register")
def webhooks_register(config: ConfigOption, public_url: PublicUrl) -> None:
    """Create (once) a webhook on each Trello board and Asana project of the pair."""
    from sync.serve import registration

    _webhooks(config, lambda pair: registration.register(pair, public_url, _echo))


@webhooks_app.command("list")
def webhooks_list(config: ConfigOption) -> None:
    """The pair's webhooks in each tool."""
    from sync.serve import registration

    _webhooks(config, lambda pair: registration.show(pair, _echo))


@webhooks_app.command("remove")
def webhooks_remove(config: ConfigOption, public_url: PublicUrl) -> None:
    """Remove the webhooks that call this public URL."""
    from sync.serve import registration

    _webhooks(config, lambda pair: registration.remove(pair, public_url, _echo))


def _echo(line: str) -> None:
    typer.echo(redact(line), err=line.startswith("pairsync: "))


@app.command()
def run(
    config_dir: Annotated[Path, typer.Option("--config-dir", file_okay=False)],
    every: Annotated[str, typer.Option("--every", help="Interval: 30s, 15m, 1h.")] = "15m",
    workers: WorkersOption = None,
) -> None:
    """Sync every pair now and then at each interval, until SIGTERM or Ctrl-C."""
    seconds = guarded(lambda: parse_interval(every))
    guarded(process_settings)
    guarded(
        lambda: run_loop(config_dir, seconds, lambda results: report_pairs(results, False), workers)
    )


def _load_state(config: Path) -> tuple[PairConfig, dict[str, ItemRecord], State]:
    """The pair and its state, for the commands that only read it (also read-only)."""
    pair = load_config(config)
    if not pair.state_path.exists():
        raise StateError(
            f"{pair.state_path}: no state yet; run pairsync sync --config {config} first"
        )
    state = State.open_for_reading(pair.state_path)
    try:
        state.claim(pair.pair.name, pair.state_path)
    except StateError:
        state.close()
        raise
    return pair, state.items(), state


@app.command()
def stale(
    config: ConfigOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List stale items: age, the tool last touched in, and who has the ball."""

    def body() -> list[StaleEntry]:
        pair, records, state = _load_state(config)
        state.close()
        return stale_items(pair, records, datetime.now(UTC))

    entries = guarded(body, as_json)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "item_id": e.item_id,
                        "kind": e.item.kind.value,
                        "title": e.item.title,
                        "age_days": e.age_days,
                        "last_tool": e.last_tool,
                        "ball_with": e.ball_with,
                        "five_whys": five_whys_progress(e.item),
                    }
                    for e in entries
                ],
                indent=2,
            )
        )
        return
    for e in entries:
        progress = five_whys_progress(e.item)
        five_whys = f"; Five Whys: {progress}" if progress else ""
        typer.echo(
            f"{e.age_days:>4} days  {e.item.kind.value:<8} {e.item.title}  "
            f"(last touched in {e.last_tool or 'unknown'}; ball with {e.ball_with}{five_whys})"
        )
    if not entries:
        typer.echo("nothing is stale")


@app.command()
def agenda(
    config: ConfigOption,
    since: Annotated[
        datetime | None, typer.Option(help="Changes since this date (default: the last agenda).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False)] = None,
) -> None:
    """Write the 1:1 agenda as Markdown (to stdout or --output); with `[agenda] publish`,
    also as one card / task in the `[agenda] list` of every target, updated in place."""

    def body() -> AgendaRun:
        pair, _, state = _load_state(config)
        try:
            zoned = since.replace(tzinfo=since.tzinfo or pair.pair.zone) if since else None
            start = _as_utc(zoned) if zoned else None  # a time without offset: the pair's
            return make_agenda(pair, state, datetime.now(UTC), start, output)
        finally:
            state.close()

    text, published, errors = guarded(body)
    if output is None:
        typer.echo(text)
    else:
        typer.echo(f"agenda written to {output}")
    if published:
        notice = f"agenda published in {', '.join(published)}"
        say(notice, logging.INFO) if output is None else typer.echo(notice)
    for error in errors:
        say(error)
    if errors:
        raise typer.Exit(1)


def _as_utc(moment: datetime) -> datetime:
    """A time given with an offset means that instant; one without is taken as UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def known_places(pair: PairConfig) -> dict[str, dict[Kind, tuple[str, str]]]:
    """Per target, the lists / sections the state found before (followed when renamed)."""
    if not pair.state_path.exists():
        return {}
    state = State.open(pair.state_path)
    try:
        return {target.name: state.places(target.name) for target in pair.targets}
    finally:
        state.close()


@app.command()
def notify(
    config: ConfigOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what is due, as text; send nothing.")
    ] = False,
    now: Annotated[
        str | None,
        typer.Option("--now", help="agenda | decisions | health: send that kind now."),
    ] = None,
) -> None:
    """Send the channels ([[channels]]: Slack, Teams) what is due: the agenda before the
    1:1, the decisions waiting, sync-health incidents. `pairsync sync` does this too."""
    from sync.channels.base import MESSAGE_KINDS
    from sync.notify import run_notify

    if now is not None and now not in MESSAGE_KINDS:
        expected = ", ".join(MESSAGE_KINDS)
        typer.echo(f"pairsync: notify: --now '{now}': expected one of {expected}", err=True)
        raise typer.Exit(2)
    report = guarded(lambda: run_notify(load_config(config), dry_run, now))
    for line in report.shown(dry_run):
        typer.echo(redact(line))
    for error in report.errors:
        typer.echo(f"pairsync: {redact(error)}", err=True)
    raise typer.Exit(1 if report.errors else 0)


@app.command()
def check(config: ConfigOption) -> None:
    """Validate the config and reach every target: credentials, board or project, lists or
    sections, rate-limit headroom; and every Slack channel: token, conversation. Exit 1 on
    any problem."""
    from rich.console import Console
    from rich.table import Table

    from sync.channels import load_channel_class
    from sync.engine import build_adapters, renamed_places

    def body() -> tuple[str, list[tuple[str, ...]], bool]:
        pair = load_config(config)
        title = f"{config.name}: pair {pair.pair.name}, {len(pair.targets)} targets"
        checked: list[tuple[str, list[CheckLine]]] = []
        places = known_places(pair)
        for adapter in build_adapters(pair):
            adapter.places = places.get(adapter.name, {})
            try:
                checked.append((adapter.name, adapter.check()))
            except PairsyncError as exc:
                checked.append((adapter.name, [CheckLine("reach", False, str(exc))]))
            finally:
                adapter.close()
            renamed = [CheckLine("renamed", True, line) for line in renamed_places(adapter)]
            checked[-1][1].extend(renamed)
        for entry in pair.channels:  # [[channels]]: Slack, Teams
            channel = load_channel_class(entry.type)(entry, pair.pair.name)
            checked.append((entry.name, channel.check()))
            channel.close()
        rows: list[tuple[str, ...]] = [
            (name, line.what, "ok" if line.ok else "FAILED", redact(line.detail))
            for name, lines in checked
            for line in lines
        ]
        ok = all(line.ok for _, lines in checked for line in lines)
        return title, rows, ok

    title, rows, ok = guarded(body)
    if sys.stdout.isatty():
        table = Table(title=title)
        for column in CHECK_COLUMNS:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    else:  # cron, pipes, files: one line per row, never wrapped, whatever COLUMNS says
        typer.echo(title)
        for line in aligned_rows([CHECK_COLUMNS, *rows]):
            typer.echo(line)
    raise typer.Exit(0 if ok else 1)


CHECK_COLUMNS = ("target", "check", "result", "detail")


def aligned_rows(rows: list[tuple[str, ...]]) -> list[str]:
    """Plain-text columns padded to the widest cell; the last column is never padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]


@app.command()
def history(
    config: ConfigOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the runs: when, what each target got (created / updated / archived),
    conflicts, items held, and which run an undo undid."""
    from sync.undo import history_line, history_rows

    def body() -> list[dict[str, object]]:
        _, _, state = _load_state(config)
        try:
            return history_rows(state)
        finally:
            state.close()

    rows = guarded(body)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(history_line(row))
    if not rows:
        typer.echo("no runs yet")


@app.command()
def undo(
    config: ConfigOption,
    run_number: Annotated[
        int | None,
        typer.Option("--run", help="The run to undo (default: the last run that wrote)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be put back; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Put back, in every tool, what one run changed (as a new run, which can be undone
    too); items changed since that run are left alone and named."""
    from sync.undo import run_undo

    done, summary = guarded(lambda: run_undo(load_config(config), run_number, dry_run))
    if as_json:
        facts = {"undo_of": done.run, "put_back": len(done.values), "left_alone": done.left_alone}
        typer.echo(redact(json.dumps(summary.to_json() | facts, indent=2, default=str)))
    else:
        for line in done.left_alone:
            typer.echo(line)
        print_summary(summary, as_json=False)
        verb = "would put back" if dry_run else "put back"
        typer.echo(f"undo of run {done.run}: {verb} {len(done.values)} items")
    raise typer.Exit(1 if summary.failed else 0)


@app.command()
def demo(
    keep: Annotated[
        Path | None, typer.Option(help="Write the demo into this directory and keep it.")
    ] = None,
) -> None:
    """Show pairsync at work on built-in boards, with no credentials."""
    from sync.demo import run_demo

    guarded(lambda: run_demo(keep, typer.echo))


@app.command()
def init(
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False)] = Path("pair.toml"),
) -> None:
    """Write a commented config for a new pair, listing the boards and projects the
    tokens can see (tokens come from the environment or a hidden prompt, never the file)."""
    from sync.init import run_init

    missing = guarded(lambda: run_init(output, typer.prompt, typer.echo))
    typer.echo(f"wrote {output}")
    if missing:
        typer.echo(f"before syncing, export: {' '.join(missing)}")
    typer.echo(f"next: pairsync check --config {output}")


@app.command()
def simulate(
    service: Annotated[str, typer.Argument(help="trello | asana | slack | teams")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 0,
) -> None:
    """Run a local Trello, Asana, Slack or Teams simulator (for trying configs and tests)."""
    from adapters import TARGET_TYPES, simulator_class
    from sync.channels import channel_simulator_class

    try:
        make = simulator_class(service) if service in TARGET_TYPES else None
        sim = (make or channel_simulator_class(service))(port=port)
    except KeyError:
        unknown = f"simulate: unknown service '{service}' (trello | asana | slack | teams)"
        raise fail("usage", [unknown], 2, False) from None
    typer.echo(f"{service.capitalize()} simulator at {sim.base_url}")
    for key, value in sim.config_keys().items():
        typer.echo(f'  {key} = "{value}"')
    typer.echo("  # the credentials above work with this simulator only")
    serve = sim.serve_forever
    typer.echo("Ctrl-C to stop.")
    with contextlib.suppress(KeyboardInterrupt):
        serve()


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


if __name__ == "__main__":
    main()
