"""Statements scoped to one pair: the pair's name is always the first parameter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

import psycopg


class PairKeyed:
    db: psycopg.Connection[Any]
    pair: str

    def run(self, statement: LiteralString, *params: object) -> psycopg.Cursor[Any]:
        return self.db.execute(statement, (self.pair, *params))

    def one(self, statement: LiteralString, *params: object) -> Sequence[Any] | None:
        row: Sequence[Any] | None = self.run(statement, *params).fetchone()
        return row

    def many(self, statement: LiteralString, rows: list[tuple[object, ...]]) -> None:
        with self.db.cursor() as cursor:
            cursor.executemany(statement, [(self.pair, *row) for row in rows])
