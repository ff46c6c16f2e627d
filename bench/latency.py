"""Webhook latency of `pairsync serve`: a person's edit in the Trello simulator until it
shows in the Asana simulator and in the Markdown board file, over 20 edits, with polling
set to an hour (so only webhooks can carry it); then the same with every Trello delivery
dropped and a short poll, which must catch up. Real processes and loopback HTTP, as in
production; the simulators' clocks run at their test speeds, latency is wall time.

    python -m bench.latency        # about a minute; writes bench/LATENCY.md
"""

from __future__ import annotations

import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from adapters.asana.sim.server import AsanaSimulator
from adapters.trello.sim.server import TrelloSimulator
from tests.serve_pair import quiet, register
from tests.serve_rig import Served, serving, wait_for
from tests.three_tools import EMPTY_BOARD, TRELLO, ThreeTools

EDITS = 20
BUDGET_P95 = 5.0
POLL = "10s"


def one_edit(tools: ThreeTools, item_id: str, title: str) -> float:
    """Seconds from the edit in Trello until Asana and the board file both show it."""
    started = time.monotonic()
    tools.edit(TRELLO, item_id, title=title)
    wait_for(
        lambda: (
            title in tools.board_path.read_text(encoding="utf-8")
            and any(t.name == title for t in tools.asana.backend.tasks.values())
        ),
        120,
    )
    return time.monotonic() - started


def settle(served: Served) -> None:
    """Let the echo of the last sync (Asana's webhook of pairsync's own write) pass, so
    that each edit is measured from a quiet server."""
    time.sleep(1.0)
    wait_for(lambda: quiet(served), 60)


def measure(folder: Path) -> tuple[list[float], float]:
    trello = TrelloSimulator(speed=100).start()
    asana = AsanaSimulator(speed=600).start()
    try:
        tools = ThreeTools(folder, trello, trello.create_board("Team"), asana, asana.seed())
        tools.board_path.write_text(EMPTY_BOARD, encoding="utf-8")
        tools.write_config()
        item_id = tools.seed()["Renew the passport"]
        with serving(folder, every="1h") as served:
            wait_for(lambda: quiet(served), 60)
            register(tools, served)
            settle(served)
            latencies = []
            for n in range(EDITS):
                latencies.append(one_edit(tools, item_id, f"Renew the passport, take {n + 1}"))
                settle(served)
        trello.app.deliverer.faults.drop_all = True
        with serving(folder, every=POLL) as served:
            wait_for(lambda: quiet(served), 60)
            caught_up = one_edit(tools, item_id, "Renew the passport, delivery dropped")
        assert trello.deliveries.dropped >= 1
        return latencies, caught_up
    finally:
        trello.stop()
        asana.stop()


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        latencies, caught_up = measure(Path(folder))
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    rows = [
        f"| edits | {len(latencies)} |",
        f"| median | {statistics.median(latencies):.2f} s |",
        f"| p95 (budget {BUDGET_P95:.0f} s) | {p95:.2f} s |",
        f"| max | {max(latencies):.2f} s |",
        f"| deliveries dropped, poll every {POLL}: caught up after | {caught_up:.2f} s |",
    ]
    text = "\n".join(
        [
            "# pairsync serve: webhook latency",
            "",
            "Produced by `python -m bench.latency`: a person's edit in the Trello simulator",
            "until both the Asana simulator and the Markdown file show it, polling every hour.",
            "",
            f"- machine: {platform.machine()}, Python {platform.python_version()}, "
            f"{platform.platform()}",
            f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            "| figure | measured |",
            "|---|---|",
            *rows,
            "",
        ]
    )
    Path(__file__).with_name("LATENCY.md").write_text(text, encoding="utf-8")
    print(text)
    return 0 if p95 <= BUDGET_P95 else 1


if __name__ == "__main__":
    sys.exit(main())
