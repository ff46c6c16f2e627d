"""Webhooks in each tool's dialect, for `pairsync serve` and `pairsync webhooks`.

A tool that can call back (Trello, Asana) has a `hooks` module beside its adapter, named
in the registry (`adapters.TARGET_TYPES`), with:

- `receive(delivery, target, hook) -> Verdict`: check one request the tool sent
  (signature, handshake, heartbeat); pure, no I/O, so the web layer stays generic and
  knows no tool's headers;
- `Registrar(target)`: create, list and remove the tool's webhooks over the
  official client library.

Targets without webhooks (Markdown files) have no module; `pairsync serve` polls them.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

from adapters import TARGET_TYPES
from sync.contract import TargetBase


@dataclass(frozen=True, slots=True)
class Delivery:
    """One request a tool sent to `/hooks/<pair>/<target>`."""

    method: str
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes
    callback_url: str
    """The URL the webhook was registered with (Trello signs over it)."""


@dataclass(frozen=True, slots=True)
class StoredHook:
    """What the state database keeps about a target's webhook."""

    callback_url: str | None = None
    secret: str | None = None
    expecting_handshake: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to a delivery. `status` 401 means a bad or missing signature."""

    status: int
    events: tuple[str, ...] = ()
    """An identity per change the delivery reports, so that a delivery sent again (a
    retry, a replay) causes no second sync; empty for a check, a handshake or a
    heartbeat."""
    reason: str = ""
    """Why it was refused, for the log; never contains a secret or a signature."""
    headers: dict[str, str] = field(default_factory=dict)
    new_secret: str | None = None
    """A handshake's secret, to store for checking the deliveries that follow."""


@dataclass(frozen=True, slots=True)
class RemoteHook:
    hook_id: str
    callback_url: str
    active: bool


class Registrar(Protocol):
    def create(self, callback_url: str) -> RemoteHook:
        """A new webhook on the board/project calling `callback_url`.

        :raises sync.errors.TargetRejected: the tool refused it (its check of the URL failed)
        """
        ...

    def hooks(self) -> list[RemoteHook]:
        """This board's/project's webhooks made with the target's token."""
        ...

    def remove(self, hook: RemoteHook) -> None: ...

    def close(self) -> None: ...


def type_of(target: TargetBase) -> str:
    """A target's `type` key (each config model sets it; the base model has none)."""
    return str(getattr(target, "type", ""))


def hooks_module(target_type: str) -> ModuleType | None:
    """The tool's `hooks` module, or None when the tool cannot call back."""
    known = TARGET_TYPES.get(target_type)
    return importlib.import_module(known.hooks) if known and known.hooks else None


def receive(delivery: Delivery, target: TargetBase, hook: StoredHook) -> Verdict:
    module = hooks_module(type_of(target))
    if module is None:
        return Verdict(404, reason=f"{target.name} does not send webhooks")
    verdict: Verdict = module.receive(delivery, target, hook)
    return verdict


def registrar(target: TargetBase) -> Registrar | None:
    module = hooks_module(type_of(target))
    if module is None:
        return None
    made: Registrar = module.Registrar(target)
    return made
