"""The sites search through its trigram index (migration 0010), on both engines: the same
accent-insensitive substring search as the scan it replaces, an index that follows every
insert, update and delete, and a migration that goes down and up (and on PostgreSQL, goes on
without the index when it may not create pg_trgm)."""

from __future__ import annotations

import datetime as dt
import uuid

import flask_migrate
import pytest
from sqlalchemy import delete, inspect, make_url, select, text, update

from mailin.text import fold
from mailin.urls import normalize_url
from portal import create_app
from portal import search as search_index
from portal.extensions import db
from portal.models import Site, Submission
from tests.conftest import ENGINES, app_config
from tests.support import postgres
from tests.support.factories import make_dispatch, make_unit

SITES = {
    "Tuổi trẻ Phước Hải": "facebook.com/tuoitrephuochai",
    "Đoàn xã Phước Dinh": "phuocdinh.ninhphuoc.ninhthuan.gov.vn",
    "Cổng thông tin huyện Ninh Phước": "ninhphuoc.ninhthuan.gov.vn",
    "Tuổi trẻ Ninh Hải": "tiktok.com/@tuoitreninhhai",
    "Chi đoàn 100% online": "zalo.me/chidoan",
}


def add_sites(app, sites: dict[str, str]) -> None:
    with app.app_context():
        unit = make_unit(f"U{uuid.uuid4().hex[:6]}", "Huyện Đoàn Ninh Phước")
        dispatch = make_dispatch(
            f"N{uuid.uuid4().hex[:6]}",
            "V/v báo cáo trang mạng",
            dt.date(2024, 1, 1),
            dt.date(2024, 1, 9),
            units=[unit],
        )
        submission = Submission(unit=unit, dispatch=dispatch)
        submission.sites = [
            Site(name=name, url=url, url_normalized=normalize_url(url))
            for name, url in sites.items()
        ]
        db.session.add(submission)
        db.session.commit()


def add_site_as_of_0009(app, name: str, url: str) -> None:
    """A row added to an earlier return while the schema is that of revision 0009 (the
    models know later columns: plain SQL, with the columns that revision has)."""
    with app.app_context():
        submission_id = db.session.scalar(text("SELECT min(id) FROM submission"))
        db.session.execute(
            text(
                "INSERT INTO site (submission_id, position, sheet, name, name_folded, platform,"
                " url, url_normalized, agency, contact, admin_name, phone, email, note)"
                " VALUES (:submission, 99, '', :name, :folded, 'other', :url, :key,"
                " '', '', '', '', '', '')"
            ),
            {
                "submission": submission_id,
                "name": name,
                "folded": fold(name),
                "url": url,
                "key": normalize_url(url),
            },
        )
        db.session.commit()


def found(app, search: str) -> set[str]:
    """The names the sites list's condition finds for what staff typed."""
    with app.app_context():
        columns = [Site.name_folded, Site.url_normalized]
        where = search_index.condition(db.session, Site, columns, fold(search))
        return set(db.session.scalars(select(Site.name).where(where)))


def index_present(app) -> bool:
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        if db.engine.dialect.name == "sqlite":
            return "site_search" in names
        indexes = {index["name"] for index in inspect(db.engine).get_indexes("site")}
        return search_index.POSTGRESQL_INDEXES <= indexes


@pytest.mark.parametrize(
    "term, expected",
    [
        ("phuoc", {"Tuổi trẻ Phước Hải", "Đoàn xã Phước Dinh", "Cổng thông tin huyện Ninh Phước"}),
        ("PHƯỚC hải", {"Tuổi trẻ Phước Hải"}),
        ("ước", {"Tuổi trẻ Phước Hải", "Đoàn xã Phước Dinh", "Cổng thông tin huyện Ninh Phước"}),
        ("Tuổi trẻ", {"Tuổi trẻ Phước Hải", "Tuổi trẻ Ninh Hải"}),
        # A word of the name and a word of the address, each in its own column.
        ("tuoi tiktok", {"Tuổi trẻ Ninh Hải"}),
        ("itrephuoch", {"Tuổi trẻ Phước Hải"}),  # inside the address
        ("ninhphuoc.ninh", {"Đoàn xã Phước Dinh", "Cổng thông tin huyện Ninh Phước"}),
        # Shorter than a trigram: searched by the scan, still found.
        ("hả", {"Tuổi trẻ Phước Hải", "Tuổi trẻ Ninh Hải"}),
        ("hai xa", set()),
        ("xa", {"Đoàn xã Phước Dinh"}),
        # Flask-Admin's prefixes and LIKE wildcards keep their meaning.
        ("^tuoi", {"Tuổi trẻ Phước Hải", "Tuổi trẻ Ninh Hải"}),
        ("=tuoi tre ninh hai", set()),  # one word per space: "=tuoi" equals nothing
        ("ph_oc dinh", {"Đoàn xã Phước Dinh"}),
        ("100%", {"Chi đoàn 100% online"}),
        ('"phuoc', set()),
        ("bac ai", set()),
    ],
)
def test_the_search_finds_accent_insensitive_substrings(app, term, expected):
    add_sites(app, SITES)
    assert index_present(app)
    assert found(app, term) == expected


def test_the_sites_list_searches_through_the_index(app, client, as_role):
    add_sites(app, SITES)
    as_role("viewer")
    page = client.get("/admin/site/?search=Phước hải").text
    assert "Tuổi trẻ Phước Hải" in page
    assert "Đoàn xã Phước Dinh" not in page and "Tuổi trẻ Ninh Hải" not in page
    for term in ("ph", '"', "%", "tuoi AND", "NEAR(tuoi)", "x" * 600, "tuoi\x00tre"):
        assert client.get("/admin/site/", query_string={"search": term}).status_code == 200


def test_the_search_uses_the_index(app):
    add_sites(app, SITES)
    with app.app_context():
        columns = [Site.name_folded, Site.url_normalized]
        where = search_index.condition(db.session, Site, columns, "tuoi phuoc")
        query = select(Site.id).where(where)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            plan = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            assert any("site_search VIRTUAL TABLE" in row[-1] for row in plan), plan
        else:
            # Five rows are scanned sooner; forbidding the scan shows the index would serve.
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
            assert "ix_site_name_folded_trgm" in plan, plan
            assert "ix_site_url_normalized_trgm" in plan, plan


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL is not tested here")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_an_exact_address_lookup_takes_the_b_tree_not_the_search_index(app):
    """The duplicate-address check of every return looks addresses up exactly. With the
    trigram index on the column itself, PostgreSQL took it for `=` (9 ms a return through
    its pending list, against 0.1 ms): since migration 0019 it cannot."""
    # A dispatch's worth of rows, in the index's pending list as the intake leaves them.
    many = {f"Chi đoàn {n}": f"facebook.com/chidoan{n}" for n in range(2000)}
    add_sites(app, many)
    with app.app_context():
        urls = [normalize_url(url) for url in list(many.values())[::100]]
        query = select(Site.submission_id).where(Site.url_normalized.in_(urls))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
    assert "ix_site_url_normalized " in plan + " " and "_trgm" not in plan, plan


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL is not tested here")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_every_connection_plans_each_statement_for_its_values(app):
    """psycopg prepares a statement from its fifth run; a generic plan PostgreSQL made while
    `site` was empty kept scanning it on a deadline day (portal/database.py). Every
    connection, the poller's lock connection (autocommit) included, plans afresh."""
    with app.app_context():
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            assert conn.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        db.session.rollback()  # a rolled-back transaction does not undo it
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"


def test_the_index_follows_inserts_updates_and_deletes(app):
    add_sites(app, SITES)
    add_sites(app, {"Trang Phường Đông Hải": "phuongdonghai.vn"})
    assert found(app, "phuong dong") == {"Trang Phường Đông Hải"}
    with app.app_context():
        site = db.session.scalars(select(Site).where(Site.name == "Tuổi trẻ Phước Hải")).one()
        site.name = "Thanh niên Phước Hải"  # the model folds it into name_folded
        site.url_normalized = "facebook.com/thanhnienphuochai"
        db.session.commit()
        db.session.execute(
            update(Site)
            .where(Site.name == "Tuổi trẻ Ninh Hải")
            .values(url_normalized="youtube.com/@doanninhhai")
        )
        db.session.commit()
    assert found(app, "thanh nien") == {"Thanh niên Phước Hải"}
    assert found(app, "tuoi tre") == {"Tuổi trẻ Ninh Hải"}
    assert found(app, "tuoitrephuoc") == set()
    assert found(app, "youtube") == {"Tuổi trẻ Ninh Hải"}
    assert found(app, "tiktok") == set()
    with app.app_context():
        db.session.delete(db.session.scalars(select(Site).where(Site.name.like("Đoàn xã%"))).one())
        db.session.commit()
        # A return deleted in SQL takes its rows with it (ON DELETE CASCADE).
        submission_id = db.session.scalars(
            select(Site.submission_id).where(Site.name == "Trang Phường Đông Hải")
        ).one()
        db.session.execute(delete(Submission).where(Submission.id == submission_id))
        db.session.commit()
    assert found(app, "phuoc") == {"Thanh niên Phước Hải", "Cổng thông tin huyện Ninh Phước"}
    assert found(app, "phuong dong") == set()
    assert found(app, "dinh") == set()


def test_the_migration_goes_down_and_up_again(app):
    add_sites(app, SITES)
    assert index_present(app)
    with app.app_context():
        flask_migrate.downgrade(revision="0009")
        db.engine.dispose()
    assert not index_present(app)
    # Without the index the search scans, with the same answer.
    assert found(app, "phuoc hai") == {"Tuổi trẻ Phước Hải"}
    add_site_as_of_0009(app, "Đoàn phường Mỹ Hải", "myhai.vn")  # added while there was no index
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    assert index_present(app)
    assert found(app, "my hai") == {"Đoàn phường Mỹ Hải"}
    assert found(app, "phuoc hai") == {"Tuổi trẻ Phước Hải"}
    add_sites(app, {"Đoàn phường Đô Vinh": "dovinh.vn"})  # the triggers are back too
    assert found(app, "do vinh") == {"Đoàn phường Đô Vinh"}


@pytest.fixture
def pg_role_database(pg_server):
    """make(owner): a new database and a new role without superuser (its owner, or not): the
    URL connecting as that role."""
    made = []

    def make(owner: bool) -> str:
        role, name = f"r_{uuid.uuid4().hex[:10]}", f"d_{uuid.uuid4().hex[:10]}"
        postgres.admin_sql(pg_server.url, f'CREATE ROLE "{role}" LOGIN NOSUPERUSER')
        owned = f' OWNER "{role}"' if owner else ""
        postgres.admin_sql(pg_server.url, f'CREATE DATABASE "{name}"{owned}')
        database = postgres.with_database(pg_server.url, name)
        # PostgreSQL 15: only the owner may create in schema public unless granted.
        postgres.admin_sql(database, f'GRANT ALL ON SCHEMA public TO "{role}"')
        made.append((role, name))
        return make_url(database).set(username=role, password=None).render_as_string(False)

    yield make
    for role, name in made:
        postgres.admin_sql(pg_server.url, f'DROP DATABASE "{name}" WITH (FORCE)')
        postgres.admin_sql(pg_server.url, f'DROP ROLE "{role}"')


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL is not tested here")
@pytest.mark.parametrize("owner", [True, False], ids=["database-owner", "not-owner"])
def test_on_postgresql_the_migration_needs_no_superuser(pg_role_database, owner):
    """pg_trgm is a trusted extension: the database's owner creates it. A role that may not
    gets the schema without the index, and a search that scans."""
    app = create_app(app_config(pg_role_database(owner)))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    assert index_present(app) is owner
    add_sites(app, SITES)
    assert found(app, "phuoc hai") == {"Tuổi trẻ Phước Hải"}
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()
