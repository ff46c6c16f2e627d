"""Pairs per machine, measured: P settled pairs of three targets (a Markdown file, a
Trello board, an Asana project) through one `pairsync sync --config-dir` child process,
150 ms added to every request, the simulators' clocks in real time; killed at 15 minutes
if it is still running (then the figure is the pairs it finished). Slow (the setup pushes
and settles every pair first, at low priority: 3,000 pairs took 20 minutes on 2 busy
cores), so it is not part of `python -m bench`:

    python -m bench.machine                 # 20,000 pairs; writes bench/MACHINE.md
    python -m bench.machine --at 01:00      # the same, the timed run not before 01:00 UTC
    python -m bench.machine --pairs 50      # a quick look; prints only
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import fleet

REPORT = Path(__file__).with_name("MACHINE.md")
GOAL = 20_000
LATENCY = 0.15


def rows(many: fleet.PerMachine) -> list[str]:
    run = many.run
    return [
        f"| pairs synced in one run (settled, 3 targets each) | {many.pairs:,} |",
        f"| pairs finished within 15 minutes (goal ≥ {GOAL:,}) | {many.finished:,}"
        + (" (killed at 15 minutes)" if run.killed else "")
        + " |",
        f"| wall time | {run.seconds:,.1f} s |",
        f"| CPU time of the process (user + system) | {run.cpu_seconds:,.1f} s |",
        f"| peak RSS of the run, its worker processes included | {run.peak_mib:,.0f} MiB |",
        f"| requests the simulators counted | {many.requests:,} |",
        f"| answered 429 | {many.throttled:,} |",
        f"| workers (`--workers`) | {many.workers or 'default (16)'} |",
        f"| processes (`--processes`) | default ({os.cpu_count()} cores) |",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.machine", description=__doc__)
    parser.add_argument("--pairs", type=int, default=GOAL)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--at", help="HH:MM UTC: set up (at low priority) now, time the run from then on"
    )
    args = parser.parse_args(argv)

    def ready() -> None:
        if args.at:
            print(f"set up; waiting for {args.at} UTC", flush=True)
            time.sleep(_seconds_until(args.at))
        load[0] = os.getloadavg()[0]

    load = [0.0]
    many = fleet.per_machine(
        args.pairs, 10, LATENCY, args.workers, fleet.WINDOW, setup_nice=10, ready=ready
    )
    text = "\n".join(
        [
            "# pairsync: pairs per machine, measured",
            "",
            "Produced by `python -m bench.machine`: one `pairsync sync --config-dir` of settled",
            f"pairs of 10 items, {LATENCY * 1000:.0f} ms added to every request, clock x1.",
            "",
            f"- cores: {os.cpu_count()}; load average (1 min) before / after the timed run: "
            f"{load[0]:.2f} / {os.getloadavg()[0]:.2f}",
            f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            "| figure | measured |",
            "|---|---|",
            *rows(many),
            "",
        ]
    )
    if args.pairs == GOAL:
        REPORT.write_text(text, encoding="utf-8")
    print(text)
    return 0 if many.finished >= min(args.pairs, GOAL) else 1


def _seconds_until(hh_mm: str) -> float:
    """Seconds from now until the next HH:MM UTC (0 if it is that minute already)."""
    now = datetime.now(UTC)
    hour, minute = map(int, hh_mm.split(":"))
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if at < now - timedelta(minutes=1):
        at += timedelta(days=1)
    return max((at - now).total_seconds(), 0.0)


if __name__ == "__main__":
    sys.exit(main())
