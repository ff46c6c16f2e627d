"""The Obsidian-Kanban board format: examples a person would write, and round-trip
properties over generated boards with foreign content around the cards."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from adapters.markdown.board import BOM, Board, Edits, Placer, Text, edit, parse, render
from adapters.markdown.card import ARCHIVE_KIND, Card, Kept, render_card
from sync.contract import Create, Update
from sync.model import Item, Kind, Owner, Step
from sync.plan.order import Shown, place_writes

SECTIONS: dict[str, Kind | None] = {
    "Goals": Kind.GOAL,
    "Decisions": Kind.DECISION,
    "Problems": Kind.PROBLEM,
    "Actions": Kind.ACTION,
    "Archive": None,
}
ORDER = list(SECTIONS)

SAMPLE = """\
---
kanban-plugin: basic
---

## Goals

- [ ] Grow EMEA revenue 20% @{2026-12-31} #q4 #owner/executive ^ps-0123456789abcdef
\tNotes line one
\tNotes line two
- [x] Another goal ^ps-1111111111111111

## Problems

- [ ] Weekly report arrives late #stale ^ps-2222222222222222
\t- [x] Problem statement agreed
\t- [ ] Why 1? the data export runs on Mondays

## Archive

- [x] An old decision ^ps-3333333333333333

%% kanban:settings
```
{"kanban-plugin":"basic"}
```
%%
"""


def cards(text: str) -> list[tuple[str | None, Item, str]]:
    return [(c.item_id, c.item, heading) for _, c, heading in parse(text, SECTIONS).cards()]


def test_sample_parses_to_the_items_a_person_sees() -> None:
    assert cards(SAMPLE) == [
        (
            "0123456789abcdef",
            Item(
                Kind.GOAL,
                "Grow EMEA revenue 20%",
                notes="Notes line one\nNotes line two",
                due=date(2026, 12, 31),
                owner=Owner.EXECUTIVE,
                labels=frozenset({"q4"}),
            ),
            "Goals",
        ),
        ("1111111111111111", Item(Kind.GOAL, "Another goal", done=True), "Goals"),
        (
            "2222222222222222",
            Item(
                Kind.PROBLEM,
                "Weekly report arrives late",
                labels=frozenset({"stale"}),
                steps=(
                    Step("Problem statement agreed", True),
                    Step("Why 1? the data export runs on Mondays"),
                ),
            ),
            "Problems",
        ),
        (
            "3333333333333333",
            Item(ARCHIVE_KIND, "An old decision", done=True, archived=True),
            "Archive",
        ),
    ]
    assert render(parse(SAMPLE, SECTIONS)) == SAMPLE


def test_canonical_card_text() -> None:
    item = Item(
        Kind.PROBLEM,
        "Fix #bug",
        notes="first\n\n- [ ] not a step",
        due=date(2026, 3, 1),
        owner=Owner.ASSISTANT,
        labels=frozenset({"Needs review", "q4", "2026"}),
        steps=(Step("Why 1?", True), Step("")),
    )
    text = render_card(item, "00000000000000aa")
    assert text == (
        "- [ ] Fix \\#bug @{2026-03-01} #%32026 #Needs%20review #q4 #owner/assistant"
        " ^ps-00000000000000aa\n"
        "\tfirst\n\t\n\t\\- [ ] not a step\n\t- [x] Why 1?\n\t- [ ]\n"
    )
    assert cards("## Problems\n" + text) == [("00000000000000aa", item, "Problems")]


def test_what_stays_in_the_title() -> None:
    text = "## Actions\n- [ ] Pay invoice #4411 by #friday soon #urgent\n- Call Bob\n"
    (_, first, _), (item_id, second, _) = cards(text)
    assert first.title == "Pay invoice #4411 by #friday soon"
    assert first.labels == {"urgent"}
    assert (item_id, second.title, second.done) == (None, "Call Bob", False)


def test_unmapped_headings_code_and_comments_are_not_read() -> None:
    text = (
        "## Someday\n- [ ] not ours\n## Goals\n```\n- [ ] in a code block\n## Goals\n```\n"
        "%% a comment\n- [ ] commented out\n%%\n### Detail\n- [ ] ours\n# Other\n- [ ] not ours\n"
    )
    assert [item.title for _, item, _ in cards(text)] == ["ours"]
    assert render(parse(text, SECTIONS)) == text


def test_edit_adds_missing_headings_in_natural_order() -> None:
    text = "intro\n## Goals\n\n- [ ] a\n\n## Archive\n\n%% kanban:settings\n%%"
    board = parse(text, SECTIONS)
    edits = Edits()
    edits.append["Problems"].append("- [ ] p\n")
    edits.append["Goals"].append("- [ ] b\n")
    assert edit(board, edits, ORDER, ["Goals", "Decisions", "Problems", "Actions"], "\n") == (
        "intro\n## Goals\n\n- [ ] a\n- [ ] b\n\n## Decisions\n\n## Problems\n\n- [ ] p\n\n"
        "## Actions\n\n## Archive\n\n%% kanban:settings\n%%"
    )


def test_edit_into_an_empty_section_and_after_a_last_line_without_newline() -> None:
    board = parse("## Goals\n\n\n## Actions\n- [ ] x", SECTIONS)
    edits = Edits()
    edits.append["Goals"].append("- [ ] g\n")
    edits.append["Actions"].append("- [ ] y\n")
    assert (
        edit(board, edits, ORDER, [], "\n")
        == "## Goals\n\n- [ ] g\n\n## Actions\n- [ ] x\n- [ ] y\n"
    )


# --- properties -------------------------------------------------------------------------

ONE_LINE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
TRICKY = st.sampled_from(
    [
        *("#tag", "#12", "@{2026-01-31}", "@{2026-02-30}", "@@{10:30}", "^ps-0123456789abcdef"),
        *("^block-1", "\\", "- [ ]", "- [-]", "%", "<!--", "-->", "%%", "```"),
    ]
)
titles = st.lists(TRICKY | st.text(ONE_LINE, max_size=6), max_size=5).map(" ".join).map(str.strip)
notes = st.lists(
    TRICKY | st.text(ONE_LINE, max_size=8) | st.just("  - [x] indented"), max_size=4
).map("\n".join)
labels = st.frozensets(
    (TRICKY | st.text(min_size=1, max_size=6)).filter(
        lambda s: s not in ("owner/executive", "owner/assistant")
    ),
    max_size=3,
)
steps = st.lists(st.builds(Step, st.text(ONE_LINE, max_size=8), st.booleans()), max_size=3)
item_ids = st.none() | st.text("0123456789abcdef", min_size=16, max_size=16)
FOREIGN = st.sampled_from(
    [
        "\n",
        "\r\n",
        "Some free text - with #tags\n",
        "### Sub heading\n",
        "**Complete**\n",
        "> quote\n",
    ]
) | st.text(ONE_LINE, max_size=10).map(lambda s: "P" + s + "\n")
UNMAPPED = FOREIGN | st.sampled_from(["- [ ] not ours ^ps-0123456789abcdef\n", "\tindented\n"])


def representable(item: Item) -> bool:
    """Notes a card can hold: the file cannot tell an indent every notes line has (with
    no step line to compare it with) from the card's own indent, nor keep blank lines at
    the end."""
    lines = [line for line in item.notes.split("\n") if line.strip()]
    shared = bool(lines) and all(line[0] in " \t" for line in lines)
    return not (shared and not item.steps) and not item.notes.endswith("\n")


KEPT_TOKENS = ["@@{10:30}", "@{2026-02-30}", "@{2027-01-01}"]
BLOCK_IDS = st.text("abcXYZ019-", min_size=1, max_size=8).filter(lambda s: not s.startswith("ps-"))
INDENTS = st.sampled_from(["\t", "  ", "   ", "    "])


@st.composite
def kept_for(draw: st.DrawFn, item: Item) -> Kept:
    """What a person may have written beside an item: a done card's own checkbox
    character, the Kanban time and other dates (a second date only beside a due date),
    a block id."""
    check = draw(st.sampled_from(["", "-", "/", "X"])) if item.done else ""
    allowed = [t for t in KEPT_TOKENS if item.due or t != "@{2027-01-01}"]
    tokens = draw(st.lists(st.sampled_from(allowed), unique=True, max_size=2))
    return Kept(check, tuple(tokens), draw(st.just("") | BLOCK_IDS))


def card_in(kind: Kind | None) -> st.SearchStrategy[Card]:
    item = st.builds(
        Item,
        kind=st.just(kind or ARCHIVE_KIND),
        title=titles,
        notes=notes,
        done=st.booleans(),
        archived=st.just(kind is None),
        due=st.none() | st.dates(),
        owner=st.none() | st.sampled_from(list(Owner)),
        labels=labels,
        steps=steps.map(tuple),
    ).filter(representable)
    return st.builds(Card, item, item_ids)


@st.composite
def persons_card_in(draw: st.DrawFn, kind: Kind | None) -> Card:
    """A card as a person may have written it: with kept tokens and a block id, its
    indented lines indented by a tab or 2, 3 or 4 spaces."""
    card = draw(card_in(kind))
    kept = draw(kept_for(card.item))
    text = render_card(card.item, card.item_id, like=Card(card.item, kept=kept))
    indent = draw(INDENTS)
    return Card(card.item, card.item_id, text.replace("\n\t", "\n" + indent), kept)


@st.composite
def boards(draw: st.DrawFn) -> Board:
    blocks: list[Text | Card] = []
    if draw(st.booleans()):
        blocks += [Text("---\n"), Text("kanban-plugin: basic\n"), Text("---\n")]
    blocks += draw(
        st.lists(FOREIGN | st.just("# Title\n"), max_size=3).map(lambda ls: [Text(x) for x in ls])
    )
    names = draw(st.permutations([*SECTIONS, "Someday", "Notes"]))
    for name in names[: draw(st.integers(1, len(names)))]:
        blocks.append(Text(f"## {name}\n"))
        if name in SECTIONS:
            kind = SECTIONS[name]
            cards = card_in(kind) | persons_card_in(kind)
            blocks += draw(st.lists(cards | FOREIGN.map(Text), max_size=5))
            if draw(st.booleans()):
                blocks += [Text("```\n"), Text("- [ ] in code\n"), Text("```\n")]
            if draw(st.booleans()):
                comment = ["<!--\n", "- [ ] in a comment\n", "\t- [ ] its step\n", "-->\n"]
                blocks += [Text(line) for line in comment]
        else:
            blocks += [Text(x) for x in draw(st.lists(UNMAPPED, max_size=4))]
    if draw(st.booleans()):
        blocks += [Text(x) for x in ["%% kanban:settings\n", "```\n", "{}\n", "```\n", "%%\n"]]
    if isinstance(blocks[-1], Text) and blocks[-1].raw.strip() and draw(st.booleans()):
        blocks[-1] = Text(blocks[-1].raw.rstrip("\n"))
    return Board(tuple(blocks), draw(st.sampled_from(["", BOM])))


@given(boards())
def test_parse_of_render_is_the_board(board: Board) -> None:
    assert parse(render(board), SECTIONS) == board


SOUP_LINES = st.sampled_from(
    [
        "## Goals",
        "## Archive",
        "## Other",
        "# Top",
        "---",
        "```",
        "~~~",
        "%%",
        "%% kanban:settings",
        "",
        "   ",
        "- [ ] a #t ^ps-0123456789abcdef",
        "- [X]  b  @{2026-01-01}",
        "- c \\#d",
        "\t- [x] step",
        "  - [ ]",
        "\tnote",
        "    deep",
        "\t\\- [ ] esc",
        "-",
        "- ",
        "- [ ] #owner/executive #owner/assistant",
        "- [ ] x #100% #a%41",
        "<!--",
        "-->",
        "<!-- - [ ] c -->",
        "- [ ] Block ref ^abc123",
        "- [ ] Ref ^abc ^ps-0123456789abcdef",
        "- [ ] t @{2026-12-24} @@{10:30}",
        "- [ ] two @{2026-12-24} @{2026-12-31} #x",
        "- [-] cancelled",
        "-   [ ] wide",
        "- [ ] Caf\udce9 #caf\udce9",
        "  - nested",
        "    - deeper",
        "\t- [-] cancelled step",
        "   three",
        "\t\tnote \udcff",
        "## goals",
        "## Actions ##",
    ]
) | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=12)


SOUP = st.lists(SOUP_LINES, max_size=30)
NEWLINES = st.sampled_from(["\n", "\r\n"])


@given(SOUP, NEWLINES, st.booleans(), st.sampled_from(["", BOM]))
def test_any_file_renders_back_byte_for_byte(
    lines: list[str], nl: str, final: bool, bom: str
) -> None:
    text = bom + nl.join(lines) + (nl if final else "")
    board = parse(text, SECTIONS)
    assert render(board) == text
    for _, card, heading in board.cards():
        # A person's card rewritten, canonically or keeping their lines, is the same card.
        for like in (Card(card.item, card.item_id, kept=card.kept), card):
            rewritten = render_card(card.item, card.item_id, like=like)
            again = parse(f"## {heading}\n" + rewritten, SECTIONS)
            assert [c for _, c, _ in again.cards()] == [card]


@given(SOUP, NEWLINES, card_in(Kind.ACTION))
def test_a_persons_card_rewritten_with_another_item_shows_that_item(
    lines: list[str], nl: str, new: Card
) -> None:
    for _, card, _ in parse("## Actions" + nl + nl.join(lines), SECTIONS).cards():
        rewritten = render_card(new.item, new.item_id, nl, like=card)
        (_, again, _), *_ = parse("## Actions\n" + rewritten, SECTIONS).cards()
        assert (again.item, again.item_id, again.kept.block_id) == (
            new.item,
            new.item_id,
            card.kept.block_id,
        )


@given(SOUP, card_in(Kind.ACTION))
def test_a_rewrite_that_keeps_notes_and_steps_keeps_their_lines(
    lines: list[str], new: Card
) -> None:
    for _, card, _ in parse("## Actions\n" + "\n".join(lines) + "\n", SECTIONS).cards():
        changed = new.item.with_(notes=card.item.notes, steps=card.item.steps)
        rewritten = render_card(changed, card.item_id, like=card)
        assert card.raw is not None and card.layout is not None
        if card.layout.indent:  # indented lines that share no indent are rewritten
            assert rewritten.partition("\n")[2] == card.raw.partition("\n")[2]


@given(
    st.lists(st.tuples(st.integers(0, 3), st.booleans()), min_size=3, max_size=3),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), max_size=6),
    st.booleans(),
)
def test_a_batch_of_placed_and_appended_cards_shows_the_order_of_one_by_one_writes(
    lists: list[tuple[int, bool]], writes: list[tuple[int, int]], settings_block: bool
) -> None:
    """A run's writes to the file go in one `edit`: a card placed right after a heading's
    last card, then a new card appended to that heading, show in that order (the state
    machine found the appended card above the placed one: another order than Trello's).
    `writes` are (heading, n): n=0 appends, n>0 places a card after the heading's n-th
    card and the cards placed after it before (so a chain, as the planner writes them)."""
    names = ["Goals", "Problems", "Actions"]
    text = ""
    cards_in: dict[str, list[str]] = {}
    for name, (count, blank) in zip(names, lists, strict=True):
        cards_in[name] = [f"{name[0]}{n}" for n in range(count)]
        text += f"## {name}\n\n" + "".join(f"- [ ] {t}\n" for t in cards_in[name])
        text += "\n" if blank else ""
    text += "%% kanban:settings\n%%\n" if settings_block else ""
    board = parse(text, SECTIONS)
    index = {card.item.title: i for i, card, _ in board.cards()}
    edits = Edits()
    placed: dict[str, list[str]] = {title: [] for titles in cards_in.values() for title in titles}
    appended: dict[str, list[str]] = {name: [] for name in names}
    for number, (heading, n) in enumerate(writes):
        name, title = names[heading], f"new{number}"
        if n == 0 or n > len(cards_in[name]):
            edits.append[name].append(f"- [ ] {title}\n")
            appended[name].append(title)
        else:
            after = cards_in[name][n - 1]
            edits.insert[index[after] + 1].append(f"- [ ] {title}\n")
            placed[after].append(title)
    shown: dict[str, list[str]] = {name: [] for name in names}
    for _, card, heading in parse(edit(board, edits, ORDER, [], "\n"), SECTIONS).cards():
        shown[heading].append(card.item.title)
    assert shown == {
        name: [t for card in cards_in[name] for t in (card, *placed[card])] + appended[name]
        for name in names
    }


LISTS = {Kind.GOAL: "Goals", Kind.PROBLEM: "Problems", Kind.ACTION: "Actions"}


@given(
    st.lists(st.sampled_from([None, *LISTS]), min_size=6, max_size=6),
    st.permutations(range(6)),
    st.lists(st.sampled_from(list(LISTS)), min_size=6, max_size=6),
    st.permutations(range(6)),
)
def test_the_planners_placed_writes_in_one_batch_show_the_boards_order(
    was: list[Kind | None], file_order: list[int], kinds: list[Kind], board_order: list[int]
) -> None:
    """The planner's writes for a file (`place_writes`: new cards, cards moved within or
    into a list, each placed after the card above it), put into the file in one `edit`,
    show every list in the board's order. The state machine found two ways this failed:
    a new card appended above a card placed after the list's last card, and a card placed
    after one that had just moved to another heading left under the old heading."""
    ids = [f"{n:016x}" for n in range(6)]
    in_file = [n for n in file_order if was[n] is not None]
    text = "".join(
        f"## {name}\n\n"
        + "".join(f"- [ ] {ids[n]} ^ps-{ids[n]}\n" for n in in_file if was[n] == kind)
        for kind, name in LISTS.items()
    )
    board_file = parse(text, SECTIONS)
    blocks = {card.item_id or "": index for index, card, _ in board_file.cards()}
    board = {ids[n]: Item(kinds[n], ids[n], rank=f"b{rank}") for rank, n in enumerate(board_order)}
    shown = {
        ids[n]: Shown(Item(kind, ids[n], rank=f"a{rank}"), ids[n], "v")
        for rank, n in enumerate(in_file)
        if (kind := was[n]) is not None
    }
    moved = [
        Update(i, i, board[i], shown[i].item, "v")
        for i in shown
        if shown[i].item.kind != board[i].kind
    ]
    writes = place_writes(
        [*(Create(i, board[i]) for i in board if i not in shown), *moved], board, shown
    )

    edits = Edits()
    placer = Placer(edits, blocks)
    for change in writes:  # as the Markdown adapter puts each write
        card, heading = f"- [ ] {change.item_id} ^ps-{change.item_id}\n", LISTS[change.item.kind]
        if isinstance(change, Update):
            edits.remove.add(blocks[change.item_id])
        if not placer.place(change.item_id, card, change.place):
            placer.append(change.item_id, card, heading)
    result = parse(edit(board_file, edits, ORDER, [], "\n"), SECTIONS)
    lists: dict[str, list[str]] = {}
    for _, card, heading in result.cards():
        lists.setdefault(heading, []).append(card.item.title)
    wanted: dict[str, list[str]] = {}
    for n in board_order:
        wanted.setdefault(LISTS[kinds[n]], []).append(ids[n])
    assert lists == wanted
