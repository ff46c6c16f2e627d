"""`pairsync init`: write a commented config for one pair by asking a few questions.

Tokens are read from the environment, or asked for (hidden) when missing; they are used to
list the boards and projects they can see, and are never written to the file: the file
names the environment variables (`${TRELLO_TOKEN}`), so it can be shared and backed up.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import tomli
import tomlkit
import tomlkit.items
import tzlocal
from pydantic import SecretStr, ValidationError

from adapters import adapter_for, config_model
from adapters.base import Adapter
from sync.config import PairSection, load_config
from sync.errors import ConfigError, PairsyncError
from sync.plan.partnership import AUTHORITY

Ask = Callable[..., str]
Echo = Callable[[str], None]


def run_init(output: Path, ask: Ask, echo: Echo) -> list[str]:
    """Ask, discover, write `output`; return the environment variables the file needs.
    Nothing is written unless the whole file was made and checked."""
    if output.exists():
        raise ConfigError([f"{output}: already exists; choose another --output"])
    name = _ask_valid(ask, echo, "Pair name (letters, digits, - _ .)", "ceo-ea", _pair_name)
    executive = ask("Executive's name")
    assistant = ask("Assistant's name")
    doc = _pair_document(name, executive, assistant)
    targets = tomlkit.aot()
    needed: list[str] = []
    if ask("Mirror into a Trello board? [y/n]", default="y").lower().startswith("y"):
        targets.append(_trello(ask, echo, needed))
    if ask("Mirror into an Asana project? [y/n]", default="y").lower().startswith("y"):
        targets.append(_asana(ask, echo, needed))
    if ask("Mirror into a Notion database? [y/n]", default="n").lower().startswith("y"):
        targets.append(_notion(ask, echo, needed))
    board = _ask_valid(
        ask,
        echo,
        "Markdown board file (none: no file)",
        "board.md",
        lambda answer: None if targets or not _no_file(answer) else NEEDS_A_TARGET,
    )
    if not _no_file(board):
        targets.append(_table(name="notes", type="markdown", path=board.strip()))
    doc.add(tomlkit.nl())
    doc.add("targets", targets)
    record = "Keep the pair's record (agenda, decisions log, Five Whys) in OneNote? [y/n]"
    if ask(record, default="n").lower().startswith("y"):
        documents = tomlkit.aot()
        documents.append(_onenote(ask, echo, name, output))
        doc.add(tomlkit.nl())
        doc.add("documents", documents)
    missing = [var for var in needed if var not in os.environ]
    _write_checked(output, tomlkit.dumps(doc), check_load=not missing)
    return missing


NEEDS_A_TARGET = "a pair needs at least one target: name a Markdown file"


def _no_file(answer: str) -> bool:
    """ "none" (or a blank answer, which would name a file " ")."""
    return answer.strip().lower() in ("", "none")


def _pair_name(answer: str) -> str | None:
    """Why `answer` cannot be a pair name, or None (the config's own rule decides)."""
    try:
        PairSection(name=answer)
    except ValidationError:
        return f"{answer!r} is not a pair name: use letters, digits, '-', '_' or '.'"
    return None


def _ask_valid(
    ask: Ask, echo: Echo, question: str, default: str, problem: Callable[[str], str | None]
) -> str:
    """Ask until `problem` finds none in the answer."""
    while (why := problem(answer := ask(question, default=default))) is not None:
        echo(f"  {why}")
    return answer


def _pair_document(name: str, executive: str, assistant: str) -> tomlkit.TOMLDocument:
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"pairsync config for the pair {name}, written by `pairsync init`."))
    doc.add(
        tomlkit.comment(
            "Every key is explained in config.example.toml. Secrets are read from the environment."
        )
    )
    doc.add(tomlkit.nl())
    policy = tomlkit.item("latest")
    policy.comment("latest | executive | assistant")
    # This machine's zone, written down so that the file keeps its dates on another one.
    zone = tomlkit.item(str(tzlocal.get_localzone()))
    zone.comment("due dates and the agenda are days in it (IANA name)")
    doc.add(
        "pair",
        _table(
            name=name,
            executive=executive,
            assistant=assistant,
            conflict_policy=policy,
            timezone=zone,
        ),
    )
    state_path = tomlkit.item(f"state/{name}.sqlite")
    state_path.comment("relative to this file")
    doc.add("state", _table(path=state_path))
    doc.add("stale", _table(after_days=14))
    doc.add("five_whys", _table(enabled=True))
    kinds = tomlkit.item(["goal", "decision", "problem", "action"])
    kinds.comment('add "win" and "feedback": lists Wins and Feedback in every tool')
    doc.add("board", _table(kinds=kinds))
    ack = tomlkit.item(False)
    ack.comment('true: decisions the executive closes carry "Ack needed" until the assistant acks')
    doc.add("decisions", _table(acknowledge=ack))
    for line in DELEGATION:
        doc.add(tomlkit.comment(line))
    return doc


DELEGATION = (
    "Delegation: label an action in any tool with how much the assistant may do alone:",
    *(f"  {label:<20} {meaning}" for label, meaning in AUTHORITY.items()),
    "Other labels pairsync reads: discuss (a talking point until discussed), growth.",
)


def _table(**keys: object) -> tomlkit.items.Table:
    table = tomlkit.table()
    for key, value in keys.items():
        table.add(key, value)
    return table


def _write_checked(output: Path, text: str, check_load: bool) -> None:
    """Write `text` beside `output`, check it loads, then move it into place; a failure
    leaves no file behind."""
    output.parent.mkdir(parents=True, exist_ok=True)
    draft = output.with_name(f".{output.name}.init")
    try:
        draft.write_text(text, encoding="utf-8")
        if check_load:
            load_config(draft)  # the file we wrote must load; a failure here is our bug
        else:
            tomli.loads(text)  # without the secrets, at least valid TOML
        draft.replace(output)
    finally:
        draft.unlink(missing_ok=True)


def _secret(ask: Ask, variable: str, label: str) -> SecretStr:
    value = os.environ.get(variable) or ask(
        f"{label} (not stored; export {variable} later)", hide_input=True
    )
    return SecretStr(value)


class Lister(Protocol):
    """What `_choose` lists from: a target's adapter, or a document tool's publisher."""

    def scopes(self) -> list[tuple[str, str]]: ...

    def close(self) -> None: ...


def _choose(adapter: Adapter | Lister, what: str, ask: Ask, echo: Echo) -> tuple[str, str]:
    """The (id, label) the person picks from the numbered list of what the credentials see."""
    try:
        scopes = adapter.scopes()
    except PairsyncError as exc:
        raise ConfigError([f"cannot list {what}s: {exc}"]) from None
    finally:
        adapter.close()
    if not scopes:
        raise ConfigError([f"these credentials see no {what}; create one first"])
    for number, (scope_id, label) in enumerate(scopes, start=1):
        echo(f"  {number}) {label}  ({scope_id})")
    numbers = [str(number) for number in range(1, len(scopes) + 1)]

    def problem(answer: str) -> str | None:
        return None if answer.strip() in numbers else f"answer a number from 1 to {len(scopes)}"

    return scopes[int(_ask_valid(ask, echo, f"Which {what}", "1", problem)) - 1]


def _trello(ask: Ask, echo: Echo, needed: list[str]) -> tomlkit.items.Table:
    base_url = ask("Trello API URL", default="https://api.trello.com/1")
    key = _secret(ask, "TRELLO_API_KEY", "Trello API key")
    token = _secret(ask, "TRELLO_TOKEN", "Trello token")
    probe = config_model("trello").model_validate(
        {"type": "trello", "name": "trello", "board_id": "-", "api_key": key, "token": token}
        | {"base_url": base_url}
    )
    board_id, _ = _choose(adapter_for(probe), "board", ask, echo)
    needed += ["TRELLO_API_KEY", "TRELLO_TOKEN"]
    return _table(
        name="assistant-trello",
        type="trello",
        role="assistant",
        board_id=board_id,
        api_key="${TRELLO_API_KEY}",
        token="${TRELLO_TOKEN}",
        base_url=base_url,
    )


def _asana(ask: Ask, echo: Echo, needed: list[str]) -> tomlkit.items.Table:
    return _one_token(
        ask,
        echo,
        needed,
        "asana",
        ("Asana API URL", "https://app.asana.com/api/1.0"),
        ("ASANA_TOKEN", "Asana personal access token"),
        ("project_gid", "project"),
        name="executive-asana",
        role="executive",
    )


def _notion(ask: Ask, echo: Echo, needed: list[str]) -> tomlkit.items.Table:
    return _one_token(
        ask,
        echo,
        needed,
        "notion",
        ("Notion API URL", "https://api.notion.com"),
        ("NOTION_TOKEN", "Notion integration secret"),
        ("data_source_id", "data source"),
        name="shared-notion",
    )


def _one_token(
    ask: Ask,
    echo: Echo,
    needed: list[str],
    type_name: str,
    url: tuple[str, str],
    secret: tuple[str, str],
    scope: tuple[str, str],
    **table: str,
) -> tomlkit.items.Table:
    """A service reached with one token: its URL, the token (from the environment or a
    hidden prompt), then the board-like scope it sees, chosen from a list. `url`:
    (question, default); `secret`: (variable, label); `scope`: (key, what it is called)."""
    base_url = ask(url[0], default=url[1])
    variable, label = secret
    key, what = scope
    token = _secret(ask, variable, label)
    probe = config_model(type_name).model_validate(
        {"type": type_name, "name": type_name, key: "-", "token": token, "base_url": base_url}
    )
    chosen, _ = _choose(adapter_for(probe), what, ask, echo)
    needed.append(variable)
    keys = {"name": table.pop("name"), "type": type_name, **table, key: chosen}
    return _table(**keys, token=f"${{{variable}}}", base_url=base_url)


GRAPH = "https://graph.microsoft.com/v1.0"


def _onenote(ask: Ask, echo: Echo, pair: str, output: Path) -> tomlkit.items.Table:
    """Sign in to Microsoft now (the device code `pairsync auth microsoft` runs), then
    list the sections the account sees, by notebook, to choose the one the pages go in."""
    try:
        from adapters.onenote.auth import sign_in
        from adapters.onenote.config import OneNoteDocuments
        from adapters.onenote.publisher import OneNotePublisher
    except ModuleNotFoundError as exc:
        raise ConfigError(
            [f"OneNote needs the 'onenote' extra: pip install 'pairsync[onenote]' ({exc.name})"]
        ) from None
    base_url = ask("Microsoft Graph URL", default=GRAPH)
    login_url = ask("Microsoft sign-in URL", default="https://login.microsoftonline.com")
    ca_bundle = "none"
    if base_url != GRAPH:  # a simulator or a proxy with a certificate of its own
        ca_bundle = ask("CA certificate to trust for these URLs (none: the system's)", "none")
    client_id = ask("Application (client) ID of the app registration (Notes.ReadWrite)")
    tenant = ask("Tenant (common: any work or personal account)", default="common")
    keys: dict[str, object] = {
        "name": "pair-onenote",
        "type": "onenote",
        "credentials": f"microsoft-{pair}.json",
        "client_id": client_id.strip(),
        "tenant": tenant.strip(),
        "base_url": base_url,
        "login_url": login_url,
    }
    if not _no_file(ca_bundle):
        keys["ca_bundle"] = ca_bundle.strip()
    base_dir = output.parent.resolve()
    probe = OneNoteDocuments.model_validate({**keys, "section_id": "-"})
    try:
        credentials = sign_in(probe, base_dir, echo)
        echo(f"  signed in; the consent is kept in {credentials} (mode 600, never printed)")
    except PairsyncError as exc:
        raise ConfigError([f"cannot sign in to Microsoft: {exc}"]) from None
    section_id, label = _choose(OneNotePublisher(probe, pair, base_dir), "section", ask, echo)
    chosen = tomlkit.item(section_id)
    chosen.comment(label)
    return _table(**keys, section_id=chosen)
