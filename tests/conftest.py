"""Fixtures: a fresh migrated database per test on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from portal.models import Role
from portal.services.users import create_user
from tests.support import dovecot as dovecot_server
from tests.support import postgres
from tests.support.browser import ARTIFACTS, CHROMIUM
from tests.support.mailbox import imap, mailbox_settings

ENGINES = [e.strip() for e in os.environ.get("PORTAL_TEST_ENGINES", "sqlite,postgresql").split(",")]

# The tests run on their own settings only. An app made here gets app_config() as its test
# config, so it reads neither the environment (the developer's IMAP_HOST, DATABASE_URL...) nor
# instance/config.py (portal/config.py, load_config); a process a test starts gets its
# environment from tests/support/environment.py, without the developer's settings. The
# instance folder still holds the secret key and lock files: not the repository's, but a
# temporary one per process, and one per test (own_instance_folder below).
os.environ["PORTAL_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="portal-test-instance-")
DATA = Path(__file__).parent / "data"
PASSWORD = "correct horse battery"


def app_config(database_url: str, **extra) -> dict:
    """The test configuration of an app on database_url."""
    # Mail goes to a port nobody listens on unless a test starts an SMTP server.
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,
        "MAIL_DEFAULT_SENDER": "Ban Tuyên giáo, Tỉnh Đoàn Ninh Thuận <tuyengiao@ninhthuan.example>",
        "MAIL_MESSAGE_ID_DOMAIN": "portal.ninhthuan.example",
        **extra,
    }


def migrate_database(url: str) -> None:
    """Build the schema the way an installer does: `flask db upgrade`."""
    app = create_app(app_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def own_instance_folder(tmp_path, monkeypatch):
    """Each test's apps (and the processes it starts) use an instance folder of its own."""
    folder = tmp_path / "instance"
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(folder))


@pytest.fixture(scope="session")
def pg_server():
    server = postgres.server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot():
    """A real Dovecot IMAP server on 127.0.0.1 for the whole run."""
    server = dovecot_server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "portal.sqlite3"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    name = f"portal_template_{uuid.uuid4().hex[:8]}"
    postgres.admin_sql(pg_server.url, f'CREATE DATABASE "{name}"')
    migrate_database(postgres.with_database(pg_server.url, name))
    return name


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    """A migrated, empty database (official pages aside) on each engine in turn."""
    if request.param == "sqlite":
        path = tmp_path / "portal.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("pg_server")
    with pg_database(server, request.getfixturevalue("pg_template")) as url:
        yield url


@contextmanager
def pg_database(server, template: str):
    """A new PostgreSQL database copied from the migrated template, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.admin_sql(server.url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield postgres.with_database(server.url, name)
    postgres.admin_sql(server.url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def folder(dovecot) -> str:
    """A folder of its own for each test (a Vietnamese name, as real mailboxes have)."""
    name = f"Báo cáo {uuid.uuid4().hex[:8]}"
    with imap(dovecot) as client:
        client.create_folder(name)
    return name


@pytest.fixture
def mailbox_config(dovecot, folder) -> dict:
    """The settings that point the app at the test's folder; a module that reads mail says
    `def extra_config(mailbox_config): return mailbox_config`."""
    return mailbox_settings(dovecot, folder)


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on 127.0.0.1 (a thread of this process)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package.")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1300, "height": 900}, locale="vi-VN")
        page.alerts = []
        page.confirms = []  # the questions confirm() asked
        page.confirm_answer = True  # a test may say "Cancel" instead

        def on_dialog(dialog):
            if dialog.type == "alert":  # only a script a unit smuggled in would raise one
                page.alerts.append(dialog.message)
            if dialog.type == "confirm":
                page.confirms.append(dialog.message)
                if not page.confirm_answer:
                    dialog.dismiss()
                    return
            dialog.accept()

        page.on("dialog", on_dialog)
        # What the Content-Security-Policy refused (portal/headers.py): Chromium says it on
        # the console, and fires securitypolicyviolation in the page.
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and page.csp_violations.append(message.text)
            ),
        )
        yield page
        browser.close()


@pytest.fixture(params=ENGINES)
def empty_database(request, tmp_path):
    """A database with nothing in it: no template, no tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"empty_{uuid.uuid4().hex[:10]}"
    postgres.admin_sql(server.url, f'CREATE DATABASE "{name}"')
    yield postgres.with_database(server.url, name)
    postgres.admin_sql(server.url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def extra_config() -> dict:
    """More configuration for the app of a test module (the mailbox, say)."""
    return {}


@pytest.fixture
def app(database_url, extra_config):
    """The app on a fresh database. No app context is held open: each request gets its own,
    as in production; tests that touch the database directly open one (`with app.app_context()`)."""
    app = create_app(app_config(database_url, **extra_config))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app) -> dict[str, int]:
    """One account per role, all with PASSWORD: role -> user id."""
    with app.app_context():
        return {
            role.value: create_user(f"{role.value}@example.org", PASSWORD, role=role).id
            for role in Role
        }


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|content="([^"]+)" *name="csrf')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(html: str) -> str:
    """The token of a page's form (login) or of the admin frame's csrf-token meta."""
    found = CSRF_META.search(html) or CSRF_INPUT.search(html)
    assert found, "no CSRF token on the page"
    return next(group for group in found.groups() if group)


def login(client, email: str, password: str = PASSWORD, url: str = "/login", **kwargs):
    """POST the login form (with the token of a freshly fetched login page)."""
    page = client.get("/login", **kwargs)
    data = {"email": email, "password": password, "csrf_token": csrf_token(page.text)}
    return client.post(url, data=data, **kwargs)


@pytest.fixture
def as_role(client, users):
    """as_role('viewer') logs the client in with that role and returns the admin's token."""

    def log_in(role: str) -> str:
        response = login(client, f"{role}@example.org")
        assert response.status_code == 302, response.text
        return csrf_token(client.get("/admin/").text)

    return log_in


DISPATCH_422 = {
    "number": "422-CV/TĐTN-TG",
    "subject": "V/v tiếp cận thông tin",
    "issued_on": "20/06/2018",
    "deadline": "27/06/2018",
    "is_open": "y",
}


def add_dispatch_in_admin(client, token: str, **fields):
    """POST the admin's new-dispatch form for dispatch 422 (fields override)."""
    return client.post("/admin/dispatch/new/", data={"csrf_token": token, **DISPATCH_422, **fields})


def pytest_terminal_summary(terminalreporter):
    """Say how many tests ran on each database, so a run on one engine only is visible."""
    counts: Counter = Counter()
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome != "error":
                continue
            for engine in ("sqlite", "postgresql"):
                if f"[{engine}" in report.nodeid or f"-{engine}]" in report.nodeid:
                    counts[(engine, outcome)] += 1
    lines = []
    for engine in ("sqlite", "postgresql"):
        parts = [
            f"{counts[(engine, o)]} {o}"
            for o in ("passed", "failed", "error", "skipped")
            if counts[(engine, o)]
        ]
        lines.append(f"{engine}: {', '.join(parts) if parts else 'no tests'}")
    terminalreporter.write_sep("-", "database tests by engine")
    for line in lines:
        terminalreporter.write_line(line)


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 for one test."""
    from tests.support.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()
