"""A `pairsync sync --config-dir` in a child process, measured as the machine spends it:
wall time, CPU of the child and of every worker process it started, the largest sums of
their resident sets and of their proportional set sizes (PSS), and how many ran at once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    cpu_seconds: float
    """User + system time of the child and of its worker processes (waited for by it)."""
    peak_mib: float
    """The largest sum of the resident sets of the child and its worker processes (sampled
    from /proc every 0.2 s; where there is no /proc, the high-water mark of the largest
    single process, which after a fork starts at the forking process's): pages they share
    (shared libraries, imported code after a fork) count once per process."""
    killed: bool = False
    """Stopped at its timeout, unfinished."""
    peak_pss_mib: float | None = None
    """The largest sum of their proportional set sizes (`Pss` of /proc/PID/smaps_rollup,
    sampled with the RSS): a page shared by n processes counts 1/n in each, so the sum is
    the memory the machine spends on the run. None where the kernel does not say."""
    processes: int = 1
    """The most processes of the run alive at one sample (the child and its workers)."""
    pss_parts: str = ""
    """At the peak of PSS: the largest process's, and the sum's anonymous, file and
    shared-memory parts."""


@dataclass
class _Peaks:
    rss: int = 0
    pss: int | None = None
    processes: int = 0
    pss_parts: str = ""
    seen: set[int] = field(default_factory=set)
    """Every process of the run a sample found."""


def sync_dir(
    folder: Path,
    workers: int | None = None,
    timeout: float | None = None,
    nice: int = 0,
    processes: int | None = None,
) -> ChildRun:
    """One `pairsync sync --config-dir` in a child process, with its own resource use
    (`os.wait4`: that child's alone, whatever other children ran before); killed after
    `timeout` seconds (`ChildRun.killed`), as a cron window that ends would; `nice` lowers
    its priority (a setup run on a shared machine)."""
    command = [sys.executable, "-m", "sync.cli", "sync", "--config-dir", str(folder)]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    if workers:
        command += ["--workers", str(workers)]
    if processes:
        command += ["--processes", str(processes)]
    with tempfile.TemporaryFile() as err, _adopting():
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        deadline = threading.Timer(timeout or 0, child.kill)
        if timeout:
            deadline.start()
        peaks, ended = _Peaks(), threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(child.pid, peaks, ended), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        ended.set()
        deadline.cancel()
        seconds = time.perf_counter() - started
        sampler.join()
        orphans = _reap_orphans(peaks.seen - {child.pid})
        child.returncode = os.waitstatus_to_exitcode(status)
        killed = bool(timeout) and child.returncode == -signal.SIGKILL
        if child.returncode != 0 and not killed:
            err.seek(0)
            raise RuntimeError(
                f"pairsync sync --config-dir exited {child.returncode}: {err.read().decode()}"
            )
    # wait4's ru_maxrss is no figure of the run where /proc is: Linux keeps a process's
    # high-water mark across exec, so the child's starts at this process's resident set
    # when it forked (the simulators of 20,000 pairs: about 1 GiB)
    peak_mib = peaks.rss / 2**20 or usage.ru_maxrss / 1024
    pss = None if peaks.pss is None else peaks.pss / 2**20
    cpu = usage.ru_utime + usage.ru_stime + orphans
    return ChildRun(seconds, cpu, peak_mib, killed, pss, max(peaks.processes, 1), peaks.pss_parts)


PR_SET_CHILD_SUBREAPER = 36


@contextmanager
def _adopting() -> Iterator[None]:
    """Meanwhile, this process is the reaper of its descendants whose parent ended first
    (Linux): a worker process a run's process server started, and that outlives the run
    by a moment, is waited for here with its CPU time rather than by init without it."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
    if prctl:
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield
    finally:
        if prctl:
            prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def _reap_orphans(seen: set[int], patience: float = 30.0) -> float:
    """User + system seconds of the processes of `seen` (descendants of a run) that
    `_adopting` made this process's children, each waited for until it ended (at most
    `patience` seconds in all)."""
    cpu, deadline = 0.0, time.monotonic() + patience
    for pid in seen:
        while time.monotonic() < deadline:
            try:
                done, _, usage = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:
                break  # not adopted: its own parent waited for it
            if done:
                cpu += usage.ru_utime + usage.ru_stime
                break
            time.sleep(0.05)
    return cpu


def _sample_tree(child: int, peaks: _Peaks, ended: threading.Event) -> None:
    """Keep `peaks` at the largest sums of resident sets and of proportional set sizes of
    process `child` and its descendants, and at the most of them alive, until `ended`
    (never `poll()`: that would reap the child under `wait4`)."""
    page = os.sysconf("SC_PAGE_SIZE")
    while not ended.is_set():
        rss, alive, todo = 0, 0, [child]
        pss: Counter[str] = Counter()
        largest = 0
        while todo:
            pid = todo.pop()
            try:
                with open(f"/proc/{pid}/statm") as statm:
                    rss += int(statm.read().split()[1]) * page
                alive += 1
                peaks.seen.add(pid)
                own = _pss(pid)
                pss += own
                largest = max(largest, own["Pss"])
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as children:
                        todo += [int(c) for c in children.read().split()]
            except OSError:
                continue  # gone meanwhile, or no /proc
        peaks.rss = max(peaks.rss, rss)
        if pss["Pss"] > (peaks.pss or 0):
            peaks.pss = pss["Pss"]
            parts = ", ".join(
                f"{k[4:].lower()} {v / 2**20:,.0f}" for k, v in pss.items() if k != "Pss"
            )
            peaks.pss_parts = f"largest process {largest / 2**20:,.0f} MiB; {parts} MiB"
        peaks.processes = max(peaks.processes, alive)
        ended.wait(0.2)


def _pss(pid: int) -> Counter[str]:
    """Bytes of the process's proportional set size (`Pss`) and of its anonymous, file
    and shared-memory parts (none where smaps_rollup is not readable: an old kernel, or
    the process just ended)."""
    found: Counter[str] = Counter()
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                name, _, value = line.partition(":")
                if name in PSS_PARTS:
                    found[name] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return found


PSS_PARTS = ("Pss", "Pss_Anon", "Pss_File", "Pss_Shmem")
