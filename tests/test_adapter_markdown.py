"""The Markdown board target on a real file: what a person edits is read, what pairsync
writes touches only its own lines, and a person's save is never overwritten."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Adapter
from adapters.markdown.adapter import CHANGED, MarkdownAdapter
from adapters.markdown.card import Card
from adapters.markdown.config import MarkdownTarget
from sync.contract import Create, Update, Written
from sync.model import BASE_KINDS, Item, Kind, Step
from tests.contract import AdapterContract, MakeAdapter, update_from
from tests.test_markdown_board import SAMPLE, card_in

GOAL = "0123456789abcdef"
OTHER_GOAL = "1111111111111111"
PROBLEM = "2222222222222222"
OLD = "3333333333333333"
BOARD = SAMPLE.replace("## Problems", "## Decisions\n\n## Problems").replace(
    "## Archive", "## Actions\n\n## Archive"
)
"""The sample with every heading, so that a write adds none."""


def adapter(tmp_path: Path, text: str | None = BOARD, path: str = "board.md") -> MarkdownAdapter:
    if text is not None:
        (tmp_path / path).write_bytes(text.encode())
    config = MarkdownTarget(name="notes", type="markdown", path=tmp_path / path)
    return MarkdownAdapter(config)


def file(tmp_path: Path) -> str:
    return (tmp_path / "board.md").read_bytes().decode()


def test_read_reports_items_with_ids_versions_and_the_file_time(tmp_path: Path) -> None:
    target = adapter(tmp_path)
    items = target.read().items
    assert set(items) == {GOAL, OTHER_GOAL, PROBLEM, OLD}
    assert items[GOAL].item.title == "Grow EMEA revenue 20%"
    assert items[PROBLEM].item.steps[0] == Step("Problem statement agreed", True)
    assert items[OLD].item.archived and not items[OLD].kind_known
    assert items[GOAL].kind_known
    mtime = datetime.fromtimestamp((tmp_path / "board.md").stat().st_mtime, UTC)
    assert {i.modified_at for i in items.values()} == {mtime}
    assert len({i.version for i in items.values()}) == 4
    assert target.requests == 1


def test_a_persons_edits_are_read(tmp_path: Path) -> None:
    target = adapter(tmp_path)
    before = target.read().items
    edited = (
        SAMPLE.replace(
            # deleted the first goal, ticked and renamed the other, moved the problem to Goals
            "- [ ] Grow EMEA revenue 20% @{2026-12-31} #q4 #owner/executive ^ps-0123456789abcdef\n"
            "\tNotes line one\n\tNotes line two\n- [x] Another goal ^ps-1111111111111111\n",
            "- [ ] Another goal, renamed ^ps-1111111111111111\n"
            "- [ ] Weekly report arrives late #stale ^ps-2222222222222222\n"
            "\t- [x] Problem statement agreed\n\t- [x] Why 1? the data export runs on Mondays\n",
        )
        .replace(
            "- [ ] Weekly report arrives late #stale ^ps-2222222222222222\n"
            "\t- [x] Problem statement agreed\n\t- [ ] Why 1? the data export runs on Mondays\n",
            "",
        )
        .replace("## Archive\n", "## Archive\n\n- [ ] Book the offsite #travel\n")
    )
    (tmp_path / "board.md").write_text(edited)
    items = target.read().items
    assert GOAL not in items
    assert items[OTHER_GOAL].item.title == "Another goal, renamed"
    assert not items[OTHER_GOAL].item.done
    assert items[OTHER_GOAL].version != before[OTHER_GOAL].version
    assert items[PROBLEM].item.kind == Kind.GOAL
    assert items[PROBLEM].item.steps[1].done
    (new,) = [i for i in items.values() if i.item_id is None]
    assert new.remote_id.startswith("new:Archive:")
    assert new.item == Item(
        Kind.ACTION, "Book the offsite", archived=True, labels=frozenset({"travel"})
    )
    assert not new.kind_known


def test_update_rewrites_only_that_items_lines(tmp_path: Path) -> None:
    target = adapter(tmp_path)
    seen = target.read().items
    (outcome,) = target.apply(
        [update_from(seen[OTHER_GOAL], title="Another goal, sharper", due=date(2027, 1, 2))]
    )
    assert isinstance(outcome, Written) and outcome.remote_id == OTHER_GOAL
    assert file(tmp_path) == BOARD.replace(
        "- [x] Another goal ^ps-1111111111111111",
        "- [x] Another goal, sharper @{2027-01-02} ^ps-1111111111111111",
    )
    assert target.read().items[OTHER_GOAL].version == outcome.version
    assert target.requests == 4  # read, then apply's read and write, then read


def test_an_unchanged_card_keeps_its_own_formatting(tmp_path: Path) -> None:
    odd = "- [X]   Odd  spacing   #b   #a ^ps-4444444444444444\n  two-space note\n"
    text = BOARD.replace("- [x] Another goal ^ps-1111111111111111\n", odd)
    target = adapter(tmp_path, text)
    seen = target.read().items
    assert seen["4444444444444444"].item.title == "Odd  spacing"
    (outcome,) = target.apply([update_from(seen[GOAL], done=True)])
    assert isinstance(outcome, Written)
    assert odd in file(tmp_path)
    # An update that changes nothing is not written at all.
    mtime = (tmp_path / "board.md").stat().st_mtime_ns
    requests = target.requests
    seen = target.read().items
    target.apply([update_from(seen["4444444444444444"])])
    assert (tmp_path / "board.md").stat().st_mtime_ns == mtime
    assert target.requests == requests + 2


def test_archive_moves_under_archive_and_restore_moves_back(tmp_path: Path) -> None:
    target = adapter(tmp_path)
    seen = target.read().items
    target.apply([update_from(seen[PROBLEM], archived=True)])
    text = file(tmp_path)
    archive = text.index("## Archive")
    assert text.index("Weekly report arrives late") > archive
    assert "\t- [ ] Why 1? the data export" in text[archive:]
    seen = target.read().items
    assert seen[PROBLEM].item.archived and not seen[PROBLEM].kind_known
    # The engine keeps the kind; restoring puts the card back under its kind's heading.
    restored = Update(
        PROBLEM,
        PROBLEM,
        seen[PROBLEM].item.with_(kind=Kind.PROBLEM, archived=False),
        seen[PROBLEM].item,
        seen[PROBLEM].version,
    )
    target.apply([restored])
    text = file(tmp_path)
    assert (
        text.index("## Problems")
        < text.index("Weekly report arrives late")
        < text.index("## Archive")
    )
    assert target.read().items[PROBLEM].item.kind == Kind.PROBLEM


def test_kind_change_moves_the_card_to_an_existing_or_new_heading(tmp_path: Path) -> None:
    target = adapter(tmp_path, SAMPLE)
    seen = target.read().items
    target.apply(
        [
            update_from(seen[OTHER_GOAL], kind=Kind.DECISION),
            update_from(seen[GOAL], kind=Kind.PROBLEM),
        ]
    )
    text = file(tmp_path)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    # Decisions is added for its card; Actions, which nothing needs, is not.
    assert headings == ["## Goals", "## Decisions", "## Problems", "## Archive"]
    assert (
        text.index("## Decisions")
        < text.index("- [x] Another goal ^ps-1111")
        < text.index("## Problems")
    )
    items = target.read().items
    assert items[OTHER_GOAL].item.kind == Kind.DECISION
    assert items[GOAL].item.kind == Kind.PROBLEM
    assert items[GOAL].item.notes == "Notes line one\nNotes line two"


def test_a_line_a_person_added_gets_its_marker_and_keeps_its_bytes(tmp_path: Path) -> None:
    text = BOARD.replace("## Problems\n\n", "## Problems\n\n- [ ]  Printer jams #ops  \n")
    target = adapter(tmp_path, text)
    (new,) = [i for i in target.read().items.values() if i.item_id is None]
    (outcome,) = target.apply([update_from(new, item_id="abcdefabcdefabcd")])
    assert isinstance(outcome, Written) and outcome.remote_id == "abcdefabcdefabcd"
    assert file(tmp_path) == text.replace("#ops  \n", "#ops   ^ps-abcdefabcdefabcd\n")
    seen = target.read().items["abcdefabcdefabcd"]
    assert (seen.item_id, seen.item.title, seen.version) == (
        "abcdefabcdefabcd",
        "Printer jams",
        outcome.version,
    )


def test_a_new_lines_id_survives_lines_added_above_it(tmp_path: Path) -> None:
    text = BOARD.replace("## Actions\n\n", "## Actions\n\n- [ ] Renew passport\n")
    target = adapter(tmp_path, text)
    (new,) = [i for i in target.read().items.values() if i.item_id is None]
    (tmp_path / "board.md").write_text(
        text.replace("## Actions\n\n", "## Actions\n\n- [ ] Buy gift\n")
    )
    (outcome,) = target.apply([update_from(new, item_id="abcdefabcdefabcd")])
    assert isinstance(outcome, Written)
    assert "- [ ] Buy gift\n- [ ] Renew passport ^ps-abcdefabcdefabcd\n" in file(tmp_path)


def test_a_copied_line_is_new_and_the_original_keeps_the_id(tmp_path: Path) -> None:
    line = "- [x] Another goal ^ps-1111111111111111\n"
    text = BOARD.replace("## Archive\n\n", "## Archive\n\n" + line.replace("[x]", "[ ]"))
    target = adapter(tmp_path, text)
    items = target.read().items
    assert items[OTHER_GOAL].item.kind == Kind.GOAL
    (copy,) = [i for i in items.values() if i.item_id is None]
    assert copy.item.archived and copy.item.title == "Another goal"
    target.apply([update_from(copy, item_id="cccccccccccccccc")])
    items = target.read().items
    assert items["cccccccccccccccc"].item.archived
    assert items[OTHER_GOAL].item.done and not items[OTHER_GOAL].item.archived


def test_a_save_between_read_and_apply_is_not_overwritten(tmp_path: Path) -> None:
    target = adapter(tmp_path)
    seen = target.read().items
    persons = BOARD.replace("Weekly report arrives late", "Weekly report is late again")
    (tmp_path / "board.md").write_text(persons)
    outcomes = target.apply(
        [
            update_from(seen[PROBLEM], title="Weekly report: root cause found"),
            update_from(seen[OTHER_GOAL], done=False),
            Create("dddddddddddddddd", Item(Kind.ACTION, "Call the printer vendor")),
        ]
    )
    assert [getattr(o, "error", None) for o in outcomes] == [CHANGED, None, None]
    text = file(tmp_path)
    assert "Weekly report is late again" in text and "root cause found" not in text
    items = target.read().items
    assert not items[OTHER_GOAL].item.done
    assert items["dddddddddddddddd"].item.title == "Call the printer vendor"


def test_a_create_sent_twice_makes_one_card(tmp_path: Path) -> None:
    target = adapter(tmp_path)
    create = Create("eeeeeeeeeeeeeeee", Item(Kind.DECISION, "Hire a second EA"))
    first = target.apply([create])
    second = target.apply([create])
    assert file(tmp_path).count("Hire a second EA") == 1
    assert first[0].version == second[0].version


def test_ten_thousand_items_read_and_update(tmp_path: Path) -> None:
    """Correctness at size; the time it takes is measured in bench/, not here."""
    cards = "".join(f"- [ ] Item {n} #q4 ^ps-{n:016x}\n\tnote {n}\n" for n in range(10_000))
    target = adapter(tmp_path, f"## Actions\n\n{cards}")
    seen = target.read().items
    outcomes = target.apply(
        [update_from(seen[f"{n:016x}"], done=True) for n in range(0, 10_000, 1000)]
    )
    assert all(isinstance(o, Written) for o in outcomes) and len(seen) == 10_000
    assert sum(c.item.done for c in target.read().items.values()) == 10


kinds = st.sampled_from([*BASE_KINDS, None])


@given(st.lists(kinds.flatmap(card_in), min_size=1, max_size=6), st.data())
def test_items_written_are_read_back_the_same(cards: list[Card], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as directory:
        target = adapter(Path(directory), None)
        ids = [f"{n:016x}" for n in range(len(cards))]
        creates = [Create(i, c.item) for i, c in zip(ids, cards, strict=True)]
        assert all(isinstance(o, Written) for o in target.apply(creates))
        seen = target.read().items
        assert [seen[i].item for i in ids] == [c.item for c in cards]
        # Every item replaced by another one (of any kind, archived or not).
        again = [data.draw(kinds.flatmap(card_in)).item for _ in ids]
        outcomes = target.apply(
            [
                Update(i, i, item, seen[i].item, seen[i].version)
                for i, item in zip(ids, again, strict=True)
            ]
        )
        assert all(isinstance(o, Written) for o in outcomes)
        seen = target.read().items
        assert [seen[i].item for i in ids] == again
        assert [seen[i].version for i in ids] == [o.version for o in outcomes]


class SomedayHeading:
    """A heading of the file that is no kind's: a person's own part of the board."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, title: str) -> None:
        text = self.path.read_text() if self.path.exists() else ""
        self.path.write_text(f"{text}## Someday\n\n- [ ] {title}\n\tits note\n\n")

    def state(self) -> str:
        text = self.path.read_text()
        start = text.index("## Someday")
        end = text.find("\n## ", start)
        return text[start : end if end >= 0 else None].rstrip("\n")


class TestMarkdownContract(AdapterContract):
    adapter_class = MarkdownAdapter

    @pytest.fixture
    def make_adapter(self, tmp_path: Path) -> MakeAdapter:
        return lambda: adapter(tmp_path, None)

    @pytest.fixture
    def outside(self, tmp_path: Path) -> SomedayHeading:
        return SomedayHeading(tmp_path / "board.md")

    @pytest.fixture
    def failures(self, tmp_path: Path) -> dict[str, Callable[[], Adapter]]:
        (tmp_path / "dir.md").mkdir()
        return {
            "a folder where the file should be": lambda: adapter(tmp_path, None, "dir.md"),
            "a folder that does not exist": lambda: adapter(tmp_path, None, "none/board.md"),
        }
