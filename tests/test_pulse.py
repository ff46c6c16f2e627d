"""`pairsync pulse`: the weekly figures from a run history built by known syncs of the
three tools, the same figures in `--json`, and the PNG (its size, one series per figure)."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync.delivery.pulse import FIGURES, Week, pair_pulse, pulse_weeks
from sync.delivery.pulse_chart import DPI, HEIGHT, WIDTH, chart, chart_png
from sync.model import Kind
from sync.plan.partnership import GROWTH
from sync.store.state import State
from tests.cli_run import pairsync
from tests.facilitation_pair import configure
from tests.three_tools import ASANA, TRELLO, ThreeTools

MONDAY = datetime(2026, 11, 16, 10, tzinfo=UTC)
DAY = timedelta(days=1)
KINDS = ["goal", "decision", "problem", "action", "win", "feedback"]
ZERO = {key: 0 for key in FIGURES} | {"median_days_to_decide": None, "stale_share": 0.0}


def known_runs(tools: ThreeTools) -> None:
    """Three weeks of a pair: the executive works in Asana, the assistant in Trello."""
    configure(tools, board={"kinds": KINDS}, decisions={"acknowledge": True})
    tools.create(ASANA, Kind.DECISION, "Hire an analyst")
    tools.create(ASANA, Kind.DECISION, "Move the offsite")
    tools.create(TRELLO, Kind.ACTION, "Book flights")
    assert not tools.sync(now=MONDAY).failed
    ids = tools.ids()
    tools.edit(ASANA, ids["Hire an analyst"], done=True)  # decided after 8 days
    tools.create(TRELLO, Kind.WIN, "Closed the books early")
    assert not tools.sync(now=MONDAY + 8 * DAY).failed
    tools.edit(ASANA, ids["Move the offsite"], done=True)  # after 16 days
    tools.edit(TRELLO, ids["Book flights"], labels=frozenset({GROWTH}))
    tools.create(ASANA, Kind.FEEDBACK, "Great prep for the board")
    assert not tools.sync(now=MONDAY + 16 * DAY).failed


def test_the_figures_are_what_the_known_runs_did(three_tools: ThreeTools) -> None:
    known_runs(three_tools)
    state = State.open(three_tools.state_path)
    try:
        weeks = pair_pulse(three_tools.config(), state, MONDAY + 17 * DAY, 4)
    finally:
        state.close()

    assert [w.to_json() for w in weeks] == [
        {"week": "2026-11-09", **ZERO, "stale_share": None},  # before the first run
        {
            "week": "2026-11-16",
            **ZERO,
            "decisions_raised": 2,
            "created_executive": 2,
            "created_assistant": 1,
        },
        {
            "week": "2026-11-23",
            **ZERO,
            "decisions_decided": 1,
            "median_days_to_decide": 8.0,
            "created_assistant": 1,
            "changed_executive": 1,
            "acks_waiting": 1,
            "wins": 1,
        },
        {
            "week": "2026-11-30",
            **ZERO,
            "decisions_decided": 1,
            "median_days_to_decide": 16.0,
            "created_executive": 1,
            "changed_executive": 1,
            "changed_assistant": 1,
            "acks_waiting": 2,
            "feedback": 1,
            "growth": 1,
        },
    ]


def test_the_cli_prints_the_figures_and_writes_the_chart(three_tools: ThreeTools) -> None:
    known_runs(three_tools)
    result = pairsync(
        "pulse",
        "--config",
        "pair.toml",
        "--weeks",
        "2",
        "--json",
        "-o",
        "pulse.png",
        cwd=three_tools.folder,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["chart"] == "pulse.png" and len(document["weeks"]) == 2
    assert all(set(week) == {"week", *FIGURES} for week in document["weeks"])
    assert png_size((three_tools.folder / "pulse.png").read_bytes()) == (1200, 750)

    text = pairsync("pulse", "--config", "pair.toml", cwd=three_tools.folder)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Partnership pulse: Dana Smith / Lee Park, ")
    assert len(text.stdout.splitlines()) == 1 + 1 + 8  # title, heading, 8 weeks


def test_without_matplotlib_the_chart_names_the_extra(
    three_tools: ThreeTools, tmp_path: Path
) -> None:
    known_runs(three_tools)
    blocked = tmp_path / "blocked" / "matplotlib"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('not installed')\n")
    from tests.cli_run import ROOT

    result = pairsync(
        "pulse",
        "--config",
        "pair.toml",
        "-o",
        "pulse.png",
        cwd=three_tools.folder,
        env={"PYTHONPATH": f"{blocked.parent}:{ROOT}"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "pairsync: the pulse chart (matplotlib) needs the 'pulse' extra: "
        "pip install 'pairsync[pulse]'"
    ]
    assert not (three_tools.folder / "pulse.png").exists()


def weeks_of(count: int) -> list[Week]:
    rows: list = []
    start = MONDAY.date()
    return [
        Week(
            start + timedelta(weeks=n),
            {key: (n if key != "stale_share" else 10.0 * n) for key in FIGURES},
        )
        for n in range(count)
    ] or rows


@pytest.mark.parametrize("count", [1, 8])
def test_the_png_has_the_expected_size_and_one_series_per_figure(count: int) -> None:
    weeks = weeks_of(count)
    png = chart_png(weeks, "Partnership pulse")
    assert png_size(png) == (int(WIDTH * DPI), int(HEIGHT * DPI))

    figure = chart(weeks, "Partnership pulse")
    series: dict[str, list[int]] = {}
    for index, axes in enumerate(figure.axes):
        assert axes.get_title() and axes.get_xlabel() and axes.get_ylabel()
        for artist in [*axes.lines, *axes.patches]:
            if artist.get_gid():
                series.setdefault(artist.get_gid(), []).append(index)
    assert set(series) == set(FIGURES)
    for key, panels in series.items():
        assert len(set(panels)) == 1, key  # each figure is drawn once, in one panel
        assert len(panels) in (1, count), key  # one line, or one bar per week
    colours = {
        side: {
            a.get_facecolor() for a in figure.axes[2].patches if a.get_gid() == f"created_{side}"
        }
        for side in ("executive", "assistant")
    }
    assert colours["executive"].isdisjoint(colours["assistant"])  # two sides, two colours


def test_an_empty_history_gives_weeks_of_nothing() -> None:
    weeks = pulse_weeks([], [], {}, "Stale", MONDAY, UTC, 2)  # type: ignore[arg-type]
    assert [w.figures for w in weeks] == [ZERO | {"stale_share": None}] * 2


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (and proof that it is a PNG)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
