"""`flask db upgrade` builds the schema on an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect, select, text
from sqlalchemy.sql import sqltypes

from portal import create_app
from portal.extensions import db
from portal.models import Attachment, OfficialPage, Site
from portal.search import include_name
from tests.conftest import app_config


def test_upgrade_builds_every_table_and_loads_the_official_pages(empty_database):
    app = create_app(app_config(empty_database))
    with app.app_context():
        flask_migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        pages = db.session.scalars(select(OfficialPage).order_by(OfficialPage.id)).all()
        assert len(pages) == 7
        assert pages[0].name == "Ban Tuyên giáo TW Đoàn TNCS Hồ Chí Minh"
        assert pages[-1].url_normalized == "doanthanhnienninhthuan.org.vn"
        db.engine.dispose()


def test_the_migrations_match_the_models(empty_database):
    """No model change is missing a migration (autogenerate would find nothing to do)."""
    app = create_app(app_config(empty_database))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            # As migrations/env.py: the search indexes of migration 0010 are not in the models.
            opts = {"compare_type": True, "include_name": include_name}
            context = MigrationContext.configure(connection, opts=opts)
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_downgrade_to_nothing_and_up_again(empty_database):
    app = create_app(app_config(empty_database))
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        db.engine.dispose()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    assert "official_page" in inspect(engine).get_table_names()
    engine.dispose()


def test_0015_moves_the_macros_note_into_its_column_and_drops_our_own_table_names(
    empty_database,
):
    """Data written by 0.3.0: "macros: …" in attachment.error, "Bảng 1" and "CSV" as the
    sheet of rows read from a document or a CSV file. After 0015 the flag is a column and a
    row's sheet is only a name the unit gave; a real sheet name is kept."""
    app = create_app(app_config(empty_database))
    with app.app_context():
        flask_migrate.upgrade(revision="0014")
        add = rows_writer()
        add("unit", id=1, code="U1", name="Đoàn A")
        add("dispatch", id=1, number="422", subject="s")
        add("inbound_message", id=1, status="processed")
        add(
            "attachment",
            id=1,
            inbound_message_id=1,
            filename="a.xlsm",
            status="read",
            error="macros: vbaProject.bin",
        )
        add(
            "attachment",
            id=2,
            inbound_message_id=1,
            filename="b.xlsx",
            status="no_table",
            error="no table with the form's columns",
        )
        add("submission", id=1, dispatch_id=1, unit_id=1, status="received")
        for number, sheet in enumerate(["Bảng 1", "CSV", "Danh sách"], 1):
            add("site", id=number, submission_id=1, sheet=sheet, platform="website")
        db.session.commit()
        flask_migrate.upgrade()
        files = db.session.execute(
            select(Attachment.filename, Attachment.has_macros, Attachment.error).order_by(
                Attachment.id
            )
        ).all()
        sheets = db.session.scalars(select(Site.sheet).order_by(Site.id)).all()
        db.session.commit()  # our read locks would block the downgrade's ALTER (PostgreSQL)
        flask_migrate.downgrade(revision="0014")
        errors_after_downgrade = db.session.scalars(
            text("SELECT error FROM attachment ORDER BY id")
        ).all()
        db.session.commit()
        db.engine.dispose()
    assert files == [
        ("a.xlsm", True, "vbaProject.bin"),
        ("b.xlsx", False, "no table with the form's columns"),
    ]
    assert sheets == ["", "", "Danh sách"]
    assert errors_after_downgrade == ["macros: vbaProject.bin", "no table with the form's columns"]


def rows_writer():
    """add(table, **values): a row as an older release wrote it, in the schema the database
    has now (reflected), every other required column given a blank of its type."""
    tables = MetaData()
    tables.reflect(db.engine)
    blanks = {
        sqltypes.String: "",
        sqltypes.Integer: 0,
        sqltypes.Boolean: False,
        sqltypes.Date: dt.date(2026, 1, 1),
        sqltypes.DateTime: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }

    def blank(column):
        return next(value for kind, value in blanks.items() if isinstance(column.type, kind))

    def add(table_name: str, /, **values) -> None:
        table = tables.tables[table_name]
        for column in table.columns:
            required = not column.nullable and column.server_default is None
            if required and column.name not in values:
                values[column.name] = blank(column)
        db.session.execute(table.insert().values(**values))

    return add
