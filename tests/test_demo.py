"""`pairsync demo` as a new user runs it: one command, no credentials, every tool shown."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.cli_run import pairsync

ROOT = Path(__file__).resolve().parent.parent


Demo = tuple[subprocess.CompletedProcess[str], Path]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One run of `pairsync demo --keep DIR`, read by every test here (it takes seconds)."""
    folder = tmp_path_factory.mktemp("demo")
    result = pairsync("demo", "--keep", str(folder), cwd=folder)
    assert result.returncode == 0, result.stderr
    return result, folder


def test_demo_mirrors_one_board_into_every_tool(demo: Demo) -> None:
    result, tmp_path = demo
    out = result.stdout
    assert "demo/assistant-trello: 4 created" in out
    assert "demo/executive-asana: 4 created" in out
    assert "demo/shared-notion: 4 created" in out
    assert "demo/assistant-sheet: 4 created" in out
    # the fourth sync: nothing changed anywhere, one request per tool
    fourth = out.split("5. Fourth sync:")[1].split("---")[0]
    assert fourth.count("0 created, 0 updated, 0 archived, 0 conflicts, 1 request - ok") == 6
    # the edits reached every tool; the page trashed in Notion is archived everywhere
    assert "[in the trash] Book flights for the Lisbon offsite" in out
    notion = out.split("--- Notion: ")[1].split("\n--- assistant.md")[0]
    assert "to-dos under 'Five Whys': 8/8 ticked" in notion
    for board in ("executive.md", "assistant.md"):
        text = (tmp_path / board).read_text(encoding="utf-8")
        assert "Approve the Lisbon offsite budget" in text
        assert "- [x] Book flights for the Lisbon offsite" in text.split("## Archive")[1]
        assert "15% cheaper.\n\tLisbon, if the hotel holds the rate.\n" in text
        assert "- [x] Why 1? the finance export only runs on Mondays" in text
        assert "- [ ] Why" not in text
        assert "#Stale" in text.split("## Goals")[1].split("## Decisions")[0]
    assert "Book flights for the Lisbon offsite  (completed" in out  # Asana
    assert "checklist 'Five Whys': 8/8 ticked" in out  # Trello
    assert "subtasks: 8/8 completed" in out  # Asana
    assert "made the action item 'Automate the finance export'" in out
    for board in ("executive.md", "assistant.md"):
        text = (tmp_path / board).read_text(encoding="utf-8")
        assert "- [ ] Automate the finance export @{2026-12-15} #owner/assistant" in text
    stale = out.split("## Stale: keep, park or kill?")[1].split("##")[0]
    assert "Close the EMEA partnership" in stale and "Book flights" not in stale
    assert "root cause agreed; countermeasure: Automate the finance export" in out
    assert re.search(r"1:1 agenda \d{4}-\d{2}-\d{2}", out.split("--- Trello")[1])  # a card
    slack = out.split("--- Slack: what Dana's direct messages show")[1].split("--- Trello")[0]
    assert slack.count("[pairsync bot, edited;") == 2  # the agenda and the digest, each once
    assert "[pairsync bot, edited; 6 buttons]\n1:1 agenda: Dana Smith / Lee Park," in slack
    assert "  - Approve the Lisbon offsite budget, no due date, raised by Dana Smith" in slack
    assert "demo/channel dana-slack: updated the agenda message" in out
    sheet = out.split("--- Google Sheets: Lee's tracker")[1].split("\n--- assistant.md")[0]
    assert "| Kind | Title | Notes | Done | Due | Owner | Labels | Id |" in sheet
    assert "| Archive | Book flights for the Lisbon offsite |  | [x] | 2026-12-05 |" in sheet
    assert sheet.count("| [x] |") == 10  # the archived action, the decision taken, 8 steps
    assert "| Decisions | Hold the offsite in Lisbon in March |  | [x] |" in sheet
    record = out.split("--- Google Docs: ")[1].split("--- assistant.md")[0]
    assert "Raised | Decision | Status | Decided on | Acknowledged\n" in record
    assert "| Approve the Lisbon offsite budget | waiting |" in record
    assert "✓ Countermeasure: assistant to automate the finance export" in record
    assert "demo/document pair-record: 1 request" in fourth
    # the pair's record: OneNote and Evernote (extras in `test`), Markdown notes
    assert "demo/document dana-onenote: read back ticks and answers from 'The weekly" in out
    for tool in ("record-notes", "dana-onenote", "lee-evernote"):
        assert out.split("5. Fourth sync:")[1].count(f"demo/document {tool}: 1 request\n") == 1
    evernote = out.split("--- Evernote:")[1].split("--- record/")[0]
    assert "☑ Why 2?\n    the report template waits for it" in evernote
    assert "Lee: ask finance who owns the export job." in evernote
    assert "- [x] Why 2? — the report template waits for it" in (
        tmp_path / "assistant.md"
    ).read_text(encoding="utf-8")
    assert "Traceback" not in result.stderr


def test_demo_shows_wins_feedback_and_a_decision_waiting_for_the_assistant(demo: Demo) -> None:
    result, tmp_path = demo
    out = result.stdout
    assert (
        "asked the assistant to acknowledge 'Hold the offsite in Lisbon in March' "
        "(closed in executive-asana)" in out
    )
    agenda = out.split("--- the 1:1 agenda")[1].split("published in:")[0]
    assert agenda.split("## ")[1:4] == [
        "Wins\n\n- win: Closed the Q3 books two days early — thanks, Lee Park\n"
        "- action: Book flights for the Lisbon offsite (due 2026-12-05) [assistant]\n"
        "- decision: Hold the offsite in Lisbon in March\n\n",
        "Feedback\n\n- feedback from Dana Smith: The board pre-read was the clearest yet\n"
        "- feedback from Lee Park: Decisions by Friday would let me book travel cheaper\n\n",
        "Decisions to acknowledge\n\n"
        "- decision: Hold the offsite in Lisbon in March — waiting for Lee Park since today\n\n",
    ]
    slack = out.split("--- Slack: what Dana's direct messages show")[1].split("--- Trello")[0]
    assert (
        "1 decision waiting for Dana Smith; 1 decision waiting for Lee Park's acknowledgement"
        in slack
    )
    assert "Decided: Lee Park to acknowledge:\n  - Hold the offsite in Lisbon in March" in slack
    record = out.split("--- Google Docs: ")[1].split("--- assistant.md")[0]
    assert "| Hold the offsite in Lisbon in March | decided | " in record
    assert record.count(" | waiting for Lee Park\n") == 3  # Docs, OneNote, Evernote
    tools = out.split("--- Trello: ")[1].split("--- Google Sheets")[0]
    assert tools.count("Hold the offsite in Lisbon in March  (done; labels: Ack needed)") == 1
    assert tools.count("Hold the offsite in Lisbon in March  (completed; tags: Ack needed)") == 1
    assert tools.count("Hold the offsite in Lisbon in March  (done; tags: Ack needed)") == 1
    assert tools.count("[Wins]\n  Closed the Q3 books two days early") == 2  # Trello, Asana
    assert "[Kind: Wins]\n  Closed the Q3 books two days early" in tools
    for board in ("executive.md", "assistant.md"):
        text = (tmp_path / board).read_text(encoding="utf-8")
        wins = text.split("\n## Wins\n")[1].split("\n## ")[0]
        assert "- [ ] Closed the Q3 books two days early #owner/assistant" in wins
        feedback = text.split("\n## Feedback\n")[1].split("\n## ")[0]
        assert "The board pre-read was the clearest yet" in feedback
        decisions = text.split("\n## Decisions\n")[1].split("\n## ")[0]
        assert "- [x] Hold the offsite in Lisbon in March #Ack%20needed" in decisions


def test_the_readme_quotes_the_agenda_the_demo_prints(demo: Demo) -> None:
    result, _ = demo
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = readme.split("prints the 1:1 agenda, which opens like this:")[1]
    lines = quoted.split("```text\n")[1].split("```")[0].splitlines()
    agenda = result.stdout.split("--- the 1:1 agenda")[1].split("published in:")[0]
    assert [line for line in lines if line and line != "…"] == [
        line for line in agenda.splitlines() if line in lines and line
    ]
