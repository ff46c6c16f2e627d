"""One pair's run as `pairsync sync` makes it: take the pair's lock, open its state (where
it lives: `sync.store.where`), sync
(`sync.run.engine`) with its `[[documents]]` alongside, then tell its channels; a
progress bar only on a terminal."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sync.config import PairConfig
from sync.delivery.publish import DocumentsRun
from sync.logs import progress_bar
from sync.run.engine import sync_pair
from sync.run.summary import RunSummary
from sync.store.state import State
from sync.store.where import has_state, open_state, run_lock


def run_pair(
    config: PairConfig,
    dry_run: bool = False,
    show_progress: bool = False,
    accept_vanished: Collection[str] = (),
) -> RunSummary:
    """Lock the pair, open its state and sync: what `pairsync sync` does for one pair.
    `show_progress` draws a bar on a terminal (never under cron: no TTY, no bar);
    `accept_vanished` names targets whose vanished items are archived, not held."""
    with progress_steps(config, show_progress) as step:
        state_path = config.state_path
        if dry_run and not has_state(config):
            return sync_pair(config, State.in_memory(), dry_run=True, on_step=step)
        with run_lock(config):
            state = open_state(config)
            if config.state_url is not None:  # many machines: pace with all of them
                from adapters.machine_budgets import join_database

                join_database(config.state_url)
            try:
                state.claim(config.pair.name, state_path)
                documents = DocumentsRun(config, state) if config.documents else None
                try:
                    summary = sync_pair(
                        config,
                        state,
                        dry_run=dry_run,
                        on_step=step,
                        accept_vanished=accept_vanished,
                        documents=documents,
                    )
                finally:
                    if documents is not None:
                        documents.close()
                if config.channels and not dry_run:  # `pairsync notify --dry-run` shows them
                    from sync.delivery.notify import notify  # most pairs have no channel

                    summary.channels = notify(config, state, datetime.now(UTC))
                return summary
            except Exception as exc:
                problem = state.unavailable(exc)  # full disk or I/O error mid-run: kept
                if problem is None:
                    raise
                raise problem from None
            finally:
                state.close()


@contextmanager
def progress_steps(config: PairConfig, draw: bool) -> Iterator[Callable[[str], None]]:
    """The `on_step` of a run: a step of the pair's progress bar when `draw` (on a
    terminal), else nothing (no bar built: a tenth of a millisecond a pair in a run of
    thousands)."""
    if not draw:
        yield lambda _: None
        return
    with progress_bar(config.pair.name, 2 * len(config.targets)) as advance:
        yield lambda description: advance(1, description)
