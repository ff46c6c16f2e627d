"""`pairsync demo`: a whole pair in a temporary directory, with no credentials.

It starts the built-in Trello, Asana, Notion and Google simulators on loopback, writes a
config with six targets (the executive's Asana project, the assistant's Trello board and
tracker sheet, the pair's shared Notion database, and a Markdown board for each), seeds
the executive's Markdown board with one item of each kind, and then runs the same code as `pairsync
sync`: a first sync, edits made as people would in four tools (one moves a Notion page
to the trash; Dana adds a win for Lee, each gives feedback, and Dana records a decision Lee
has to acknowledge), a second sync, a third that writes nothing, and the 1:1 agenda; Dana's
Slack (a simulator) gets the agenda, updated in place as the board changes, and the
decisions waiting for her. The pair's record (agenda, decisions log, Five Whys) is kept as
Markdown notes, and in OneNote and Evernote when their extras are installed
(`demo_record`), where people tick and answer Five Whys steps too.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from adapters import simulator_class
from sync.channels import channel_simulator_class
from sync.cli.demo_record import DemoRecord
from sync.cli.demo_show import (
    asana_lines,
    notion_lines,
    notion_page,
    trello_card,
    trello_lines,
)
from sync.config import load_config
from sync.delivery.agenda import make_agenda
from sync.delivery.meeting import WEEKDAYS
from sync.run.pair import run_pair
from sync.run.summary import RunSummary, summary_lines
from sync.store.state import State

if TYPE_CHECKING:  # the demo reaches the simulators through the registries
    from adapters.asana.sim.server import AsanaSimulator
    from adapters.google.sim.server import GoogleSimulator
    from adapters.notion.sim.server import NotionSimulator
    from adapters.slack.sim.server import SlackSimulator
    from adapters.trello.sim.server import TrelloSimulator

Echo = Callable[[str], None]

CONFIG = """\
# The demo pair (every key is explained in config.example.toml).
[pair]
name = "demo"
executive = "Dana Smith"
assistant = "Lee Park"
conflict_policy = "latest"
timezone = "UTC"

[state]
path = "state/demo.sqlite"

[stale]
after_days = 14
exempt_kinds = []

[agenda]
publish = true                      # the agenda also goes on every board, in a "1:1" list
meeting = "{meeting}"          # in two hours: its agenda is due now
lead_hours = 24

[board]
kinds = ["goal", "decision", "problem", "action", "win", "feedback"]  # the Wins and Feedback lists

[decisions]
acknowledge = true                  # a decision Dana closes waits for Lee's "Got it"

[[targets]]
name = "executive-asana"
type = "asana"
role = "executive"
project_gid = "{project_gid}"
token = "${{DEMO_ASANA_TOKEN}}"
base_url = "{asana_url}"

[[targets]]
name = "assistant-trello"
type = "trello"
role = "assistant"
board_id = "{board_id}"
api_key = "${{DEMO_TRELLO_KEY}}"
token = "${{DEMO_TRELLO_TOKEN}}"
base_url = "{trello_url}"

[[targets]]
name = "shared-notion"
type = "notion"
data_source_id = "{data_source_id}"
token = "${{DEMO_NOTION_TOKEN}}"
base_url = "{notion_url}"

[[targets]]
name = "assistant-sheet"
type = "google_sheets"
role = "assistant"
spreadsheet_id = "{spreadsheet_id}"
credentials = "google-lee.json"    # what `pairsync auth google` writes
base_url = "{google_url}"
drive_base_url = "{google_url}"

[[targets]]
name = "executive-notes"
type = "markdown"
path = "executive.md"

[[targets]]
name = "assistant-notes"
type = "markdown"
path = "assistant.md"

[[documents]]
name = "pair-record"                # the decisions log, the 1:1 agenda, a Five Whys record
type = "google_docs"                #   per problem, kept up to date in Google Docs
credentials = "google-lee.json"
base_url = "{google_url}"
drive_base_url = "{google_url}"

[[channels]]
name = "dana-slack"
type = "slack"
token = "${{DEMO_SLACK_TOKEN}}"
to = "dana@example.com"
base_url = "{slack_url}"
signing_secret = "${{DEMO_SLACK_SIGNING_SECRET}}"  # pairsync serve checks button clicks with it
"""

EXECUTIVE_BOARD = """\
---
kanban-plugin: basic
---

## Goals

- [ ] Close the EMEA partnership by year end @{2026-12-31} #q4 #owner/executive

## Decisions

- [ ] Approve the offsite budget #owner/executive
	Two venues quoted; Lisbon is 15% cheaper.

## Problems

- [ ] The weekly report reaches the board late #owner/assistant

## Actions

- [ ] Book flights for the Lisbon offsite @{2026-12-05} #owner/assistant

"""

THREE_WEEKS = 21 * 86400


def run_demo(keep: Path | None, echo: Echo) -> None:
    with ExitStack() as stack:
        if keep is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pairsync-demo-")))
        else:
            folder = keep.resolve()
            folder.mkdir(parents=True, exist_ok=True)
        trello: TrelloSimulator = simulator_class("trello")().start()
        stack.callback(trello.stop)
        asana: AsanaSimulator = simulator_class("asana")().start()
        stack.callback(asana.stop)
        notion: NotionSimulator = simulator_class("notion")().start()
        stack.callback(notion.stop)
        google: GoogleSimulator = simulator_class("google")().start()
        stack.callback(google.stop)
        tracker = google.seed(title="Lee's tracker")
        tracker.credentials(folder)
        slack: SlackSimulator = channel_simulator_class("slack")().start()
        stack.callback(slack.stop)
        dana = slack.add_user("dana", "dana@example.com")
        board_id = trello.create_board("Lee's board")
        world = asana.seed(project_name="Dana's priorities")
        knowledge = notion.seed(title="Dana & Lee")
        os.environ.update(
            DEMO_TRELLO_KEY=trello.key,
            DEMO_TRELLO_TOKEN=trello.token,
            DEMO_ASANA_TOKEN=world.token,
            DEMO_NOTION_TOKEN=knowledge.token,
            DEMO_SLACK_TOKEN=slack.token,
            DEMO_SLACK_SIGNING_SECRET=secrets.token_hex(16),
        )
        record = DemoRecord(stack, folder)
        soon = datetime.now(UTC) + timedelta(hours=2)
        config_path = folder / "demo.toml"
        config_path.write_text(
            CONFIG.format(
                project_gid=world.project_gid,
                asana_url=asana.base_url,
                board_id=board_id,
                trello_url=trello.base_url,
                data_source_id=knowledge.data_source_id,
                notion_url=notion.base_url,
                spreadsheet_id=tracker.spreadsheet_id,
                google_url=google.base_url,
                slack_url=slack.base_url,
                meeting=f"{WEEKDAYS[soon.weekday()]} {soon:%H:%M}",
            )
            + record.tables,
            encoding="utf-8",
        )
        executive_board = folder / "executive.md"
        executive_board.write_text(EXECUTIVE_BOARD, encoding="utf-8")
        written = time.time() - THREE_WEEKS
        os.utime(executive_board, (written, written))

        echo(f"pairsync demo in {folder}")
        echo(f"  Trello simulator: {trello.base_url}   Asana simulator: {asana.base_url}")
        echo(f"  Notion simulator: {notion.base_url}   Google simulator: {google.base_url}")
        echo(f"  Slack simulator: {slack.base_url} (Dana's 1:1 is in two hours)")
        for line in record.where():
            echo(line)
        echo("  executive.md (written three weeks ago) has a goal, a decision, a problem and an")
        echo("  action; the Trello board, the Asana project, the Notion database, Lee's")
        echo("  tracker sheet in Google Sheets and assistant.md are empty. The pair keeps")
        echo("  wins and feedback, and Lee acknowledges the decisions Dana takes.\n")
        _sync(
            config_path,
            "1. First sync: everything reaches every tool; the problem gets "
            "the Five Whys; items untouched for three weeks are marked stale",
            echo,
        )

        echo("2. People work in their own tools:")
        card = trello_card(trello, board_id, "Book flights")
        trello.person.edit_card(card, dueComplete=True)
        echo("   - Lee ticks 'Book flights…' done in Trello")
        task = next(t for t in asana.person.tasks(world.project_gid, "Decisions"))
        asana.person.edit(task.gid, name="Approve the Lisbon offsite budget")
        echo("   - Dana renames the decision in Asana")
        decision = notion_page(notion, knowledge.data_source_id, "Approve the")
        notion.person.append(decision, "paragraph", "Lisbon, if the hotel holds the rate.")
        echo("   - Lee adds a line to the decision's page in Notion")
        notion.person.trash(notion_page(notion, knowledge.data_source_id, "Book flights"))
        echo("   - Lee moves the page 'Book flights…' to the trash in Notion")
        sheet = google.person(tracker)
        sheet.sort("Board", column=4)  # by Due
        echo("   - Lee sorts the tracker sheet by Due (rows move; order within a kind follows)")
        _partnership(asana, world.project_gid, trello, board_id, echo)
        _edit(
            folder / "assistant.md",
            "- [ ] Why 1?",
            "- [x] Why 1? the finance export only runs on Mondays",
        )
        echo("   - Lee answers 'Why 1?' of the problem's Five Whys in assistant.md")
        record.people(echo)
        echo("")
        _sync(
            config_path,
            "3. Second sync: the edits meet; the trashed page is archived everywhere; "
            "touching an item clears its stale mark, the goal stays stale",
            echo,
        )
        _sync(config_path, "4. Third sync: nothing changed, nothing written", echo)
        echo("   (Trello, Asana and Notion still show pairsync's own writes of run 3, proven")
        echo("   its echoes; an unchanged board costs one request per tool:)\n")
        _sync(config_path, "5. Fourth sync", echo)

        echo(
            "6. In assistant.md Lee and Dana agree the root cause and tick every step, ending with"
        )
        countermeasure = "Countermeasure: assistant to automate the finance export by 2026-12-15"
        echo(f"   '{countermeasure}'\n")
        _finish_five_whys(folder / "assistant.md", countermeasure)
        _sync(config_path, "7. Sync: the countermeasure becomes an action in every tool", echo)

        echo("--- the 1:1 agenda (pairsync agenda; also published on every board as '1:1') ---")
        config = load_config(config_path)
        state = State.open(config.state_path)
        try:
            text, published, _ = make_agenda(config, state, datetime.now(UTC), None, None)
        finally:
            state.close()
        echo(text)
        echo(f"published in: {', '.join(published)}")
        echo("")
        echo("--- Slack: what Dana's direct messages show (the plain-text rendering) ---")
        for message in slack.messages(slack.dm_with(dana) or ""):
            edited = ", edited" if message.edited else ""
            buttons = sum(len(b["elements"]) for b in message.blocks if b["type"] == "actions")
            echo(f"[pairsync bot{edited}; {buttons} buttons]")
            echo(message.text)
            echo("")
        echo("--- Trello: Lee's board ---")
        for line in trello_lines(trello, board_id):
            echo(line)
        echo("\n--- Asana: Dana's priorities ---")
        for line in asana_lines(asana, world.project_gid):
            echo(line)
        echo("\n--- Notion: Dana & Lee (a database; Kind, Done, Tags are its properties) ---")
        for line in notion_lines(notion, knowledge.data_source_id):
            echo(line)
        echo("\n--- Google Sheets: Lee's tracker (tab Board, then tab Five Whys) ---")
        for line in [*sheet.render("Board"), "", *sheet.render("Five Whys")]:
            echo(line)
        echo(
            "\n--- Google Docs: what the pair reads (the decisions log and a Five Whys record) ---"
        )
        for title in ("Decisions", "Five Whys"):
            echo(google.writer.shown(google.writer.titled(title)))
        record.show(echo)
        echo("\n--- assistant.md ---")
        echo((folder / "assistant.md").read_text(encoding="utf-8"))
        if keep is not None:
            echo(f"The files are kept in {folder} (the simulators stop with this command).")


def _sync(config_path: Path, title: str, echo: Echo) -> RunSummary:
    summary = run_pair(load_config(config_path))
    echo(f"{title}:")
    for line in summary_lines(summary):
        echo(f"   {line}")
    echo("")
    return summary


def _partnership(
    asana: AsanaSimulator, project_gid: str, trello: TrelloSimulator, board_id: str, echo: Echo
) -> None:
    """A win with thanks, feedback from each side, and a decision Lee has to acknowledge."""
    win = asana.person.create_task(project_gid, "Wins", "Closed the Q3 books two days early")
    asana.person.tag(win.gid, "owner/assistant")
    echo("   - Dana adds a win for Lee in Asana: 'Closed the Q3 books two days early'")
    asana.person.create_task(project_gid, "Feedback", "The board pre-read was the clearest yet")
    echo("   - Dana gives feedback in Asana: 'The board pre-read was the clearest yet'")
    trello.person.create_card(
        board_id, "Feedback", "Decisions by Friday would let me book travel cheaper"
    )
    echo("   - Lee gives feedback in Trello: 'Decisions by Friday would let me book travel")
    echo("     cheaper'")
    asana.person.create_task(
        project_gid, "Decisions", "Hold the offsite in Lisbon in March", completed=True
    )
    echo("   - Dana records a decision she took, done, in Asana: 'Hold the offsite in Lisbon in")
    echo("     March' (Lee has not seen it yet)")


def _edit(board: Path, old: str, new: str) -> None:
    text = board.read_text(encoding="utf-8")
    board.write_text(text.replace(old, new, 1), encoding="utf-8")


def _finish_five_whys(board: Path, countermeasure: str) -> None:
    """Tick every step of the problem, writing the agreed countermeasure into the last."""
    text = board.read_text(encoding="utf-8")
    head, _, rest = text.partition("## Problems")
    problems, _, tail = rest.partition("## Actions")
    problems = problems.replace("\t- [ ] ", "\t- [x] ").replace(
        "- [x] Countermeasure: owner and date", f"- [x] {countermeasure}"
    )
    board.write_text(f"{head}## Problems{problems}## Actions{tail}", encoding="utf-8")
