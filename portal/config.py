"""Configuration. A deployment: defaults, then instance/config.py, then the environment (later
wins). A test: defaults, then its test config, and nothing else (see load_config)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

# Every name a deployment may set. The type of the default decides how an
# environment variable of the same name is read (bool, int or text).
DEFAULTS: dict[str, object] = {
    "SECRET_KEY": "",
    "DATABASE_URL": "",
    "IMAP_HOST": "",
    "IMAP_PORT": 993,
    "IMAP_USER": "",
    "IMAP_PASSWORD": "",
    "IMAP_SECURITY": "ssl",
    "IMAP_FOLDER": "INBOX",
    # How the mailbox logs in: "password" (an app password) or "oauth2" (XOAUTH2 with the
    # OAUTH2_* client below; the portal refreshes the access token itself). MAIL_AUTH: SMTP.
    "IMAP_AUTH": "password",
    "MAIL_AUTH": "password",
    # OAuth2: "google", "microsoft" or "custom" (then OAUTH2_TOKEN_URL, OAUTH2_AUTHORIZE_URL
    # and OAUTH2_SCOPE); the refresh token from `flask mail-oauth`. docs/mail-oauth.md.
    "OAUTH2_PROVIDER": "",
    "OAUTH2_CLIENT_ID": "",
    "OAUTH2_CLIENT_SECRET": "",
    "OAUTH2_REFRESH_TOKEN": "",
    "OAUTH2_TENANT": "",  # Microsoft: the tenant's ID or domain
    "OAUTH2_TOKEN_URL": "",
    "OAUTH2_AUTHORIZE_URL": "",
    "OAUTH2_SCOPE": "",
    # A CA certificate (PEM) to trust besides the system's: a provincial server's own CA.
    "IMAP_CA_FILE": "",
    "MAIL_CA_FILE": "",
    # Allow a password over an unencrypted connection to a host other than 127.0.0.1/::1.
    "IMAP_ALLOW_PLAINTEXT": False,
    "MAIL_ALLOW_PLAINTEXT": False,
    "IMAP_TIMEOUT": 60,
    "IMAP_POLL_SECONDS": 60,
    # Where handled mail goes: a folder such as "Đã xử lý" (created when missing), or empty
    # to leave it in place flagged \Seen. Mail is never deleted.
    "IMAP_PROCESSED_FOLDER": "",
    # Messages above this size are recorded (headers only) and their sender told, not fetched.
    "MAILIN_MAX_BYTES": 25 * 1024 * 1024,
    # Worker processes reading the forms of a batch while the poller writes the database
    # (portal/services/readahead.py); 0 reads them in the poller's own process.
    "MAILIN_READ_WORKERS": 2,
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_DEFAULT_SENDER": "",
    # The domain of the Message-IDs we write; mail coming back with one is our own.
    "MAIL_MESSAGE_ID_DOMAIN": "",
    # Acknowledgements: at most ACK_LIMIT per sender within ACK_WINDOW_MINUTES (as FreeScout);
    # ACK_TRIAGE: also a short reply to messages that wait for staff to identify them, and
    # carry a readable form (off: a reply to a stranger is backscatter to spammers).
    "ACK_LIMIT": 10,
    "ACK_WINDOW_MINUTES": 180,
    "ACK_TRIAGE": False,
    # Mail that reached the mailbox more than this many days before it is read gets no
    # automatic reply (a first run over an old inbox, a poller back after a week).
    "ACK_MAX_AGE_DAYS": 7,
    # First run of a folder: skip the mail that arrived before this day (YYYY-MM-DD).
    "IMAP_SINCE": "",
    # The mailbox's own receiving server, as it names itself in Authentication-Results
    # (mx.google.com for Gmail; microsoft365 for Exchange Online): a From address it says
    # is forged matches no unit. Empty: no judgement.
    "MAILIN_AUTHSERV_ID": "",
    # At most this many messages sent per day (Vietnam time); the rest waits for the next
    # day, acknowledgements before reminders. Consumer Gmail allows about 500; 0: no limit.
    "MAIL_DAILY_LIMIT": 400,
    # How long a sender holds a message it claimed; one still 'sending' after that was left
    # by a sender that died and is sent again by another (PostgreSQL; on SQLite one sender
    # at a time, and whoever comes next takes back what the last one left at once).
    "OUTBOX_LEASE_SECONDS": 300,
    # The overview and /healthz turn red when no pass of the poller succeeded for this long.
    "HEALTH_MAX_SILENCE_MINUTES": 30,
    # `flask retention` (daily, from the install's timer) drops the body and files of machine
    # mail, duplicates, forgeries and programs older than this many days; 0: never.
    "RETENTION_DAYS": 180,
    # Scheduled reminders, in days before the deadline (negative: after it).
    "REMINDER_DAYS": "3,1,-1",
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    # Failed logins allowed per address, and per client IP (an office shares one), per window.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "LOGIN_WINDOW_SECONDS": 900,
    # Trust X-Forwarded-* from one reverse proxy (nginx in front of gunicorn).
    "PROXY_FIX": False,
}

TRUE_WORDS = {"1", "true", "yes", "on"}


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill app.config: the defaults, then instance/config.py and the environment, or, when
    a test config is given, that config instead of both (as Flask's tutorial app does).

    A test's app must run on the test's settings alone: the developer's shell (an IMAP_HOST,
    a DATABASE_URL) and the instance folder's config.py would otherwise reach it, and a test
    could read a real mailbox or write to a real database. A process a test starts (`flask
    ...`, the poller) has no test config: it reads the environment as production does."""
    app.config.update(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(_from_environment(os.environ))
    else:
        app.config.update(test_config)
    _derive(app)


def _from_environment(environ: os._Environ | dict) -> dict[str, object]:
    """Read the known names from the environment, typed like their defaults."""
    found: dict[str, object] = {}
    for name, default in DEFAULTS.items():
        if name not in environ:
            continue
        raw = environ[name]
        if isinstance(default, bool):
            found[name] = raw.strip().lower() in TRUE_WORDS
        elif isinstance(default, int):
            found[name] = int(raw)
        else:
            found[name] = raw
    return found


def _derive(app: Flask) -> None:
    """Settings computed from others: database URI, secret key, cookie flags."""
    instance = Path(app.instance_path)
    url = app.config["DATABASE_URL"] or f"sqlite:///{instance / 'portal.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = with_driver(url)
    if url.startswith("sqlite"):
        # SQLite serialises writers; wait for the lock rather than fail at once.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"


def with_driver(url: str) -> str:
    """Use psycopg 3 for a plain postgres:// or postgresql:// URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance: Path) -> str:
    """A random key kept in instance/secret_key, so sessions survive a restart."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
