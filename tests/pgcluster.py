"""A throw-away PostgreSQL cluster for the tests (stdlib only: `.ci/run` starts one with
the system Python before the virtualenv exists).

`python3 tests/pgcluster.py start DIR` makes a cluster in DIR, starts it on a free
loopback port and prints its URL; `stop DIR` stops it (the caller removes DIR). As root
the cluster runs as `nobody` (PostgreSQL refuses to run as root). It is kept small, for
a 2-core machine shared with others: 16 MB of shared buffers, and no fsync (a test
database is thrown away; durability is not what the tests measure).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "pairsync"
SETTINGS = {
    "shared_buffers": "16MB",
    "max_connections": "200",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "127.0.0.1",
}


def binaries() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: Debian keeps them out of PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


def start(root: Path, settings: dict[str, str] | None = None) -> str:
    """Make and start a cluster under `root` (`settings` added to `SETTINGS`); its URL."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "nobody")
    subprocess.run(
        _as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust"]),
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=root,
    )
    port = _free_port()
    chosen = {**SETTINGS, **(settings or {})}
    options = " ".join(f"-c {key}={value}" for key, value in chosen.items())
    options += f" -p {port} -k {root}"
    log = str(root / "log")
    subprocess.run(
        _as_owner(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-w", "-o", options, "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=root,
    )
    return f"postgresql://{USER}@127.0.0.1:{port}/postgres"


def stop(root: Path) -> None:
    bin_dir = binaries()
    data = root / "data"
    if bin_dir is None or not (data / "postmaster.pid").exists():
        return
    subprocess.run(
        _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
        check=False,
        stdout=subprocess.DEVNULL,
        cwd=root,
    )


if __name__ == "__main__":
    verb, where = sys.argv[1], Path(sys.argv[2])
    if verb == "start":
        print(start(where))
    else:
        stop(where)
