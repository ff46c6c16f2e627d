"""`pairsync init`: write a commented config for one pair by asking a few questions.

Tokens are read from the environment, or asked for (hidden) when missing; they are used to
list the boards and projects they can see, and are never written to the file: the file
names the environment variables (`${TRELLO_TOKEN}`), so it can be shared and backed up.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from adapters import adapter_for, config_model
from adapters.base import Adapter
from sync.config import load_config
from sync.errors import ConfigError, PairsyncError

Ask = Callable[..., str]
Echo = Callable[[str], None]

HEADER = """\
# pairsync config for the pair "{name}", written by `pairsync init`.
# Every key is explained in config.example.toml. Secrets are read from the environment.

[pair]
name = "{name}"
executive = "{executive}"
assistant = "{assistant}"
conflict_policy = "latest"          # latest | executive | assistant

[state]
path = "state/{name}.sqlite"        # relative to this file

[stale]
after_days = 14

[five_whys]
enabled = true
"""


def run_init(output: Path, ask: Ask, echo: Echo) -> list[str]:
    """Ask, discover, write `output`; return the environment variables the file needs."""
    if output.exists():
        raise ConfigError([f"{output}: already exists; choose another --output"])
    name = ask("Pair name (letters, digits, - _ .)", default="ceo-ea")
    executive = ask("Executive's name")
    assistant = ask("Assistant's name")
    text = HEADER.format(name=name, executive=executive, assistant=assistant)
    needed: list[str] = []
    if ask("Mirror into a Trello board? [y/n]", default="y").lower().startswith("y"):
        text += _trello(ask, echo, needed)
    if ask("Mirror into an Asana project? [y/n]", default="y").lower().startswith("y"):
        text += _asana(ask, echo, needed)
    board = ask("Markdown board file (empty: none)", default="board.md")
    if board:
        text += f'\n[[targets]]\nname = "notes"\ntype = "markdown"\npath = "{board}"\n'
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    missing = [var for var in needed if var not in os.environ]
    if not missing:
        load_config(output)  # the file we wrote must load; a failure here is our bug
    return missing


def _secret(ask: Ask, variable: str, label: str) -> SecretStr:
    value = os.environ.get(variable) or ask(
        f"{label} (not stored; export {variable} later)", hide_input=True
    )
    return SecretStr(value)


def _choose(adapter: Adapter, what: str, ask: Ask, echo: Echo) -> str:
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
    choice = int(ask(f"Which {what}", default="1"))
    if not 1 <= choice <= len(scopes):
        raise ConfigError([f"{what} number {choice} is not in the list"])
    return scopes[choice - 1][0]


def _trello(ask: Ask, echo: Echo, needed: list[str]) -> str:
    base_url = ask("Trello API URL", default="https://api.trello.com/1")
    key = _secret(ask, "TRELLO_API_KEY", "Trello API key")
    token = _secret(ask, "TRELLO_TOKEN", "Trello token")
    probe = config_model("trello").model_validate(
        {"type": "trello", "name": "init", "board_id": "-", "api_key": key, "token": token}
        | {"base_url": base_url}
    )
    board_id = _choose(adapter_for(probe, Path(".")), "board", ask, echo)
    needed += ["TRELLO_API_KEY", "TRELLO_TOKEN"]
    return (
        '\n[[targets]]\nname = "assistant-trello"\ntype = "trello"\nrole = "assistant"\n'
        f'board_id = "{board_id}"\napi_key = "${{TRELLO_API_KEY}}"\n'
        f'token = "${{TRELLO_TOKEN}}"\nbase_url = "{base_url}"\n'
    )


def _asana(ask: Ask, echo: Echo, needed: list[str]) -> str:
    base_url = ask("Asana API URL", default="https://app.asana.com/api/1.0")
    token = _secret(ask, "ASANA_TOKEN", "Asana personal access token")
    probe = config_model("asana").model_validate(
        {"type": "asana", "name": "init", "project_gid": "-", "token": token}
        | {"base_url": base_url}
    )
    project_gid = _choose(adapter_for(probe, Path(".")), "project", ask, echo)
    needed.append("ASANA_TOKEN")
    return (
        '\n[[targets]]\nname = "executive-asana"\ntype = "asana"\nrole = "executive"\n'
        f'project_gid = "{project_gid}"\ntoken = "${{ASANA_TOKEN}}"\nbase_url = "{base_url}"\n'
    )
