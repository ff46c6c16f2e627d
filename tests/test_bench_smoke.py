"""`python -m bench --quick`: the bench still runs end to end through the real engine, the
simulators and the `pairsync` command, and its tiny-size figures already meet the request
floors (a regression in an adapter's request count fails here, not only in the bench)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.trello.sim.server import TrelloSimulator
from bench.rigs import rig
from bench.run import loaded, main


@pytest.mark.slow
def test_quick_bench_writes_the_table_with_the_machine(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    assert main(["--quick", "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    for fact in ("- CPU: ", "- cores: ", "- RAM: ", "- Python: CPython 3.", "- date: "):
        assert fact in text
    rows = {
        cells[0]: cells[1:]
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| figure")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    for name in ("Markdown", "Trello", "Asana", "Notion"):
        assert rows[f"{name}, N = 20: settled rerun, no change"][1:] == ["1", "1.00", "yes"]
        assert rows[f"{name}, N = 20: run after k = 3 changes"][3] == "yes"
    assert rows["Trello, N = 20: first push (requests)"][3] == "yes"
    paced = [figure for figure in rows if "under" in figure and "clock x" in figure]
    assert len(paced) == 6  # time and 429 answers, per service (Trello, Asana, Notion)
    assert all(rows[f][1] == "0" for f in paced if f.endswith("answered 429"))
    for figure in ("Targets in parallel: ", "Shared key: ", "Pairs per machine: "):
        assert any(f.startswith(figure) for f in rows), figure
    assert any(f.startswith("Targets in parallel: a pair whose 3 targets each") for f in rows)
    push = [figure for figure in rows if figure.startswith("First push: 3 pairs x 8 items")]
    assert len(push) == 4
    assert all(rows[f][1] == "Trello 0, Asana 0" for f in push if f.endswith("answered 429"))
    assert any(figure.startswith("Scale: `--config-dir`, 3 pairs") for figure in rows)
    for name in ("OneNote", "Evernote"):
        prefix = f"{name}, 3 documents (decisions log, 2 Five Whys):"
        assert rows[f"{prefix} settled run, no change"][1:] == ["1", "1.00", "yes"]
        assert rows[f"{prefix} run right after it"][1:] == ["1", "1.00", "yes"]


def test_trello_writes_without_a_read_only_while_trello_is_quiet() -> None:
    """A run that only retitles skips Trello's board read when nothing happened in Trello
    since the last one (1 + k requests); after a person's edit there it reads first, and
    neither the person's edit nor the retitle is lost."""
    with rig("trello") as bench_rig:
        bench_rig.type_items(8)
        bench_rig.sync()
        bench_rig.sync()  # reads pairsync's own writes: Trello is quiet from here
        bench_rig.edit_items(2)
        assert bench_rig.sync().requests == 1 + 2
        bench_rig.sync()

        sim, board = bench_rig.sim, bench_rig.target.board_id
        assert isinstance(sim, TrelloSimulator) and isinstance(board, str)
        card = next(c for c in sim.cards(board, "Decisions") if c.name.startswith("Item number 1 "))
        sim.person.edit_card(card.id, dueComplete=True)
        bench_rig.edit_items(2)
        assert bench_rig.sync().requests == 2 + 2  # the check, the board read, two PUTs
        card = sim.backend.card(sim.member, card.id)[1]
        assert (card.name.endswith(" (2) (2)"), card.dueComplete) == (True, True)
        assert bench_rig.source.items["typed-1"].item.done


def test_the_header_says_when_other_work_shared_the_cpu() -> None:
    assert loaded(0.4, 1.9, 2) == ""
    assert loaded(6.0, 17.2, 2) == (
        " on a loaded machine (load average 6 before, 17 after, on 2 cores: other work shared "
        "the CPU, so times are pessimistic; request counts are not affected)"
    )
