"""`pairsync auth SERVICE --config F`: a person's one-time consent for a service whose
credentials are an OAuth refresh token, written where the pair's config reads it."""

from __future__ import annotations

from typing import Annotated

import typer

from sync.cli.app import ConfigOption, app, guarded
from sync.config import load_config
from sync.lazy import load_object
from sync.run.report import fail

PROVIDERS = {"google": "adapters.google.consent:authorize"}
"""Service -> its consent function (`authorize(config, echo, prompt, browser)`)."""


@app.command()
def auth(
    service: Annotated[str, typer.Argument(help="google")],
    config: ConfigOption,
    browser: Annotated[
        bool,
        typer.Option(
            "--browser/--no-browser",
            help="Consent in a browser on this machine, or (--no-browser) paste the code "
            "from a browser anywhere.",
        ),
    ] = False,
) -> None:
    """Consent once to pairsync's access; the refresh token goes to the credentials file the
    config names (mode 0600) and is never printed."""
    if service not in PROVIDERS:
        known = " | ".join(PROVIDERS)
        raise fail("usage", [f"auth: unknown service '{service}' ({known})"], 2, False)
    authorize = load_object(PROVIDERS[service])
    lines = guarded(lambda: authorize(load_config(config), typer.echo, typer.prompt, browser))
    for line in lines:
        typer.echo(line)
