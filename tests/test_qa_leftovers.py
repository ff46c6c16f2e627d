"""What the QA pass of 2026-12-07 (issue 21) left after its first day, through the command
line against the simulators: a card left blank (W4), Slack buttons serve could not check
(W3's Slack half), and the lines that name a cause."""

from __future__ import annotations

from pathlib import Path

from adapters.slack.sim.server import SlackSimulator
from adapters.trello.sim.server import TrelloSimulator
from tests.channel_pair import slack_channel
from tests.md_pairs import cards, run, write_pair


def trello_and_file(folder: Path, sim: TrelloSimulator) -> tuple[Path, str]:
    """A pair of a Markdown file and a Trello board (the QA pass's `ceo.md` and board)."""
    board_id = sim.create_board("Team")
    trello = (
        f'[[targets]]\nname = "assistant-trello"\ntype = "trello"\nboard_id = "{board_id}"\n'
        f'api_key = "{sim.key}"\ntoken = "{sim.token}"\nbase_url = "{sim.base_url}"\n'
    )
    return write_pair(folder, "ceo", {"notes": "ceo.md"}, trello), board_id


def test_a_card_left_blank_is_skipped_with_its_line_and_the_board_syncs(
    tmp_path: Path, trello_sim: TrelloSimulator
) -> None:
    """W4: `- [ ] `, a tag alone or a date alone made Trello refuse the card (400) and the
    target fail on every run; now each is one warning naming its line, every run."""
    config, board_id = trello_and_file(tmp_path, trello_sim)
    ceo_md = tmp_path / "ceo.md"
    ceo_md.write_text(
        "## Problems\n\n- [ ] Board reports are late\n- [ ] \n- [ ] #onlytag\n"
        "- [ ] @{2026-12-30}\n",
        encoding="utf-8",
    )
    blank = [
        f"ceo/notes: ceo.md line {n}: a card with no title under ## Problems; "
        "not synced until it has one"
        for n in (4, 5, 6)
    ]
    for _ in range(2):
        code, out, err = run(tmp_path, "sync", "-c", str(config))
        assert (code, err) == (0, blank), out
    assert [c.name for c in trello_sim.cards(board_id)] == ["Board reports are late"]
    assert cards(ceo_md) == [
        "- [ ] Board reports are late",
        "- [ ] ",
        "- [ ] #onlytag",
        "- [ ] @{2026-12-30}",
    ]

    # A synced card whose title a person erased keeps its title everywhere else.
    text = ceo_md.read_text(encoding="utf-8")
    ceo_md.write_text(text.replace("- [ ] Board reports are late", "- [x] "), encoding="utf-8")
    code, out, err = run(tmp_path, "sync", "-c", str(config))
    assert code == 0, out + err
    assert err[0] == (
        "ceo/notes: ceo.md line 3: a card with no title under ## Problems; its title stays"
    )
    (card,) = trello_sim.cards(board_id)
    assert (card.name, card.closed) == ("Board reports are late", False)


def test_check_and_register_refuse_slack_buttons_without_a_signing_secret(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    """W3, Slack half: agendas carried buttons whose every click serve refused ("the pair
    has no Slack channel with a signing_secret"); `check` said nothing."""
    config = write_pair(tmp_path, "ceo", {"notes": "ceo.md"}, slack_channel(slack_sim))
    refused = [
        "pairsync: ceo.toml: channel dana-slack: Slack buttons without signing_secret: "
        "pairsync serve could not check a click, so every one would be refused; set "
        "signing_secret (the Slack app's Signing Secret), or buttons = false"
    ]
    for command in (["check"], ["webhooks", "register", "--public-url", "https://ps.example"]):
        code, out, err = run(tmp_path, *command, "-c", str(config))
        assert (code, err) == (2, refused), out

    text = config.read_text(encoding="utf-8")
    for key in ("buttons = false\n", 'signing_secret = "8f14e45fceea167a5a36dedd4bea2543"\n'):
        config.write_text(text + key, encoding="utf-8")
        code, out, err = run(tmp_path, "check", "-c", str(config))
        assert (code, err) == (0, []), out
    health_only = text + 'send = ["health"]\n'  # no message of it carries buttons
    config.write_text(health_only, encoding="utf-8")
    assert run(tmp_path, "check", "-c", str(config))[:3:2] == (0, [])
