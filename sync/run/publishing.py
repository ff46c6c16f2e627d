"""`pairsync publish`: the pair's `[[documents]]` brought up to date now, without the
targets: a run of no target takes in what a person ticked or answered there (the next
sync carries it to the tools), then every document whose text changed is updated."""

from __future__ import annotations

from sync.config import PairConfig
from sync.delivery.publish import DocumentsRun, PublishReport
from sync.errors import ConfigError, StateError
from sync.run.engine import sync_pair
from sync.store.where import has_state, open_state, run_lock


def run_publish(config: PairConfig, dry_run: bool) -> PublishReport:
    """What `pairsync publish` does: lock the pair, bring what a person ticked or answered
    in the documents into the board (a run of no target: the next sync carries it to
    the tools), then update the documents."""
    if not config.documents:
        raise ConfigError(["documents: none configured ([[documents]] in the config file)"])
    if not has_state(config):
        raise StateError(f"{config.state_path}: no state yet; run pairsync sync first")
    with run_lock(config):
        state = open_state(config)
        run = DocumentsRun(config, state)
        try:
            sync_pair(config, state, dry_run=dry_run, adapters=[], documents=run)
        finally:
            run.close()
            state.close()
        return run.report
