"""The Asana adapter against the simulator over HTTP, with the official SDK in between."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from adapters.asana.adapter import AsanaAdapter
from adapters.asana.sim.server import AsanaSimulator, World
from adapters.base import Adapter
from adapters.retry import UNCERTAIN
from sync.contract import Create, Update, Written, add_footer, new_item_id, split_footer
from sync.errors import TargetRejected, TargetUnavailable
from sync.model import Item, Kind, Owner, Step
from tests.contract import FIVE_WHYS, AdapterContract, MakeAdapter, push, update_from

KINDS = (Kind.GOAL, Kind.DECISION, Kind.PROBLEM, Kind.ACTION)


def board(count: int) -> list[Create]:
    """`count` items, a quarter of them problems with the Five Whys."""
    return [
        Create(
            new_item_id(),
            Item(
                kind=KINDS[i % 4],
                title=f"item {i}",
                notes=f"notes {i}",
                due=date(2025, 1, 1 + i % 28) if i % 5 == 0 else None,
                owner=Owner.EXECUTIVE if i % 2 else None,
                labels=frozenset({"Stale"}) if i % 7 == 0 else frozenset(),
                steps=FIVE_WHYS if KINDS[i % 4] is Kind.PROBLEM else (),
            ),
        )
        for i in range(count)
    ]


def push_board(adapter, creates):
    """The contract's `push`, told as these tests need it: the cursor of the read before
    the writes, and task gid -> the create that made it."""
    cursor = adapter.read().cursor
    linked = push(adapter, creates)
    return cursor, {linked[c.item_id]: c for c in creates}


def test_first_push_creates_sections_tags_tasks_and_subtasks(asana_sim, asana_world, asana_adapter):
    creates = board(8)
    _, pushed = push_board(asana_adapter, creates)
    project = asana_sim.backend.projects[asana_world.project_gid]
    names = [asana_sim.backend.sections[s].name for s in project.sections]
    assert names == ["Goals", "Decisions", "Problems", "Actions"]
    problem_gid = next(gid for gid, c in pushed.items() if c.item.kind is Kind.PROBLEM)
    problem = asana_sim.person.task(problem_gid)
    assert [s.name for s in problem.subtasks] == [s.text for s in FIVE_WHYS]
    assert {t.name for t in asana_sim.person.task(next(iter(pushed))).tags} == {"Stale"}
    assert split_footer(problem.notes) == ("notes 2", pushed[problem_gid].item_id)


def test_a_persons_edits_reach_the_next_read(asana_sim, asana_world, asana_adapter):
    cursor, pushed = push_board(asana_adapter, board(8))
    cursor = asana_adapter.read(cursor).cursor  # our own writes' echo
    gids = list(pushed)
    person = asana_sim.person
    person.edit(gids[0], name="Grow ARR 30%", notes=add_footer("by Q4", pushed[gids[0]].item_id))
    person.complete(gids[1])
    person.move(gids[3], "Decisions")
    person.delete(gids[4])
    person.tag(gids[5], "urgent")
    person.tick_subtask(person.task(gids[6]).subtasks[1].gid)

    snapshot = asana_adapter.read(cursor)
    assert not snapshot.complete and snapshot.gone == {gids[4]}
    items = {gid: r.item for gid, r in snapshot.items.items()}
    assert set(items) == {gids[0], gids[1], gids[3], gids[5], gids[6]}
    assert (items[gids[0]].title, items[gids[0]].notes) == ("Grow ARR 30%", "by Q4")
    assert items[gids[1]].done
    assert items[gids[3]].kind is Kind.DECISION
    assert items[gids[5]].labels == {"urgent"}
    assert [s.done for s in items[gids[6]].steps][:3] == [False, True, False]
    assert snapshot.items[gids[0]].item_id == pushed[gids[0]].item_id


def test_no_change_rerun_costs_one_request(asana_adapter):
    cursor, _ = push_board(asana_adapter, board(8))
    cursor = asana_adapter.read(cursor).cursor
    before = asana_adapter.requests
    snapshot = asana_adapter.read(cursor)
    assert (snapshot.items, snapshot.complete, asana_adapter.requests - before) == ({}, False, 1)


def test_five_changed_items_cost_one_read_plus_their_writes(asana_sim, asana_adapter):
    cursor, pushed = push_board(asana_adapter, board(40))
    snapshot = asana_adapter.read(cursor)
    cursor = asana_adapter.read(snapshot.cursor).cursor
    actions = [gid for gid, c in pushed.items() if c.item.kind is Kind.ACTION][:5]
    for gid in actions:
        asana_sim.person.edit(gid, name=f"edited {gid}")
    before = asana_adapter.requests
    changed = asana_adapter.read(cursor)
    assert set(changed.items) == set(actions)
    assert asana_adapter.requests - before == 2  # the events, then one modified_since list
    before = asana_adapter.requests
    outcomes = asana_adapter.apply([update_from(r, done=True) for r in changed.items.values()])
    assert all(isinstance(o, Written) for o in outcomes) and asana_adapter.requests - before == 5
    assert all(asana_sim.person.task(gid).completed for gid in actions)


def test_update_writes_only_what_differs(asana_sim, asana_adapter):
    _, pushed = push_board(asana_adapter, board(3))
    remote = asana_adapter.read().items[next(iter(pushed))]
    asana_sim.stats.requests.clear()
    asana_adapter.apply([update_from(remote, due=date(2030, 5, 1))])
    assert dict(asana_sim.stats.requests) == {"PUT /api/1.0/tasks/<task_gid>": 1}
    assert asana_sim.person.task(remote.remote_id).due_on == "2030-05-01"


def test_archive_and_restore(asana_sim, asana_adapter):
    _, pushed = push_board(asana_adapter, board(3))
    gid = next(iter(pushed))
    remote = asana_adapter.read().items[gid]
    asana_adapter.apply([update_from(remote, archived=True)])
    archived = asana_adapter.read().items[gid]
    assert archived.item.archived and not archived.kind_known
    task = asana_sim.person.task(gid)
    assert (
        task.completed
        and asana_sim.backend.sections[task.memberships[remote_project(task)]].name == "Archive"
    )
    restore = Update(
        archived.item_id,
        gid,
        remote.item,
        archived.item.with_(kind=remote.item.kind),
        archived.version,
    )
    asana_adapter.apply([restore])
    back = asana_adapter.read().items[gid]
    assert back.item == remote.item and back.kind_known and not asana_sim.person.task(gid).completed


def remote_project(task) -> str:
    return next(iter(task.memberships))


def test_moves_keep_memberships_in_other_projects(asana_sim, asana_world, asana_adapter):
    _, pushed = push_board(asana_adapter, board(1))
    (gid,) = pushed
    other = asana_sim.backend.create_project(
        asana_sim.backend.workspaces[asana_world.workspace_gid], "Team"
    )
    asana_sim.person.add_to_project(gid, other.gid, "Doing")
    remote = asana_adapter.read().items[gid]
    asana_adapter.apply([update_from(remote, kind=Kind.ACTION)])
    task = asana_sim.person.task(gid)
    assert asana_sim.backend.sections[task.memberships[other.gid] or ""].name == "Doing"
    assert (
        asana_sim.backend.sections[task.memberships[asana_world.project_gid] or ""].name
        == "Actions"
    )


def test_a_persons_task_in_a_mapped_section_is_read_without_item_id(
    asana_sim, asana_world, asana_adapter
):
    task = asana_sim.person.create_task(asana_world.project_gid, "Goals", "Open Berlin office")
    remote = asana_adapter.read().items[task.gid]
    assert (remote.item.title, remote.item.kind, remote.item_id) == (
        "Open Berlin office",
        Kind.GOAL,
        None,
    )


def test_expired_sync_token_falls_back_to_one_full_read(asana_sim, asana_adapter):
    cursor, pushed = push_board(asana_adapter, board(4))
    asana_sim.backend.expire_sync_tokens()
    snapshot = asana_adapter.read(cursor)
    assert snapshot.complete and set(snapshot.items) == set(pushed) and snapshot.cursor != cursor


def test_steps_tick_both_ways(asana_sim, asana_adapter):
    _, pushed = push_board(asana_adapter, board(3))
    gid = next(g for g, c in pushed.items() if c.item.kind is Kind.PROBLEM)
    remote = asana_adapter.read().items[gid]
    steps = (Step("We agree: churn is up", True), *remote.item.steps[1:])
    asana_adapter.apply([update_from(remote, steps=steps)])
    first = asana_sim.person.task(gid).subtasks[0]
    assert (first.name, first.completed) == ("We agree: churn is up", True)


def test_300_items_fit_the_rate_limit_without_an_error(make_asana_sim, make_asana_adapter):
    sim = make_asana_sim(speed=60.0)  # Asana's minute passes in a real second
    world = sim.seed()
    adapter = make_asana_adapter(sim, world)
    for _ in range(150):  # another client of this token used up the current minute
        sim.app.limiter.admit(world.token)
    creates = [Create(new_item_id(), Item(Kind.ACTION, f"a{i}")) for i in range(300)]
    _, pushed = push_board(adapter, creates)
    assert adapter.client.throttled > 0  # it did hit the limit and waited
    assert len(sim.backend.tasks) == len(pushed) == 300


def test_5xx_bursts_are_retried(asana_sim, asana_adapter):
    asana_sim.faults.fail_next = 3
    _, pushed = push_board(asana_adapter, board(2))
    assert len(pushed) == 2 and len(asana_sim.backend.tasks) == 2


def test_endless_5xx_is_target_unavailable(asana_sim, asana_adapter):
    asana_sim.faults.fail_next = 100
    with pytest.raises(
        TargetUnavailable, match=r"^exec-asana: server error \(503\) after 6 attempts$"
    ):
        asana_adapter.read()


def test_dropped_create_is_never_posted_twice(
    make_asana_adapter, asana_sim, asana_world, asana_adapter
):
    (first,) = board(1)
    create = Create(new_item_id(), first.item.with_(title="second"))
    push_board(asana_adapter, [first])  # sections and tags exist: the next apply is one POST
    asana_sim.faults.drop_after_write_next = 1
    (outcome,) = asana_adapter.apply([create])
    assert outcome.error == UNCERTAIN
    assert len(asana_sim.backend.tasks) == 2
    relinked = make_asana_adapter(asana_sim, asana_world).read()
    ids = sorted(r.item_id for r in relinked.items.values())
    assert ids == sorted([first.item_id, create.item_id])


def test_a_dropped_read_is_retried(asana_sim, asana_adapter):
    push_board(asana_adapter, board(3))
    asana_sim.faults.drop_next = 2
    assert len(asana_adapter.read().items) == 3


def test_a_footer_a_person_deleted_is_written_back(asana_sim, asana_adapter):
    _, pushed = push_board(asana_adapter, board(1))
    (gid,) = pushed
    asana_sim.person.edit(gid, notes="rewritten by hand")
    remote = asana_adapter.read().items[gid]
    assert remote.item_id is None
    change = Update(  # the planner marks it: the read showed no footer
        pushed[gid].item_id,
        gid,
        remote.item.with_(title="t2"),
        remote.item,
        remote.version,
        relink=True,
    )
    asana_adapter.apply([change])
    assert split_footer(asana_sim.person.task(gid).notes) == (
        "rewritten by hand",
        pushed[gid].item_id,
    )


def test_rejected_token_names_the_target_and_hides_the_token(
    make_asana_adapter, asana_sim, asana_world
):
    adapter = make_asana_adapter(asana_sim, asana_world, token="secret-wrong-token")
    with pytest.raises(TargetRejected) as caught:
        adapter.read()
    assert str(caught.value) == "exec-asana: token rejected (401)"
    assert "secret-wrong-token" not in repr(adapter.config) + repr(caught.value)


def test_unknown_project_is_rejected(make_asana_adapter, asana_sim, asana_world):
    adapter = make_asana_adapter(asana_sim, asana_world, project_gid="42")
    with pytest.raises(TargetRejected, match=r"^exec-asana: project 42 not found \(404\)$"):
        adapter.read()


def test_check_reports_token_project_sections_and_headroom(
    asana_adapter, make_asana_adapter, asana_sim, asana_world
):
    lines = {line.what: line for line in asana_adapter.check()}
    assert all(line.ok for line in lines.values())
    assert lines["sections"].detail.startswith("missing, created on first sync: Goals")
    bad = make_asana_adapter(asana_sim, asana_world, token="nope").check()
    assert [(line.ok, line.detail) for line in bad] == [(False, "exec-asana: token rejected (401)")]


def test_steps_ticked_on_several_problems_are_read_with_one_listing(asana_sim, asana_adapter):
    cursor, pushed = push_board(asana_adapter, board(12))
    cursor = asana_adapter.read(cursor).cursor
    problems = [gid for gid, c in pushed.items() if c.item.kind is Kind.PROBLEM]
    for gid in problems:
        asana_sim.person.tick_subtask(asana_sim.person.task(gid).subtasks[0].gid)
    before = asana_adapter.requests
    snapshot = asana_adapter.read(cursor)
    assert set(snapshot.items) == set(problems)
    assert all(r.item.steps[0].done for r in snapshot.items.values())
    assert asana_adapter.requests - before == 1 + 1 + len(problems)  # events, list, subtasks


class BacklogSection:
    """A section of the project that is no kind's: the rest of the team's project."""

    def __init__(self, sim: AsanaSimulator, world: World) -> None:
        self.person, self.project = sim.person, world.project_gid

    def add(self, title: str) -> None:
        self.person.create_task(self.project, "Backlog", title, notes="the team's")

    def state(self) -> object:
        return [
            (t.gid, t.name, t.notes, t.completed, t.modified_at, dict(t.memberships))
            for t in self.person.tasks(self.project, "Backlog")
        ]


class TestAsanaContract(AdapterContract):
    adapter_class = AsanaAdapter

    @pytest.fixture
    def make_adapter(self, make_asana_adapter, asana_sim, asana_world) -> MakeAdapter:
        return lambda: make_asana_adapter(asana_sim, asana_world)

    @pytest.fixture
    def outside(self, asana_sim: AsanaSimulator, asana_world: World) -> BacklogSection:
        return BacklogSection(asana_sim, asana_world)

    @pytest.fixture
    def failures(
        self, make_asana_adapter, asana_sim: AsanaSimulator, asana_world: World
    ) -> dict[str, Callable[[], Adapter]]:
        def down() -> Adapter:
            asana_sim.faults.fail_next = 1000
            return make_asana_adapter(asana_sim, asana_world)

        return {
            "a token Asana rejects (401)": lambda: make_asana_adapter(
                asana_sim, asana_world, token="secret-wrong-token"
            ),
            "Asana answering 503": down,
        }
