"""PostgreSQL for the tests of many machines: `database_url` is a new, empty database.

The server is `$PAIRSYNC_TEST_DATABASE_URL` (`.ci/run` starts one cluster for the whole
run), or else a throw-away cluster this test process starts itself when PostgreSQL is
installed. On CI a missing server fails the tests: they must run on every fresh clone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests import pgcluster

PAIR = """\
[pair]
name = "solo"

[state]
path = "state/solo.sqlite"

[[targets]]
name = "exec"
type = "markdown"
path = "exec.md"

[[targets]]
name = "asst"
type = "markdown"
path = "asst.md"
"""
"""A pair of two Markdown boards (`exec.md`, `asst.md`) with its state in SQLite."""
BOARD = "## Goals\n\n- [ ] Hire a COO\n"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    given = os.environ.get("PAIRSYNC_TEST_DATABASE_URL")
    if given:
        yield given
        return
    if pgcluster.binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed and PAIRSYNC_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="pairsync-pg-"))
    root.chmod(0o755)
    try:
        yield pgcluster.start(root / "pg")
    finally:
        pgcluster.stop(root / "pg")
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def new_database(server: str) -> Iterator[str]:
    """A new, empty database on `server` until the block ends (then dropped)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    """A database of its own for one test, dropped afterwards."""
    with new_database(postgres_server) as url:
        yield url


@pytest.fixture
def second_database(postgres_server: str) -> Iterator[str]:
    """Another database on the same server, after `pairsync db migrate`."""
    from sync.store import pgschema

    with new_database(postgres_server) as url:
        pgschema.migrate(url)
        yield url


@pytest.fixture
def migrated_database(database_url: str) -> str:
    """`database_url` after `pairsync db migrate`."""
    from sync.store import pgschema

    pgschema.migrate(database_url)
    return database_url


def finished_runs(url: str, pair: str) -> int:
    """The pair's finished runs in the database's state."""
    with psycopg.connect(url) as db:
        row = db.execute(
            "SELECT count(*) FROM pairsync_runs WHERE pair = %s AND finished_at IS NOT NULL",
            (pair,),
        ).fetchone()
    return int(row[0]) if row else 0
