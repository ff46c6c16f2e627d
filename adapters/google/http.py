"""The Google API clients with pairsync's request policy: `google-api-python-client` built
offline from the discovery documents it ships (`static_discovery=True`), its base URL
overridable (the simulator), over an `httplib2` transport wrapped by google-auth's
`AuthorizedHttp` and by `PolicyHttp`, the one place every request of a Google target
passes: paced to the account's per-minute quota (`adapters.pacing`), counted, and retried
by the shared policy (`adapters.retry`): 429 `RESOURCE_EXHAUSTED` and 5xx with backoff
(Google sends no `Retry-After`; one is honoured if present), a lost connection retried
only for a request that is safe to send twice.

Why `google-api-python-client` and not gspread: it covers Sheets, Drive and Docs with
one client and one transport (gspread is Sheets only, with Drive calls of its own and no
Docs), its discovery documents are the description the simulator validates against, and
each call is one visible HTTP request, which the request budgets here are counted in.
"""

from __future__ import annotations

import functools
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httplib2
from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError, TransportError
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc

from adapters.google.auth import identity, load_credentials, refused
from adapters.pacing import Limit, Pacer
from adapters.retry import GaveUp, Retriable, Uncertain, retriable, with_retries
from sync.errors import TargetUnavailable

SERVICE_PATHS = {"sheets": "", "drive": "drive/v3/", "docs": ""}
VERSIONS = {"sheets": "v4", "drive": "v3", "docs": "v1"}
DRIVE_PER_MINUTE = 12_000
"""Drive's per-user quota (queries per minute)."""


def pacer_for(service: str, identity: str, per_minute: int, clock_speed: float) -> Pacer:
    """The pace of one account's requests to one API, shared by every client in the
    process that acts as the same user (Google's quotas are per user)."""
    return Pacer(f"google:{service}", {identity: Limit(per_minute, 60 / clock_speed)})


class PolicyHttp:
    """An `httplib2.Http` look-alike (what `googleapiclient` calls) that paces, counts and
    retries; `safe(method, uri, body)` tells whether a request may be sent twice."""

    def __init__(
        self,
        target: str,
        credentials: Credentials,
        pacer: Pacer,
        on_request: Callable[[], None],
        safe: Callable[[str, str], bool],
        timeout: float,
        max_wait: float,
        pair_file: Path | None = None,
    ) -> None:
        self.target = target
        self.pair_file = pair_file
        """Named in the line that asks for a new consent."""
        self.authed = AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
        self.pacer = pacer
        self.on_request = on_request
        self.safe = safe
        self.max_wait = max_wait
        self.backoff = 0.5
        self.throttled = 0
        """429 answers seen (`check` reports them)."""

    def request(
        self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **kwargs: Any
    ) -> tuple[httplib2.Response, bytes]:
        try:
            return with_retries(
                lambda: self._attempt(uri, method, body, headers, **kwargs),
                self.max_wait,
                self.backoff,
            )
        except GaveUp as exc:
            raise TargetUnavailable(self.target, str(exc)) from None

    def _attempt(
        self, uri: str, method: str, body: Any, headers: Any, **kwargs: Any
    ) -> tuple[httplib2.Response, bytes]:
        try:
            with self.pacer.sending():
                self.on_request()
                response, content = self.authed.request(uri, method, body, headers, **kwargs)
        except RefreshError as exc:
            if getattr(exc, "retryable", False):  # the token endpoint answered 5xx
                raise Retriable("token endpoint unavailable") from None
            raise refused(self.target, exc, self.pair_file) from None
        except (OSError, httplib2.HttpLib2Error, TransportError) as exc:
            if isinstance(exc, TransportError) and "token" in str(exc).lower():
                raise Retriable("token endpoint unreachable") from None
            if method != "GET" and not self.safe(method, uri):
                raise Uncertain(f"connection lost during {method}") from None
            kind = "timed out" if isinstance(exc, socket.timeout) else type(exc).__name__
            raise Retriable(f"connection failed ({kind})") from None
        status = int(response.status)
        if status == 429:
            self.throttled += 1
        wait = response.get("retry-after")
        again = retriable(status, float(wait) if wait and wait.isdigit() else None)
        if again is not None:
            raise again
        return response, content


@functools.cache
def _document(api: str) -> dict[str, Any]:
    """The discovery document shipped with the client, parsed once per process."""
    text = get_static_doc(api, VERSIONS[api])
    assert text is not None, f"google-api-python-client ships no {api} discovery document"
    parsed: dict[str, Any] = json.loads(text)
    return parsed


class Resources:
    """The client's collections, made once: `googleapiclient` builds every method's
    docstring each time a collection is asked for (some 50 ms for Drive's files)."""

    def __init__(self, api: str, http: PolicyHttp, base_url: str) -> None:
        endpoint = base_url.rstrip("/") + "/" + SERVICE_PATHS[api]
        self.client = build_from_document(
            _document(api), http=http, client_options={"api_endpoint": endpoint}
        )
        self._made: dict[str, Any] = {}

    def __getitem__(self, path: str) -> Any:
        """`resources["spreadsheets.values"]`: the collection at that path."""
        if path not in self._made:
            node = self.client
            for part in path.split("."):
                node = getattr(node, part)()
            self._made[path] = node
        return self._made[path]


class Apis:
    """The Google clients of one destination (a sheet target, a documents table), made on
    first use from its credentials file: the named API paced to `per_minute`, Drive to
    its own quota; every request counted by `on_request`."""

    def __init__(
        self,
        target: str,
        config: Any,
        api: str,
        scopes: list[str],
        safe: Callable[[str, str], bool],
        on_request: Callable[[], None],
        pair_file: Path | None = None,
    ) -> None:
        self.target = target
        self.pair_file = pair_file
        self.config = config
        self.api = api
        self.scopes = scopes
        self.safe = safe
        self.on_request = on_request
        self.http: list[PolicyHttp] = []
        self._made: dict[str, Resources] = {}

    def __getitem__(self, api: str) -> Resources:
        """`apis["sheets"]`, `apis["drive"]`: raises `TargetError` for bad credentials."""
        if not self._made:
            config = self.config
            credentials = load_credentials(
                self.target, config.credentials, self.scopes, self.pair_file
            )
            who = identity(self.target, config.credentials)
            for name, per_minute, base in (
                (self.api, config.requests_per_minute, config.base_url),
                ("drive", DRIVE_PER_MINUTE, config.drive_base_url),
            ):
                http = PolicyHttp(
                    self.target,
                    credentials,
                    pacer_for(name, who, per_minute, config.clock_speed),
                    self.on_request,
                    self.safe,
                    config.timeout_seconds,
                    config.retry_seconds,
                    self.pair_file,
                )
                self.http.append(http)
                self._made[name] = Resources(name, http, base)
        return self._made[api]

    @property
    def throttled(self) -> int:
        return sum(http.throttled for http in self.http)
