"""Settings of the pairsync process itself (not of one pair), from `PAIRSYNC_*`
environment variables, through pydantic-settings: the one place pairsync reads its
environment. A pair's file never takes values from the environment except through
`${VAR}` (see `sync.config`), so pairs in one directory cannot leak into each other.

A bad value is a usage error (exit 2) naming the variable, never a traceback.
"""

from __future__ import annotations

import gc
import os
from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync.errors import ConfigError


class ProcessSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAIRSYNC_", extra="ignore", frozen=True)

    lock_wait: float = Field(10.0, ge=0, le=86_400)
    """Seconds a run waits for another run of the same pair to finish (PAIRSYNC_LOCK_WAIT)."""
    workers: int = Field(16, ge=1, le=1000)
    """Pairs a `--config-dir` run syncs at once (PAIRSYNC_WORKERS; `--workers` wins): a
    pair spends most of its time waiting on the network (its targets in parallel), so a
    2-core machine keeps many in flight."""
    database_url: str | None = None
    """PostgreSQL for many machines (PAIRSYNC_DATABASE_URL): the job queue of `serve` and
    `pairsync worker`, the rate budgets every machine shares, and the state of the pairs
    whose files name none of their own (`[state] url`)."""
    worker_heartbeat: float = Field(10.0, gt=0, le=3600)
    """Seconds between a worker's heartbeats (PAIRSYNC_WORKER_HEARTBEAT)."""
    worker_stalled_after: float = Field(30.0, gt=0, le=86_400)
    """Seconds without a heartbeat after which a worker's running syncs are queued again
    (PAIRSYNC_WORKER_STALLED_AFTER): its machine or process died."""

    @field_validator("database_url")
    @classmethod
    def _a_database(cls, url: str | None) -> str | None:
        return None if url is None else valid_database_url(url)


COLLECTOR_THRESHOLDS = (200_000, 30, 30)
"""Python's cyclic collector as pairsync runs it (`tune_collector`), where the default
collects the youngest generation every 700 objects."""


def tune_collector() -> None:
    """Collect reference cycles less often while one pair syncs (`sync --config`): a
    sync makes objects that live (a board's items, cards, links and writes) far more
    than garbage cycles, and each collection walks the living. With the default
    thresholds a 100,000-item read and plan spent a quarter of its CPU collecting (7.4 s,
    now 5.8 s); mypy sets the same for the same reason. Not for many pairs at once: their
    processes' memory is the limit there, and the young generation kept 20 MiB more in
    each (20,000 pairs: 249 MiB PSS against 192)."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def process_settings() -> ProcessSettings:
    """The settings as the environment has them now; `ConfigError` (exit 2) when a value
    is not valid, one line per variable. Read again only when a `PAIRSYNC_*` variable
    changed: every pair's lock asks (pydantic-settings took a millisecond of CPU a pair).
    The names are scanned before any value is read (`os.environ.items()` decodes every
    value: 75 µs a call, three calls a pair; this, 14 µs)."""
    ours = tuple(sorted((k, os.environ[k]) for k in os.environ if k[:9].upper() == "PAIRSYNC_"))
    return _settings(ours)


@lru_cache(maxsize=4)
def _settings(_ours: tuple[tuple[str, str], ...]) -> ProcessSettings:
    try:
        return ProcessSettings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "PAIRSYNC_" + str(error["loc"][0]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            shown = "" if name == "PAIRSYNC_DATABASE_URL" else f" (got {error.get('input')!r})"
            problems.append(f"{name}: {message}{shown}")  # a URL may hold a password
        raise ConfigError(problems) from None


DATABASE_SCHEMES = ("postgresql", "postgres")


def valid_database_url(url: str) -> str:
    """`url` if it names a PostgreSQL database, else `ValueError` (a message that shows
    no part of it but its scheme: the rest may hold a password)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in DATABASE_SCHEMES or not (parts.hostname or parts.path.strip("/")):
        given = f"it starts with {parts.scheme}://" if parts.scheme else "it has no scheme"
        raise ValueError(f"not a PostgreSQL URL ({given}); give postgresql://user@host/database")
    return url.strip()


def database_where(url: str) -> str:
    """The database a URL names, for messages: host, port and name, never a user or a
    password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{host}{port}{parts.path or '/'}"


def use_database(url: str) -> None:
    """`--database URL` is PAIRSYNC_DATABASE_URL for this process and those it starts
    (the states of pairs whose files name no `[state] url`, the budgets, the queue), so a
    worker or serve given the option alone keeps no pair's state in a local SQLite
    file."""
    os.environ["PAIRSYNC_DATABASE_URL"] = url
