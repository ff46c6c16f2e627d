"""`pairsync webhooks register|list|remove`: one webhook per target that can call back,
pointing at `<public URL>/hooks/<pair>/<target>/<key>`, the key random per registration
(only the tool is told the URL, so only it can answer a handshake; see
`sync.store.webhooks`). Registering twice changes nothing, except that a webhook whose
handshake secret is lost (a rebuilt state) is made again. Asana's handshake reaches the
running `pairsync serve` while the registration waits, so serve must be up and
reachable at the public URL first; Trello's HEAD check likewise. `remove` forgets only
what it removed."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from adapters.hooks import Registrar, hooks_module, registrar, type_of
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


def calls(url: str, base: str) -> bool:
    """Whether a webhook's URL is `base`, or `base` with a registration's key."""
    key = url[len(base) + 1 :] if url.startswith(base + "/") else None
    return url == base or bool(key and "/" not in key)


def register(config: PairConfig, public_url: str, say: Callable[[str], None]) -> bool:
    def act(target: str, hooks: Registrar) -> None:
        base = callback_url(public_url, config.pair.name, target)
        there = [h for h in hooks.hooks() if calls(h.callback_url, base)]
        secret_lost = hooks.handshake and hookstore.load(config, target).secret is None
        if there and not secret_lost:
            for hook in there:  # known again after a state rebuilt without them
                hookstore.registered(config, target, hook.callback_url)
            say(f"{target}: webhook {there[0].hook_id} already registered: {there[0].callback_url}")
            return
        for old in there:
            hooks.remove(old)
        key = secrets.token_urlsafe(18)
        hookstore.expect_handshake(config, target, key)
        try:
            hook = hooks.create(f"{base}/{key}")
            hookstore.registered(config, target, hook.callback_url)
        finally:
            hookstore.settled(config, target)
        made = "replaced (its secret was not stored)" if there else "created"
        say(f"{target}: webhook {hook.hook_id} {made}: {hook.callback_url}")

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
        base = callback_url(public_url, config.pair.name, target)
        mine = [h for h in hooks.hooks() if calls(h.callback_url, base)]
        for hook in mine:
            hooks.remove(hook)
            hookstore.removed(config, target, hook.callback_url)
            say(f"{target}: webhook {hook.hook_id} removed")
        if not mine:
            say(f"{target}: no webhook calls {base}")
            kept = hookstore.load(config, target)
            if kept.secret is not None and not kept.callback_urls:  # sent unasked (Notion)
                hookstore.forget(config, target)
                say(f"{target}: forgot the verification token it sent")

    return _each(config, say, act)


def verification(config: PairConfig, public_url: str | None, say: Callable[[str], None]) -> bool:
    """`pairsync webhooks token`: for each target whose tool proves its webhook with a
    token it sends once (Notion), the steps to verify it, with the token from the state."""
    shown = False
    targets: list[TargetBase] = list(config.targets)
    for target in targets:
        module = hooks_module(type_of(target))
        steps = getattr(module, "verification_steps", None)
        if steps is None:
            continue
        url = callback_url(public_url or "<public URL>", config.pair.name, target.name)
        for line in steps(target, hookstore.load(config, target.name), url):
            say(line)
        shown = True
    if not shown:
        say("pairsync: no target of this pair sends a verification token (Notion's do)")
    return True
