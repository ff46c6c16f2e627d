"""`pairsync auth microsoft|google --config F`: the one-time consent of a person, whose
refresh token a document or target then uses (stored in a file of mode 0600, never
printed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sync.cli.app import ConfigOption, app, guarded
from sync.config import load_config
from sync.errors import ConfigError
from sync.lazy import load_object

auth_app = typer.Typer(no_args_is_help=True, help="One-time consents (stores a refresh token).")
app.add_typer(auth_app, name="auth")


def _consent(service: str, extra: str, module: str, config: Path, browser: bool) -> None:
    """Run `module.authorize` for the pair's config and print its lines; its libraries
    missing is one line naming the extra."""

    def body() -> list[str]:
        pair = load_config(config)
        try:
            authorize = load_object(f"{module}:authorize")
        except ModuleNotFoundError as exc:
            raise ConfigError(
                [
                    f"auth {service} needs the {extra} extra (pip install 'pairsync[{extra}]'; "
                    f"missing: {exc.name})"
                ]
            ) from None
        lines: list[str] = authorize(pair, typer.echo, typer.prompt, browser)
        return lines

    for line in guarded(body):
        typer.echo(line)


@auth_app.command("microsoft")
def microsoft(config: ConfigOption) -> None:
    """Sign in to Microsoft once (MSAL's device code: open the page shown anywhere, enter the
    code) for the pair's OneNote [[documents]] entry; writes its `credentials` file (mode
    0600: MSAL's token cache with the refresh token, never printed)."""
    _consent("microsoft", "onenote", "adapters.onenote.auth", config, False)


@auth_app.command("google")
def google(
    config: ConfigOption,
    browser: Annotated[
        bool,
        typer.Option(
            "--browser/--no-browser",
            help="Consent in a browser on this machine, or (the default) open the address "
            "shown in a browser anywhere and paste back where it was sent.",
        ),
    ] = False,
) -> None:
    """Consent once (google-auth-oauthlib's installed-app flow) for the pair's Google Sheets
    targets and Google Docs documents; writes their `credentials` file (mode 0600)."""
    _consent("google", "google", "adapters.google.consent", config, browser)
