"""`pairsync auth google --config F`: one person's consent, once, with google-auth-oauthlib's
installed-app flow, written as an authorized-user file (mode 0600) where the pair's
Google targets and documents read their `credentials`.

Two ways to consent: a browser on this machine (`run_local_server`: Google redirects to a
loopback port here), or the copy-the-code form for a server without one: the URL is
printed, the person opens it anywhere, consents, and pastes back the address their
browser was sent to (it fails to load: it points at localhost) or just its `code`.

The OAuth client is the installed app's JSON from the Google Cloud console, named by the
target's `client_secrets`; its `token_uri` goes into the file, so a simulator's token
endpoint works as Google's. Nothing secret is ever printed.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google_auth_oauthlib.flow import InstalledAppFlow

from adapters.google.auth import ALL_SCOPES
from adapters.google.config import GoogleAccess
from sync.config import PairConfig
from sync.errors import ConfigError

REDIRECT = "http://localhost"
"""The loopback redirect of an installed app: the copy-the-code form pastes it back."""


def _google(config: PairConfig) -> list[tuple[str, GoogleAccess]]:
    tables: list[Any] = [*config.targets, *config.documents]
    named = [(str(table.name), table) for table in tables]
    return [(name, table) for name, table in named if isinstance(table, GoogleAccess)]


def authorize(
    config: PairConfig,
    echo: Callable[[str], None],
    prompt: Callable[[str], str],
    browser: bool,
) -> list[str]:
    """Run the consent and write the file; the lines to show."""
    where = config.config_file or config.config_dir
    google = _google(config)
    if not google:
        raise ConfigError([f"{where}: no google_sheets target or google_docs document"])
    secrets = next((t.client_secrets for _, t in google if t.client_secrets), None)
    if secrets is None:
        missing = f"{google[0][0]}.client_secrets is missing"
        raise ConfigError([f"{where}: {missing} (the OAuth client JSON of an installed app)"])
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(secrets), scopes=ALL_SCOPES)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not an installed app's client"
        raise ConfigError([f"{where}: client_secrets {secrets}: {reason}"]) from None
    with _loopback_allowed(flow.client_config.get("token_uri", "")):
        if browser:
            credentials = flow.run_local_server(port=0, open_browser=True)
        else:
            flow.redirect_uri = REDIRECT
            url, state = flow.authorization_url(access_type="offline", prompt="consent")
            echo("Open this address in any browser, consent, then paste the address the")
            echo("browser was sent to (it will not load: it points at localhost), or its code:")
            echo(url)
            flow.fetch_token(code=_code(prompt("Address or code"), state, where))
            credentials = flow.credentials
    info = json.loads(credentials.to_json())
    info.pop("token", None)  # short-lived; refreshed from the refresh token on every run
    info.pop("expiry", None)
    info["type"] = "authorized_user"
    lines = []
    for path in sorted({t.credentials for _, t in google}):
        _write_private(path, json.dumps(info, indent=2))
        users = ", ".join(name for name, t in google if t.credentials == path)
        lines.append(f"wrote {path} (mode 0600) for {users}")
    return lines


def _code(pasted: str, state: str, where: object) -> str:
    pasted = pasted.strip()
    if "code=" not in pasted:
        return pasted
    query = parse_qs(urlsplit(pasted).query)
    if query.get("state", [state])[0] != state:
        raise ConfigError([f"{where}: the pasted address belongs to another consent"])
    return query["code"][0]


@contextlib.contextmanager
def _loopback_allowed(token_uri: str) -> Iterator[None]:
    """oauthlib insists on https; a token endpoint on this machine (the simulator) is let
    through, and only for this flow."""
    host = urlsplit(token_uri).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        yield
        return
    before = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["OAUTHLIB_INSECURE_TRANSPORT"]
        else:
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = before


def _write_private(path: Path, text: str) -> None:
    """Mode 0600 from the first byte, replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
