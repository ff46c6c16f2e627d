"""The pulse as a PNG, drawn with matplotlib on its headless Agg canvas (no display, no
pyplot state shared between pairs in one process). Six panels, one series per figure of
`sync.delivery.pulse.FIGURES` (each series' `gid` is its `--json` key); the executive and
the assistant always in the same two colours, shared tools in grey.

matplotlib is the `pulse` extra: `chart_png` raises `MissingExtra` with the one line to
install it when it is absent.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sync.channels.base import Chart
from sync.config import PairConfig
from sync.delivery.pulse import FIGURES, Week, pulse_title
from sync.errors import MissingExtra

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 12.0, 7.5, 100
"""Inches and dots per inch: a 1200 x 750 PNG, readable in a chat window."""
COLOURS = {
    "executive": "#1f5fa8",
    "assistant": "#e07b00",
    "shared": "#9e9e9e",
    "decisions_raised": "#7b3294",
    "decisions_decided": "#1b9e77",
    "median_days_to_decide": "#1b9e77",
    "stale_share": "#c0392b",
    "wins": "#2e8b57",
    "feedback": "#6a5acd",
    "growth": "#b8860b",
    "acks_waiting": "#c0392b",
}


COMPACT_DPI, COMPACT_COLOURS = 50, 32
"""A 600 x 375 PNG of 32 colours (some 17 KB): fits a Teams card's 28 KB as base64."""


def chart_png(weeks: Sequence[Week], title: str, compact: bool = False) -> bytes:
    """The PNG bytes of the pulse chart; `compact`: small and few colours (Pillow, which
    matplotlib depends on, reduces the palette)."""
    figure = chart(weeks, title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=COMPACT_DPI if compact else DPI)
    if not compact:
        return buffer.getvalue()
    from PIL import Image

    image = Image.open(buffer).convert("RGB")
    small = image.quantize(colors=COMPACT_COLOURS, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def chart(weeks: Sequence[Week], title: str) -> Figure:
    """The pulse chart as a matplotlib figure on the Agg canvas."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise MissingExtra("the pulse chart (matplotlib)", "pulse") from None
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=14, fontweight="bold")
    labels = [f"{w.start:%-d %b}" for w in weeks]
    grid = figure.subplots(2, 3)
    panels: list[tuple[Axes, str, str, list[str], str]] = [
        (grid[0][0], "Decisions", "decisions", ["decisions_raised", "decisions_decided"], "bar"),
        (grid[0][1], "Time to decide", "days (median)", ["median_days_to_decide"], "line"),
        (grid[0][2], "Items created, by side", "items", _sided("created"), "bar"),
        (grid[1][0], "Items changed, by side", "items", _sided("changed"), "bar"),
        (grid[1][1], "Stale items", "% of open items", ["stale_share"], "line"),
        (
            grid[1][2],
            "Recognition, growth, acknowledgements",
            "count",
            ["wins", "feedback", "growth", "acks_waiting"],
            "line",
        ),
    ]
    for axes, heading, unit, keys, style in panels:
        axes.set_title(heading)
        axes.set_xlabel("week starting")
        axes.set_ylabel(unit)
        _draw(axes, weeks, keys, style)
        axes.set_xticks(range(len(weeks)), labels, rotation=45, ha="right", fontsize=8)
        axes.set_xlim(-0.5, len(weeks) - 0.5)  # the same weeks under every panel
        if unit != "days (median)":
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(0, max(axes.get_ylim()[1], 1))  # an all-zero panel still reads 0..1
        if all(week.figures[key] in (None, 0) for week in weeks for key in keys):
            axes.text(
                0.5,
                0.5,
                "nothing in these weeks",
                transform=axes.transAxes,
                ha="center",
                va="center",
                color="#777777",
            )
        axes.grid(axis="y", alpha=0.3)
        axes.legend(fontsize=8, loc="best")
    return figure


def _sided(what: str) -> list[str]:
    return [f"{what}_{side}" for side in ("executive", "assistant", "shared")]


def _colour(key: str) -> str:
    side = key.rsplit("_", 1)[-1]
    return COLOURS.get(key) or COLOURS[side]


def _draw(axes: Axes, weeks: Sequence[Week], keys: list[str], style: str) -> None:
    """One series per key: grouped bars, or lines with a marker per week (a week without
    a value, such as no decision decided, is a gap)."""
    xs = range(len(weeks))
    for index, key in enumerate(keys):
        values = [_number(week.figures[key]) for week in weeks]
        label, colour = FIGURES[key], _colour(key)
        if style == "bar":
            width = 0.8 / len(keys)
            offset = (index - (len(keys) - 1) / 2) * width
            axes.bar([x + offset for x in xs], values, width, label=label, color=colour, gid=key)
        else:
            axes.plot(xs, values, marker="o", label=label, color=colour, gid=key)


def _number(value: float | int | None) -> float:
    return math.nan if value is None else float(value)


def pulse_chart(config: PairConfig, weeks: Sequence[Week]) -> Chart | None:
    """The chart for the channels, or None when matplotlib (the pulse extra) is missing."""
    try:
        title = pulse_title(config, weeks)
        full, compact = chart_png(weeks, title), chart_png(weeks, title, compact=True)
    except MissingExtra:
        return None
    alt = f"{title}: decisions, items created and changed by each side, stale share, wins"
    return Chart(full, compact, alt)
