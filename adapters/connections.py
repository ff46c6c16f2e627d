"""HTTP connections shared by every target of the process.

A `--config-dir` run talks to the same two or three hosts for thousands of pairs. One
pool per host, kept for the life of the process, lets a pair's request go out on a
connection an earlier pair opened instead of a new TCP (and, against the real services,
TLS) handshake per pair and service; a client made per pair would also pay for its own
pool manager. urllib3's pools are thread-safe; a process of `--processes` starts with
none (they are made on first use, never inherited).
"""

from __future__ import annotations

import ssl
import threading
from functools import cache

import certifi
import requests.adapters
import urllib3

POOL_SIZE = 1000
"""Connections kept per host: the most pairs one process syncs at once (`--workers` is at
most 1,000), so a returning connection never finds the pool full (urllib3 would drop it
with a warning)."""
HOSTS = 20
"""Hosts whose pools are kept (least recently used dropped first)."""

_lock = threading.Lock()


@cache
def _pool_manager() -> urllib3.PoolManager:
    return urllib3.PoolManager(
        num_pools=HOSTS,
        maxsize=POOL_SIZE,
        cert_reqs=ssl.CERT_REQUIRED,
        ca_certs=certifi.where(),
        retries=False,  # one retry policy: adapters.retry
    )


@cache
def _requests_adapter() -> requests.adapters.HTTPAdapter:
    return requests.adapters.HTTPAdapter(
        pool_connections=HOSTS, pool_maxsize=POOL_SIZE, max_retries=0
    )


def pool_manager() -> urllib3.PoolManager:
    """The process's urllib3 pools (the asana SDK's transport)."""
    with _lock:
        return _pool_manager()


def mount_shared(session: requests.Session) -> None:
    """Send `session`'s requests (py-trello's transport) through the process's pools."""
    with _lock:
        adapter = _requests_adapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
