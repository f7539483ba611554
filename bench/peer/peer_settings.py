"""Django settings of the benchmark's peer: django-mailbox alone, as its README sets it up.

Runs in the peer's own virtualenv (bench/.peer-venv), configured from the environment:
    PEER_DATABASE     "sqlite" (Django's defaults: rollback journal), "sqlite-wal", or a
                      postgresql:// URL of an empty database
    PEER_SQLITE_PATH  the SQLite file (both SQLite variants)
    PEER_MEDIA_ROOT   where django-mailbox writes attachment files
"""

import os
from urllib.parse import unquote, urlsplit

from django.db.backends.signals import connection_created

SECRET_KEY = "peer-bench"  # nothing is signed: no sessions, no web server
DEBUG = False  # with DEBUG, Django keeps every query in memory: that would skew peak RSS
USE_TZ = True
INSTALLED_APPS = ["django_mailbox"]
MEDIA_ROOT = os.environ["PEER_MEDIA_ROOT"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"


def _postgresql(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",  # psycopg 3, installed beside Django
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def _wal(sender, connection, **kwargs) -> None:
    # Django 5.0 has no OPTIONS["init_command"] for SQLite (5.1 added it): a connection
    # signal is its documented hook for per-connection SQL. Only the journal mode changes,
    # as the portal sets it (synchronous stays SQLite's default, FULL).
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")


_database = os.environ["PEER_DATABASE"]
if _database.startswith(("postgresql://", "postgres://")):
    DATABASES = {"default": _postgresql(_database)}
else:
    if _database not in ("sqlite", "sqlite-wal"):
        raise ValueError(f"PEER_DATABASE: sqlite, sqlite-wal or a PostgreSQL URL, not {_database}")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["PEER_SQLITE_PATH"],
        }
    }
    if _database == "sqlite-wal":
        connection_created.connect(_wal, dispatch_uid="peer-bench-wal")
