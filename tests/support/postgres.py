"""A private PostgreSQL server for the tests, started when none is configured.

TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres) names a server to use
instead; otherwise initdb + pg_ctl start one on 127.0.0.1 in a temporary directory, as the
postgres user when running as root (initdb refuses root), and stop it at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg


class PostgresUnavailable(RuntimeError):
    pass


@dataclass
class Server:
    url: str  # to the maintenance database "postgres"
    stop: callable


def find_binaries() -> Path:
    """The bin directory of PostgreSQL (15 preferred), or PostgresUnavailable."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    preferred = [c for c in candidates if "/15/" in c]
    found = (preferred or candidates or [shutil.which("initdb")])[0]
    if not found:
        raise PostgresUnavailable(
            "PostgreSQL's initdb was not found: `make test` installs postgresql-15, or set "
            "TEST_POSTGRES_URL to a server to use."
        )
    return Path(found).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def start_private_server(durable: bool = False) -> Server:
    """initdb a new cluster in a temporary directory and start it on a free local port.
    `durable`: with PostgreSQL's own settings, each commit on disk before it returns (the
    benchmark, set beside SQLite's, which syncs each commit too); else without."""
    binaries = find_binaries()
    base = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    data, log = base / "data", base / "server.log"
    if os.geteuid() == 0:
        base.chmod(0o755)
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()
    run = lambda args: subprocess.run(  # noqa: E731
        _as_postgres_user(args), check=True, capture_output=True, text=True, timeout=120
    )
    run(
        [
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base}"
    if not durable:  # durability is not what the tests check: skip fsync for speed
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    try:
        run(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "start",
            ]
        )
    except subprocess.CalledProcessError as exc:
        detail = log.read_text() if log.exists() else exc.stderr
        raise PostgresUnavailable(f"PostgreSQL did not start: {detail}") from exc

    def stop() -> None:
        subprocess.run(
            _as_postgres_user(
                [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)

    return Server(url=f"postgresql://postgres@127.0.0.1:{port}/postgres", stop=stop)


def server(durable: bool = False) -> Server:
    """The configured server if TEST_POSTGRES_URL is set and answers, else a private one
    (`durable`: see start_private_server)."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        try:
            psycopg.connect(url, connect_timeout=3).close()
        except psycopg.OperationalError as exc:
            raise PostgresUnavailable(f"TEST_POSTGRES_URL does not answer: {exc}") from exc
        return Server(url=url, stop=lambda: None)
    return start_private_server(durable)


def admin_sql(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def with_database(url: str, name: str) -> str:
    """url pointing at another database of the same server."""
    return url.rsplit("/", 1)[0] + "/" + name
