"""Fixtures for the serve tests (a pytest plugin registered in tests/conftest.py): a pair
seeded in all three tools (`pair`), `pairsync serve` running on it (`served`), and
helpers that read its run history and metrics and make Trello deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
from collections.abc import Iterator

import pytest

from adapters.asana.sim.server import AsanaSimulator, World
from adapters.trello.sim.server import TrelloSimulator
from tests.board_pair import EMPTY_BOARD
from tests.cli_run import pairsync
from tests.serve_rig import Served, serving, wait_for
from tests.three_tools import TRELLO, ThreeTools


@pytest.fixture
def pair(
    trello_sim: TrelloSimulator,
    trello_board: str,
    asana_sim: AsanaSimulator,
    asana_world: World,
    tmp_path,
) -> ThreeTools:
    pair = ThreeTools(tmp_path, trello_sim, trello_board, asana_sim, asana_world)
    pair.board_path.write_text(EMPTY_BOARD, encoding="utf-8")
    pair.write_config()
    pair.seed()
    return pair


@pytest.fixture
def served(pair: ThreeTools) -> Iterator[Served]:
    """Serve on the pair, polling hourly (so only webhooks sync), once the start-up sync
    of every pair is done."""
    with serving(pair.folder, "--debounce", "1") as served:
        wait_for(lambda: runs(pair) == 3, 30)
        wait_for(lambda: metric(served, "pairsync_syncs_running") == 0, 30)
        yield served
    assert served.returncode == 0, served.stderr


def runs(pair: ThreeTools) -> int:
    """Finished runs in the pair's history (2 from the seeding)."""
    with sqlite3.connect(pair.state_path) as db:
        return int(
            db.execute("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL").fetchone()[0]
        )


def metric(served: Served, name: str, labels: str = "") -> float:
    for line in served.get("/metrics").text.splitlines():
        if line.startswith(name + (f"{{{labels}}}" if labels else "") + " "):
            return float(line.split()[-1])
    return 0.0


def quiet(served: Served) -> bool:
    return (
        metric(served, "pairsync_syncs_waiting") == 0
        and metric(served, "pairsync_syncs_running") == 0
    )


def register(pair: ThreeTools, served: Served) -> str:
    result = pairsync(
        "webhooks",
        "register",
        "--config",
        str(pair.config_path),
        "--public-url",
        served.url,
        cwd=pair.folder,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# -- deliveries as the services make them -------------------------------------------------
def trello_delivery(pair: ThreeTools, served: Served, action_id: str) -> tuple[bytes, str]:
    body = json.dumps({"action": {"id": action_id, "type": "updateCard"}}).encode()
    url = f"{served.url}/hooks/trust/{TRELLO}"
    digest = hmac.new(pair.trello.api_secret.encode(), body + url.encode(), hashlib.sha1)
    return body, base64.b64encode(digest.digest()).decode()


def post_trello(served: Served, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Trello-Webhook"] = signature
    return served.post(f"/hooks/trust/{TRELLO}", body, headers).status_code
