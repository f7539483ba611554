"""Configuration. A deployment: defaults, instance/config.py, environment (later wins). A test
config instead of the file and the environment, never on top of them."""

from __future__ import annotations

import stat

import pytest

from portal import create_app
from portal.config import DEFAULTS


@pytest.fixture(autouse=True)
def no_settings_from_the_shell(monkeypatch):
    """These tests read the environment as a deployment does: only what they set in it."""
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)


def test_each_source_overrides_the_one_before(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        'SECRET_KEY = "from-file"\nIMAP_HOST = "imap.file.example"\nMAIL_PORT = 2525\n'
        'IMAP_FOLDER = "Báo cáo"\n'
    )
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("IMAP_HOST", "imap.env.example")
    monkeypatch.setenv("IMAP_PORT", "1143")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    config = create_app().config
    assert config["SECRET_KEY"] == "from-file"  # file beats default
    assert config["IMAP_FOLDER"] == "Báo cáo" and config["MAIL_PORT"] == 2525
    assert config["IMAP_HOST"] == "imap.env.example"  # environment beats file
    assert config["IMAP_PORT"] == 1143 and config["MAIL_USE_TLS"] is True  # typed
    assert config["IMAP_SECURITY"] == "ssl"  # default
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"

    # A test config takes the place of the file and the environment: same folder, same shell.
    config = create_app({"MAIL_PORT": 1025}).config
    assert config["MAIL_PORT"] == 1025  # the test config
    assert config["SECRET_KEY"] != "from-file" and config["IMAP_FOLDER"] == "INBOX"  # no file
    assert config["IMAP_HOST"] == "" and config["IMAP_PORT"] == 993  # no environment
    assert config["MAIL_USE_TLS"] is False
    assert config["IMAP_SECURITY"] == "ssl"  # default


def test_a_postgres_url_uses_psycopg_3(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://portal@db.example/portal")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://portal@db.example/portal"


def test_without_a_secret_key_one_is_made_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    assert len(first) > 40
    assert create_app().config["SECRET_KEY"] == first  # sessions survive a restart
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
