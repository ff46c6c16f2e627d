"""The contract every adapter passes (vdirsyncer's StorageTests): create, update each field,
archive, restore, re-link after lost state, scope, echo and errors, as the engine relies on
them. Each adapter's test file subclasses `AdapterContract` with three small fixtures;
tests/test_contracts_meta.py checks that every registered target type has one.

The fixtures a subclass gives:

- `make_adapter()`: a new adapter on the same target each call (a new one knows nothing,
  as after a lost state database);
- `outside`: the tool as a person sees it outside the mapped lists (`Outside`);
- `failures`: ways the target fails (a 401 or 5xx from the service, a file that cannot be
  written), each a callable that sets the fault up and returns an adapter that meets it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar, Protocol

import pytest
from pydantic import SecretStr

from adapters.base import Adapter
from sync.config import DEFAULT_FIVE_WHYS
from sync.contract import (
    OPTIONAL_LISTS,
    AdapterContext,
    Create,
    RemoteItem,
    Update,
    Written,
    new_item_id,
)
from sync.errors import TargetError
from sync.model import Item, Kind, Owner, Step
from sync.run.report import not_written_lines

FIVE_WHYS = tuple(Step(text) for text in DEFAULT_FIVE_WHYS)
MakeAdapter = Callable[[], Adapter]


class Outside(Protocol):
    """The part of a tool pairsync must never read or write."""

    def add(self, title: str) -> None:
        """Make an item there, as a person would (a card in an unmapped list, ...)."""

    def state(self) -> object:
        """Everything there, comparable: equal before and after a sync means untouched."""


def push(adapter: Adapter, creates: list[Create]) -> dict[str, str]:
    """Read, then apply creates as the engine does; all must succeed. Item id -> remote id."""
    adapter.read()
    outcomes = adapter.apply(creates)
    assert all(isinstance(o, Written) for o in outcomes), outcomes
    return {o.change.item_id: o.remote_id for o in outcomes if o.remote_id}


def update_from(remote: RemoteItem, item_id: str | None = None, **fields: object) -> Update:
    """The Update an engine sends after reading `remote`: the same item with `fields` set
    (`item_id` for an item a person made, which has none yet)."""
    item_id = item_id or remote.item_id
    assert item_id is not None
    return Update(
        item_id, remote.remote_id, remote.item.with_(**fields), remote.item, remote.version
    )


def by_item_id(adapter: Adapter) -> dict[str, RemoteItem]:
    return {r.item_id: r for r in adapter.read().items.values() if r.item_id}


SAMPLE = [
    Item(Kind.GOAL, "Grow EMEA revenue 20%", notes="by Q4", due=date(2027, 3, 31)),
    Item(Kind.DECISION, "Approve the offsite", owner=Owner.EXECUTIVE, labels=frozenset({"q4"})),
    Item(Kind.PROBLEM, "Board reports are late", notes="two weeks now", steps=FIVE_WHYS),
    Item(Kind.ACTION, "Book flights to Lisbon", done=True, owner=Owner.ASSISTANT),
]
"""One item of each kind, with every field set somewhere."""
OPTIONAL_SAMPLE = [
    Item(Kind.WIN, "Closed the Q3 books early", owner=Owner.ASSISTANT),
    Item(Kind.FEEDBACK, "The board pre-read was the clearest yet", owner=Owner.EXECUTIVE),
]
"""The kinds a pair turns on in `[board] kinds`."""

FIELD_EDITS: dict[str, dict[str, Any]] = {
    "title": {"title": "Grow EMEA revenue 25% — “ambitious”"},
    "notes": {"notes": "line one\nline two"},
    "done": {"done": True},
    "due": {"due": date(2028, 2, 29)},
    "no-due": {"due": None},
    "owner": {"owner": Owner.ASSISTANT},
    "labels": {"labels": frozenset({"urgent", "travel"})},
    "kind": {"kind": Kind.DECISION},
}


class AdapterContract:
    """Tests every adapter passes; a subclass supplies the fixtures named above."""

    adapter_class: ClassVar[type[Adapter]]

    @pytest.fixture
    def make_adapter(self) -> MakeAdapter:
        raise NotImplementedError

    @pytest.fixture
    def outside(self) -> Outside:
        raise NotImplementedError

    @pytest.fixture
    def failures(self) -> dict[str, Callable[[], Adapter]]:
        raise NotImplementedError

    # -- create, read back ------------------------------------------------------------------
    def test_the_adapter_is_the_declared_class(self, make_adapter: MakeAdapter) -> None:
        assert type(make_adapter()) is self.adapter_class

    def test_created_items_are_read_back_equal_with_their_ids(
        self, make_adapter: MakeAdapter
    ) -> None:
        creates = [Create(new_item_id(), item) for item in SAMPLE]
        linked = push(make_adapter(), creates)
        seen = by_item_id(make_adapter())
        assert {i: r.item for i, r in seen.items()} == {c.item_id: c.item for c in creates}
        assert {i: r.remote_id for i, r in seen.items()} == linked
        assert all(r.kind_known and not r.hidden for r in seen.values())
        assert all(r.modified_at is not None for r in seen.values()), "for conflict_policy latest"

    def test_the_optional_kinds_get_their_places_and_are_read_back(
        self, make_adapter: MakeAdapter
    ) -> None:
        """`[board] kinds` turned on later: the places are made, wins and feedback kept."""
        base = make_adapter()
        lists = {**base.config.lists, **OPTIONAL_LISTS}
        config = base.config.model_copy(update={"lists": lists})

        def with_kinds() -> Adapter:
            return type(base)(config, AdapterContext(base.zone))

        push(make_adapter(), [Create(new_item_id(), SAMPLE[0])])  # a board in use
        adapter = with_kinds()
        adapter.read()
        adapter.make_places(list(OPTIONAL_LISTS))
        adapter.make_places(list(OPTIONAL_LISTS))  # made once: the second finds them
        creates = [Create(new_item_id(), item) for item in OPTIONAL_SAMPLE]
        push(with_kinds(), creates)
        seen = by_item_id(with_kinds())
        assert {c.item_id: seen[c.item_id].item for c in creates} == {
            c.item_id: c.item for c in creates
        }

    # -- update each field ------------------------------------------------------------------
    @pytest.mark.parametrize("edit", FIELD_EDITS.values(), ids=FIELD_EDITS.keys())
    def test_each_field_update_is_read_back(
        self, make_adapter: MakeAdapter, edit: dict[str, Any]
    ) -> None:
        create = Create(new_item_id(), SAMPLE[0])
        push(make_adapter(), [create])
        adapter = make_adapter()
        change = update_from(by_item_id(adapter)[create.item_id], **edit)
        (outcome,) = adapter.apply([change])
        assert isinstance(outcome, Written), outcome
        seen = by_item_id(make_adapter())[create.item_id]
        assert seen.item == change.item
        assert seen.version == outcome.version

    def test_a_ticked_five_whys_step_is_read_back(self, make_adapter: MakeAdapter) -> None:
        create = Create(new_item_id(), SAMPLE[2])
        push(make_adapter(), [create])
        adapter = make_adapter()
        remote = by_item_id(adapter)[create.item_id]
        steps = (Step("Problem statement agreed: reports slip", True), *FIVE_WHYS[1:])
        (outcome,) = adapter.apply([update_from(remote, steps=steps)])
        assert isinstance(outcome, Written), outcome
        assert by_item_id(make_adapter())[create.item_id].item.steps == steps

    # -- archive, restore -------------------------------------------------------------------
    def test_archive_then_restore(self, make_adapter: MakeAdapter) -> None:
        original = SAMPLE[1]
        create = Create(new_item_id(), original)
        push(make_adapter(), [create])
        adapter = make_adapter()
        (outcome,) = adapter.apply(
            [update_from(by_item_id(adapter)[create.item_id], archived=True)]
        )
        assert isinstance(outcome, Written), outcome

        archived = by_item_id(make_adapter())[create.item_id]
        assert archived.item.archived, "archived items are still read (a restore is seen)"
        assert archived.item.title == original.title
        # What the tool cannot show of an archived item, the engine keeps: it sends it back.
        shown = archived.item.with_(**{f: getattr(original, f) for f in archived.hidden})
        restore = Update(create.item_id, archived.remote_id, original, shown, archived.version)
        (outcome,) = make_adapter().apply([restore])
        assert isinstance(outcome, Written), outcome

        back = by_item_id(make_adapter())[create.item_id]
        assert back.item == original and back.kind_known

    # -- re-link after lost state -----------------------------------------------------------
    def test_a_new_adapter_relinks_every_item_by_its_footer(
        self, make_adapter: MakeAdapter
    ) -> None:
        creates = [Create(new_item_id(), item) for item in SAMPLE * 2]
        linked = push(make_adapter(), creates)
        fresh = make_adapter().read()  # no cursor, nothing remembered
        assert fresh.complete
        assert {r.item_id: r.remote_id for r in fresh.items.values()} == linked

    # -- scope ------------------------------------------------------------------------------
    def test_items_outside_the_mapped_lists_never_appear_nor_change(
        self, make_adapter: MakeAdapter, outside: Outside
    ) -> None:
        outside.add("Team offsite logistics")
        before = outside.state()
        creates = [Create(new_item_id(), item) for item in SAMPLE]
        push(make_adapter(), creates)
        adapter = make_adapter()
        seen = adapter.read().items
        assert "Team offsite logistics" not in {r.item.title for r in seen.values()}
        first, second = (by_item_id(adapter)[c.item_id] for c in creates[:2])
        outcomes = adapter.apply(
            [update_from(first, title="x"), update_from(second, archived=True)]
        )
        assert all(isinstance(o, Written) for o in outcomes)
        assert outside.state() == before

    # -- echo -------------------------------------------------------------------------------
    def test_a_read_right_after_our_write_shows_no_change(self, make_adapter: MakeAdapter) -> None:
        adapter = make_adapter()
        cursor = adapter.read().cursor
        creates = [Create(new_item_id(), item) for item in SAMPLE]
        written = {o.change.item_id: o for o in adapter.apply(creates)}
        for snapshot in (adapter.read(cursor), make_adapter().read()):
            for remote in snapshot.items.values():
                assert remote.item_id is not None
                outcome = written[remote.item_id]
                assert (remote.item, remote.version) == (outcome.change.item, outcome.version)

    # -- errors -----------------------------------------------------------------------------
    def test_a_failing_target_is_one_line_naming_it_without_secrets(
        self, failures: dict[str, Callable[[], Adapter]]
    ) -> None:
        """A read that fails raises; a batch that fails returns failed outcomes, which the
        summary tells as one line for the target."""
        assert failures, "say how this target fails"
        for what, broken in failures.items():
            adapter = broken()
            try:
                adapter.read()
            except TargetError as exc:
                assert exc.target == adapter.name, what
                lines = [str(exc)]
            else:
                creates = [Create(new_item_id(), item) for item in SAMPLE[:2]]
                outcomes = adapter.apply(creates)
                assert [isinstance(o, Written) for o in outcomes] == [False, False], what
                lines = not_written_lines(
                    adapter.name, [(o.change.item.title, str(o.error)) for o in outcomes]
                )
            assert len(lines) == 1 and lines[0].startswith(f"{adapter.name}: "), (what, lines)
            assert "\n" not in lines[0], what
            secrets = [
                value.get_secret_value()
                for value in vars(adapter.config).values()
                if isinstance(value, SecretStr)
            ]
            assert not any(secret in lines[0] for secret in secrets), what
