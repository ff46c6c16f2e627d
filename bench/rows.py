"""The rows of `python -m bench`'s table: each measured figure beside its target (how
many requests at most, how long at most), and whether it met it."""

from __future__ import annotations

from dataclasses import dataclass

from bench import documents, fleet, paced, scale, traffic, writes

NAMES = {"markdown": "Markdown", "trello": "Trello", "asana": "Asana", "notion": "Notion"}
LATENCY = 0.15
"""Seconds the simulators add to every request in the fleet figures."""


@dataclass(frozen=True)
class Row:
    figure: str
    target: str
    measured: str
    ratio: float | None
    """Measured over target (None: a figure without a target)."""
    allowed: float = 1.0
    """The ratio that still meets the target: 1, or a little more for an "about" target."""

    @property
    def met(self) -> str:
        return "" if self.ratio is None else ("yes" if self.ratio <= self.allowed else "no")


ABOUT = 1.05
"""An "about" (≈) target is met within 5 %."""


def count_row(figure: str, measured: int, limit: int, target: str | None = None) -> Row:
    return Row(figure, target or f"≤ {limit:,}", f"{measured:,}", measured / limit)


def traffic_rows(result: traffic.Traffic) -> list[Row]:
    n, k, name = result.n, result.k, NAMES[result.kind]
    prefix = f"{name}, N = {n:,}:"
    figure = f"{prefix} first push (requests)"
    if result.kind == "trello":
        push = count_row(figure, result.first_push, 2 * n + 5, f"≤ 2N + 5 = {2 * n + 5:,}")
    elif result.kind == "asana":
        floor = n + result.steps * result.problems
        push = count_row(
            figure, result.first_push, floor, f"≈ N + {result.steps} per problem = {floor:,}"
        )
        push = Row(push.figure, push.target, push.measured, push.ratio, ABOUT)
    elif result.kind == "notion":  # a page with its body is one request; the properties 2
        push = count_row(figure, result.first_push, n + 3, f"≤ N + 3 = {n + 3:,}")
    else:
        push = count_row(figure, result.first_push, n, f"≤ N = {n:,}")
    return [
        push,
        echo_row(result),
        count_row(f"{prefix} settled rerun, no change", result.settled_rerun, 1),
        count_row(
            f"{prefix} run after k = {k} changes", result.k_changes, 1 + k, f"≤ 1 + k = {1 + k}"
        ),
    ]


def documents_rows(result: documents.Published) -> list[Row]:
    n, k = result.documents, result.k
    prefix = f"{documents.NAMES[result.kind]}, {n} documents (decisions log, {n - 1} Five Whys):"
    changed = result.changed_documents
    return [
        count_row(
            f"{prefix} first publish (requests)",
            result.first,
            2 * n + 3,
            f"≤ 2 per document + 3 = {2 * n + 3}",
        ),
        count_row(f"{prefix} run right after it", result.echo, 1),
        count_row(f"{prefix} settled run, no change", result.settled, 1),
        count_row(
            f"{prefix} run after k = {k} problems retitled ({changed} documents updated)",
            result.k_changes,
            1 + 3 * changed,
            f"≤ 1 + 3 per updated document = {1 + 3 * changed}",
        ),
    ]


def paced_rows(result: paced.Paced) -> list[Row]:
    name = NAMES[result.kind]
    rate = f"{result.limit} / {result.window:g} s"
    what = f"{name}: first push of {result.n:,} under {rate}, clock x{result.speed:g}"
    return [
        Row(
            f"{what} ({result.needed:,} requests)",
            f"≤ 1.05 x bound = {1.05 * result.bound:,.0f} s",
            f"{result.seconds:,.0f} s = {result.seconds / result.bound:.2f} x bound "
            f"({result.bound:,.0f} s)",
            result.seconds / (1.05 * result.bound),
        ),
        Row(f"{what}: answered 429", "0", f"{result.throttled:,}", result.throttled, 0),
    ]


def fleet_rows(key: fleet.SharedKey, pair: fleet.SettledPair, many: fleet.PerMachine) -> list[Row]:
    ms = f"{LATENCY * 1000:.0f} ms per request, clock x1"
    bound = 1.2 * pair.latency + pair.local_seconds
    shared = f"Shared key: {key.pairs} pairs x {key.items} items, one Trello API key, first push"
    run = many.run
    what = f"Pairs per machine: settled run of {many.pairs:,} pairs x 3 targets, {ms}"
    return [
        Row(
            f"Targets in parallel: settled pair of 3 targets (Markdown, Trello, Asana), {ms} "
            f"({pair.requests} requests)",
            f"≤ 1.2 x {pair.latency * 1000:.0f} ms + local {pair.local_seconds * 1000:.0f} ms "
            f"= {bound * 1000:.0f} ms",
            f"{pair.seconds * 1000:.0f} ms",
            pair.seconds / bound,
        ),
        Row(
            f"{shared} in one `--config-dir` run ({key.requests:,} requests in "
            f"{key.seconds:.0f} s, clock x1): busiest 10 s of the key",
            f"≤ {key.key_limit}",
            f"{key.busiest_window}",
            key.busiest_window / key.key_limit,
        ),
        Row(f"{shared}: answered 429", "0", f"{key.throttled}", key.throttled, 0),
        Row(
            f"{what}, wall time ({many.requests:,} requests, {many.throttled} answered 429)",
            "",
            f"{run.seconds:.1f} s",
            None,
        ),
        Row(f"{what}, CPU time (user + system)", "", f"{run.cpu_seconds:.1f} s", None),
        Row(
            f"{what}, peak PSS (RSS) of its processes together",
            "",
            f"{run.peak_pss_mib or 0:.0f} MiB ({run.peak_mib:.0f} MiB)",
            None,
        ),
        Row(
            f"Pairs per machine: pairs of 3 targets one run finishes in 15 minutes, {ms} "
            f"(extrapolated from the {many.pairs:,}-pair run)",
            "≥ 5,000",
            f"{many.pairs_per_window:,.0f}",
            5000 / many.pairs_per_window,
        ),
    ]


def writes_rows(pair: writes.WritingPair, push: writes.FirstPush) -> list[Row]:
    ms = f"{pair.latency * 1000:.0f} ms per request, clock x1"
    counted = ", ".join(f"{NAMES[name]} {r} + {w}" for name, (r, w) in pair.requests.items())
    bound = 1.2 * pair.floor + pair.local_seconds
    what = (
        f"First push: {push.pairs} pairs x {push.items} items from Markdown to Trello (one "
        f"API key) and Asana, one `--config-dir` run, {push.latency * 1000:.0f} ms per "
        f"request, clock x1 (Trello {push.requests['trello']:,} requests, Asana "
        f"{push.requests['asana']:,})"
    )
    return [
        Row(
            f"Targets in parallel: a pair whose 3 targets each have writes ({pair.edits} "
            f"retitles in the file, {pair.edits} in Trello), {ms} (reads + writes: {counted})",
            f"≤ 1.2 x slowest reads + slowest writes ({pair.floor * 1000:,.0f} ms) + local "
            f"{pair.local_seconds * 1000:.0f} ms = {bound * 1000:,.0f} ms",
            f"{pair.seconds * 1000:,.0f} ms",
            pair.seconds / bound,
        ),
        Row(
            f"{what}: wall time",
            f"≤ 1.05 x key bound = {1.05 * push.floor:,.0f} s",
            f"{push.run.seconds:,.0f} s = {push.run.seconds / push.floor:.2f} x bound "
            f"({push.floor:,.0f} s)",
            push.run.seconds / (1.05 * push.floor),
        ),
        Row(
            f"{what}: answered 429",
            "0",
            ", ".join(f"{NAMES[name]} {n:,}" for name, n in push.throttled.items()),
            sum(push.throttled.values()),
            0,
        ),
        Row(
            f"{what}: busiest 10 s of the key",
            f"≤ {push.key_limit}",
            f"{push.busiest_window}",
            push.busiest_window / push.key_limit,
        ),
        Row(
            f"{what}: CPU time, peak RSS",
            "",
            f"{push.run.cpu_seconds:,.0f} s, {push.run.peak_mib:,.0f} MiB",
            None,
        ),
    ]


def local_rows(result: dict[str, float], n: int, large: dict[str, float], m: int) -> list[Row]:
    return [
        Row(
            f"Local: read + merge + plan of {n:,} items (best of 3; CPU time, wall beside it)",
            "< 1 s",
            f"{result['cpu_seconds']:.2f} s ({result['seconds']:.2f} s wall)",
            result["cpu_seconds"],
        ),
        Row(
            f"Local: peak Python heap for {n:,} items (tracemalloc, separate pass)",
            "< 200 MB",
            f"{result['peak_mib']:.0f} MiB",
            result["peak_mib"] * 2**20 / 200e6,
        ),
        Row(
            f"Local: read + merge + plan of {m:,} items (best of 2; CPU time, wall beside it)",
            "< 8 s",
            f"{large['cpu_seconds']:.2f} s ({large['seconds']:.2f} s wall)",
            large["cpu_seconds"] / 8,
        ),
    ]


def scale_rows(result: scale.Scale) -> list[Row]:
    what = f"`--config-dir`, {result.pairs} pairs x {result.items} items (Markdown)"
    return [
        Row(f"Scale: {what}, first sync wall time", "", f"{result.first.seconds:.1f} s", None),
        Row(f"Scale: {what}, first sync CPU time", "", f"{result.first.cpu_seconds:.1f} s", None),
        Row(f"Scale: {what}, rerun wall time", "", f"{result.rerun.seconds:.1f} s", None),
        Row(
            f"Scale: {what}, peak RSS of the process", "", f"{result.first.peak_mib:.0f} MiB", None
        ),
    ]


def echo_row(result: traffic.Traffic) -> Row:
    """The rerun right after the push, in the shape the feed reported the Five Whys copies
    in: the one Asana request per 100 events is the floor there."""
    shape = {
        ("trello", False): ", Five Whys copies as the card's copy",
        ("trello", True): ", Five Whys copies as a checklist's and each step's creation",
        ("asana", False): ", Five Whys steps as their own added events",
        ("asana", True): ", Five Whys steps as their parents' changed events",
    }.get((result.kind, result.itemised), "")
    figure = f"{NAMES[result.kind]}, N = {result.n:,}: rerun right after the push (echo){shape}"
    if result.kind == "notion":  # the query returns the N pages just written, 100 a request
        pages = -(-result.n // 100)
        return count_row(figure, result.echo_rerun, pages, f"≤ query pages of N = {pages}")
    feed = {"asana": ("/events", "event pages"), "trello": ("/actions", "action pages")}
    if result.kind not in feed:
        return count_row(figure, result.echo_rerun, 1)
    route, pages_of = feed[result.kind]  # the change feed: one request a page of it
    pages = sum(
        n for r, n in result.echo_routes.items() if r.startswith("GET ") and r.endswith(route)
    )
    return count_row(figure, result.echo_rerun, 1 + pages, f"≤ 1 + {pages_of} = {1 + pages}")
