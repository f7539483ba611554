"""Consolidated export: a dispatch with UNITS units × ROWS rows; the xlsx export (the
consolidated result read from the database, its figures, documents.workbook) against a
bare xlsxwriter write of the same cells.

Children:
    python -m bench.export real CELLS     the export; then its cells (read back) into CELLS
    python -m bench.export floor CELLS    xlsxwriter writes those cells, nothing else
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import sys

from sqlalchemy import select

from bench.child import Timer, emit, profiled
from bench.generate import DISPATCH_NUMBER, units


def seed(unit_count: int, rows: int) -> int:
    """Units, the dispatch and its roster, each unit's current return with `rows` rows, and
    2 % more units on the roster that have not reported; inside an app context. How many
    rows were stored."""
    from bench.database import seed_returns, seed_roster

    pool = units(unit_count + max(1, unit_count // 50))
    dispatch_id, ids = seed_roster(pool)
    return seed_returns(dispatch_id, pool[:unit_count], ids, rows)


def real(cells_path: str) -> None:
    from python_calamine import CalamineWorkbook

    from portal import create_app
    from portal.extensions import db
    from portal.models import Dispatch
    from portal.services.consolidated_reply.documents import workbook
    from portal.services.consolidated_reply.figures import consolidate, figures
    from portal.services.reminders import today_in_vietnam

    app = create_app()
    with app.app_context():
        dispatch = db.session.scalar(select(Dispatch).where(Dispatch.number == DISPATCH_NUMBER))
        with profiled("export"), Timer() as total:
            with Timer() as reading:
                result = consolidate(dispatch)
                counted = figures(result)
            with Timer() as writing:
                data = workbook(result, counted, today_in_vietnam())
        db.engine.dispose()
    del result
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]
    with open(cells_path, "wb") as handle:
        pickle.dump(sheets, handle)
    emit(
        {
            "seconds": total.seconds,
            "read_seconds": reading.seconds,
            "workbook_seconds": writing.seconds,
            "bytes": len(data),
            "cells": sum(len(r) for _name, rows in sheets for r in rows),
            "rows": len(sheets[1][1]) - 1,
        }
    )


def floor(cells_path: str) -> None:
    import xlsxwriter

    with open(cells_path, "rb") as handle:
        sheets = pickle.load(handle)
    with Timer() as timer:
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        for name, rows in sheets:
            sheet = book.add_worksheet(name)
            for r, values in enumerate(rows):
                for c, value in enumerate(values):
                    if isinstance(value, str):
                        if value:
                            sheet.write_string(r, c, value)
                    elif isinstance(value, dt.date):
                        sheet.write_datetime(r, c, value)
                    else:
                        sheet.write_number(r, c, value)
        book.close()
    emit({"seconds": timer.seconds, "bytes": len(buffer.getvalue())})


if __name__ == "__main__":
    {"real": real, "floor": floor}[sys.argv[1]](sys.argv[2])
