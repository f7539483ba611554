"""The whole test database as one text: for checks that a value is stored nowhere (a
password, a secret) or only where it should be."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db


def all_text_in_database() -> str:
    """Every value of every column of every table, as one text (for 'not anywhere' checks)."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            for value in row:
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("utf-8", "replace")
                parts.append(str(value))
    return "\n".join(parts)
