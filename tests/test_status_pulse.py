"""`pairsync serve`'s status page for the partnership: decisions waiting for an
acknowledgement counted per pair, and the pair's pulse chart as a PNG."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli_run import pairsync
from tests.serve_rig import serving
from tests.test_pulse import png_size

SOLO = """\
[pair]
name = "solo"

[state]
path = "state/solo.sqlite"

[decisions]
acknowledge = true

[[targets]]
name = "solo-notes"
type = "markdown"
path = "solo.md"
"""


def test_the_status_page_counts_acks_waiting_and_shows_the_pulse(tmp_path: Path) -> None:
    (tmp_path / "solo.toml").write_text(SOLO, encoding="utf-8")
    board = tmp_path / "solo.md"
    board.write_text("## Decisions\n\n- [ ] Move the offsite to May\n", encoding="utf-8")
    assert pairsync("sync", "--config", "solo.toml", cwd=tmp_path).returncode == 0
    board.write_text(board.read_text().replace("- [ ]", "- [x]"), encoding="utf-8")
    assert pairsync("sync", "--config", "solo.toml", cwd=tmp_path).returncode == 0
    assert "#Ack%20needed" in board.read_text()

    with serving(tmp_path) as served:
        page = served.get("/").text
        # drawing takes a few seconds on a loaded machine: a bound, not a timing
        chart = served.http.get(served.url + "/pairs/solo/pulse.png", timeout=120)
        missing = served.get("/pairs/nobody/pulse.png")

    assert re.search(r'<td class="acks">1</td>', page)
    assert 'src="pairs/solo/pulse.png"' in page
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert png_size(chart.content) == (1200, 750)
    assert missing.status_code == 404
