"""The status page in a real browser: Debian's headless Chromium, driven by selenium,
shows one pair failing and one passing, then both passing; a screenshot is saved.
Skipped only where no Chromium is installed (CI installs it: .ci/install-browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve_pair import post_trello, quiet, runs, trello_delivery
from tests.serve_rig import Served, serving, wait_for

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="no chromium + chromedriver here (.ci/install-browser)"
)

SOLO = """\
[pair]
name = "solo"

[state]
path = "state/solo.sqlite"

[[targets]]
name = "solo-notes"
type = "markdown"
path = "solo.md"
"""


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1400,700",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def pair_states(driver: object, served: Served) -> dict[str, tuple[str, str]]:
    """Pair -> (state shown in its row, the text of its targets cell)."""
    from selenium.webdriver.common.by import By

    driver.get(served.url + "/")  # type: ignore[attr-defined]
    rows = driver.find_elements(By.CSS_SELECTOR, "#pairs tr.pair")  # type: ignore[attr-defined]
    return {
        row.get_attribute("id").removeprefix("pair-"): (
            row.find_element(By.CSS_SELECTOR, ".state").text,
            row.find_elements(By.TAG_NAME, "td")[3].text,
        )
        for row in rows
    }


def test_the_pairs_table_after_a_failing_and_a_passing_run(pair, browser, tmp_path):
    (pair.folder / "solo.toml").write_text(SOLO, encoding="utf-8")
    pair.asana.app.faults.fail_status = 401
    pair.asana.app.faults.fail_next = 1000
    with serving(pair.folder) as served:
        wait_for(lambda: runs(pair) == 3 and quiet(served), 30)
        states = pair_states(browser, served)
        assert states["trust"][0] == "FAILED"
        assert "asana: FAILED, token rejected (401); 1 request" in states["trust"][1]
        assert "trello: ok" in states["trust"][1]
        assert states["solo"][0] == "ok"
        browser.save_screenshot(str(tmp_path / "status-failing.png"))  # type: ignore[attr-defined]

        pair.asana.app.faults.fail_next = 0
        body, good = trello_delivery(pair, served, "2" * 24)
        assert post_trello(served, body, good) == 200
        wait_for(lambda: runs(pair) == 4 and quiet(served), 30)
        states = pair_states(browser, served)
        assert {pair: state for pair, (state, _) in states.items()} == {"trust": "ok", "solo": "ok"}
        assert "asana: ok" in states["trust"][1]
        browser.save_screenshot(str(tmp_path / "status-passing.png"))  # type: ignore[attr-defined]
    assert (tmp_path / "status-failing.png").stat().st_size > 10_000
    assert served.returncode == 0
