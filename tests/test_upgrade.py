"""Upgrades (issue 16): a database as the previous release left it — migrated only to that
release's schema revision and filled by its own code (tests/data/upgrade/) — follows the
README's runbook to this release: nothing is lost and the portal serves it. Both engines.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from sqlalchemy import MetaData, create_engine, func, select, text

import portal
from portal import create_app
from portal.config import with_driver
from portal.extensions import db
from portal.models import Dispatch, Role, Submission
from portal.services.users import create_user
from tests.conftest import DATA, PASSWORD, app_config, login
from tests.support.environment import portal_environment
from tests.support.release_data import load

PREVIOUS = DATA / "upgrade" / "release-0.2.0.json"


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def counts(url: str) -> dict[str, int]:
    engine = create_engine(with_driver(url))
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        found = {
            name: connection.execute(select(func.count()).select_from(table)).scalar()
            for name, table in meta.tables.items()
            if not name.startswith(("alembic_version", "site_search"))
        }
    engine.dispose()
    return found


def digests(url: str, table: str, column: str) -> dict[int, str]:
    engine = create_engine(with_driver(url))
    with engine.connect() as connection:
        rows = connection.execute(text(f'SELECT id, {column} FROM "{table}"'))  # noqa: S608
        found = {row[0]: hashlib.sha256(bytes(row[1] or b"")).hexdigest() for row in rows}
    engine.dispose()
    return found


def test_the_previous_releases_database_upgrades_with_nothing_lost(empty_database, tmp_path):
    url = empty_database
    env = portal_environment(
        {
            "DATABASE_URL": url,
            "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test",
        }
    )
    # The previous release, as it was left: its schema, its data.
    installed = flask(env, "db", "upgrade", "0012")
    assert installed.returncode == 0, installed.stderr
    before = load(url, PREVIOUS)
    old_counts = {name: len(rows) for name, rows in before["tables"].items()}
    old_raw = digests(url, "inbound_message", "raw")
    old_files = digests(url, "attachment", "content")
    assert old_counts["inbound_message"] == 10 and old_counts["submission"] == 5

    # The runbook: (the poller stopped) back up, update the code, upgrade, start again.
    backup = flask(env, "backup", str(tmp_path / "before-upgrade.tar.gz"))
    assert backup.returncode == 0, backup.stderr
    upgraded = flask(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    version = flask(env, "version")
    assert version.returncode == 0 and portal.__version__ in version.stdout
    assert portal.schema_head() in version.stdout

    after = counts(url)
    for name, count in old_counts.items():
        assert after[name] == count, name
    assert digests(url, "inbound_message", "raw") == old_raw  # every stored byte kept
    assert digests(url, "attachment", "content") == old_files

    app = create_app(app_config(url))
    with app.app_context():
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            portal.schema_head()
        )
        create_user("kiemtra@example.org", PASSWORD, role=Role.EDITOR)
        submission = db.session.scalar(select(Submission).order_by(Submission.id))
        dispatch = db.session.scalar(select(Dispatch).order_by(Dispatch.id))
        review = f"/admin/submission/review/{submission.id}"
        report = f"/admin/dispatch/report/{dispatch.id}"
    client = app.test_client()
    assert login(client, "kiemtra@example.org").status_code == 302
    for page in ("/admin/", "/admin/inboundmessage/", "/admin/outboundmessage/", review, report):
        assert client.get(page).status_code == 200, page
    assert "Huyện Đoàn" in client.get("/admin/recipient/").text
    with app.app_context():
        db.engine.dispose()


def test_the_version_is_shown_in_the_admin_and_on_the_command_line(app, client, as_role):
    as_role("viewer")
    footer = client.get("/admin/").text.split('id="portal-version"')[1].split("</")[0]
    assert portal.__version__ in footer
    result = app.test_cli_runner().invoke(args=["version"])
    assert portal.__version__ in result.output and portal.schema_head() in result.output


def test_the_changelog_names_each_releases_schema_revision():
    changelog = (Path(portal.__file__).parent.parent / "CHANGELOG.md").read_text()
    assert f"## {portal.__version__} " in changelog
    entry = changelog.split(f"## {portal.__version__} ")[1].split("\n## ")[0]
    assert f"schema {portal.schema_head()}" in entry
    assert "## 0.2.0 " in changelog and "schema 0012" in changelog
