"""`bench.clones`: a clone of a settled pair is a settled pair of its own to pairsync. Its
run makes the settled pair's 2 requests and writes nothing, and a person's edit in the
clone's Trello board or Asana project reaches the clone's Markdown file alone."""

from __future__ import annotations

import tomllib

from adapters.trello.sim.server import Person
from bench import fleet
from bench.child import sync_dir


def test_clones_of_settled_pairs_sync_as_settled_pairs() -> None:
    many = fleet.per_machine(pairs=6, latency=0.0, real=2)
    assert (many.real, many.requests, many.throttled) == (2, 2 * 6, 0)
    assert (many.finished, many.writes, many.changed) == (6, 0, 0)
    assert many.settled


def test_an_edit_in_a_clones_tools_reaches_the_clones_file_alone() -> None:
    with fleet.fleet(1, 10, one_key=False) as (sims, folder, sources):
        sync_dir(folder)
        sync_dir(folder)
        fleet._clone(sims, folder, sources, 2, nice=0)
        clone = tomllib.loads((folder / "pair-0002.toml").read_text())
        trello, asana = clone["targets"][1], clone["targets"][2]
        source = tomllib.loads(sources[0].read_text())
        assert trello["board_id"] != source["targets"][1]["board_id"]
        assert asana["project_gid"] != source["targets"][2]["project_gid"]

        board = sims.trello.board(trello["board_id"])
        card = next(c for c in board.cards.values() if c.name.startswith("Item number 1 "))
        Person(sims.trello, sims.trello.backend.tokens[trello["token"]]).edit_card(
            card.id, name="Renamed in the clone's Trello"
        )
        person = sims.asana.person_of(asana["token"])
        task = next(
            t for t in person.tasks(asana["project_gid"]) if t.name.startswith("Item number 5 ")
        )
        person.edit(task.gid, name="Renamed in the clone's Asana")
        sync_dir(folder)

        boards = {path.stem: path.read_text() for path in (folder / "boards").glob("*.md")}
        assert "Renamed in the clone's Trello" in boards["pair-0002"]
        assert "Renamed in the clone's Asana" in boards["pair-0002"]
        others = [text for name, text in boards.items() if name != "pair-0002"]
        assert len(others) == 2 and not any("Renamed" in text for text in others)
        assert fleet.settled_runs(folder, 3) == (3, 1)
