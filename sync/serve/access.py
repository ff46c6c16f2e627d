"""Who may read what `pairsync serve` shows about the pairs: the status page, the 1:1
agendas, `/metrics`, and the names in `/healthz`.

With a token (`--auth-token`, `$PAIRSYNC_AUTH_TOKEN`) every such request must carry it
(Bearer, or Basic with it as the password), whoever asks. Without one, serve is bound to
loopback (`run.check_exposure`) and only this machine itself may read them, which a
request proves by coming neither through a proxy (no forwarding header: Caddy and nginx
add one) nor by another name (a `Host` other than localhost: a browser on this machine
led here by a DNS-rebinding page names the attacker's host). `--public-url` says a proxy
publishes serve, so it needs the token (checked at start). The webhooks and Slack carry
their own signatures and are not guarded here.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

FORWARDING = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")
"""Headers a reverse proxy adds (RFC 7239, and the de-facto ones Caddy and nginx send)."""
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ASK_FOR_TOKEN = "set PAIRSYNC_AUTH_TOKEN for pairsync serve"


def host_name(host: str) -> str:
    """The name in a `Host` header, without port or IPv6 brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


@dataclass(frozen=True, slots=True)
class Access:
    token: str | None

    def carries_token(self, headers: Mapping[str, str]) -> bool:
        if self.token is None:
            return False
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                value = base64.b64decode(value, validate=True).decode().partition(":")[2]
            except (binascii.Error, ValueError, UnicodeDecodeError):
                return False
        elif scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.encode(), self.token.encode())

    def refusal(self, headers: Mapping[str, str]) -> str | None:
        """Why a request for the page, an agenda or the metrics is refused (401), or
        None. `headers` with names in lower case."""
        if self.token is not None:
            return None if self.carries_token(headers) else "authorisation required"
        if any(name in headers for name in FORWARDING):
            return f"authorisation required: this request came through a proxy; {ASK_FOR_TOKEN}"
        if host_name(headers.get("host", "")) not in LOCAL_NAMES:
            return (
                "authorisation required: this page was asked for by another name than "
                f"localhost; {ASK_FOR_TOKEN}"
            )
        return None
