"""A real `pairsync serve` child process on a free loopback port, for the serve tests
and the latency bench: started on a config dir, waited for, stopped with SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.cli_run import start_pairsync


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    stderr: str = ""
    stdout: str = ""
    returncode: int | None = None
    http: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> requests.Response:
        return self.http.post(self.url + path, data=body, headers=headers, timeout=10)


@contextmanager
def serving(
    config_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    every: str = "1h",
    port: int | None = None,
) -> Iterator[Served]:
    """`pairsync serve` until the block ends (on `port`, else a free one); then SIGTERM,
    and its output is kept."""
    port = port or free_port()
    process = start_pairsync(
        "serve",
        "--config-dir",
        str(config_dir),
        "--port",
        str(port),
        "--every",
        every,
        *args,
        cwd=config_dir,
        env=env,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        wait_for(lambda: _answers(served), 30, lambda: process.poll() is not None)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        served.stdout, served.stderr = process.communicate(timeout=60)
        served.returncode = process.returncode
        served.http.close()


def _answers(served: Served) -> bool:
    try:
        served.get("/healthz")
    except requests.ConnectionError:
        return False
    return True


def wait_for(
    condition: Callable[[], bool], seconds: float, give_up: Callable[[], bool] = lambda: False
) -> None:
    """Poll `condition` until true; fail after `seconds` (a generous bound, not a timing)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if give_up() or time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.05)
