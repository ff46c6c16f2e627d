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

import hmac
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

from adapters import TARGET_TYPES
from sync.contract import TargetBase


@dataclass(frozen=True, slots=True)
class Delivery:
    """One request a tool sent to `/hooks/<pair>/<target>[/<key>]`."""

    method: str
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes
    callback_urls: tuple[str, ...]
    """The URLs the request may have been registered with (Trello signs over it)."""
    key: str | None = None
    """The last part of the path: the key of the registration the URL was made for."""


@dataclass(frozen=True, slots=True)
class StoredHook:
    """What the state database keeps about a target's webhooks."""

    callback_urls: tuple[str, ...] = ()
    secret: str | None = None
    handshake_key: str | None = None
    """The key ending the URL of a registration waiting for its handshake (None: no
    handshake is expected). Only a handshake on that URL is taken: the key is random
    and only the tool being registered has been told the URL."""

    def handshake_expected(self, delivery: Delivery) -> bool:
        return (
            self.handshake_key is not None
            and delivery.key is not None
            and hmac.compare_digest(self.handshake_key.encode(), delivery.key.encode())
        )


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
    """A handshake's secret: kept for checking the deliveries that follow once the
    registration it belongs to has made its webhook."""


@dataclass(frozen=True, slots=True)
class RemoteHook:
    hook_id: str
    callback_url: str
    active: bool


class Registrar(Protocol):
    handshake: bool
    """The tool sends a secret to echo while a webhook is created (Asana): a webhook
    whose secret is lost must be made again."""

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
