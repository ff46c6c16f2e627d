"""Google credentials as pairsync reads them: an authorized-user file (written by `pairsync
auth google`) or a service-account key, each with its own `token_uri` honoured.

`google.oauth2.credentials.Credentials.from_authorized_user_info` always puts Google's
token endpoint in, whatever the file says; `with_token_uri` is google-auth's supported way
to use the file's own (a simulator's token endpoint works as Google's does). A
service-account key's `token_uri` is honoured by google-auth already.

A refresh token Google no longer accepts (revoked, expired, or the OAuth client deleted)
is one line naming the target and the command that fixes it, never the token.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from sync.errors import TargetRejected

SCOPES = {
    "sheets": [
        "https://www.googleapis.com/auth/spreadsheets",
        "https://www.googleapis.com/auth/drive.metadata.readonly",
    ],
    "docs": [
        "https://www.googleapis.com/auth/documents",
        "https://www.googleapis.com/auth/drive.file",
    ],
}
ALL_SCOPES = sorted({scope for scopes in SCOPES.values() for scope in scopes})
"""What `pairsync auth google` asks consent for: one token serves the sheet and the docs."""


def auth_command(pair_file: Path | None) -> str:
    """The command that writes the credentials again, as a person can paste it."""
    if pair_file is None:
        return "pairsync auth google --config FILE (this pair's file)"
    return f"pairsync auth google --config {shlex.quote(str(pair_file))}"


def load_info(target: str, path: Path, pair_file: Path | None = None) -> dict[str, Any]:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TargetRejected(
            target, f"credentials file {path} not found (run {auth_command(pair_file)})"
        ) from None
    except (OSError, ValueError) as exc:
        reason = type(exc).__name__ if isinstance(exc, ValueError) else exc.strerror
        raise TargetRejected(target, f"cannot read credentials file {path}: {reason}") from None
    if not isinstance(info, dict) or info.get("type") not in ("authorized_user", "service_account"):
        raise TargetRejected(
            target, f"{path} is neither an authorized-user file nor a service-account key"
        )
    return info


def load_credentials(
    target: str, path: Path, scopes: list[str], pair_file: Path | None = None
) -> Credentials:
    info = load_info(target, path, pair_file)
    try:
        if info["type"] == "service_account":
            # google-auth's factories are untyped: named as Any, their results typed here
            robot_factory: Any = service_account.Credentials.from_service_account_info
            robot: Credentials = robot_factory(info, scopes=scopes)
            return robot
        user_factory: Any = user_credentials.Credentials.from_authorized_user_info
        user: user_credentials.Credentials = user_factory(info, ALL_SCOPES)
    except (KeyError, ValueError) as exc:
        raise TargetRejected(target, f"{path} lacks {exc}") from None
    if info.get("token_uri"):
        user = user.with_token_uri(info["token_uri"])
    return user


def identity(target: str, path: Path) -> str:
    """Who the credentials act as, for pacing per user (kept as a hash only)."""
    info = load_info(target, path)
    return str(info.get("client_email") or info.get("refresh_token") or path)


def is_service_account(target: str, path: Path) -> bool:
    return load_info(target, path).get("type") == "service_account"


def refused(target: str, exc: RefreshError, pair_file: Path | None = None) -> TargetRejected:
    """A refresh Google refused, as one line without the token."""
    reason = str(exc.args[0]) if exc.args else ""
    if "invalid_grant" in reason or "expired or revoked" in reason:
        why = "Google refused the stored refresh token (expired or revoked)"
    elif "invalid_client" in reason:
        why = "Google refused the OAuth client of the credentials file"
    else:
        why = "Google refused the credentials"
    return TargetRejected(target, f"{why}; run {auth_command(pair_file)} again")
