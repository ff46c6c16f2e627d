"""Requests per run, as the service counted them: a first push of N items, the rerun right
after it (which sees the tool's echo of pairsync's own writes), the settled rerun after
that, and a run that carries k items a person changed in the other tool."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bench.rigs import TARGET, Run, rig
from sync.model import Kind


@dataclass(frozen=True)
class Traffic:
    kind: str
    n: int
    k: int
    first_push: int
    echo_rerun: int
    settled_rerun: int
    k_changes: int
    problems: int
    steps: int
    """Five Whys steps pairsync gave each problem."""
    served_per_second: float
    """The push's requests over its seconds with no rate limit: the simulator's capacity."""
    echo_routes: Counter[str]
    itemised: bool = False
    """The feed reported the Five Whys copies step by step (`bench.rigs.rig`)."""


def measure(kind: str, n: int, k: int = 10, itemised: bool = False) -> Traffic:
    with rig(kind, itemised=itemised) as bench_rig:
        bench_rig.type_items(n)
        push = bench_rig.sync()
        _expect(push, created=n)
        echo = bench_rig.sync()
        settled = bench_rig.sync()
        _expect(echo)
        _expect(settled)
        bench_rig.edit_items(k)
        changed = bench_rig.sync()
        _expect(changed, updated=k)
        board = bench_rig.source.items.values()
        problems = [r.item for r in board if r.item.kind is Kind.PROBLEM]
    return Traffic(
        kind,
        n,
        k,
        push.requests,
        echo.requests,
        settled.requests,
        changed.requests,
        len(problems),
        len(problems[0].steps) if problems else 0,
        push.requests / push.seconds,
        echo.routes,
        itemised,
    )


def _expect(run: Run, created: int = 0, updated: int = 0) -> None:
    """The run wrote what the scenario calls for, nothing more: else its count means nothing."""
    target = run.summary.targets[TARGET]
    if (target.created, target.updated, target.archived) != (created, updated, 0):
        raise RuntimeError(
            f"expected {created} created and {updated} updated, got {target.created} "
            f"created, {target.updated} updated, {target.archived} archived"
        )
