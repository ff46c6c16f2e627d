"""The vendor's SDK (`evernote3`) under pairsync's request policy.

`evernote3` 1.25 runs on Python 3.11 for what pairsync needs: its Thrift types and the
`UserStore` / `NoteStore` clients over its own `THttpClient`. Its convenience wrapper
`evernote.api.client.EvernoteClient` does not import (it needs `oauth2`, a package the
SDK does not declare and that no longer installs), and it only builds these same clients
from a token, so pairsync builds them directly. Each call is one HTTP POST.

Policy: `RATE_LIMIT_REACHED` is waited out for its `rateLimitDuration` (Evernote's limits
are per key and user per hour and unpublished), other system errors and broken
connections are retried with backoff (a create whose answer was lost is `Uncertain`, never
re-sent: `find` looks for it by its marker next time); an expired or invalid token, and
any other refusal, is one line naming the document entry.
"""

from __future__ import annotations

import http.client
import struct
from collections.abc import Callable
from typing import Any, TypeVar

import evernote.edam.notestore.NoteStore as NoteStore
import evernote.edam.userstore.UserStore as UserStore
from evernote.edam.error.ttypes import (
    EDAMErrorCode,
    EDAMNotFoundException,
    EDAMSystemException,
    EDAMUserException,
)
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TException
from thrift.transport import THttpClient

from adapters.docids import retried
from adapters.evernote.config import EvernoteDocuments
from adapters.retry import Retriable, Uncertain
from sync.documents.base import PublishError

T = TypeVar("T")
KEYS = (
    "Evernote issues API keys only by request now: ask its developer support for a consumer "
    "key, or use a personal token"
)


class NotFound(Exception):
    """The note (or notebook) is not there."""


class EvernoteStore:
    def __init__(self, config: EvernoteDocuments, on_request: Callable[[], None]) -> None:
        self.config = config
        self.name = config.name
        self.token = config.token.get_secret_value()
        self.on_request = on_request
        self.backoff = 0.25
        self.throttled = 0

    def user_store(self) -> Any:
        return UserStore.Client(self._protocol(f"{self.config.base_url.rstrip('/')}/edam/user"))

    def note_store(self, url: str) -> Any:
        return NoteStore.Client(self._protocol(url))

    def _protocol(self, url: str) -> TBinaryProtocol.TBinaryProtocol:
        transport = THttpClient.THttpClient(url)
        transport.setTimeout(int(self.config.timeout_seconds * 1000))
        transport.setCustomHeaders({"User-Agent": "pairsync"})
        return TBinaryProtocol.TBinaryProtocol(transport)

    def call(self, what: str, request: Callable[[], T], *, safe: bool = True) -> T:
        """One SDK call under the policy; `what` names it in a line; `safe` False for a
        create."""

        def attempt() -> T:
            self.on_request()
            try:
                return request()
            except EDAMSystemException as exc:
                if exc.errorCode == EDAMErrorCode.RATE_LIMIT_REACHED:
                    self.throttled += 1
                    duration = exc.rateLimitDuration
                    raise Retriable("rate limited (RATE_LIMIT_REACHED)", duration) from None
                raise Retriable(f"Evernote error ({_code(exc.errorCode)})") from None
            except EDAMUserException as exc:
                raise self._refused(what, exc) from None
            except EDAMNotFoundException:
                raise NotFound(what) from None
            except (OSError, http.client.HTTPException, TException, struct.error, EOFError):
                # a timeout is an OSError; an answer that is no Thrift message, struct.error
                if not safe:
                    raise Uncertain("connection lost while creating a note") from None
                raise Retriable("connection failed") from None

        return retried(self.name, "Evernote", attempt, self.config.retry_seconds, self.backoff)

    def _refused(self, what: str, exc: EDAMUserException) -> PublishError:
        code = _code(exc.errorCode)
        if exc.errorCode in (EDAMErrorCode.AUTH_EXPIRED, EDAMErrorCode.INVALID_AUTH):
            return PublishError(
                self.name, f"Evernote refused the token ({code}): get a new one; {KEYS}"
            )
        detail = f" {exc.parameter}" if exc.parameter else ""
        return PublishError(self.name, f"Evernote refused {what}: {code}{detail}")


def _code(code: int | None) -> str:
    return str(EDAMErrorCode._VALUES_TO_NAMES.get(code, code))
