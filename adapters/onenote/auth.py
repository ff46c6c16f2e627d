"""Delegated sign-in to Microsoft Graph with MSAL (Microsoft ended app-only OneNote access
in March 2025, so pairsync acts as the person who consented).

`pairsync auth microsoft --config F` runs MSAL's device-code flow once and writes the
credentials file (mode 0600): the client id, the tenant, the token endpoint and MSAL's
token cache, which holds the refresh token. Runs take an access token from the cache
(`acquire_token_silent`, refreshing it at the file's token endpoint) and write the cache
back when MSAL rotated the refresh token. No token is ever printed or logged.

MSAL only talks to https authorities; a simulator serves https with its own certificate,
which the `ca_bundle` key makes trusted for these requests only.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msal
import requests

from adapters.onenote.config import OneNoteDocuments
from sync.config import PairConfig
from sync.documents.base import PublishError
from sync.errors import ConfigError
from sync.logs import register_secret

SCOPES = ["Notes.ReadWrite"]
TOKEN_PATH = "/oauth2/v2.0/token"


def sign_in_again(config_file: Path | None) -> str:
    """The command that renews the consent, naming the pair's file (quoted for a shell)."""
    where = shlex.quote(str(config_file)) if config_file is not None else "FILE (this pair's file)"
    return f"run pairsync auth microsoft --config {where} to sign in again"


def consent_needed(name: str, reason: str, config_file: Path | None) -> PublishError:
    """The one line for a missing, expired or revoked consent (no secret in it)."""
    return PublishError(
        name,
        "Microsoft sign-in needed: the consent is missing or expired "
        f"({reason}); {sign_in_again(config_file)}",
    )


class _Session(requests.Session):
    """A session that trusts `ca_bundle` for its requests even where the environment
    names a CA bundle (requests lets REQUESTS_CA_BUNDLE override a session's `verify`)."""

    def __init__(self, ca_bundle: str | None) -> None:
        super().__init__()
        self.ca_bundle = ca_bundle

    def merge_environment_settings(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        settings: dict[str, Any] = super().merge_environment_settings(*args, **kwargs)
        if self.ca_bundle is not None:
            settings["verify"] = self.ca_bundle
        return settings


def http_session(config: OneNoteDocuments, base_dir: Path) -> requests.Session:
    bundle = config.ca_bundle
    return _Session(str(base_dir / bundle) if bundle is not None else None)


@dataclass
class Credentials:
    """The credentials file: who signs in where, and MSAL's token cache."""

    client_id: str
    tenant: str
    token_uri: str
    cache: msal.SerializableTokenCache

    @property
    def authority(self) -> str:
        """The authority MSAL needs, from the token endpoint the file names (so a
        simulator's endpoint is honoured as Microsoft's is)."""
        return self.token_uri.removesuffix(TOKEN_PATH)

    def to_json(self) -> str:
        return json.dumps(
            {
                "type": "microsoft",
                "client_id": self.client_id,
                "tenant": self.tenant,
                "token_uri": self.token_uri,
                "token_cache": json.loads(self.cache.serialize() or "{}"),
            },
            indent=2,
        )


def load_credentials(path: Path, name: str, config_file: Path | None = None) -> Credentials:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cache = msal.SerializableTokenCache()
        cache.deserialize(json.dumps(data["token_cache"]))
        credentials = Credentials(data["client_id"], data["tenant"], data["token_uri"], cache)
    except FileNotFoundError:
        raise consent_needed(name, f"no credentials file {path}", config_file) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a credentials file"
        raise consent_needed(name, f"{path}: {reason}", config_file) from None
    for entry in cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN):
        register_secret(str(entry.get("secret", "")))
    return credentials


def save_credentials(path: Path, credentials: Credentials) -> None:
    """Write the file atomically, mode 0600 from the start (never readable by others)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(credentials.to_json())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _app(credentials: Credentials, session: requests.Session) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        credentials.client_id,
        authority=credentials.authority,
        token_cache=credentials.cache,
        http_client=session,
        instance_discovery=False,
    )


class MicrosoftToken:
    """Access tokens for one `[[documents]]` entry, from its credentials file."""

    def __init__(
        self,
        config: OneNoteDocuments,
        base_dir: Path,
        session: requests.Session,
        config_file: Path | None = None,
    ) -> None:
        self.name = config.name
        self.config_file = config_file
        """The pair's file, named in the line that asks for a new sign-in."""
        self.path = base_dir / config.credentials
        self.session = session
        self._credentials: Credentials | None = None
        self._app: msal.PublicClientApplication | None = None

    @property
    def account_key(self) -> str:
        """Who the requests count against (Graph throttles per app and user)."""
        credentials = self._load()
        return f"{credentials.client_id} {self.path}"

    def _load(self) -> Credentials:
        if self._credentials is None:
            self._credentials = load_credentials(self.path, self.name, self.config_file)
        return self._credentials

    def get(self, force_refresh: bool = False) -> str:
        credentials = self._load()
        try:
            if self._app is None:
                self._app = _app(credentials, self.session)
            accounts = self._app.get_accounts()
            if not accounts:
                raise consent_needed(self.name, "no account in the token cache", self.config_file)
            result = self._app.acquire_token_silent_with_error(
                SCOPES, account=accounts[0], force_refresh=force_refresh
            )
        except (requests.RequestException, ValueError) as exc:
            raise PublishError(
                self.name, f"cannot reach the Microsoft sign-in ({type(exc).__name__})"
            ) from None
        if not result or "access_token" not in result:
            reason = str((result or {}).get("error") or "no token")
            raise consent_needed(self.name, reason, self.config_file)
        if credentials.cache.has_state_changed:
            save_credentials(self.path, credentials)
            credentials.cache.has_state_changed = False
        token = str(result["access_token"])
        register_secret(token)
        return token


def sign_in(config: OneNoteDocuments, base_dir: Path, say: Callable[[str], None]) -> Path:
    """`pairsync auth microsoft`: the device-code flow; writes the credentials file."""
    if config.client_id is None:
        raise ConfigError(
            [
                f'documents "{config.name}": client_id: needed to sign in (an app registration '
                "with the delegated permission Notes.ReadWrite and public client flows allowed)"
            ]
        )
    path = base_dir / config.credentials
    token_uri = f"{config.login_url.rstrip('/')}/{config.tenant}{TOKEN_PATH}"
    credentials = Credentials(
        config.client_id, config.tenant, token_uri, msal.SerializableTokenCache()
    )
    session = http_session(config, base_dir)
    try:
        app = _app(credentials, session)
        flow: dict[str, Any] = app.initiate_device_flow(scopes=SCOPES)
        if "user_code" not in flow:
            raise PublishError(
                config.name, f"the device sign-in did not start ({flow.get('error')})"
            )
        say(str(flow["message"]))
        result = app.acquire_token_by_device_flow(flow)
    except (requests.RequestException, ValueError) as exc:
        raise PublishError(
            config.name, f"cannot reach the Microsoft sign-in ({type(exc).__name__})"
        ) from None
    finally:
        session.close()
    if "access_token" not in result:
        raise PublishError(config.name, f"sign-in failed ({result.get('error')})")
    save_credentials(path, credentials)
    return path


def authorize(
    config: PairConfig, echo: Callable[[str], None], prompt: Callable[[str], str], browser: bool
) -> list[str]:
    """`pairsync auth microsoft`: sign in for the pair's OneNote `[[documents]]` entry (the
    device-code flow needs no browser here: the page and code are shown); the lines to show."""
    entries = [d for d in config.documents if isinstance(d, OneNoteDocuments)]
    where = config.config_file or config.config_dir
    if len(entries) != 1:
        raise ConfigError(
            [f"{where}: auth microsoft needs exactly one onenote [[documents]] entry"]
        )
    path = sign_in(entries[0], config.config_dir, echo)
    return [f"signed in; the consent is kept in {path} (mode 600, never printed)"]
