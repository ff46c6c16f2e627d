"""The PostgreSQL store beyond the contract: pairs in one database never see each other's
rows, `pairsync sync` keeps its state there, `pairsync db import` moves SQLite states in
once (running it again changes nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.config import load_config
from sync.contract import Link
from sync.documents.base import Mark
from sync.model import Item, Kind
from sync.serve.status import pair_status
from sync.store.postgres import PostgresState
from sync.store.rows import ItemRecord, PublishedRecord, SentRecord, WebhookRecord
from tests.cli_run import pairsync
from tests.postgres import BOARD, PAIR

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
GOAL = Item(kind=Kind.GOAL, title="Hire a COO")


@pytest.fixture
def migrated(database_url: str, tmp_path: Path) -> str:
    result = pairsync("db", "migrate", "--database", database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return database_url


@pytest.fixture
def two(migrated: str) -> Iterator[tuple[PostgresState, PostgresState]]:
    one, other = (
        PostgresState.connect(migrated, "ceo-ea"),
        PostgresState.connect(migrated, "cfo-ea"),
    )
    yield one, other
    one.close()
    other.close()


def fill(state: PostgresState) -> None:
    with state.transaction():
        state.claim(state.pair, Path(state.pair))
        state.save_item("a" * 16, ItemRecord(GOAL, AT))
        state.save_link("a" * 16, "trello", Link("card-1", "v1", GOAL))
        state.save_cursor("trello", "c1")
        state.save_places("trello", {Kind.GOAL: ("l1", "Goals")})
        state.save_holds({"trello": frozenset({"a" * 16})})
        run = state.start_run()
        state.save_run_item(run, "a" * 16, None, GOAL)
        state.add_conflict(run, "a" * 16, "title", ("x", 1), ("y", 2))
        state.finish_run(run, {"pair": state.pair})
        state.save_sent("slack", "k", SentRecord("agenda", "ts", "d", "s", AT))
        state.save_published(
            "doc", "k", PublishedRecord("p", "v", "d", {("a", "b"): Mark(True, None)}, AT)
        )
        state.save_publish_cursor("doc", "c")
        state.record_agenda(AT)
        state.set_mark("a" * 16, "discuss", None)
        state.save_webhook("trello", WebhookRecord(frozenset({"https://x"})))


def everything(state: PostgresState) -> list[object]:
    return [
        state.items(),
        state.links(),
        state.cursor("trello"),
        state.places("trello"),
        state.holds(),
        state.runs(),
        state.conflicts(),
        state.sent("slack"),
        state.published("doc"),
        state.publish_cursor("doc"),
        state.agendas(),
        state.marks(),
        state.webhook("trello"),
    ]


def test_two_pairs_in_one_database_never_see_each_others_rows(
    two: tuple[PostgresState, PostgresState],
) -> None:
    one, other = two
    empty = everything(other)
    fill(one)
    assert everything(other) == empty  # nothing of ceo-ea's shows in cfo-ea's state
    assert all(found for found in everything(one))
    fill(other)
    with other.transaction():
        other.save_item("b" * 16, ItemRecord(GOAL.with_(title="Cut costs"), AT))
        other.save_holds({})
    assert set(one.items()) == {"a" * 16}
    assert one.holds() == {"trello": frozenset({"a" * 16})}
    assert [r.run_id for r in one.runs()] == [1] == [r.run_id for r in other.runs()]


def test_sync_keeps_its_state_in_postgres_after_an_import_that_runs_once(
    migrated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "solo.toml").write_text(PAIR)
    (tmp_path / "exec.md").write_text(BOARD)
    (tmp_path / "asst.md").write_text("")
    first = pairsync("sync", "--config-dir", str(tmp_path), cwd=tmp_path)  # SQLite
    assert first.returncode == 0, first.stderr
    imported = pairsync(
        "db", "import", "--config-dir", str(tmp_path), "--database", migrated, cwd=tmp_path
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "solo: imported 1 items and 1 runs from solo.sqlite\n"
    again = pairsync(
        "db", "import", "--config-dir", str(tmp_path), "--database", migrated, cwd=tmp_path
    )
    assert again.stdout == "solo: already in the database; left as it is\n"
    (tmp_path / "state" / "solo.sqlite").unlink()  # from here on the state is the database's
    env = {"PAIRSYNC_DATABASE_URL": migrated}
    (tmp_path / "asst.md").write_text(
        (tmp_path / "asst.md").read_text().replace("Hire a COO", "Hire a COO by March")
    )
    second = pairsync("sync", "--config-dir", str(tmp_path), cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert "solo/exec: 0 created, 1 updated" in second.stdout
    assert not (tmp_path / "state" / "solo.sqlite").exists()
    assert (tmp_path / "exec.md").read_text().count("Hire a COO by March") == 1
    history = pairsync("history", "--config", str(tmp_path / "solo.toml"), cwd=tmp_path, env=env)
    assert history.returncode == 0, history.stderr
    state = PostgresState.connect(migrated, "solo")
    try:
        assert [run.run_id for run in state.runs()] == [1, 2]
    finally:
        state.close()
    monkeypatch.setenv("PAIRSYNC_DATABASE_URL", migrated)  # serve's status page, as it reads
    status = pair_status(load_config(tmp_path / "solo.toml"), tmp_path / "solo.toml", None, None)
    assert status.ok is True and status.last_run is not None
    assert [(t.name, t.detail) for t in status.targets] == [
        ("exec", "0 created, 1 updated, 0 archived"),
        ("asst", "0 created, 0 updated, 0 archived"),
    ]
