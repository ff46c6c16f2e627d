"""`pairsync db import`: a pair's SQLite state copied into PostgreSQL, once.

Everything the state keeps comes along, run numbers and times included (undo and
history refer to them). A pair already in the database is left as it is, so importing
again changes nothing, and never puts an older state over one that has synced since.
"""

from __future__ import annotations

from sync.config import PairConfig
from sync.store import columns
from sync.store.postgres import PostgresState
from sync.store.state import State


def import_pair(config: PairConfig, url: str) -> str:
    """Copy the pair's SQLite state into the database at `url`; one line saying what
    happened."""
    name = config.pair.name
    if not config.state_path.exists():
        return f"{name}: no state file at {config.state_path}; nothing to import"
    target = PostgresState.connect(url, name)
    try:
        if target.one("SELECT 1 FROM pairsync_meta WHERE pair = %s AND key = 'pair'"):
            return f"{name}: already in the database; left as it is"
        source = State.open_for_reading(config.state_path)
        try:
            with target.transaction():
                items, runs = _copy(config, source, target)
        finally:
            source.close()
    finally:
        target.close()
    return f"{name}: imported {items} items and {runs} runs from {config.state_path.name}"


def _copy(config: PairConfig, source: State, target: PostgresState) -> tuple[int, int]:
    items = source.items()
    for item_id, record in items.items():
        target.save_item(item_id, record)
    for name, links in source.links().items():
        for item_id, link in links.items():
            target.save_link(item_id, name, link)
    for entry in config.targets:
        target.save_cursor(entry.name, source.cursor(entry.name))
        target.save_places(entry.name, source.places(entry.name))
        if (hook := source.webhook(entry.name)) is not None:
            target.save_webhook(entry.name, hook)
    target.save_holds(source.holds())
    runs = source.runs()
    for run in runs:
        target.run(
            "INSERT INTO pairsync_runs VALUES (%s, %s, %s, %s, %s)", *columns.run_columns(run)
        )
        for item_id, (before, after) in source.run_items(run.run_id).items():
            target.save_run_item(run.run_id, item_id, before, after)
        if run.undo_of is not None:
            target.record_undo(run.run_id, run.undo_of)
    for conflict in source.conflicts():
        target.run(
            "INSERT INTO pairsync_conflicts (pair, run_id, at, item_id, field, winner, "
            "winner_value, loser, loser_value) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            *columns.conflict_columns(
                conflict.run_id,
                conflict.item_id,
                conflict.field,
                (conflict.winner, conflict.winner_value),
                (conflict.loser, conflict.loser_value),
                conflict.at,
            ),
        )
    for channel in config.channels:
        for key, sent in source.sent(channel.name).items():
            target.save_sent(channel.name, key, sent)
    for document in config.documents:
        for key, published in source.published(document.name).items():
            target.save_published(document.name, key, published)
        target.save_publish_cursor(document.name, source.publish_cursor(document.name))
    for at, remote in source.agendas():
        target.record_agenda(at, remote)
    for mark in source.marks():
        target.set_mark(mark.item_id, mark.mark, mark.until)
    target.run("INSERT INTO pairsync_meta VALUES (%s, 'pair', %s)", config.pair.name)
    return len(items), len(runs)
