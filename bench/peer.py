"""The ingest benchmark's peer: django-mailbox 4.10.0 (pinned in bench/peer-requirements.txt)
fetching and storing the same generated messages, so the poller's speed can be given as a
ratio to a known program's on the same machine in the same run.

django-mailbox only stores each message and writes its attachments to files (it reads no
form), in one autocommitted transaction per row, and deletes every message it fetched from
the folder: each run needs a copy of its own of the folder (copy_folder).

It runs in a virtualenv of its own (ensure_venv, at bench/.peer-venv), with the tiny Django
project of bench/peer/ (peer_settings.py, run.py). The API, for bench/__main__.py:

    python = ensure_venv()
    copy_folder(dovecot, "Bench 2000", "Peer sqlite")
    figures = run(python, dovecot, "Peer sqlite", "sqlite", workdir)   # or "sqlite-wal",
    figures["msgs_per_s"]                                              # or a PostgreSQL URL

`python -m bench.peer [--n 500]` runs it alone: its own Dovecot (and PostgreSQL, when it can
be started), N generated returns, and the three variants.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "peer"
REQUIREMENTS = HERE / "peer-requirements.txt"
VENV = HERE / ".peer-venv"
VARIANTS = ("sqlite", "sqlite-wal", "postgresql")
_ATOM = re.compile(r"[A-Za-z0-9._/-]+")


def base_python() -> str:
    """The interpreter for the peer's virtualenv. Django 5.0, the newest django-mailbox
    4.10.0 declares, supports Python 3.10 to 3.12: a 3.12 where pyenv or PATH has one,
    else this interpreter (the portal's 3.13, outside Django 5.0's declared range)."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = [p for p in (root / "versions").glob("3.12.*/bin/python3.12") if p.exists()]

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parts[-3]))

    if found:
        return str(max(found, key=version))
    return shutil.which("python3.12") or sys.executable


def _quiet(command: list[str]) -> None:
    """Run an install step; its output only when it fails."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"peer setup failed ({' '.join(command)}):\n{(result.stdout + result.stderr)[-4000:]}"
        )


def ensure_venv(venv: Path = VENV) -> Path:
    """The peer virtualenv's python, made when missing or when its requirements (or the base
    interpreter) changed since it was made; reused otherwise."""
    python = venv / "bin" / "python"
    stamp = venv / ".requirements-stamp"
    base = base_python()
    wanted = f"# {base}\n{REQUIREMENTS.read_text()}"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    _quiet([base, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "--quiet", "--disable-pip-version-check", "install"]
    _quiet([*pip, "-r", str(REQUIREMENTS)])
    stamp.write_text(wanted)  # last: a half-made venv is made again next time
    return python


def copy_folder(dovecot, source: str, folder: str) -> int:
    """COPY every message of `source` into a new `folder` (same bytes, same order); how many
    the new folder holds."""
    from imapclient import IMAPClient

    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=60) as client:
        client.login(dovecot.user, dovecot.password)
        client.create_folder(folder)
        client.select_folder(source, readonly=True)
        uids = client.search(["ALL"])
        if uids:
            client.copy(uids, folder)
        return client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"]


def messages_in(dovecot, folder: str) -> int:
    from imapclient import IMAPClient

    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=60) as client:
        client.login(dovecot.user, dovecot.password)
        return client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"]


def imap_uri(dovecot, folder: str) -> str:
    """django-mailbox's URI of the folder, plain IMAP. Its transport hands the folder to
    imaplib's select() as it is, and imaplib quotes nothing: a name that is not an IMAP atom
    (a space, say) goes quoted here, or the SELECT fails and so does every command after."""
    if not folder.isascii():
        raise ValueError(f"django-mailbox cannot select a non-ASCII folder name: {folder!r}")
    if not _ATOM.fullmatch(folder):
        folder = '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
    user, password = quote(dovecot.user, safe=""), quote(dovecot.password, safe="")
    query = urlencode({"folder": folder})
    return f"imap://{user}:{password}@{dovecot.host}:{dovecot.port}?{query}"


def _label(database: str) -> str:
    if database in ("sqlite", "sqlite-wal"):
        return database
    if database.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    raise ValueError(f"database: sqlite, sqlite-wal or a PostgreSQL URL, not {database!r}")


def run(python: Path, dovecot, folder: str, database: str, workdir: Path) -> dict:
    """One django-mailbox pass over `folder` (emptied by it) into `database`: "sqlite",
    "sqlite-wal" (a new file under workdir) or the URL of an empty PostgreSQL database.
    The child's figures, plus engine, msgs_per_s and left_in_folder."""
    engine = _label(database)
    here = Path(tempfile.mkdtemp(prefix=f"peer-{engine}-", dir=workdir))
    # The peer venv's own packages only: nothing of the portal's environment leaks in.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(
        DJANGO_SETTINGS_MODULE="peer_settings",
        PEER_DATABASE=database,
        PEER_SQLITE_PATH=str(here / "peer.sqlite3"),
        PEER_MEDIA_ROOT=str(here / "media"),
        PEER_IMAP_URI=imap_uri(dovecot, folder),
    )
    process = subprocess.run(
        [str(python), str(PROJECT / "run.py")],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"peer run failed ({engine}):\n{process.stderr[-4000:]}")
    figures = json.loads(lines[-1])
    figures["engine"] = engine
    figures["msgs_per_s"] = figures["messages"] / figures["seconds"]
    figures["left_in_folder"] = messages_in(dovecot, folder)
    return figures


def fresh_postgres(server_url: str, label: str = "peer") -> str:
    """A new, empty database on the server of server_url (its maintenance database); its URL."""
    from tests.support import postgres

    name = f"{label}_{uuid.uuid4().hex[:8]}".lower()
    postgres.admin_sql(server_url, f'CREATE DATABASE "{name}"')
    return postgres.with_database(server_url, name)


def drop_postgres(server_url: str, url: str) -> None:
    from tests.support import postgres

    name = url.rsplit("/", 1)[1]
    postgres.admin_sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__)
    parser.add_argument("--n", type=int, default=500, help="returns (plus 5 %% machine mail)")
    parser.add_argument(
        "--postgres",
        choices=["auto", "yes", "no"],
        default="auto",
        help="also run on PostgreSQL (auto: when a server can be had)",
    )
    return parser.parse_args(argv)


def _postgres_server(wanted: str):
    from tests.support import postgres

    if wanted == "no":
        return None
    try:
        return postgres.server()
    except postgres.PostgresUnavailable as exc:
        if wanted == "yes":
            raise
        print(f"peer: PostgreSQL not run: {exc}", flush=True)
        return None


def _fill(dovecot, n: int) -> str:
    from bench import generate, ingest

    source = f"Bench {n}"
    messages = generate.messages_in_parallel(n)
    ingest.fill_folder(dovecot, source, messages)
    return source


def run_variants(python: Path, dovecot, source: str, pg_url: str | None, workdir: Path):
    """Each variant on its own copy of `source` (and its own database); their figures."""
    for variant in VARIANTS:
        if variant == "postgresql" and not pg_url:
            continue
        folder = f"Peer {variant}"
        copied = copy_folder(dovecot, source, folder)
        database = fresh_postgres(pg_url) if variant == "postgresql" else variant
        try:
            figures = run(python, dovecot, folder, database, workdir)
        finally:
            if variant == "postgresql":
                drop_postgres(pg_url, database)
        print(
            f"  peer {variant:10}: {figures['messages']} of {copied} messages stored, "
            f"{figures['attachments']} attachments, {figures['seconds']:.1f} s, "
            f"{figures['msgs_per_s']:.1f} msgs/s, peak RSS {figures['peak_rss_mb']} MB, "
            f"{figures['left_in_folder']} left in the folder"
            + (f", journal {figures['journal_mode']}" if figures["journal_mode"] else ""),
            flush=True,
        )
        yield figures


def main(argv: list[str] | None = None) -> int:
    from tests.support import dovecot as dovecot_server

    args = parse(argv)
    python = ensure_venv()
    workdir = Path(tempfile.mkdtemp(prefix="portal-peer-"))
    dovecot = dovecot_server.start()
    pg_server = None
    try:
        pg_server = _postgres_server(args.postgres)
        source = _fill(dovecot, args.n)
        print(f"peer: {messages_in(dovecot, source)} messages in {source!r}", flush=True)
        results = list(run_variants(python, dovecot, source, pg_server and pg_server.url, workdir))
        versions = results[0]["versions"] if results else {}
        print(f"peer: {json.dumps(versions)}", flush=True)
    finally:
        dovecot.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        if pg_server:
            pg_server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
