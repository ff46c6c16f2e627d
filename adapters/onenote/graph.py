"""Microsoft Graph's OneNote endpoints with pairsync's request policy, over `requests`.

Why plain HTTP and not msgraph-sdk: pairsync needs five OneNote calls (list a section's
pages, create a page from HTML, get a page's HTML, PATCH it by data-id, get one page's
modified time); msgraph-sdk is asyncio-only, pulls in Kiota and azure-identity, and models
the content PATCH as a typed action while Graph takes a plain JSON array. MSAL (the
library Microsoft makes for the sign-in) does the part that is hard: the device-code flow,
the token cache and refreshing it.

Every request waits for the pace of its app and user (`requests_per_minute`), counts,
and is retried under `adapters.retry`: 429 after its `Retry-After`, 5xx and broken
connections with backoff (a create whose connection broke is `Uncertain` and never
re-sent: `find` looks for it by its marker next time). A 401 refreshes the token once.
507 (the section is full) and any other refusal are one line naming the document entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from adapters.docids import retried
from adapters.onenote.auth import MicrosoftToken, http_session, sign_in_again
from adapters.onenote.config import OneNoteDocuments
from adapters.pacing import Limit, Pacer
from adapters.retry import Retriable, Uncertain, retriable
from sync.documents.base import PublishError


class NotFound(Exception):
    """404: the page is gone."""


class Graph:
    def __init__(
        self,
        config: OneNoteDocuments,
        base_dir: Path,
        on_request: Any,
        config_file: Path | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.base = config.base_url.rstrip("/")
        self.session = http_session(config, base_dir)
        self.token = MicrosoftToken(config, base_dir, self.session, config_file)
        self.on_request = on_request
        self.backoff = 0.25
        self.throttled = 0
        self._pacer: Pacer | None = None

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        html: str | None = None,
        safe: bool = True,
    ) -> requests.Response:
        """One request under the policy; `path` below the base URL or a whole URL (a
        next link); `safe` False for a create (a lost answer is then `Uncertain`)."""
        url = path if path.startswith("http") else f"{self.base}{path}"
        refreshed = False

        def attempt() -> requests.Response:
            nonlocal refreshed
            response = self._once(method, url, params, json, html, safe, refreshed)
            if response.status_code == 401 and not refreshed:
                refreshed = True
                response = self._once(method, url, params, json, html, safe, refreshed)
            return self._checked(response, method, url)

        return retried(self.name, "OneNote", attempt, self.config.retry_seconds, self.backoff)

    def _once(
        self,
        method: str,
        url: str,
        params: dict[str, str] | None,
        json: Any,
        html: str | None,
        safe: bool,
        refresh: bool,
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token.get(force_refresh=refresh)}"}
        data = None
        if html is not None:
            headers["Content-Type"] = "text/html"
            data = html.encode("utf-8")
        self._pace()
        self.on_request()
        try:
            return self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=headers,
                timeout=self.config.timeout_seconds,
            )
        except requests.RequestException as exc:
            if not safe:
                raise Uncertain("connection lost while creating a page") from None
            raise Retriable(f"connection failed ({type(exc).__name__})") from None

    def _checked(self, response: requests.Response, method: str, url: str) -> requests.Response:
        status = response.status_code
        if status < 400:
            return response
        if status == 429:
            self.throttled += 1
        again = retriable(status, _seconds(response.headers.get("Retry-After")))
        if again is not None and status != 507:
            raise again
        if status == 404:
            raise NotFound(url)
        if status == 401:
            renew = sign_in_again(self.token.config_file)
            raise PublishError(self.name, f"Graph refused the token (401); {renew}")
        if status == 403:
            raise PublishError(self.name, "access denied (403): the section is not this account's")
        if status == 507:
            raise PublishError(
                self.name,
                "the OneNote section is full (507 Insufficient Storage): make a new section "
                "and set its section_id",
            )
        raise PublishError(self.name, f"{method} {_shape(url)}: {_message(response)} ({status})")

    def _pace(self) -> None:
        if self._pacer is None:
            limit = Limit(self.config.requests_per_minute, 60 / self.config.clock_speed)
            self._pacer = Pacer("onenote", {self.token.account_key: limit})
        self._pacer.wait()

    def close(self) -> None:
        self.session.close()


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _message(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
        return str(error.get("message") or error.get("code") or "refused")
    except ValueError:
        return "refused"


def _shape(url: str) -> str:
    """The request's path with ids left out (a line names the kind of request)."""
    path = url.split("/v1.0", 1)[-1].split("?", 1)[0]
    parts = ["{id}" if len(part) > 20 or "!" in part else part for part in path.split("/")]
    return "/".join(parts)
