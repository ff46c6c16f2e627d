"""`pairsync pulse`: the partnership's weekly figures from the run history, as a table,
`--json`, and a PNG chart (`--output`, the `pulse` extra)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from sync.cli.app import ConfigOption, app, guarded
from sync.cli.board import load_state
from sync.delivery.pulse import Week, pair_pulse, pulse_lines, pulse_title
from sync.errors import StateError


@app.command()
def pulse(
    config: ConfigOption,
    weeks: Annotated[int, typer.Option(min=1, max=104, help="How many weeks back.")] = 8,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", dir_okay=False, help="Write a PNG chart.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The partnership pulse, per week: decisions raised and decided, who created and
    changed items, the stale share, acknowledgements waiting, wins, feedback, growth."""

    def body() -> tuple[list[Week], str]:
        pair, _, state = load_state(config)
        try:
            found = pair_pulse(pair, state, datetime.now(UTC), weeks)
        finally:
            state.close()
        title = pulse_title(pair, found)
        if output is not None:
            from sync.delivery.pulse_chart import chart_png  # matplotlib: the pulse extra

            png = chart_png(found, title)
            try:
                output.write_bytes(png)
            except OSError as exc:
                raise StateError(f"{output}: cannot write the chart: {exc.strerror}") from None
        return found, title

    found, title = guarded(body, as_json)
    if as_json:
        chart = str(output) if output is not None else None
        document = {"title": title, "chart": chart, "weeks": [w.to_json() for w in found]}
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(title)
    for line in pulse_lines(found):
        typer.echo(line)
    if output is not None:
        typer.echo(f"chart written to {output}")
