"""The Notion target as a user runs it: `pairsync sync`, `check`, `init`, and the webhook
verification through a real `pairsync serve` (`webhooks token`), against the simulator."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.notion.sim.server import NotionSimulator, World
from tests.cli_run import pairsync
from tests.serve_rig import serving, wait_for

BOARD = (
    "## Goals\n- [ ] Grow EMEA revenue 20%\n\n## Decisions\n\n"
    "## Problems\n- [ ] Board reports are late\n\n## Actions\n"
)


def write_pair(folder: Path, sim: NotionSimulator, world: World, secret: str | None = None) -> Path:
    if not (folder / "board.md").exists():
        (folder / "board.md").write_text(BOARD, encoding="utf-8")
    extra = f'webhook_secret = "{secret}"\n' if secret else ""
    config = folder / "ceo-ea.toml"
    notion = (
        f'data_source_id = "{world.data_source_id}"\ntoken = "{world.token}"\n'
        f'base_url = "{sim.base_url}"\nclock_speed = {sim.app.clock.speed}\n'
    )
    config.write_text(
        '[pair]\nname = "ceo-ea"\nexecutive = "Dana"\nassistant = "Lee"\ntimezone = "UTC"\n\n'
        '[state]\npath = "state/ceo-ea.sqlite"\n\n'
        '[[targets]]\nname = "notes"\ntype = "markdown"\npath = "board.md"\n\n'
        '[[targets]]\nname = "dana-notion"\ntype = "notion"\n' + notion + extra,
        encoding="utf-8",
    )
    return config


def test_a_board_file_reaches_notion_and_a_settled_run_costs_one_request(
    notion_sim: NotionSimulator, notion_world: World, tmp_path: Path
) -> None:
    config = write_pair(tmp_path, notion_sim, notion_world)
    first = pairsync("sync", "--config", str(config), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    titles = sorted(
        "".join(t["text"]["content"] for t in p.properties["Name"]["title"])
        for p in notion_sim.backend.pages.values()
    )
    assert titles == ["Board reports are late", "Grow EMEA revenue 20%"]
    for _ in range(2):  # the echo of the first run's writes, then a settled board
        before = notion_sim.stats.total
        again = pairsync("sync", "--config", str(config), cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert notion_sim.stats.total - before == 1


def test_check_says_what_the_first_sync_will_make(
    notion_sim: NotionSimulator, notion_world: World, tmp_path: Path
) -> None:
    config = write_pair(tmp_path, notion_sim, notion_world)
    result = pairsync("check", "--config", str(config), cwd=tmp_path, env={"COLUMNS": "300"})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if "dana-notion" in line]
    assert any(
        "missing, created on first sync: Kind, Done, Due, Tags, pairsync" in line for line in lines
    )
    assert any(
        "9 blocks per problem page (a 'Five Whys' heading and 8 to-dos)" in line for line in lines
    )


def test_init_lists_the_data_sources_the_token_sees(
    notion_sim: NotionSimulator, notion_world: World, tmp_path: Path
) -> None:
    answers = ["ceo-ea", "Dana", "Lee", "n", "n", "y", notion_sim.base_url, "1", "", "n"]
    result = pairsync(
        "init",
        "--output",
        "pair.toml",
        cwd=tmp_path,
        env={"NOTION_TOKEN": notion_world.token},
        input="\n".join(answers) + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert f"1) Exec board  ({notion_world.data_source_id})" in result.stdout
    text = (tmp_path / "pair.toml").read_text()
    assert f'data_source_id = "{notion_world.data_source_id}"' in text
    assert 'token = "${NOTION_TOKEN}"' in text


def test_the_verification_token_is_shown_by_one_command_and_never_logged(
    notion_sim: NotionSimulator, notion_world: World, tmp_path: Path
) -> None:
    config = write_pair(tmp_path, notion_sim, notion_world)
    token_cmd = (
        "webhooks",
        "token",
        "--config",
        str(config),
        "--public-url",
        "https://sync.example.com",
    )
    before = pairsync(*token_cmd, cwd=tmp_path)
    assert before.returncode == 0 and "no verification token received yet" in before.stdout
    with serving(tmp_path, "--debounce", "0.2") as served:
        sub = notion_sim.subscribe(f"{served.url}/hooks/ceo-ea/dana-notion", notion_world.token)
        wait_for(lambda: notion_sim.deliveries.sent >= 1, 30)
        shown = pairsync(*token_cmd, cwd=tmp_path)
        lines = shown.stdout.splitlines()
        assert lines == [
            "dana-notion: 1. in Notion, Settings → Connections → Develop or manage integrations "
            "→ the integration → Webhooks: create a subscription with the URL "
            "https://sync.example.com/hooks/ceo-ea/dana-notion",
            f"dana-notion: 2. verification token Notion sent: {sub.verification_token}",
            "dana-notion: 3. paste it into Notion (Verify); once Notion accepts it, set "
            'webhook_secret = "<the token>" in the [[targets]] table "dana-notion" and restart '
            "serve",
        ]
        assert notion_sim.verify(sub.id, re.findall(r"secret_\S+", lines[1])[0])
        # with the secret set, a person's edit in Notion reaches the board file by webhook
        write_pair(tmp_path, notion_sim, notion_world, secret=sub.verification_token)
        wait_for(lambda: len(notion_sim.backend.pages) == 2, 30)
        page = next(iter(notion_sim.backend.pages.values()))
        notion_sim.person.set(page.id, Done=True)
        wait_for(lambda: "- [x] " in (tmp_path / "board.md").read_text(), 30)
    assert served.returncode == 0, served.stderr
    assert sub.verification_token not in served.stderr + served.stdout, "never a log line"


def test_pages_trashed_at_once_are_held_and_one_trashed_page_is_archived_everywhere(
    notion_sim: NotionSimulator, notion_world: World, tmp_path: Path
) -> None:
    config = write_pair(tmp_path, notion_sim, notion_world)
    board = tmp_path / "board.md"
    board.write_text(
        BOARD.replace("## Actions\n", "## Actions\n- [ ] Book flights\n- [ ] Call the bank\n")
    )
    assert pairsync("sync", "--config", str(config), cwd=tmp_path).returncode == 0
    pages = {notion_sim.person._shown(p).title: p.id for p in notion_sim.backend.pages.values()}
    notion_sim.person.trash(pages["Book flights"])
    one = pairsync("sync", "--config", str(config), cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert "- [ ] Book flights" in board.read_text().split("## Archive")[1]
    for title in ("Grow EMEA revenue 20%", "Board reports are late", "Call the bank"):
        notion_sim.person.trash(pages[title])
    held = pairsync("sync", "--config", str(config), cwd=tmp_path)
    assert held.returncode == 1, held.stdout + held.stderr
    assert "FAILED: dana-notion: 3 items vanished at once" in held.stderr  # issue 21
    assert "## Archive\n- [ ] Book flights" in board.read_text().replace("\n\n", "\n")
    assert "- [ ] Call the bank" in board.read_text().split("## Archive")[0]
