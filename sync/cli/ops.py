"""Commands for setting up and running pairsync: check, serve, webhooks, init, demo,
simulate."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from sync.cli.app import (
    ConfigOption,
    DatabaseOption,
    app,
    echo_line,
    guarded,
    known_places,
    report_pairs,
)
from sync.config import PairConfig, load_config, refuse_unverifiable_buttons
from sync.contract import CheckLine
from sync.errors import MissingExtra, PairsyncError
from sync.logs import redact
from sync.pair_files import shared_targets
from sync.run.pairs import parse_interval
from sync.run.processes import cores
from sync.run.report import error_kind, fail


@app.command()
def serve(
    config_dir: Annotated[Path, typer.Option("--config-dir", file_okay=False)],
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8080,
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
    database_url: DatabaseOption = None,
    request_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            max=600,
            help="Seconds a client has to send a request's head, and then its body; also "
            "how long an idle connection stays open.",
        ),
    ] = 10,
    max_connections: Annotated[
        int,
        typer.Option(min=1, help="Connections and requests at once; beyond, answered 503."),
    ] = 100,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            help="How many processes run the syncs [default: the number of cores].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Webhooks (Trello, Asana), Slack buttons and a status page; every pair also polled.
    With a database, syncs go to the job queue for `pairsync worker` instead."""
    from sync.cli.scale import optional_database
    from sync.lazy import load_object

    run_serve = guarded(lambda: load_object("sync.serve.run:serve", "pairsync serve"))

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
            database_url=optional_database(database_url),
            request_timeout=request_timeout,
            max_connections=max_connections,
            processes=processes or cores(),
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

    def register(pair: PairConfig) -> bool:
        refuse_unverifiable_buttons(pair)  # serve is expected: its clicks must be checked
        return registration.register(pair, public_url, echo_line)

    _webhooks(config, register)


@webhooks_app.command("list")
def webhooks_list(config: ConfigOption) -> None:
    """The pair's webhooks in each tool."""
    from sync.serve import registration

    _webhooks(config, lambda pair: registration.show(pair, echo_line))


@webhooks_app.command("remove")
def webhooks_remove(config: ConfigOption, public_url: PublicUrl) -> None:
    """Remove the webhooks that call this public URL."""
    from sync.serve import registration

    _webhooks(config, lambda pair: registration.remove(pair, public_url, echo_line))


@webhooks_app.command("token")
def webhooks_token(
    config: ConfigOption,
    public_url: Annotated[
        str | None, typer.Option("--public-url", help="Where pairsync serve is reachable.")
    ] = None,
) -> None:
    """Show the verification token Notion sent to serve, and the steps to verify the
    subscription with it (the token is never written to a log)."""
    from sync.serve import registration

    _webhooks(config, lambda pair: registration.verification(pair, public_url, echo_line))


@app.command()
def check(config: ConfigOption) -> None:
    """Validate the config and reach every target: credentials, board or project, lists or
    sections, rate-limit headroom; every Slack channel: token, conversation; and every
    document destination. Exit 1 on any problem."""
    from rich.console import Console
    from rich.table import Table

    from adapters import build_adapters, publisher_for
    from sync.channels import load_channel_class
    from sync.plan.safety import renamed_lines

    def body() -> tuple[str, list[tuple[str, ...]], bool]:
        pair = load_config(config)
        shared_targets(sorted(config.parent.glob("*.toml")), involving=config)
        refuse_unverifiable_buttons(pair)
        title = f"{config.name}: pair {pair.pair.name}, {len(pair.targets)} targets"
        checked: list[tuple[str, list[CheckLine]]] = []
        for adapter in build_adapters(
            pair.targets, pair.pair.zone, known_places(pair), pair_file=pair.pair_file
        ):
            try:
                checked.append((adapter.name, adapter.check()))
            except PairsyncError as exc:
                checked.append((adapter.name, [CheckLine("reach", False, str(exc))]))
            finally:
                adapter.close()
            lines = renamed_lines(
                adapter.name, adapter.place_word, adapter.config.lists, adapter.places
            )
            renamed = [CheckLine("renamed", True, line) for line in lines]
            checked[-1][1].extend(renamed)
        if pair.state_url is not None:  # many machines: the state's database
            from sync.store import pgschema

            checked.append(("state", [pgschema.check(pair.state_url)]))
        for entry in pair.channels:  # [[channels]]: Slack, Teams
            channel = load_channel_class(entry.type)(entry, pair.pair.name)
            checked.append((entry.name, channel.check()))
            channel.close()
        for document in pair.documents:  # [[documents]]: the pair's record
            publisher = publisher_for(document, pair.pair.name, pair.config_dir, pair.pair_file)
            try:
                checked.append((document.name, publisher.check()))
            except PairsyncError as exc:
                checked.append((document.name, [CheckLine("reach", False, str(exc))]))
            finally:
                publisher.close()
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
def demo(
    keep: Annotated[
        Path | None, typer.Option(help="Write the demo into this directory and keep it.")
    ] = None,
) -> None:
    """Show pairsync at work on built-in boards, with no credentials."""
    from sync.cli.demo import run_demo

    def demo_run() -> None:
        try:
            run_demo(keep, typer.echo)
        except MissingExtra:  # its simulators and the clients of the tools it shows
            raise MissingExtra("pairsync demo", "demo") from None

    guarded(demo_run)


@app.command()
def init(
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False)] = Path("pair.toml"),
) -> None:
    """Write a commented config for a new pair, listing the boards and projects the
    tokens can see (tokens come from the environment or a hidden prompt, never the file)."""
    from sync.cli.init import run_init

    missing = guarded(lambda: run_init(output, typer.prompt, typer.echo))
    typer.echo(f"wrote {output}")
    if missing:
        typer.echo(f"before syncing, export: {' '.join(missing)}")
    typer.echo(f"next: pairsync check --config {output}")


SERVICES = "trello | asana | notion | google | slack | teams | onenote | evernote"


@app.command()
def simulate(
    service: Annotated[
        str,
        typer.Argument(
            help="trello | asana | notion | google | slack | teams | onenote | evernote"
        ),
    ],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 0,
) -> None:
    """Run a local simulator of a service (for trying configs and tests)."""
    from adapters import DOCUMENT_TYPES, SIMULATED_SERVICES, TARGET_TYPES, simulator_class
    from sync.channels import channel_simulator_class

    try:
        if service in DOCUMENT_TYPES:
            _simulate_documents(service, simulator_class(service)(port=port))
            return
        known = service in TARGET_TYPES or service in SIMULATED_SERVICES
        make = simulator_class(service) if known else None
        sim = (make or channel_simulator_class(service))(port=port)
    except KeyError:
        unknown = f"simulate: unknown service '{service}' ({SERVICES})"
        raise fail("usage", [unknown], 2, False) from None
    except MissingExtra as exc:
        raise fail(error_kind(exc), [str(exc)], exc.exit_code, False) from None
    typer.echo(f"{service.capitalize()} simulator at {sim.base_url}")
    for key, value in sim.config_keys().items():
        typer.echo(f'  {key} = "{value}"')
    typer.echo("  # the credentials above work with this simulator only")
    serve = sim.serve_forever
    typer.echo("Ctrl-C to stop.")
    with contextlib.suppress(KeyboardInterrupt):
        serve()


def _simulate_documents(service: str, sim: Any) -> None:
    """A document tool's simulator signs a person in over HTTP itself: it runs first."""
    import threading

    sim.start()
    try:
        typer.echo(f"{service.capitalize()} simulator at {sim.base_url}")
        typer.echo("  [[documents]]")
        typer.echo('  name = "record"')
        for key, value in sim.config_keys(Path(f"{service}-simulator-credentials.json")).items():
            typer.echo(f'  {key} = "{value}"')
        typer.echo("  # signed in already; the credentials work with this simulator only")
        typer.echo("Ctrl-C to stop.")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    finally:
        sim.stop()
