"""Pairs per machine, measured: P settled pairs of three targets (a Markdown file, a
Trello board, an Asana project; 10 items each, each pair with its own credentials)
through one `pairsync sync --config-dir` child process, 150 ms added to every request,
the simulators' clocks in real time, killed at 15 minutes if it is still running (then
the figure is the pairs it finished).

The setup pushes and settles `--real` pairs (300 by default) through pairsync at low
priority, then clones them into P (`bench.clones`: each clone its own board and project,
copied in the simulators' memory with fresh ids): 20,000 pairs are ready in minutes.
A row counts only if the timed run was a settled one for every pair (2 requests a pair,
no 429, nothing written, every pair's run recorded); otherwise the command exits 1.

    python -m bench.machine                        # 300, 3,000 and 20,000 pairs
    python -m bench.machine --pairs 3000           # one row
    python -m bench.machine --at 01:00             # each timed run not before 01:00 UTC
    python -m bench.machine --pairs 50             # a quick look

Rows of 300 pairs or more are added to the table of bench/MACHINE.md, with the date and
the commit measured; smaller ones are only printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import fleet

REPORT = Path(__file__).with_name("MACHINE.md")
SIZES = (300, 3_000, 20_000)
REAL = 300
LATENCY = 0.15
RECORDED = 300
"""The fewest pairs of a row bench/MACHINE.md keeps."""
HEADER = (
    "| date (UTC) | commit | pairs (settled by pairsync + clones) | CPU (user + system) "
    "| CPU per pair | peak PSS | peak RSS | wall | requests, 429 | processes | settled "
    "| load (1 min) before → after | setup |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(many: fleet.PerMachine, commit: str, load: tuple[float, float]) -> str:
    """One line of the table: the timed run of `many` on the code of `commit`."""
    run = many.run
    pss = "—" if run.peak_pss_mib is None else f"{run.peak_pss_mib:,.0f} MiB ({run.pss_parts})"
    wall = f"{run.seconds:,.1f} s" + (
        f" (killed at 15 min: {many.finished:,} finished)" if run.killed else ""
    )
    cells = [
        f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        commit,
        f"{many.pairs:,} ({many.real:,} + {many.pairs - many.real:,})",
        f"{run.cpu_seconds:,.1f} s",
        f"{run.cpu_seconds / many.pairs * 1000:.1f} ms",
        pss,
        f"{run.peak_mib:,.0f} MiB",
        wall,
        f"{many.requests:,}, {many.throttled:,}",
        f"{run.processes}",
        "yes" if many.settled else f"no ({many.writes} writes, {many.changed} pairs changed)",
        f"{load[0]:.1f} → {load[1]:.1f}",
        f"{many.setup_seconds:,.0f} s",
    ]
    return "| " + " | ".join(cells) + " |"


def commit_measured() -> str:
    """The short commit of the code measured, `+changes` when its tree differs from it
    (the bench's Markdown tables aside: this command writes them)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        found = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return found.stdout.strip() if found.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/*.md")
    return commit + ("+changes" if changed else "")


def record(lines: list[str], report: Path = REPORT) -> None:
    """Add `lines` to the table that ends `report` (made with its header if missing)."""
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    if HEADER not in text:
        text = text.rstrip("\n") + ("\n\n" if text else "") + HEADER + "\n"
    report.write_text(text + "".join(line + "\n" for line in lines), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.machine", description=__doc__)
    parser.add_argument("--pairs", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--real", type=int, default=REAL, help="pairs settled by pairsync")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument(
        "--at", help="HH:MM UTC: set up (at low priority) now, time each run from then on"
    )
    args = parser.parse_args(argv)
    commit, settled = commit_measured(), True
    for pairs in args.pairs:
        line, ok = measure(pairs, args, commit)
        print(line, flush=True)
        settled &= ok
        if pairs >= RECORDED:
            record([line])
    return 0 if settled else 1


def measure(pairs: int, args: argparse.Namespace, commit: str) -> tuple[str, bool]:
    """The table's line for `pairs`, and whether the timed run was a settled one."""
    load = [0.0]

    def ready() -> None:
        if args.at:
            print(f"{pairs:,} pairs set up; waiting for {args.at} UTC", flush=True)
            time.sleep(_seconds_until(args.at))
        load[0] = os.getloadavg()[0]

    many = fleet.per_machine(
        pairs,
        10,
        LATENCY,
        args.workers,
        fleet.WINDOW,
        setup_nice=10,
        ready=ready,
        real=args.real,
        processes=args.processes,
    )
    return row(many, commit, (load[0], os.getloadavg()[0])), many.settled


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
