"""What the QA pass of 2026-12-07 (issue 21) left after its first day, through the command
line against the simulators: a card left blank (W4), Slack buttons serve could not check
(W3's Slack half), and the lines that name a cause."""

from __future__ import annotations

import signal
from pathlib import Path

from adapters.slack.sim.server import SlackSimulator
from adapters.trello.sim.server import TrelloSimulator
from tests.channel_pair import slack_channel
from tests.cli_run import ROOT, pairsync
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


def test_a_board_file_copied_from_another_pair_is_named_once(tmp_path: Path) -> None:
    """S3, a pair on its own: a file holding link-back ids its state never wrote (copied
    from another pair's board) is synced as the pair's own, with one line, once."""
    alpha = write_pair(tmp_path, "alpha", {"alpha-md": "alpha.md", "alpha-own": "alpha-own.md"})
    (tmp_path / "alpha.md").write_text("## Goals\n\n- [ ] Alpha goal\n- [ ] Bravo goal\n")
    assert run(tmp_path, "sync", "-c", str(alpha))[0] == 0
    (tmp_path / "beta.md").write_text((tmp_path / "alpha.md").read_text())
    beta = write_pair(tmp_path, "beta", {"beta-md": "beta.md", "beta-own": "beta-own.md"})

    code, out, err = run(tmp_path, "sync", "-c", str(beta))
    assert (code, err) == (
        0,
        [
            "beta/beta-md: 2 items carry link-back ids this pair's state never wrote "
            "('Alpha goal', 'Bravo goal'): copied from another pair's board, or this pair's "
            "state lost or moved? Synced as this pair's own from now on"
        ],
    ), out
    assert cards(tmp_path / "beta-own.md") == ["- [ ] Alpha goal", "- [ ] Bravo goal"]
    assert run(tmp_path, "sync", "-c", str(beta))[:3:2] == (0, [])


KILL_AT_REPLACE = """\
import os, pathlib, signal, sys, time

def _kill_at(event, args):
    if event != "os.rename" or os.fspath(args[1]) != os.environ["KILL_AT_REPLACE"]:
        return
    other = pathlib.Path(os.environ["AFTER_FILE_HAS"].split("|")[0])
    text = os.environ["AFTER_FILE_HAS"].split("|")[1]
    deadline = time.monotonic() + 20
    while text not in other.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)  # the other file's write (another thread) lands first
    os.kill(os.getpid(), signal.SIGKILL)  # the run dies as this file would be replaced

if os.environ.get("KILL_AT_REPLACE"):
    sys.addaudithook(_kill_at)
"""


def test_a_crash_before_the_marker_lands_then_a_retitle_makes_no_copy(tmp_path: Path) -> None:
    """A run SIGKILLed after its state commit, when the other file has the person's new
    card but before the marker reached the file they typed it in; the person then retitles
    that unmarked card: the rerun must take it for the same item, not archive one and
    create another (it left 'Call the bank' under ## Archive in the other file)."""
    config = write_pair(tmp_path, "ceo", {"exec-md": "exec.md", "asst-md": "asst.md"})
    exec_md, asst_md = tmp_path / "exec.md", tmp_path / "asst.md"
    exec_md.write_text("## Actions\n\n- [ ] Book the flights\n", encoding="utf-8")
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    exec_md.write_text(exec_md.read_text() + "- [ ] Call the bank\n", encoding="utf-8")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILL_AT_REPLACE, encoding="utf-8")
    killed = pairsync(
        "sync",
        "-c",
        str(config),
        cwd=tmp_path,
        env={
            "PYTHONPATH": f"{hook}:{ROOT}",
            "KILL_AT_REPLACE": str(exec_md.resolve()),
            "AFTER_FILE_HAS": f"{asst_md.resolve()}|Call the bank",
        },
    )
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert cards(exec_md) == ["- [ ] Book the flights", "- [ ] Call the bank"]  # unmarked
    assert cards(asst_md) == ["- [ ] Book the flights", "- [ ] Call the bank"]
    text = exec_md.read_text(encoding="utf-8")
    exec_md.write_text(text.replace("Call the bank", "Call the bank about the loan"))

    code, out, err = run(tmp_path, "sync", "-c", str(config))

    assert code == 0, out + err
    both = ["- [ ] Book the flights", "- [ ] Call the bank about the loan"]
    assert (cards(exec_md), cards(asst_md)) == (both, both)
    assert run(tmp_path, "sync", "-c", str(config))[1:] == (
        [
            f"ceo/{name}: 0 created, 0 updated, 0 archived, 0 conflicts, 1 request - ok"
            for name in ("exec-md", "asst-md")
        ],
        [],
    )


def test_a_card_in_a_closed_list_names_the_closed_list(
    tmp_path: Path, trello_sim: TrelloSimulator
) -> None:
    """A goal archived, its Trello list closed, the goal restored in the file: the card
    cannot be written, and the line says why ("gone from the mapped lists" did not)."""
    config, board_id = trello_and_file(tmp_path, trello_sim)
    ceo_md = tmp_path / "ceo.md"
    ceo_md.write_text(
        "## Goals\n\n- [ ] Close the EMEA deal\n\n## Actions\n\n- [ ] Book the flights\n",
        encoding="utf-8",
    )
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    text = ceo_md.read_text(encoding="utf-8")
    goal = next(line for line in text.splitlines() if "EMEA" in line)
    ceo_md.write_text(text.replace(goal + "\n", "") + f"\n## Archive\n\n{goal}\n")
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    board = trello_sim.board(board_id)
    goals = next(t for t in board.lists.values() if t.name == "Goals")
    with trello_sim.app.lock:
        trello_sim.backend.update_list(trello_sim.member, goals.id, closed=True)
    text = ceo_md.read_text(encoding="utf-8")
    ceo_md.write_text(
        text.replace(f"\n## Archive\n\n{goal}\n", "").replace(
            "## Goals\n\n", f"## Goals\n\n{goal}\n"
        )
    )

    code, out, err = run(tmp_path, "sync", "-c", str(config))

    assert code == 1, out
    (card,) = [c for c in trello_sim.cards(board_id) if c.name == "Close the EMEA deal"]
    assert err == [
        "ceo/assistant-trello: 0 created, 0 updated, 0 archived, 0 conflicts, 2 requests - "
        f"FAILED: assistant-trello: 'Close the EMEA deal': card {card.id} is in the list "
        '"Goals", which is archived (closed) in Trello: reopen the list, or move the card to '
        "an open one; not written"
    ]
