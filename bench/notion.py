"""`python -m bench.notion`: the Notion rows of the performance budget on their own (the
full `python -m bench` measures them among the others): requests of a first push of N
items, of the rerun right after it (the echo), of a settled rerun and of a run after k
changes, for N = 100 and 1,000; and a first push of 1,000 items under Notion's 3 requests
per second on a real clock (some six minutes), its wall time against the least the limit
allows and its 429 answers. Written to bench/NOTION.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from bench import paced, traffic
from bench.rows import paced_rows, traffic_rows
from bench.run import report

OUTPUT = Path(__file__).with_name("NOTION.md")
NOTES = [
    "Requests are what the Notion simulator counted (429 answers included); each run builds "
    "a fresh adapter, as a cron run is a fresh process. The board comes from an in-memory "
    "target that costs none. A quarter of the items are problems; pairsync adds the 8 "
    "default Five Whys steps to each, inside the page's one `POST /pages` (a heading and 8 "
    "to-dos: 9 of the 100 blocks a request may carry).",
    "Runs are a quarter of an hour apart on the simulator's clock, as with cron every 15 "
    "minutes (Notion rounds `last_edited_time` to the minute; runs seconds apart would see "
    "the last run's pages again).",
    "First push: 1 query, the data source's properties read and completed (2), then one "
    "request per page. Echo rerun: the query of pages edited since the last run (with a "
    "minute's overlap) returns the N pages just written, 100 a request; each carries the "
    "stamp pairsync's own write answered (minute, editor, properties), so none is read "
    "again. Settled rerun: the one query, empty. k changes: the query, then one "
    "`PATCH /pages` per retitled page (the title property's name is kept in the cursor).",
    "Pacing: 90 requests per 30 s per integration token (Notion's average of 3 a second, "
    "with its bursts), counted 2 % longer and half a second more because pairs share it.",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notion", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="N = 20, a push of 20 paced")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    rows = []
    for n in (20,) if args.quick else (100, 1000):
        print(f"… requests: notion, N = {n:,}", flush=True)
        rows += traffic_rows(traffic.measure("notion", n, 3 if args.quick else 10))
    size = 20 if args.quick else 1000
    print(f"… rate-limited push: notion, N = {size:,}", flush=True)
    rows += paced_rows(paced.measure("notion", size))
    text = report(rows, NOTES, args.quick, load).replace(
        "`python -m bench`", "`python -m bench.notion`"
    )
    if not args.quick:
        OUTPUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
