"""Run the real `pairsync` command line in a child process, as a user's shell would."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pairsync_env(env: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}


PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


_LIBC = ctypes.CDLL(None, use_errno=True)
"""Loaded in the parent: between fork and exec the child only calls into it."""


def _honour_file_modes() -> None:
    """In the child, before exec: root loses the capabilities that let it write any file,
    so a file's mode means for root what it means for the user cron runs pairsync as."""
    if os.geteuid() != 0:
        return
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if _LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def pairsync(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
    honour_file_modes: bool = False,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.cli", *args],
        cwd=cwd,
        env=pairsync_env(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_honour_file_modes if honour_file_modes else None,
    )


def start_pairsync(
    *args: str, cwd: Path, env: dict[str, str] | None = None, typing: bool = False
) -> subprocess.Popen[str]:
    """The command running; with `typing`, its stdin is a pipe the test types into."""
    return subprocess.Popen(
        [sys.executable, "-m", "sync.cli", *args],
        cwd=cwd,
        env=pairsync_env(env),
        stdin=subprocess.PIPE if typing else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
