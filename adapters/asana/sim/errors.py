"""Asana's error answers: `{"errors": [{"message": ..., "help": ...}]}` with a status code."""

from __future__ import annotations

from adapters.simkit import ServiceError

HELP = "For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors"


class AsanaError(ServiceError):
    pass


def unknown_object(field: str, gid: str) -> AsanaError:
    """What Asana says for a gid that does not exist (or that the token cannot see)."""
    return AsanaError(404, f"{field}: Unknown object: {gid}")


def invalid(message: str) -> AsanaError:
    return AsanaError(400, message)


class SyncTokenInvalid(AsanaError):
    """Asana's 412: the body carries a fresh token next to the error."""

    def __init__(self, fresh_token: str) -> None:
        super().__init__(
            412,
            "Sync token invalid or too old. If you are attempting to keep resources in sync, "
            "you must fetch the full dataset for this query now and use the new sync token "
            "for the next sync.",
        )
        self.sync = fresh_token
