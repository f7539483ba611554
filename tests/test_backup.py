"""Backup and restore (`flask backup`, `flask backup --check`, `flask restore`), on SQLite and
PostgreSQL, run as an installer runs them: `flask --app wsgi ...` processes.

The acceptance test of the issue: a backup taken while the poller ingests 300 messages,
restored into a fresh installation, is one consistent moment of the source: every message
stored by then with its bytes, every return with its rows and its acknowledgement, nothing
half-done, the counts and the schema revision of the manifest; and the restored portal
serves its staff.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import func, make_url, select, text

from portal import create_app
from portal.extensions import db
from portal.models import (
    Attachment,
    InboundMessage,
    InboundStatus,
    OutboundKind,
    OutboundMessage,
    Role,
    Site,
    Submission,
    Unit,
)
from portal.services.backup import BackupDamaged, pg_environment, verify_backup
from portal.services.users import create_user
from tests.conftest import ENGINES, PASSWORD, app_config, login
from tests.support import postgres
from tests.support.environment import portal_environment
from tests.support.factories import make_unit
from tests.support.mailbox import append, count, poller_env, start_poller, wait_for
from tests.support.many_units import mailbox, seed_units


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
STAFF = "admin@example.org"
SECRET_KEY = "source-installation-secret-key\n"
CONFIG_PY = "# the source installation's settings\nHEALTH_MAX_SILENCE_MINUTES = 45\n"


def flask(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """One `flask --app wsgi ...` command in the project folder, as cron or an admin runs it."""
    return subprocess.run(
        [*FLASK, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def installation(database_url: str, instance: Path) -> dict[str, str]:
    """The environment of an installation: its database and instance folder, no portal
    setting inherited from the test run (no SECRET_KEY: config.py generates one)."""
    return portal_environment({"DATABASE_URL": database_url, "PORTAL_INSTANCE_PATH": str(instance)})


def write_instance_secrets(instance: Path) -> None:
    """The source installation's secret key and settings, as an installer leaves them."""
    instance.mkdir(parents=True, exist_ok=True)
    for name, content in (("secret_key", SECRET_KEY), ("config.py", CONFIG_PY)):
        (instance / name).write_text(content)
        (instance / name).chmod(0o600)


@pytest.fixture
def empty_database(request, database_url, tmp_path):
    """make() gives the URL of a new empty database on the test's engine: a SQLite path
    that does not exist yet, or a PostgreSQL database just created (no tables)."""
    created: list[str] = []

    def make() -> str:
        name = f"r_{uuid.uuid4().hex[:12]}"
        if database_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / name / 'portal.sqlite3'}"
        server = request.getfixturevalue("pg_server")
        postgres.admin_sql(server.url, f'CREATE DATABASE "{name}"')
        created.append(name)
        return postgres.with_database(server.url, name)

    yield make
    if created:
        server = request.getfixturevalue("pg_server")
        for name in created:
            postgres.admin_sql(server.url, f'DROP DATABASE "{name}" WITH (FORCE)')


def holds_nothing(url: str) -> bool:
    """No SQLite file, or a PostgreSQL database without tables."""
    if url.startswith("sqlite"):
        return not Path(url.removeprefix("sqlite:///")).exists()
    fresh = create_app(app_config(url))
    try:
        with fresh.app_context():
            return not db.inspect(db.engine).get_table_names()
    finally:
        with fresh.app_context():
            db.engine.dispose()


def manifest_of(backup: Path) -> dict:
    if backup.is_dir():
        return json.loads((backup / "manifest.json").read_text())
    with tarfile.open(backup) as archive:
        return json.load(archive.extractfile("manifest.json"))


def flip_a_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    where = len(data) // 2 if offset is None else offset
    data[where] ^= 0xFF
    path.write_bytes(bytes(data))


def table_counts(app, tables) -> dict[str, int]:
    with app.app_context():
        return {
            name: db.session.scalar(text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608
            for name in tables
        }


def revision(app) -> str:
    with app.app_context():
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def identities(app) -> dict[str, set[tuple]]:
    """The rows that make up the mail and the returns, by what never changes in them."""
    with app.app_context():
        rows = lambda *columns: set(db.session.execute(select(*columns)).all())  # noqa: E731
        return {
            "messages": rows(InboundMessage.id, InboundMessage.message_id, InboundMessage.sha256),
            "submissions": rows(Submission.id, Submission.inbound_message_id, Submission.unit_id),
            "sites": rows(Site.id, Site.submission_id, Site.url),
            "outbox": rows(
                OutboundMessage.id,
                OutboundMessage.message_id,
                OutboundMessage.kind,
                OutboundMessage.inbound_message_id,
            ),
        }


def assert_one_consistent_moment(restored) -> None:
    """What a torn copy would break: every message with its bytes, every processed return
    with its submission, its two rows and its acknowledgement; nothing pointing at a row
    that is not there; nothing processed half-way."""
    with restored.app_context():
        session = db.session
        for raw, size, sha256 in session.execute(
            select(InboundMessage.raw, InboundMessage.size, InboundMessage.sha256)
        ):
            assert raw is not None and len(raw) == size
            assert hashlib.sha256(raw).hexdigest() == sha256
        for content, size, sha256 in session.execute(
            select(Attachment.content, Attachment.size, Attachment.sha256)
        ):
            assert content is not None and len(content) == size
            assert hashlib.sha256(content).hexdigest() == sha256
        submissions = dict(
            session.execute(
                select(Submission.inbound_message_id, func.count(Submission.id)).group_by(
                    Submission.inbound_message_id
                )
            ).all()
        )
        statuses = dict(session.execute(select(InboundMessage.id, InboundMessage.status)).all())
        processed = {id_ for id_, status in statuses.items() if status == InboundStatus.PROCESSED}
        assert set(submissions) == processed, "a processed return without its submission"
        assert set(submissions.values()) <= {1}
        sites = dict(
            session.execute(
                select(Site.submission_id, func.count(Site.id)).group_by(Site.submission_id)
            ).all()
        )
        submission_ids = set(session.scalars(select(Submission.id)))
        assert set(sites) == submission_ids and set(sites.values()) == {2}
        acknowledged = session.scalars(
            select(OutboundMessage.inbound_message_id).where(
                OutboundMessage.kind == OutboundKind.ACKNOWLEDGEMENT
            )
        ).all()
        assert sorted(acknowledged) == sorted(processed), "a return without its acknowledgement"
        assert set(statuses.values()) <= {
            InboundStatus.NEW,
            InboundStatus.PROCESSED,
            InboundStatus.IGNORED,
        }


def assert_serves(url: str, subject_part: str) -> None:
    """The portal on the restored database: the login page, and a member of staff sees the
    inbox list."""
    restored = create_app(app_config(url))
    try:
        client = restored.test_client()
        assert client.get("/login").status_code == 200
        assert login(client, STAFF).status_code == 302
        inbox = client.get("/admin/inboundmessage/")
        assert inbox.status_code == 200 and subject_part in inbox.text
    finally:
        with restored.app_context():
            db.engine.dispose()


@pytest.mark.faults
def test_a_backup_taken_while_the_poller_ingests_1200_messages_restores_one_consistent_moment(
    app, dovecot, folder, database_url, tmp_path, empty_database
):
    # Enough that the backup, a process started once 50 are stored, lands mid-ingest: 300
    # were all stored before it when the intake got faster (0.4.1, about 150 a second).
    total = 1200
    seed_units(app)
    with app.app_context():
        create_user(STAFF, PASSWORD, role=Role.ADMIN)
    instance = tmp_path / "instance"
    write_instance_secrets(instance)
    messages, _returns = mailbox(total)
    append(dovecot, folder, *messages)
    env = poller_env(dovecot, folder, database_url, instance)
    backup = tmp_path / "backups" / "portal.tar.gz"

    started = time.monotonic()
    poller, lines = start_poller(env)
    try:
        assert wait_for(lambda: count(app) >= 50, 120), "".join(lines)
        stored_before = count(app)
        made = flask(env, "backup", str(backup))
        stored_after = count(app)
        assert made.returncode == 0, made.stderr

        def finished() -> bool:
            new = InboundMessage.status == InboundStatus.NEW
            return count(app) == total and count(app, new) == 0

        assert wait_for(finished, 240), "".join(lines)
    finally:
        poller.send_signal(signal.SIGTERM)
        poller.wait(timeout=60)
    ingest_seconds = time.monotonic() - started
    assert poller.returncode == 0, "".join(lines)

    manifest = manifest_of(backup)
    snapshot = manifest["row_counts"]["inbound_message"]
    assert stored_before <= snapshot <= stored_after
    assert snapshot < total, "the backup was not taken while the poller ingested"
    assert f"Backup written to {backup}" in made.stdout
    assert ["inbound_message", str(snapshot)] in [line.split() for line in made.stdout.splitlines()]
    database_file = "database.sqlite3" if database_url.startswith("sqlite") else "database.dump"
    assert set(manifest["files"]) == {database_file, "instance/secret_key", "instance/config.py"}
    assert backup.stat().st_mode & 0o777 == 0o600

    checked = flask(env, "backup", "--check", str(backup))
    assert checked.returncode == 0 and "the backup is sound" in checked.stdout, checked.stderr

    # A fresh installation: a new empty database, an empty instance folder.
    target = empty_database()
    restored_instance = tmp_path / "restored-instance"
    done = flask(installation(target, restored_instance), "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "match the backup's manifest" in done.stdout
    for name, content in (("secret_key", SECRET_KEY), ("config.py", CONFIG_PY)):
        assert (restored_instance / name).read_text() == content
        assert (restored_instance / name).stat().st_mode & 0o777 == 0o600
    assert not list(restored_instance.glob("*.lock"))

    restored = create_app(app_config(target))
    try:
        assert table_counts(restored, manifest["row_counts"]) == manifest["row_counts"]
        assert revision(restored) == revision(app) == manifest["alembic_revision"]
        assert_one_consistent_moment(restored)
        # Against the source, the poller done: the restored rows are the source's, and
        # every message the source had stored at the snapshot is there.
        now, then = identities(app), identities(restored)
        for kind in now:
            assert then[kind] <= now[kind], kind
        last = max(id_ for id_, *_ in then["messages"])
        assert then["messages"] == {row for row in now["messages"] if row[0] <= last}
        assert len(then["messages"]) == snapshot
        with restored.app_context():
            units = db.session.scalar(select(func.count(Unit.id)))
        assert units == 50
    finally:
        with restored.app_context():
            db.engine.dispose()
    assert_serves(target, "Báo cáo theo CV số 422")
    print(f"ingest {ingest_seconds:.1f}s, backup at {snapshot}/{total} messages")


def backup_of(database_url: str, instance: Path, dest: Path) -> dict:
    made = flask(installation(database_url, instance), "backup", str(dest))
    assert made.returncode == 0, made.stderr
    return manifest_of(dest)


def test_restore_refuses_a_database_that_holds_data_and_force_replaces_it(
    app, database_url, tmp_path
):
    seed_units(app, units=5)
    instance = tmp_path / "instance"
    write_instance_secrets(instance)
    backup = tmp_path / "backup"
    manifest = backup_of(database_url, instance, backup)
    assert manifest["row_counts"]["unit"] == 5
    with app.app_context():
        make_unit("LATE", "Đơn vị thêm sau sao lưu")
    env = installation(database_url, instance)
    before = table_counts(app, manifest["row_counts"])

    refused = flask(env, "restore", str(backup))
    assert refused.returncode != 0
    assert "Restore refused, nothing was changed" in refused.stderr
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert table_counts(app, manifest["row_counts"]) == before

    forced = flask(env, "restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    assert table_counts(app, manifest["row_counts"]) == manifest["row_counts"]
    with app.app_context():
        assert db.session.scalar(select(Unit.id).where(Unit.code == "LATE")) is None


def test_restore_keeps_a_different_instance_file_unless_forced(
    app, database_url, tmp_path, empty_database
):
    instance = tmp_path / "instance"
    write_instance_secrets(instance)
    backup = tmp_path / "backup.tar.gz"
    manifest = backup_of(database_url, instance, backup)
    target = empty_database()
    elsewhere = tmp_path / "new-instance"
    elsewhere.mkdir()
    (elsewhere / "config.py").write_text("DATABASE_URL = 'set by the new machine'\n")

    refused = flask(installation(target, elsewhere), "restore", str(backup))
    assert refused.returncode != 0
    assert "instance/config.py exists and differs" in refused.stderr
    assert (elsewhere / "config.py").read_text() == "DATABASE_URL = 'set by the new machine'\n"
    assert (elsewhere / "secret_key").read_text() != SECRET_KEY  # the one made at start-up
    assert holds_nothing(target), "the database was written"

    if os.geteuid() == 0:  # sudo: the files go to the instance folder's owner
        os.chown(elsewhere, 65534, 65534)
    forced = flask(installation(target, elsewhere), "restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    assert (elsewhere / "config.py").read_text() == CONFIG_PY
    assert (elsewhere / "secret_key").read_text() == SECRET_KEY
    if os.geteuid() == 0:
        assert {(elsewhere / n).stat().st_uid for n in ("config.py", "secret_key")} == {65534}
    assert manifest["alembic_revision"] in forced.stdout


def test_check_finds_a_changed_byte_and_restore_refuses_that_backup(
    app, database_url, tmp_path, empty_database
):
    seed_units(app, units=5)
    instance = tmp_path / "instance"
    write_instance_secrets(instance)
    backup = tmp_path / "backup"
    manifest = backup_of(database_url, instance, backup)
    database_file = manifest["database_file"]
    names = {p.relative_to(backup).as_posix() for p in backup.rglob("*") if p.is_file()}
    assert names == {"manifest.json", database_file, "instance/secret_key", "instance/config.py"}
    assert all((backup / name).stat().st_mode & 0o777 == 0o600 for name in names)
    env = installation(database_url, instance)

    sound = flask(env, "backup", "--check", str(backup))
    assert sound.returncode == 0, sound.stderr
    assert ["unit", "5"] in [line.split() for line in sound.stdout.splitlines()]
    flip_a_byte(backup / database_file)
    damaged = flask(env, "backup", "--check", str(backup))
    assert damaged.returncode != 0
    assert f"{database_file} has changed since the backup was written" in damaged.stderr

    target = empty_database()
    refused = flask(installation(target, tmp_path / "other"), "restore", str(backup))
    assert refused.returncode != 0 and "has changed" in refused.stderr
    assert not (tmp_path / "other" / "config.py").exists() and holds_nothing(target)

    flip_a_byte(backup / database_file)  # back as it was
    (backup / "instance" / "config.py").write_text("IMAP_PASSWORD = 'someone else'\n")
    damaged = flask(env, "backup", "--check", str(backup))
    assert damaged.returncode != 0 and "instance/config.py has changed" in damaged.stderr


def test_check_finds_a_damaged_archive(app, database_url, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup_of(database_url, tmp_path / "instance", archive)
    env = installation(database_url, tmp_path / "instance")
    assert flask(env, "backup", "--check", str(archive)).returncode == 0
    flip_a_byte(archive)
    damaged = flask(env, "backup", "--check", str(archive))
    assert damaged.returncode != 0
    assert "is not a readable backup archive" in damaged.stderr


def test_backup_does_not_write_over_anything(app, database_url, tmp_path):
    env = installation(database_url, tmp_path / "instance")
    archive = tmp_path / "backup.tar.gz"
    archive.write_text("an older backup")
    refused = flask(env, "backup", str(archive))
    assert refused.returncode != 0 and "already exists" in refused.stderr
    assert archive.read_text() == "an older backup"
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    refused = flask(env, "backup", str(folder))
    assert refused.returncode != 0 and "not an empty directory" in refused.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "a partial was left"


def test_a_backup_of_an_older_schema_restores_and_db_upgrade_brings_it_to_head(
    app, database_url, tmp_path, empty_database
):
    head = revision(app)
    with app.app_context():
        create_user(STAFF, PASSWORD, role=Role.ADMIN)
        flask_migrate.downgrade(revision="-1")  # the release before this code's
        db.engine.dispose()
    backup = tmp_path / "backup.tar.gz"
    manifest = backup_of(database_url, tmp_path / "instance", backup)
    assert manifest["alembic_revision"] != head

    target = empty_database()
    env = installation(target, tmp_path / "new-instance")
    done = flask(env, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "older than this code's" in done.stdout and "db upgrade" in done.stdout
    upgraded = flask(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    fresh = create_app(app_config(target))
    try:
        assert revision(fresh) == head
    finally:
        with fresh.app_context():
            db.engine.dispose()
    assert_serves(target, "")


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL is not tested here")
def test_on_postgresql_a_role_that_may_not_create_pg_trgm_restores_all_but_its_indexes(
    pg_server, pg_template, tmp_path
):
    """A managed server where the portal's role may not create extensions. Into a database
    without pg_trgm, the dump's extension and trigram indexes are left out (as migration 0010
    does), and said so; into one where a superuser created it, everything is restored, and
    --force does not try to drop an extension the role does not own."""
    role = f"restorer_{uuid.uuid4().hex[:8]}"
    source, without, with_trgm = (f"{kind}_{uuid.uuid4().hex[:12]}" for kind in "swt")
    admin = pg_server.url
    postgres.admin_sql(admin, f'CREATE ROLE "{role}" LOGIN')
    postgres.admin_sql(admin, f'CREATE DATABASE "{source}" TEMPLATE "{pg_template}"')
    for name in (without, with_trgm):
        postgres.admin_sql(admin, f'CREATE DATABASE "{name}"')  # owned by postgres
        postgres.admin_sql(
            postgres.with_database(admin, name), f'GRANT CREATE ON SCHEMA public TO "{role}"'
        )
    postgres.admin_sql(postgres.with_database(admin, with_trgm), "CREATE EXTENSION pg_trgm")

    def as_role(name: str) -> str:
        url = make_url(postgres.with_database(admin, name)).set(username=role)
        return url.render_as_string(hide_password=False)

    try:
        app = create_app(app_config(postgres.with_database(admin, source)))
        seed_units(app, units=3)
        with app.app_context():
            db.engine.dispose()
        backup = tmp_path / "backup"
        backup_of(postgres.with_database(admin, source), tmp_path / "instance", backup)
        listing = subprocess.run(
            ["pg_restore", "--list", str(backup / "database.dump")], capture_output=True, text=True
        ).stdout
        assert "EXTENSION - pg_trgm" in listing and "ix_site_name_folded_trgm" in listing

        done = flask(installation(as_role(without), tmp_path / "a"), "restore", str(backup))
        assert done.returncode == 0, done.stderr
        assert "pg_trgm could not be created" in done.stderr
        assert trigram_indexes(as_role(without)) == set()

        env = installation(as_role(with_trgm), tmp_path / "b")
        for args in (["restore"], ["restore", "--force"]):
            done = flask(env, *args, str(backup))
            assert done.returncode == 0, done.stderr
            assert "pg_trgm" not in done.stderr
            assert trigram_indexes(as_role(with_trgm)) == {
                "ix_site_name_folded_trgm",
                "ix_site_url_normalized_trgm",
            }
    finally:
        for name in (source, without, with_trgm):
            postgres.admin_sql(admin, f'DROP DATABASE "{name}" WITH (FORCE)')
        postgres.admin_sql(admin, f'DROP ROLE "{role}"')


def trigram_indexes(url: str) -> set[str]:
    restored = create_app(app_config(url))
    try:
        with restored.app_context():
            assert db.session.scalar(select(func.count(Unit.id))) == 3
            names = db.session.scalars(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'site'")
            ).all()
            return {name for name in names if name.endswith("_trgm")}
    finally:
        with restored.app_context():
            db.engine.dispose()


def test_the_connection_goes_to_pg_tools_in_the_environment_never_in_their_arguments():
    url = make_url(
        "postgresql+psycopg://portal:p%40ss%20word@db.example:5433/portal?sslmode=require"
    )
    env = pg_environment(url)
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "db.example",
        "5433",
        "portal",
        "portal",
    )
    assert env["PGPASSWORD"] == "p@ss word" and env["PGSSLMODE"] == "require"


def test_an_archive_with_a_member_no_backup_has_is_refused(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    payload = tmp_path / "payload"
    payload.write_text("x")
    with tarfile.open(archive, "w:gz") as out:
        out.add(payload, arcname="../../etc/cron.d/portal")
    with pytest.raises(BackupDamaged, match="which no backup has"):
        verify_backup(archive)
    assert not (tmp_path.parent.parent / "etc").exists()
