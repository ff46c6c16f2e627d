"""CPU per settled pair, and where it goes: P settled pairs of three targets (a Markdown
file, a Trello board, an Asana project; 10 items each), synced again and again by child
processes that measure only themselves:

    python -m bench.pair_cpu --pairs 300                    # CPU per pair, this checkout
    python -m bench.pair_cpu --pairs 300 --against main     # and main's, interleaved
    python -m bench.pair_cpu --pairs 300 --profile p.prof   # cProfile (or p.spy: py-spy)
    python -m bench.pair_cpu --pairs 1000 --processes 2 --latency 0.15 --against main
                                                            # whole runs, workers and all

The simulators run in this (the bench's) process and the pairs in a child, so the
simulators' CPU never counts: the child reads its own clock (`resource.getrusage`,
RUSAGE_SELF: user + system of all its threads) around one pass over every pair on the
`--workers` threads of a `--config-dir` run, after one untimed pair warmed its imports.
CPU time, not wall time, because the machine is shared; and since a loaded machine
still slows every CPU second down, `--against REF` sets up a second folder of pairs
synced by that git ref's code (`git archive`) and alternates the passes of the two
(`--rounds`), so both see the same load. `--processes N` times whole `--config-dir`
runs instead (the parent's check of every file, then N worker processes, whose CPU
counts as the child's reaped children's). The profiled pass runs pairs and their targets
one after another, so that every call is on the profiled thread.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from bench import fleet

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
ITEMS = 10


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_with_workers() -> float:
    """This process's CPU and its reaped children's: the fork server reaps the workers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return _cpu() + usage.ru_utime + usage.ru_stime


def child(folder: Path, workers: int, profile: Path | None, processes: int = 0) -> dict[str, float]:
    """In the child: warm up on one pair, time a pass over all of them on `workers`
    threads; with `processes`, instead the whole of a `--config-dir` run in that many
    worker processes (the parent's clash check of every file included); with `profile`,
    a sequential pass under cProfile (`.prof`) or for py-spy (any other name: the parent
    samples this process)."""
    from sync.run.pairs import config_files, pair_files, sync_in_threads, sync_lean, sync_many

    paths = config_files(folder)
    sync_lean(paths[0])
    if profile is not None:
        return _profiled(paths, profile)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = _cpu_with_workers()
    if processes:
        results = sync_many(pair_files(folder), False, workers, processes=processes)
    else:
        results = sync_in_threads(paths, False, workers, lambda: False)
    cpu = _cpu_with_workers() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    failed = [r.reason() for r in results if not r.ok]
    if failed:
        raise SystemExit(f"{len(failed)} pairs failed: {failed[:3]}")
    return {
        "cpu_seconds": cpu,
        "ms_per_pair": cpu * 1000 / len(paths),
        "system_ms_per_pair": (after.ru_stime - before.ru_stime) * 1000 / len(paths),
        "context_switches_per_pair": (
            after.ru_nvcsw + after.ru_nivcsw - before.ru_nvcsw - before.ru_nivcsw
        )
        / len(paths),
        "peak_mib": _peak_mib(),
    }


def _peak_mib() -> float:
    """This process's own peak resident set (`VmHWM`, which exec resets; `ru_maxrss` starts
    at the bench's, the process that forked this one, simulators and all)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc


def _profiled(paths: list[Path], profile: Path) -> dict[str, float]:
    from sync.run import engine

    def one_by_one(adapters: Sequence[Any], work: Callable[[Any], Any]) -> Iterator[Any]:
        yield from ((adapter, work(adapter)) for adapter in adapters)

    engine.each_target = one_by_one  # type: ignore[assignment,attr-defined]
    profiler = cProfile.Profile(time.thread_time) if profile.suffix == ".prof" else None
    started = _cpu()
    if profiler:
        profiler.enable()
    sequential_pass(paths)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    return {"sequential_ms_per_pair": (_cpu() - started) * 1000 / len(paths)}


def sequential_pass(paths: list[Path]) -> None:
    """Every pair, and each pair's targets, one after another (a profiler's view)."""
    from sync.run.pairs import sync_lean

    for path in paths:
        sync_lean(path)


def checkout(ref: str, into: Path) -> Path:
    """The tree of git `ref` of this repository, extracted under `into`."""
    tree = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True)
    with tarfile.open(fileobj=BytesIO(tree.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def _in(code: Path, command: list[str]) -> str:
    """Run `command` with the code of checkout `code` (first on the path), its stdout."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:6])} exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def settle(code: Path, folder: Path) -> None:
    """The first push of every pair of `folder`, then its echo: settled pairs."""
    for _ in range(2):
        _in(code, [sys.executable, "-m", "sync.cli", "sync", "--config-dir", str(folder)])


_RUN_HERE = (
    f"import runpy, sys; sys.argv[0] = {str(HERE)!r}; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)
"""The child runs this file with the checkout's directory, not bench/, first on its path."""


def measure(
    code: Path, folder: Path, workers: int, profile: Path | None = None, processes: int = 0
) -> dict[str, Any]:
    """One child's figures: a timed pass (a whole run in `processes`), or with `profile` a
    profiled sequential one (`.prof`: cProfile; any other name: py-spy's raw stacks)."""
    command = [sys.executable, "-c", _RUN_HERE, "--child", str(folder), "--workers", str(workers)]
    command += ["--processes", str(processes)]
    if profile is not None and profile.suffix == ".prof":
        command += ["--profile", str(profile)]
    elif profile is not None:
        spy = ["py-spy", "record", "-r", "250", "-f", "raw", "-o", str(profile), "--"]
        command = [*spy, *command, "--profile", "sequential"]
    out = _in(code, command)
    return dict(json.loads([line for line in out.splitlines() if line.startswith("{")][-1]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pair_cpu", description=__doc__)
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--against", metavar="REF", help="also measure this git ref's code")
    parser.add_argument("--profile", type=Path, help="p.prof: cProfile; p.spy: py-spy")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--processes", type=int, default=0, help="a whole --config-dir run in N processes"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.workers, args.profile, args.processes)))
        return 0
    with fleet.simulators() as sims, tempfile.TemporaryDirectory(prefix="pairsync-cpu-") as tmp:
        codes = {"this": ROOT}
        if args.against:
            codes[args.against] = checkout(args.against, Path(tmp) / "code")
        folders: dict[str, Path] = {}
        for name, code in codes.items():
            folders[name] = Path(tmp) / f"pairs-{len(folders)}"
            folders[name].mkdir()
            fleet.write_pairs(folders[name], sims, args.pairs, ITEMS, one_key=False)
            settle(code, folders[name])
        sims.latency(args.latency)
        load = os.getloadavg()[0]
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in codes}
        for _ in range(args.rounds):
            for name, code in codes.items():
                runs[name].append(measure(code, folders[name], args.workers, None, args.processes))
        report: dict[str, Any] = {
            name: {
                "ms_per_pair": [round(r["ms_per_pair"], 2) for r in done],
                "median_ms_per_pair": round(statistics.median(r["ms_per_pair"] for r in done), 2),
                "system_ms_per_pair": [round(r["system_ms_per_pair"], 2) for r in done],
                "context_switches_per_pair": [round(r["context_switches_per_pair"]) for r in done],
                "peak_mib": round(max(r["peak_mib"] for r in done), 1),
            }
            for name, done in runs.items()
        }
        report["load"] = {"before": load, "after": os.getloadavg()[0]}
        report["throttled"] = sims.throttled()
        print(json.dumps(report, indent=1), flush=True)
        if args.profile:
            for name, code in codes.items():
                path = args.profile.resolve()
                if name != "this":
                    path = path.with_name(f"{path.stem}-{name.replace('/', '-')}{path.suffix}")
                print(f"== profile of {name}: {path}")
                print(json.dumps(measure(code, folders[name], args.workers, path)))
                show(path, args.top)
    return 0


def show(path: Path, top: int) -> None:
    if path.suffix == ".prof":
        stats = pstats.Stats(str(path))
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        return
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any(frame.startswith("sequential_pass") for frame in frames):
            continue
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in {frame.split(" (")[0] for frame in frames}:
            total[frame] += int(count)
    print(f"{samples} samples of the sequential pass")
    for title, counts in (("own", own), ("with callees", total)):
        print(f"-- {title}")
        for frame, n in counts.most_common(top):
            print(f"{100 * n / samples:5.1f}%  {frame}")


if __name__ == "__main__":
    sys.exit(main())
