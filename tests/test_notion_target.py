"""The Notion target beyond the contract: request counts per run, minute-rounded change
detection, trash and restore, a person's blocks, the limits, faults, check and init."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.notion.adapter import FREE_PLAN, NotionAdapter
from adapters.notion.mapping import PIECE
from adapters.notion.sim.server import NotionSimulator, World
from sync.contract import Create, Failed, Written, new_item_id
from tests.contract import FIVE_WHYS, SAMPLE, by_item_id, push, update_from


def pushed(adapter: NotionAdapter, count: int = 8) -> tuple[str | None, dict[str, str]]:
    """A first push of `count` items; the cursor the engine would store after it."""
    snapshot = adapter.read()
    creates = [Create(new_item_id(), SAMPLE[i % 4].with_(title=f"item {i}")) for i in range(count)]
    outcomes = adapter.apply(creates)
    assert all(isinstance(o, Written) for o in outcomes), outcomes
    linked = {o.change.item_id: str(o.remote_id) for o in outcomes}
    return adapter.after_writes(snapshot).cursor, linked


def at_a_minutes_start(sim: NotionSimulator) -> None:
    """Move the simulator's clock on to one second past the next full minute, so that the
    edits of a test fall within one minute whatever the machine's speed."""
    now = sim.app.clock.now()
    sim.app.clock.offset += 61 - now % 60


def requests_of(sim: NotionSimulator, run) -> tuple[int, object]:
    before = sim.stats.total
    result = run()
    return sim.stats.total - before, result


def test_the_echo_run_and_the_settled_run_cost_one_request_each(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    cursor, _ = pushed(make_notion_adapter(notion_sim, notion_world))
    adapter = make_notion_adapter(notion_sim, notion_world)
    cost, echo = requests_of(notion_sim, lambda: adapter.read(cursor))
    assert (cost, echo.items, echo.gone) == (1, {}, frozenset()), "the echo is proven unread"
    cost, settled = requests_of(notion_sim, lambda: adapter.read(echo.cursor))
    assert (cost, settled.items) == (1, {})


def test_an_edit_in_the_same_minute_as_the_last_read_is_found(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    at_a_minutes_start(notion_sim)
    cursor, linked = pushed(make_notion_adapter(notion_sim, notion_world))
    adapter = make_notion_adapter(notion_sim, notion_world)
    after_echo = adapter.read(cursor).cursor
    page_id = next(iter(linked.values()))
    before = notion_sim.backend.pages[page_id].last_edited_time
    notion_sim.person.append(page_id, "paragraph", "a second line")  # same minute, body only
    assert notion_sim.backend.pages[page_id].last_edited_time // 60 == before // 60
    found = adapter.read(after_echo)
    assert found.items[page_id].item.notes.endswith("a second line")
    # read within its own minute: not settled yet, so the next run reads it once more
    again = adapter.read(found.cursor)
    assert set(again.items) <= {page_id}


def test_a_persons_second_edit_in_the_minute_of_the_read_is_found(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    """The read saw the person's first edit; the second shows the same minute, editor and
    properties: only a read of the blocks can tell, and it is made."""
    cursor, linked = pushed(make_notion_adapter(notion_sim, notion_world))
    adapter = make_notion_adapter(notion_sim, notion_world)
    cursor = adapter.read(cursor).cursor
    page_id = next(iter(linked.values()))
    at_a_minutes_start(notion_sim)
    notion_sim.person.set(page_id, Done=True)
    first = adapter.read(cursor)
    assert first.items[page_id].item.done
    minute = notion_sim.backend.pages[page_id].last_edited_time // 60
    notion_sim.person.append(page_id, "paragraph", "and a line typed just after")
    assert notion_sim.backend.pages[page_id].last_edited_time // 60 == minute
    second = adapter.read(first.cursor)
    assert second.items[page_id].item.notes.endswith("and a line typed just after")


def test_a_trashed_page_is_gone_and_a_restored_one_comes_back(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    cursor, linked = pushed(make_notion_adapter(notion_sim, notion_world), 4)
    adapter = make_notion_adapter(notion_sim, notion_world)
    cursor = adapter.read(cursor).cursor
    item_id, page_id = next(iter(linked.items()))
    notion_sim.person.trash(page_id)
    trashed = adapter.read(cursor)
    assert trashed.gone == {page_id} and page_id not in trashed.items
    assert page_id not in make_notion_adapter(notion_sim, notion_world).read().items
    notion_sim.person.restore(page_id)
    back = adapter.read(trashed.cursor)
    assert back.items[page_id].item_id == item_id and not back.items[page_id].item.archived


def test_pairsync_never_writes_to_a_trashed_page(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    """A page trashed between the read and the write: Notion refuses, one outcome says so."""
    adapter = make_notion_adapter(notion_sim, notion_world)
    create = Create(new_item_id(), SAMPLE[0])
    push(adapter, [create])
    remote = by_item_id(adapter)[create.item_id]
    notion_sim.person.trash(remote.remote_id)
    (outcome,) = adapter.apply([update_from(remote, title="x")])
    assert isinstance(outcome, Failed) and "archived" in outcome.error
    assert notion_sim.backend.pages[remote.remote_id].in_trash


def test_notes_are_rewritten_around_a_persons_blocks(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    adapter = make_notion_adapter(notion_sim, notion_world)
    create = Create(new_item_id(), SAMPLE[2].with_(notes="one\ntwo\nthree"))
    push(adapter, [create])
    page_id = by_item_id(adapter)[create.item_id].remote_id
    image = {"type": "external", "external": {"url": "https://example.com/a.png"}}
    notion_sim.person.append(page_id, "image", **image)
    notion_sim.person.append(page_id, "toggle", "my own toggle")
    fresh = make_notion_adapter(notion_sim, notion_world)
    remote = by_item_id(fresh)[create.item_id]
    (outcome,) = fresh.apply([update_from(remote, notes="one\n2\n")])
    assert isinstance(outcome, Written), outcome
    kinds = [kind for kind, _ in notion_sim.person.text(page_id)]
    assert kinds.count("image") == 1 and kinds.count("toggle") == 1
    assert by_item_id(make_notion_adapter(notion_sim, notion_world))[create.item_id].item.notes == (
        "one\n2"
    )


def test_long_texts_are_split_into_pieces_and_many_lines_into_appends(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    long_line = "x" * (PIECE * 3 + 17)
    notes = "\n".join([long_line, *(f"line {n}" for n in range(150))])
    title = "t" * (PIECE + 5)
    create = Create(new_item_id(), SAMPLE[0].with_(title=title, notes=notes))
    adapter = make_notion_adapter(notion_sim, notion_world)
    push(adapter, [create])
    seen = by_item_id(make_notion_adapter(notion_sim, notion_world))[create.item_id].item
    assert (seen.title, seen.notes) == (title, notes)
    appends = notion_sim.stats.requests["PATCH /v1/blocks/<block_id>/children"]
    assert appends == 1, "151 paragraphs: 100 with the page, 51 appended"


def test_a_full_free_workspace_is_one_line_naming_the_item(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    notion_sim.free_plan(members=2, blocks_used=995)
    adapter = make_notion_adapter(notion_sim, notion_world)
    adapter.read()
    creates = [Create(new_item_id(), SAMPLE[2].with_(title="Board reports are late"))]
    (outcome,) = adapter.apply(creates)
    assert outcome.error == FREE_PLAN


def test_a_persons_time_of_day_is_kept_when_the_day_changes(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    adapter = make_notion_adapter(notion_sim, notion_world)
    create = Create(new_item_id(), SAMPLE[0])
    push(adapter, [create])
    page_id = by_item_id(adapter)[create.item_id].remote_id
    notion_sim.backend.pages[page_id].properties["Due"] = {
        "date": {"start": "2027-03-31T17:00:00.000+00:00"}
    }
    fresh = make_notion_adapter(notion_sim, notion_world)
    (outcome,) = fresh.apply([update_from(by_item_id(fresh)[create.item_id], due=date(2027, 4, 2))])
    assert isinstance(outcome, Written), outcome
    assert (
        notion_sim.backend.pages[page_id]
        .properties["Due"]["date"]["start"]
        .startswith("2027-04-02T17:00")
    )


@pytest.mark.parametrize(
    "fault",
    [
        {"rate_limit_next": 2},
        {"fail_next": 2, "fail_status": 409},
        {"fail_next": 2, "fail_status": 529},
    ],
    ids=["429 with Retry-After", "409 conflict_error", "529 service_overload"],
)
def test_transient_answers_are_retried(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter, fault
) -> None:
    adapter = make_notion_adapter(notion_sim, notion_world)
    adapter.read()
    for key, value in fault.items():
        setattr(notion_sim.faults, key, value)
    (outcome,) = adapter.apply([Create(new_item_id(), SAMPLE[1])])
    assert isinstance(outcome, Written), outcome


def test_the_five_whys_are_a_heading_and_to_dos_ticked_in_place(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    adapter = make_notion_adapter(notion_sim, notion_world)
    create = Create(new_item_id(), SAMPLE[2])
    push(adapter, [create])
    page_id = by_item_id(adapter)[create.item_id].remote_id
    blocks = notion_sim.person.blocks(page_id)
    assert [b.type for b in blocks] == ["paragraph", "heading_2", *["to_do"] * len(FIVE_WHYS)]
    notion_sim.person.edit_block(blocks[3].id, checked=True)
    seen = by_item_id(make_notion_adapter(notion_sim, notion_world))[create.item_id]
    assert [s.done for s in seen.item.steps] == [False, True, *[False] * (len(FIVE_WHYS) - 2)]


def test_check_names_what_is_missing_and_init_lists_data_sources(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    adapter = make_notion_adapter(notion_sim, notion_world)
    lines = {line.what: line for line in adapter.check()}
    assert lines["token"].ok and lines["data source"].detail.startswith("Exec board (")
    assert lines["properties"].detail.startswith(
        "missing, created on first sync: Kind, Done, Due, Tags, pairsync, Kind option 'Goals'"
    )
    assert adapter.scopes() == [(notion_world.data_source_id, "Exec board")]


def test_k_changes_cost_the_query_and_k_writes_and_a_removed_property_is_made_again(
    notion_sim: NotionSimulator, notion_world: World, make_notion_adapter
) -> None:
    cursor, linked = pushed(make_notion_adapter(notion_sim, notion_world), 6)
    reader = make_notion_adapter(notion_sim, notion_world)
    snapshot = reader.read(cursor)
    cursor = reader.after_writes(snapshot).cursor
    remotes = by_item_id(make_notion_adapter(notion_sim, notion_world))
    changes = [
        update_from(remotes[i], title=f"retitled {n}") for n, i in enumerate(list(linked)[:3])
    ]
    adapter = make_notion_adapter(notion_sim, notion_world)
    cost, outcomes = requests_of(notion_sim, lambda: (adapter.read(cursor), adapter.apply(changes)))
    assert not any(isinstance(o, Failed) for o in outcomes[1]) and cost == 1 + 3
    # a person deletes the Done property: the next write makes it again and goes through
    with notion_sim.app.lock:
        del notion_sim.backend.sources[notion_world.data_source_id].properties["Done"]
    cursor = adapter.after_writes(outcomes[0]).cursor
    again = make_notion_adapter(notion_sim, notion_world)
    again.read(cursor)
    remote = by_item_id(make_notion_adapter(notion_sim, notion_world))[list(linked)[4]]
    (outcome,) = again.apply([update_from(remote, done=not remote.item.done)])
    assert not isinstance(outcome, Failed), outcome.error
    assert "Done" in notion_sim.backend.sources[notion_world.data_source_id].properties
