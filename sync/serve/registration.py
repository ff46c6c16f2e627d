"""`pairsync webhooks register|list|remove`: one webhook per target that can call back,
pointing at `<public URL>/hooks/<pair>/<target>`. Registering twice changes nothing.
Asana's handshake reaches the running `pairsync serve` while the registration waits, so
serve must be up and reachable at the public URL first; Trello's HEAD check likewise."""

from __future__ import annotations

from collections.abc import Callable

from adapters.hooks import Registrar, registrar, type_of
from sync.config import PairConfig
from sync.contract import TargetBase
from sync.errors import TargetError
from sync.store import webhooks as hookstore


def callback_url(public_url: str, pair: str, target: str) -> str:
    return f"{public_url.rstrip('/')}/hooks/{pair}/{target}"


def _each(
    config: PairConfig, say: Callable[[str], None], act: Callable[[str, Registrar], None]
) -> bool:
    """Run `act` per target with webhooks; one line per failure; False if any failed."""
    ok = True
    targets: list[TargetBase] = list(config.targets)
    for target in targets:
        made = registrar(target)
        if made is None:
            say(f"{target.name}: a {type_of(target)} target sends no webhooks; serve polls it")
            continue
        try:
            act(target.name, made)
        except TargetError as exc:
            say(f"pairsync: {exc}")
            ok = False
        finally:
            made.close()
    return ok


def register(config: PairConfig, public_url: str, say: Callable[[str], None]) -> bool:
    def act(target: str, hooks: Registrar) -> None:
        url = callback_url(public_url, config.pair.name, target)
        hookstore.expect_handshake(config.state_path, target, url)
        try:
            there = [h for h in hooks.hooks() if h.callback_url == url]
            hook = there[0] if there else hooks.create(url)
        finally:
            hookstore.settled(config.state_path, target)
        state = "already registered" if there else "created"
        say(f"{target}: webhook {hook.hook_id} {state}: {url}")

    return _each(config, say, act)


def show(config: PairConfig, say: Callable[[str], None]) -> bool:
    def act(target: str, hooks: Registrar) -> None:
        found = hooks.hooks()
        for hook in found:
            say(
                f"{target}: webhook {hook.hook_id}: {hook.callback_url}"
                + ("" if hook.active else " (inactive)")
            )
        if not found:
            say(f"{target}: no webhook")

    return _each(config, say, act)


def remove(config: PairConfig, public_url: str, say: Callable[[str], None]) -> bool:
    def act(target: str, hooks: Registrar) -> None:
        url = callback_url(public_url, config.pair.name, target)
        mine = [h for h in hooks.hooks() if h.callback_url == url]
        for hook in mine:
            hooks.remove(hook)
            say(f"{target}: webhook {hook.hook_id} removed")
        if not mine:
            say(f"{target}: no webhook calls {url}")
        hookstore.forget(config.state_path, target)

    return _each(config, say, act)
