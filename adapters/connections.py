"""HTTP connections shared by every target of the process.

A `--config-dir` run talks to the same two or three hosts for thousands of pairs. One
pool per host, kept for the life of the process, lets a pair's request go out on a
connection an earlier pair opened instead of a new TCP (and, against the real services,
TLS) handshake per pair and service; a client made per pair would also pay for its own
pool manager. urllib3's pools are thread-safe; a process of `--processes` starts with
none (they are made on first use, never inherited).

The environment's proxies (`HTTPS_PROXY`, `NO_PROXY`, ...) and CA bundle
(`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`) are read once per process, as requests reads
them, and apply to every service.
"""

from __future__ import annotations

import os
import ssl
import threading
import urllib.request
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import certifi
import urllib3

POOL_SIZE = 1000
"""Connections kept per host: the most pairs one process syncs at once (`--workers` is at
most 1,000), so a returning connection never finds the pool full (urllib3 would drop it
with a warning)."""
HOSTS = 20
"""Hosts whose pools are kept (least recently used dropped first)."""

_lock = threading.Lock()


@cache
def _pool_manager(proxy: str | None) -> urllib3.PoolManager:
    options: dict[str, Any] = {
        "num_pools": HOSTS,
        "maxsize": POOL_SIZE,
        "cert_reqs": ssl.CERT_REQUIRED,
        "ca_certs": _ca_bundle(),
        "retries": False,  # one retry policy: adapters.retry
    }
    if proxy:
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)


@cache
def _ca_bundle() -> str:
    environ = os.environ
    return environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or certifi.where()


@cache
def _proxy_for(url: str) -> str | None:
    """The environment's proxy for `url`'s scheme and host, None where `NO_PROXY` says so."""
    parts = urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return urllib.request.getproxies_environment().get(parts.scheme)


def pool_for(url: str) -> urllib3.PoolManager:
    """The process's urllib3 pools for requests to `url` (Trello's transport, the asana
    SDK's): through the environment's proxy for it, if any."""
    with _lock:
        return _pool_manager(_proxy_for(url))
