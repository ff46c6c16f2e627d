"""Commands on a pair's board: sync, run, stale, agenda, notify, history, undo."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn, Protocol

import typer

from sync.cli.app import (
    ConfigDirOption,
    ConfigOption,
    ProcessesOption,
    WorkersOption,
    app,
    guarded,
    print_summary,
    report_pairs,
)
from sync.config import PairConfig, load_config
from sync.delivery.agenda import (
    AgendaRun,
    StaleEntry,
    acks_waiting,
    make_agenda,
    stale_items,
)
from sync.delivery.buttons import marks
from sync.errors import ConfigError, StateError
from sync.logs import redact, say
from sync.plan.facilitation import five_whys_progress
from sync.plan.partnership import ACK_NEEDED
from sync.run.pair import run_pair
from sync.run.pairs import PairResults, pair_files, parse_interval, run_loop, sync_many
from sync.run.report import fail
from sync.run.summary import RunSummary
from sync.settings import process_settings, tune_collector
from sync.store.state import ItemRecord, State
from sync.store.where import has_state, open_state


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
    processes: ProcessesOption = None,
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
            tune_collector()
            pair = load_config(config)
            check_targets(pair, accepted, "--accept-vanished")
            return run_pair(pair, dry_run, show_progress=True, accept_vanished=accepted)

        summary = guarded(one_pair, as_json)
        print_summary(summary, as_json)
        raise typer.Exit(1 if summary.failed else 0)
    assert config_dir is not None
    results = guarded(
        lambda: sync_many(pair_files(config_dir), dry_run, workers, processes=processes),
        as_json,
    )
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


@app.command()
def run(
    config_dir: Annotated[Path, typer.Option("--config-dir", file_okay=False)],
    every: Annotated[str, typer.Option("--every", help="Interval: 30s, 15m, 1h.")] = "15m",
    workers: WorkersOption = None,
    processes: ProcessesOption = None,
) -> None:
    """Sync every pair now and then at each interval, until SIGTERM or Ctrl-C."""
    seconds = guarded(lambda: parse_interval(every))
    guarded(process_settings)

    def report(results: PairResults) -> None:
        report_pairs(results, False)

    guarded(lambda: run_loop(config_dir, seconds, report, workers, processes))


def load_state(config: Path) -> tuple[PairConfig, dict[str, ItemRecord], State]:
    """The pair and its state, for the commands that only read it (also read-only)."""
    pair = load_config(config)
    if not has_state(pair):
        raise StateError(
            f"{pair.state_path}: no state yet; run pairsync sync --config {config} first"
        )
    state = open_state(pair, reading=True)
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
    """List stale items (age, the tool last touched in, who has the ball), then the
    decisions waiting for the assistant's acknowledgement."""

    def body() -> tuple[list[StaleEntry], list[StaleEntry]]:
        pair, records, state = load_state(config)
        try:
            now = datetime.now(UTC)
            return stale_items(pair, records, now), acks_waiting(
                pair, records, marks(state, now), now
            )
        finally:
            state.close()

    entries, acks = guarded(body, as_json)
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
                        "ack_needed": ack,
                    }
                    for group, ack in ((entries, False), (acks, True))
                    for e in group
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
    for e in acks:
        typer.echo(
            f"{e.age_days:>4} days  {e.item.kind.value:<8} {e.item.title}  "
            f"(decided; waiting for {e.ball_with}'s acknowledgement: {ACK_NEEDED})"
        )


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
        pair, _, state = load_state(config)
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


class Delivery(Protocol):
    """What `notify` and `publish` report: the lines to show and the failures."""

    errors: list[str]

    def shown(self, dry_run: bool) -> list[str]: ...


def exit_with(report: Delivery, dry_run: bool) -> NoReturn:
    """Print a delivery's lines, then its failures on stderr; exit 1 if any failed."""
    for line in report.shown(dry_run):
        typer.echo(redact(line))
    for error in report.errors:
        typer.echo(f"pairsync: {redact(error)}", err=True)
    raise typer.Exit(1 if report.errors else 0)


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
    from sync.delivery.notify import run_notify

    if now is not None and now not in MESSAGE_KINDS:
        expected = ", ".join(MESSAGE_KINDS)
        typer.echo(f"pairsync: notify: --now '{now}': expected one of {expected}", err=True)
        raise typer.Exit(2)
    report = guarded(lambda: run_notify(load_config(config), dry_run, now))
    exit_with(report, dry_run)


@app.command()
def publish(
    config: ConfigOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show each document that would change, as text.")
    ] = False,
) -> None:
    """Update the pair's record in its [[documents]] (1:1 agenda, decisions log, a Five
    Whys record per problem) now, taking in first what a person ticked or answered there.
    `pairsync sync` does this too, after the targets."""
    from sync.run.publishing import run_publish

    report = guarded(lambda: run_publish(load_config(config), dry_run))
    exit_with(report, dry_run)


@app.command()
def history(
    config: ConfigOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the runs: when, what each target got (created / updated / archived),
    conflicts, items held, and which run an undo undid."""
    from sync.run.undo import history_line, history_rows

    def body() -> list[dict[str, object]]:
        _, _, state = load_state(config)
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
    from sync.run.undo import run_undo

    done, summary = guarded(lambda: run_undo(load_config(config), run_number, dry_run))
    if as_json:
        facts = {"undo_of": done.run, "put_back": done.put_back, "left_alone": done.left_alone}
        typer.echo(redact(json.dumps(summary.to_json() | facts, indent=2, default=str)))
    else:
        for line in done.left_alone:
            typer.echo(line)
        print_summary(summary, as_json=False)
        typer.echo(done.line(dry_run))
    raise typer.Exit(1 if summary.failed else 0)
