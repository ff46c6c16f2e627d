"""More settled pairs from a few settled by pairsync, in minutes rather than hours: a clone
of a settled pair gets its own Trello board (an API key, a token and a member of its own)
and its own Asana project (a token and a user of its own), copied from its source's in
the simulators' memory with fresh ids (no HTTP), its own pair file and Markdown file,
and a copy of its source's state database whose links, places and cursors name the new
ids. To pairsync it is a settled pair like its source: its next run asks its board's
actions since its cursor and its project's events since its sync token, finds none, and
writes nothing.

The copy reaches into the simulators' backends (their id counters, event streams and sync
tokens): a bench tool, kept honest by `tests/test_bench_clones.py`, which syncs clones
through pairsync and checks exactly that.
"""

from __future__ import annotations

import copy
import re
import secrets
import shutil
import sqlite3
import tomllib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.asana.sim.entities import Event, Project, Section, Task, User
from adapters.asana.sim.models import AsanaBackend
from adapters.trello.sim.entities import (
    Action,
    Board,
    Card,
    CheckItem,
    Checklist,
    Label,
    Member,
    TList,
    new_id,
    short_link,
)
from adapters.trello.sim.models import TrelloBackend

Ids = dict[str, str]
"""A source's id (or short link, name, token) -> its clone's."""

EMPTY = ("holds", "webhooks", "webhook_urls", "sent", "published", "publish_cursors", "agendas")
"""State tables a settled bench pair leaves empty: a clone copies none of what they name."""


@dataclass(frozen=True)
class Source:
    """A settled pair to clone: its file as pairsync reads it, and its state's bytes."""

    name: str
    config: dict[str, Any]
    state: bytes
    board: bytes

    @classmethod
    def read(cls, folder: Path, path: Path, scratch: Path) -> Source:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        saved = scratch / f"{path.stem}.sqlite"
        with (
            closing(sqlite3.connect(folder / config["state"]["path"])) as db,
            closing(sqlite3.connect(saved)) as out,
        ):
            db.backup(out)  # a consistent copy, whatever its WAL still holds
            for table in EMPTY:
                if out.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]:
                    raise ValueError(f"{path.name}: its state's {table} is not empty")
        notes = next(t for t in config["targets"] if t["type"] == "markdown")
        return cls(
            config["pair"]["name"],
            config,
            saved.read_bytes(),
            (folder / notes["path"]).read_bytes(),
        )


def clone_pairs(
    trello: TrelloBackend,
    asana: AsanaBackend,
    folder: Path,
    sources: list[Path],
    count: int,
    first: int,
) -> list[Path]:
    """`count` clones of the settled pairs `sources` (in turn) into `folder`, named
    `pair-{first:04d}` on; the simulators' backends are changed in place (the caller holds
    their apps' locks, or no request is in flight)."""
    scratch = folder / ".clones"
    scratch.mkdir(exist_ok=True)
    read = [Source.read(folder, path, scratch) for path in sources]
    shutil.rmtree(scratch)
    paths = []
    for index in range(first, first + count):
        source = read[(index - first) % len(read)]
        paths.append(_clone(trello, asana, folder, source, f"pair-{index:04d}"))
    return paths


def _clone(
    trello: TrelloBackend, asana: AsanaBackend, folder: Path, source: Source, name: str
) -> Path:
    config = copy.deepcopy(source.config)
    config["pair"]["name"] = name
    config["state"]["path"] = f"state/{name}.sqlite"
    ids: Ids = {source.name: name}
    for target in config["targets"]:
        if target["type"] == "markdown":
            target["path"] = f"boards/{name}.md"
            (folder / target["path"]).write_bytes(source.board)
        elif target["type"] == "trello":
            key, token = secrets.token_hex(16), secrets.token_hex(32)
            member = trello.add_member(key, token, f"assistant-{name}")
            board = trello.boards[target["board_id"]]
            ids |= copy_board(trello, board, member, f"{name} board")
            target |= {"board_id": ids[board.id], "api_key": key, "token": token}
        elif target["type"] == "asana":
            token = f"asana-token-{name}"
            user = asana.create_user("Sim User", token)
            project = asana.get_project(target["project_gid"])
            ids |= copy_project(asana, project, asana.tokens[target["token"]].gid, user, name)
            target |= {"project_gid": ids[project.gid], "token": token}
    state = folder / config["state"]["path"]
    state.parent.mkdir(exist_ok=True)
    state.write_bytes(source.state)
    with closing(sqlite3.connect(state)) as db, db:
        _rewrite_state(db, asana, ids)
    path = folder / f"{name}.toml"
    path.write_text(pair_text(config), encoding="utf-8")
    return path


def pair_text(config: dict[str, Any]) -> str:
    """A pair file of `[pair]`, `[state]` and `[[targets]]` of plain values (what the
    bench writes)."""
    text = f'[pair]\nname = "{config["pair"]["name"]}"\n\n[state]\n'
    text += f'path = "{config["state"]["path"]}"\n'
    for target in config["targets"]:
        text += f'\n[[targets]]\nname = "{target["name"]}"\n'
        text += "".join(
            f"{key} = {_toml_value(value)}\n" for key, value in target.items() if key != "name"
        )
    return text


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- Trello -----------------------------------------------------------------------------------
def copy_board(backend: TrelloBackend, board: Board, member: Member, name: str) -> Ids:
    """A copy of `board` for `member` alone: lists, labels, cards, checklists and its
    actions log (each action by the board's member is the new member's), every id new
    but with its source's creation time (the first 8 hex digits), as if made then."""
    ids: Ids = {board.name: name, board.shortLink: short_link()}
    for old in (
        board.id,
        *board.lists,
        *board.labels,
        *board.cards,
        *board.checklists,
        *(item.id for checklist in board.checklists.values() for item in checklist.items),
        *(action.id for action in board.actions),
    ):
        ids[old] = new_id(int(old[:8], 16))
    ids |= {card.shortLink: short_link() for card in board.cards.values()}
    members = {m: member for m in {a.member.id for a in board.actions} if m in board.member_ids}
    ids |= {old: member.id for old in members}
    clone = Board(
        ids[board.id],
        name,
        ids[board.shortLink],
        board.dateLastActivity,
        member_ids={member.id},
    )
    clone.lists = {
        ids[t.id]: TList(ids[t.id], clone.id, t.name, t.pos, t.closed) for t in board.lists.values()
    }
    clone.labels = {
        ids[x.id]: Label(ids[x.id], clone.id, x.name, x.color) for x in board.labels.values()
    }
    for checklist in board.checklists.values():
        made = Checklist(
            ids[checklist.id], clone.id, ids[checklist.idCard], checklist.name, checklist.pos
        )
        made.items = [
            CheckItem(ids[i.id], made.id, i.name, i.state, i.pos) for i in checklist.items
        ]
        clone.checklists[made.id] = made
    for card in board.cards.values():
        clone.cards[ids[card.id]] = Card(
            ids[card.id],
            clone.id,
            ids[card.idList],
            card.name,
            card.idShort,
            ids[card.shortLink],
            card.pos,
            card.dateLastActivity,
            card.desc,
            card.closed,
            card.due,
            card.dueComplete,
            [ids[i] for i in card.idLabels],
            [ids[i] for i in card.idChecklists],
        )
    clone.actions = [
        Action(
            ids[a.id],
            next(backend._seq),
            a.type,
            a.date,
            members.get(a.member.id, a.member),
            _remap(a.data, ids),
        )
        for a in board.actions
    ]
    backend.boards[clone.id] = clone
    return ids


# -- Asana ------------------------------------------------------------------------------------
def copy_project(
    backend: AsanaBackend, project: Project, user_gid: str, user: User, name: str
) -> Ids:
    """A copy of `project` in its workspace: its sections, tasks (and subtasks) with the
    workspace's tags they carry, and its event stream, every gid new; what the pair's
    user (`user_gid`) made or did is `user`'s."""
    ids: Ids = {project.name: name, user_gid: user.gid}
    tasks = list(_tasks(backend, project))
    for old in (project.gid, *project.sections, *(t.gid for t in tasks)):
        ids[old] = backend._gid()
    clone = Project(
        ids[project.gid], name, project.workspace, project.created_at, project.modified_at
    )
    backend.projects[clone.gid] = clone
    for gid in project.sections:
        section = backend.sections[gid]
        backend.sections[ids[gid]] = Section(ids[gid], section.name, clone, section.created_at)
        clone.sections.append(ids[gid])
    for task in tasks:
        made = Task(
            ids[task.gid],
            task.name,
            task.workspace,
            user if task.created_by.gid == user_gid else task.created_by,
            task.created_at,
            task.modified_at,
            task.notes,
            task.completed,
            task.completed_at,
            task.due_on,
            task.due_at,
            parent=backend.tasks[ids[task.parent.gid]] if task.parent else None,
            tags=list(task.tags),
        )
        if project.gid in task.memberships:
            place = task.memberships[project.gid]
            made.memberships[clone.gid] = ids[place] if place else None
        if made.parent is not None:
            made.parent.subtasks.append(made)
        backend.tasks[made.gid] = made
    clone.tasks = [ids[gid] for gid in project.tasks]
    for event in backend._streams.get(project.gid, []):
        made_event = Event(
            len(backend.events),
            frozenset(ids.get(scope, scope) for scope in event.scopes),
            _remap(event.body, ids),
            event.at,
        )
        backend.events.append(made_event)
        for scope in made_event.scopes:
            backend._streams.setdefault(scope, []).append(made_event)
    return ids


def _tasks(backend: AsanaBackend, project: Project) -> Iterator[Task]:
    """The project's tasks, each before its subtasks."""

    def with_subtasks(task: Task) -> Iterator[Task]:
        yield task
        for sub in task.subtasks:
            yield from with_subtasks(sub)

    for gid in project.tasks:
        yield from with_subtasks(backend.tasks[gid])


# -- the state --------------------------------------------------------------------------------
TOKEN = re.compile(r"[0-9A-Za-z]+")


def _rewrite_state(db: sqlite3.Connection, asana: AsanaBackend, ids: Ids) -> None:
    """Point the copied state at the clone's ids: its name, its links' and places' remote
    ids, and its cursors (a Trello action id, an Asana sync token minted anew at the same
    place of the new project's stream; either may be packed with the echoes a run wrote)."""
    (old_name,) = db.execute("SELECT value FROM meta WHERE key = 'pair'").fetchone()
    db.execute("UPDATE meta SET value = ? WHERE key = 'pair'", (ids[old_name],))
    for table in ("links", "places"):
        rows = db.execute(f"SELECT rowid, remote_id FROM {table}").fetchall()
        db.executemany(
            f"UPDATE {table} SET remote_id = ? WHERE rowid = ?",
            [(ids.get(remote, remote), rowid) for rowid, remote in rows],
        )
    for target, cursor in db.execute("SELECT target, cursor FROM cursors").fetchall():
        for token in TOKEN.findall(cursor):
            entry = asana._sync_tokens.get(token)
            if entry is not None and entry[0] in ids:
                ids[token] = secrets.token_hex(16)
                asana._sync_tokens[ids[token]] = (ids[entry[0]], *entry[1:])
        text = TOKEN.sub(lambda m: ids.get(m.group(), m.group()), cursor)
        db.execute("UPDATE cursors SET cursor = ? WHERE target = ?", (text, target))
    db.execute(
        "UPDATE runs SET summary = replace(summary, ?, ?)",
        (f'"pair": "{old_name}"', f'"pair": "{ids[old_name]}"'),
    )


def _remap(value: Any, ids: Ids) -> Any:
    """`value` (JSON) with every string that names a source's id renamed."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, dict):
        return {key: _remap(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_remap(item, ids) for item in value]
    return value
