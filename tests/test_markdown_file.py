"""The Markdown board as a file: made with its front matter, headings and settings; a
person's other content kept byte for byte, CRLF kept CRLF; written atomically, keeping its
mode and its symlink; a path that cannot be read or written said in one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sync.contract import Create
from sync.errors import TargetRejected
from sync.model import Item, Kind, Step
from tests.contract import update_from
from tests.test_adapter_markdown import GOAL, PROBLEM, adapter, file
from tests.test_markdown_board import SAMPLE


def test_create_makes_the_file_with_front_matter_headings_and_settings(tmp_path: Path) -> None:
    target = adapter(tmp_path, None, "vault-board.md")
    assert target.read().items == {}
    problem = Item(Kind.PROBLEM, "Churn up", notes="see Q3 deck", steps=(Step("Why 1?"),))
    outcomes = target.apply([Create(GOAL, Item(Kind.GOAL, "Grow")), Create(PROBLEM, problem)])
    text = (tmp_path / "vault-board.md").read_text()
    assert text.startswith(
        "---\nkanban-plugin: basic\n---\n\n## Goals\n\n- [ ] Grow ^ps-0123456789abcdef\n"
    )
    assert text.endswith(
        '## Archive\n\n%% kanban:settings\n```\n{"kanban-plugin":"basic"}\n```\n%%\n'
    )
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Goals",
        "## Decisions",
        "## Problems",
        "## Actions",
        "## Archive",
    ]
    items = target.read().items
    assert items[PROBLEM].item == problem
    assert [o.version for o in outcomes] == [items[GOAL].version, items[PROBLEM].version]


def test_foreign_content_is_kept_byte_for_byte(tmp_path: Path) -> None:
    foreign_top = (
        "---\nkanban-plugin: basic\ncssclass: wide  \n---\n\n# Dana & Lee\r\nFree text *here*.\n\n"
    )
    someday = "## Someday\n\n- [ ] not ours, never read ^ps-9999999999999999\n\tits note\n\n"
    code = "```\n- [ ] a code line\n```\n"
    text = (
        foreign_top + "## Goals\n\n" + code + "- [ ] Grow ^ps-0123456789abcdef\n\n"
        "### A person's sub heading\n\n"
        + someday
        + "## Archive\n\n%% kanban:settings\n```\n{}\n```\n%%"
    )
    target = adapter(tmp_path, text)
    seen = target.read().items
    assert set(seen) == {GOAL}
    target.apply([update_from(seen[GOAL], archived=True), Create(PROBLEM, Item(Kind.PROBLEM, "p"))])
    after = file(tmp_path)
    assert after.startswith(
        foreign_top + "## Goals\n\n" + code + "\n### A person's sub heading\n\n"
    )
    assert someday in after
    assert after.endswith("- [ ] Grow ^ps-0123456789abcdef\n\n%% kanban:settings\n```\n{}\n```\n%%")
    assert "9999999999999999" not in target.read().items


def test_crlf_files_stay_crlf(tmp_path: Path) -> None:
    target = adapter(tmp_path, SAMPLE.replace("\n", "\r\n"))
    seen = target.read().items
    target.apply(
        [update_from(seen[GOAL], notes="one\ntwo"), Create(PROBLEM + "0", Item(Kind.ACTION, "a"))][
            :1
        ]
    )
    raw = (tmp_path / "board.md").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert target.read().items[GOAL].item.notes == "one\ntwo"


def test_the_write_is_atomic_keeps_the_mode_and_follows_a_symlink(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "board.md").write_text(SAMPLE)
    (vault / "board.md").chmod(0o640)
    (tmp_path / "board.md").symlink_to(vault / "board.md")
    target = adapter(tmp_path, None)
    seen = target.read().items
    target.apply([update_from(seen[GOAL], title="Grow EMEA revenue 25%")])
    assert (tmp_path / "board.md").is_symlink()
    assert "25%" in (vault / "board.md").read_text()
    assert (vault / "board.md").stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(vault)) == ["board.md"]


def test_a_path_that_cannot_be_written_is_rejected_in_one_line(tmp_path: Path) -> None:
    target = adapter(tmp_path, None, "no-such-dir/board.md")
    assert target.check()[0].ok is False
    (outcome,) = target.apply([Create(GOAL, Item(Kind.GOAL, "Grow"))])
    assert outcome.error == (
        f"cannot write {tmp_path}/no-such-dir/board.md: No such file or directory"
    )
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(TargetRejected, match=r"^notes: cannot read .*dir\.md: Is a directory$"):
        adapter(tmp_path, None, "dir.md").read()
    assert os.listdir(tmp_path) == ["dir.md"]


def test_check_reads_the_file_or_says_it_will_be_created(tmp_path: Path) -> None:
    lines = adapter(tmp_path).check()
    assert [(c.what, c.ok) for c in lines] == [("read", True), ("write", True)]
    assert "4 items in scope" in lines[0].detail
    (line,) = adapter(tmp_path, None, "new.md").check()
    assert line.ok and "will be created" in line.detail
