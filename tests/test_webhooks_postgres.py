"""`pairsync serve`'s webhooks with the state in PostgreSQL: the Asana handshake secret, a
registration waiting for its handshake and the callback URLs are the pair's rows in the
database (no SQLite file beside the pair), so `pairsync webhooks register` run from one
machine and `serve` on another agree; `pairsync db import` moves the ones a SQLite state
kept. Through the real command line, against the Trello and Asana simulators."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sync.store.postgres import PostgresState
from sync.store.rows import WebhookRecord
from tests.cli_run import pairsync
from tests.serve_pair import register, runs
from tests.serve_rig import free_port, serving, wait_for
from tests.three_tools import ASANA, ThreeTools
from tests.worker_rig import workers_on


def in_sqlite(path: Path) -> str | None:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT secret FROM webhooks WHERE target = ?", (ASANA,)).fetchone()
    return None if row is None else str(row[0])


def in_postgres(url: str) -> WebhookRecord | None:
    state = PostgresState.connect(url, "trust")
    try:
        return state.webhook(ASANA)
    finally:
        state.close()


def edit_in_asana(pair: ThreeTools, item_id: str, title: str) -> None:
    """A person's edit in Asana; its webhook (signed with the stored secret) brings it to
    the board file through serve and a worker."""
    pair.edit(ASANA, item_id, title=title)
    wait_for(lambda: title in pair.board_path.read_text(), 30)


@pytest.mark.slow
def test_asana_secrets_move_to_postgres_and_serve_and_register_use_them_there(
    pair: ThreeTools, database_url: str
) -> None:
    port = free_port()  # the webhooks call this URL; serve comes back on it with PostgreSQL
    with serving(pair.folder, "--debounce", "1", port=port) as served:
        wait_for(lambda: runs(pair) == 3, 30)
        register(pair, served)
    old_secret = in_sqlite(pair.state_path)
    item_id = pair.ids()["Book flights to Lisbon"]
    assert old_secret is not None

    env = {"PAIRSYNC_DATABASE_URL": database_url}
    folder = pair.folder
    assert pairsync("db", "migrate", cwd=folder, env=env).returncode == 0
    moved = pairsync("db", "import", "--config-dir", str(folder), cwd=folder, env=env)
    assert moved.returncode == 0, moved.stderr
    pair.state_path.unlink()  # from here on nothing is kept beside the pair
    kept = in_postgres(database_url)
    assert kept is not None and kept.secret == old_secret and len(kept.callback_urls) == 1

    outputs: list[str] = []
    with (
        serving(folder, env=env, port=port) as served,
        workers_on(folder, database_url, 1, env=env) as (worker,),
    ):
        edit_in_asana(
            pair, item_id, "Book flights to Lisbon, aisle seat"
        )  # verified by the moved secret

        # register again from "another machine": the handshake reaches serve, which keeps
        # it in the database, where the registering process reads it back
        for command in ("remove", "register"):
            done = pairsync(
                "webhooks", command, "--config", str(pair.config_path), "--public-url",
                served.url, cwd=folder, env=env,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            outputs += [done.stdout, done.stderr]
        assert any(line.startswith(f"{ASANA}: webhook ") for line in outputs[2].splitlines())
        renewed = in_postgres(database_url)
        assert renewed is not None and renewed.secret not in (None, old_secret)
        assert renewed.pending_key is None and renewed.pending_secret is None
        edit_in_asana(pair, item_id, "Book flights to Lisbon, window seat")  # the new secret signs

        assert worker.stop() == 0
        outputs += [worker.stdout, worker.stderr]
    outputs += [served.stdout, served.stderr]
    assert "handshake answered" in served.stderr
    assert not pair.state_path.exists()
    for secret in (old_secret, renewed.secret):
        assert secret is not None
        assert not [text for text in outputs if secret in text], "a secret was printed"
