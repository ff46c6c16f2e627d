"""Many pairs at once (`--config-dir`) and the long-running loop (`pairsync run`).

Pairs run in parallel on a bounded thread pool (the work is network-bound), and with
many pairs on every core (`--processes`, `sync.run.processes`); one pair failing never
stops the others. What is kept of each pair for the report is its summary without its
plan (`PairResult.lean`), pickled (`PairResults`, about 300 bytes a settled pair), and
nothing else of it outlives it (its secrets, its pacing buckets): memory stays flat
however many pairs a run has. The loop runs on `schedule`; SIGTERM/SIGINT let the pairs
already started finish, start no new one, and exit 0.
"""

from __future__ import annotations

import math
import pickle
import re
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

import schedule

from sync.config import PairConfig, load_config, secrets_of
from sync.errors import ConfigError, LockHeld, PairsyncError
from sync.logs import forget_secret, progress_bar, redact
from sync.model import Step
from sync.pair_files import FileFacts, shared_targets
from sync.plan.merge import Plan
from sync.run.pair import run_pair
from sync.run.processes import adapter_modules, cores, in_processes, processes_for, stopping
from sync.run.summary import RunSummary
from sync.settings import process_settings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PairResult:
    config_path: Path
    summary: RunSummary | None
    error: str | None = None
    lock_held: bool = False
    """Another run of this pair held its lock (a cron run while `serve` runs)."""

    @property
    def ok(self) -> bool:
        return self.error is None and self.summary is not None and not self.summary.failed

    def reason(self) -> str:
        """One line: why this pair failed."""
        if self.error:
            return self.error
        assert self.summary is not None
        targets = self.summary.targets.items()
        lines = [line for name, t in targets for line in t.problems(name)]
        return "; ".join(lines + self.summary.channels.errors)

    def lean(self) -> PairResult:
        """This result as a report of many pairs reads it: the plan left out but for its
        conflicts (the summary's lines name them), every message and every item's text
        redacted here, while the pair's secrets are known (`sync_lean` forgets them after,
        and the report is printed where they are not)."""
        summary = self.summary
        if summary is None:
            return self
        for target in summary.targets.values():
            target.errors = [redact(error) for error in target.errors]
            for failure in target.not_written:
                failure["error"] = redact(failure["error"])
                failure["title"] = redact(failure["title"])
        for report in (summary.channels, summary.documents):
            report.errors = [redact(error) for error in report.errors]
        summary.warnings = [redact(warning) for warning in summary.warnings]
        summary.notices = [redact(notice) for notice in summary.notices]
        summary.facilitation = [
            replace(event, title=redact(event.title), detail=redact(event.detail))
            for event in summary.facilitation
        ]
        summary.conflicts = [masked(conflict) for conflict in summary.conflicts]
        conflicts = [
            replace(
                conflict,
                title=redact(conflict.title),
                winner_value=masked(conflict.winner_value),
                losers=tuple((name, masked(value)) for name, value in conflict.losers),
            )
            for conflict in summary.plan.conflicts
        ]
        return replace(self, summary=replace(summary, plan=Plan(conflicts=conflicts)))


def masked(value: T) -> T:
    """`value` with every text in it redacted (an item's title or field as a person typed
    it, maybe with a credential pasted in: the report of many pairs is printed where the
    pair's secrets are no longer known)."""
    if isinstance(value, str):
        return cast(T, redact(value))
    if isinstance(value, Step):
        return cast(T, replace(value, text=redact(value.text)))
    if isinstance(value, dict):
        return cast(T, {key: masked(item) for key, item in value.items()})
    if isinstance(value, list | tuple | frozenset):
        return cast(T, type(value)(masked(item) for item in value))
    return value


class PairResults:
    """The results of many pairs as a run keeps them for its report: pickled, a chunk of
    up to `CHUNK` pairs at a time (a settled pair's lean result is about 300 bytes so,
    3 KB as objects: 60 MiB for 20,000 pairs), each chunk unpickled as it is read."""

    CHUNK = 500

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._loose: list[PairResult] = []
        self._count = 0

    def append(self, result: PairResult) -> None:
        self._loose.append(result)
        self._count += 1
        if len(self._loose) >= self.CHUNK:
            self._pack()

    def _pack(self) -> None:
        if self._loose:
            self._chunks.append(pickle.dumps(self._loose, pickle.HIGHEST_PROTOCOL))
            self._loose = []

    @classmethod
    def joined(cls, parts: Iterable[PairResults]) -> PairResults:
        """One report of the parts' results, in their order (no chunk unpickled)."""
        whole = cls()
        for part in parts:
            part._pack()
            whole._chunks += part._chunks
            whole._count += part._count
        return whole

    def __iter__(self) -> Iterator[PairResult]:
        for chunk in self._chunks:
            yield from pickle.loads(chunk)
        yield from self._loose

    def __len__(self) -> int:
        return self._count


def config_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise ConfigError([f"{directory}: not a directory"])
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigError([f"{directory}: no *.toml pair files in it"])
    return files


@dataclass(frozen=True)
class PairFiles:
    """The pair files of a directory, the credentials more than one of them names
    (`credential_key`): the only ones the processes of a run pace together, and what the
    check read of each file that loaded (`FileFacts.digest`)."""

    paths: list[Path]
    shared_credentials: frozenset[int]
    facts: dict[Path, int]


def pair_files(directory: Path) -> PairFiles:
    """The pair files of a directory, refused (`ConfigError`, exit 2) when two of them
    name one pair or one target."""
    files = config_files(directory)
    return PairFiles(files, *shared_targets(files))


def sync_lean(
    path: Path, dry_run: bool = False, facts: Mapping[Path, int] | None = None
) -> PairResult:
    """One pair of many (`--config-dir`, `serve`, `pairsync worker`): its result as the
    report keeps it (`PairResult.lean`, every message redacted), then the pair's secrets
    forgotten: a process that syncs 20,000 pairs does not keep 60,000 of them. With
    `facts` (the run's check of its files), a file that says otherwise now is not synced."""
    loaded: list[PairConfig] = []
    try:
        return _sync(path, dry_run, loaded, facts).lean()
    finally:
        for secret in [s for config in loaded for s in secrets_of(config)]:
            forget_secret(secret)


def _sync(
    path: Path, dry_run: bool, loaded: list[PairConfig], facts: Mapping[Path, int] | None
) -> PairResult:
    """One pair's sync, every error a result; its config, once loaded, in `loaded`."""
    try:
        loaded.append(load_config(path))
        if facts is not None and facts.get(path) != FileFacts.of(loaded[0]).digest():
            raise ConfigError(
                [
                    f"{path.name}: changed after this run checked it against the other pair "
                    "files (its pair name, a target or a credential); not synced in this "
                    "run, the next run checks it again"
                ]
            )
        return PairResult(path, run_pair(loaded[0], dry_run))
    except PairsyncError as exc:
        return PairResult(path, None, redact(str(exc).splitlines()[0]), isinstance(exc, LockHeld))
    except Exception as exc:  # one pair's bug must not stop the others
        return PairResult(path, None, redact(f"internal error: {type(exc).__name__}: {exc}"))


def sync_many(
    files: PairFiles,
    dry_run: bool = False,
    workers: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    processes: int | None = None,
) -> PairResults:
    """Sync every pair, `workers` at a time (default: `PAIRSYNC_WORKERS`) in each of up to
    `processes` processes (default: one per core; one while a process's workers can take
    every pair at once); a progress bar on a terminal, nothing extra under cron."""
    paths = files.paths
    workers = workers or process_settings().workers
    asked = processes or cores()
    count = processes_for(len(paths), workers, asked)
    with progress_bar("syncing pairs", len(paths)) as advance:

        def done(pairs: int) -> None:
            advance(pairs, None)

        if count == 1:
            return sync_in_threads(paths, dry_run, workers, should_stop, done, files.facts)
        work = partial(_sync_slice, dry_run=dry_run, workers=math.ceil(workers / count))
        checked = [(path, files.facts.get(path)) for path in paths]
        preload = adapter_modules(paths[0]) if paths else []
        shared = files.shared_credentials
        results = in_processes(checked, work, _died, count, should_stop, done, shared, preload)
        return PairResults.joined(results)


def _sync_slice(checked: list[tuple[Path, int | None]], dry_run: bool, workers: int) -> PairResults:
    """A worker process's slice of the pairs, each with what the run's check read of it
    (None: its file did not load then)."""
    facts = {path: fact for path, fact in checked if fact is not None}
    return sync_in_threads([path for path, _ in checked], dry_run, workers, facts=facts)


def sync_in_threads(
    paths: list[Path],
    dry_run: bool,
    workers: int,
    should_stop: Callable[[], bool] = stopping,
    done: Callable[[int], None] = lambda _: None,
    facts: Mapping[Path, int] | None = None,
) -> PairResults:
    """The pairs of this process (or of a worker process's slice: `should_stop` is then
    the parent's word), `workers` at a time; `done(1)` as each finishes. `facts`: what
    the run's check read of each file (`sync_lean`)."""

    def job(path: Path) -> PairResult | None:
        return None if should_stop() else sync_lean(path, dry_run, facts)

    results = PairResults()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = deque(pool.submit(job, path) for path in paths)
        while futures:  # each future let go as its result is taken
            result = futures.popleft().result()
            done(1)
            if result is not None:
                results.append(result)
    return results


def _died(checked: list[tuple[Path, int | None]], reason: str) -> PairResults:
    results = PairResults()
    for path, _ in checked:
        results.append(PairResult(path, None, reason))
    return results


MAX_INTERVAL = 7 * 24 * 3600
"""A week: the scheduler's date arithmetic overflows long before a huge interval ends."""


def parse_interval(text: str) -> int:
    """'15m' / '30s' / '1h' → seconds."""
    match = re.fullmatch(r"(\d+)\s*([smh]?)", text.strip())
    if not match or int(match.group(1)) == 0:
        raise ConfigError([f"--every: '{text}' is not an interval like 30s, 15m or 1h"])
    seconds = int(match.group(1)) * {"": 60, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    if seconds > MAX_INTERVAL:
        raise ConfigError([f"--every: '{text}' is longer than a week (168h)"])
    return seconds


def run_loop(
    directory: Path,
    every_seconds: int,
    report: Callable[[PairResults], None],
    workers: int | None = None,
    processes: int | None = None,
) -> None:
    """Sync all pairs now and then every `every_seconds`, until SIGTERM or SIGINT."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def tick() -> None:
        files = pair_files(directory)
        report(sync_many(files, workers=workers, should_stop=stop.is_set, processes=processes))

    scheduler = schedule.Scheduler()
    scheduler.every(every_seconds).seconds.do(tick)
    tick()
    run_schedule(scheduler, stop)


def run_schedule(scheduler: schedule.Scheduler, stop: threading.Event) -> None:
    """Run the scheduler's jobs as they come due until `stop` is set (`run` and `serve`)."""
    while not stop.is_set():
        scheduler.run_pending()
        stop.wait(min(1.0, max(0.05, scheduler.idle_seconds or 1.0)))
