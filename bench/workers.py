"""Many machines on one: `pairsync worker` processes (1, 2, 4) taking settled pairs' syncs
from PostgreSQL's job queue, as fast as they can, against the Trello simulator with a
round trip added to every request. Writes bench/SCALE.md.

    python -m bench.workers [--pairs 300] [--seconds 30] [--latency 0.1]

Demand exceeds what the workers can do (every pair due every 5 seconds), so the syncs
counted are their capacity. Per run: settled syncs a second (from the simulator's request
log: one board read a settled sync), the workers' CPU and PostgreSQL's (its postmaster
and backends, from /proc), and the statements PostgreSQL ran per settled sync
(pg_stat_statements, queue, state and rate budgets together). The cluster is a
throw-away one like the tests' (16 MB shared buffers, no fsync), started here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from adapters.trello.sim.server import TrelloSimulator
from bench.fleet import Sims, write_pairs
from tests import pgcluster

TICKS = os.sysconf("SC_CLK_TCK")
RESULTS = Path(__file__).with_name("SCALE.md")


@dataclass(frozen=True)
class Row:
    workers: int
    syncs_per_second: float
    worker_cpu: float
    """CPU seconds of all worker processes per wall second."""
    postgres_cpu: float
    """CPU seconds of PostgreSQL per wall second."""
    bench_cpu: float
    """CPU seconds of this process (the simulator) per wall second."""
    statements_per_sync: float
    postgres_statements: dict[str, float]


def postgres_cpu(data: Path) -> float:
    """CPU seconds PostgreSQL used so far: the postmaster, its children, and the children
    it has reaped."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def measure(
    folder: Path, url: str, data: Path, sim: TrelloSimulator, workers: int, seconds: float
) -> Row:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    command = [sys.executable, "-m", "sync.cli", "worker", "--database", url]
    command += ["--config-dir", str(folder), "--every", "5s", "--concurrency", "16"]
    children = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    time.sleep(10)  # start-up and the first ticks
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SELECT pg_stat_statements_reset()")
    reads_before = _board_reads(sim)
    pg_before, bench_before = postgres_cpu(data), time.process_time()
    started = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - started
    syncs = _board_reads(sim) - reads_before
    pg_used, bench_used = postgres_cpu(data) - pg_before, time.process_time() - bench_before
    with psycopg.connect(url, autocommit=True) as db:
        rows = db.execute(
            "SELECT query, calls FROM pg_stat_statements ORDER BY calls DESC"
        ).fetchall()
    worker_cpu = 0.0
    for child in children:
        child.send_signal(signal.SIGTERM)
        _, _, usage = os.wait4(child.pid, 0)
        worker_cpu += usage.ru_utime + usage.ru_stime
    per_sync = {str(q)[:70]: int(c) / max(syncs, 1) for q, c in rows[:8]}
    total_calls = sum(int(c) for _, c in rows)
    return Row(
        workers,
        syncs / wall,
        worker_cpu / (wall + 10),  # the workers ran 10 s before the window too
        pg_used / wall,
        bench_used / wall,
        total_calls / max(syncs, 1),
        per_sync,
    )


def _board_reads(sim: TrelloSimulator) -> int:
    return sum(1 for _, method, path, _ in list(sim.app.calls) if path.endswith("/actions"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pairsync-scale-"))
    root.chmod(0o755)
    settings = {"shared_preload_libraries": "pg_stat_statements", "max_connections": "300"}
    server = pgcluster.start(root / "pg", settings)
    sim = TrelloSimulator(speed=1).start()
    sim.app.validate = False
    try:
        url = server.rsplit("/", 1)[0] + "/bench"
        with psycopg.connect(server, autocommit=True) as db:
            db.execute("CREATE DATABASE bench")
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("CREATE EXTENSION pg_stat_statements")
        folder = root / "pairs"
        folder.mkdir()
        write_pairs(folder, Sims(sim, None), args.pairs, 3, asana=False, one_key=False)  # type: ignore[arg-type]
        env = {**os.environ, "PAIRSYNC_DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "sync.cli", "db", "migrate"], env=env, check=True)
        first = subprocess.run(
            [sys.executable, "-m", "sync.cli", "sync", "--config-dir", str(folder)],
            env=env,
            capture_output=True,
        )
        assert first.returncode == 0, first.stderr
        sim.faults.delay_seconds = args.latency
        rows = [
            measure(folder, url, root / "pg" / "data", sim, n, args.seconds) for n in args.workers
        ]
    finally:
        sim.stop()
        pgcluster.stop(root / "pg")
        shutil.rmtree(root, ignore_errors=True)
    RESULTS.write_text(report(rows, args), encoding="utf-8")
    print(RESULTS.read_text())
    return 0


def report(rows: list[Row], args: argparse.Namespace) -> str:
    load = os.getloadavg()[0]
    lines = [
        "| worker processes | settled syncs / s | per 15 min | workers' CPU (cores) "
        "| PostgreSQL's CPU (cores) | PostgreSQL's share | simulator's CPU (cores) "
        "| statements / sync |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        share = r.postgres_cpu / (r.postgres_cpu + r.worker_cpu + r.bench_cpu)
        lines.append(
            f"| {r.workers} | {r.syncs_per_second:.1f} | {r.syncs_per_second * 900:,.0f} "
            f"| {r.worker_cpu:.2f} | {r.postgres_cpu:.2f} | {share:.0%} | {r.bench_cpu:.2f} "
            f"| {r.statements_per_sync:.1f} |"
        )
    top = rows[-1].postgres_statements
    statements = [f"| {calls:.2f} | `{query}` |" for query, calls in top.items()]
    return "\n".join(
        [
            f"<!-- python -m bench.workers --pairs {args.pairs} --seconds {args.seconds} "
            f"--latency {args.latency}; load average at the end {load:.2f} on "
            f"{os.cpu_count()} cores -->",
            *lines,
            "",
            f"Busiest statements with {rows[-1].workers} workers, calls per settled sync:",
            "",
            "| calls / sync | statement |",
            "|---|---|",
            *statements,
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
