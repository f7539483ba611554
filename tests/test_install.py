"""deploy/install.sh, run the way an installer runs it, on a temporary prefix.

What this proves, from one install of a snapshot of this checkout (`--no-systemd
--skip-user`: there is no systemd here, and the tests create no system user):

- the virtualenv holds the runtime requirements (flask, gunicorn) and none of the
  development ones (pytest, ruff, playwright, aiosmtpd, pyinstrument);
- the environment file is 0600 and holds a random SECRET_KEY, the SQLite database in the
  instance folder, PORTAL_INSTANCE_PATH and PROXY_FIX; the instance folder is 0750;
- the database is migrated to the newest revision of migrations/versions and the first
  administrator exists, with the password given;
- the web unit's own ExecStart (only its port changed) serves /login, logs the administrator
  in, answers /healthz with its JSON (503: no mailbox read yet, the database ok), runs the
  unit's number of workers, and trusts the proxy's X-Forwarded-Proto (PROXY_FIX);
- the poller unit's own ExecStart, with `--once`, reads one message from a real Dovecot;
- the units are what systemd expects (`systemd-analyze verify`, where it can run) and carry
  the settings and hardening asked for; the nginx site proxies to the web unit;
- a second run changes no file under the prefix (the database and caches aside) nor the
  environment file, creates no second administrator, and exits 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from imapclient import IMAPClient

from portal.config import DEFAULTS
from tests.support.dovecot import children
from tests.support.mails import make_return
from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "admin@tinhdoan.example"
ADMIN_PASSWORD = "mat-khau-quan-tri-2026"
DEV_ONLY = ("pytest", "ruff", "playwright", "aiosmtpd", "pyinstrument")
UNITS = ("portal-web.service", "portal-poller.service", "portal-remind.service")
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
}
# What the hash of a second run leaves out: the database and what running the app writes.
UNHASHED = re.compile(r"(^|/)(__pycache__|portal\.sqlite3[^/]*|[^/]*\.log|[^/]*\.lock)(/|$)")


@dataclass
class Install:
    source: Path
    prefix: Path
    env_file: Path
    password_file: Path
    first_run: subprocess.CompletedProcess | None = None
    seconds: float = 0.0

    @property
    def output(self) -> Path:
        return self.prefix / "deploy-output"

    @property
    def database(self) -> Path:
        return self.prefix / "instance" / "portal.sqlite3"

    def run(self) -> subprocess.CompletedProcess:
        """deploy/install.sh of the snapshot, as a test installs: no systemd, no user."""
        command = [
            "bash",
            str(self.source / "deploy" / "install.sh"),
            "--prefix",
            str(self.prefix),
            "--env-file",
            str(self.env_file),
            "--no-systemd",
            "--skip-user",
            "--admin-email",
            ADMIN,
            "--admin-password-file",
            str(self.password_file),
        ]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=900, env=clean_environment()
        )


def clean_environment() -> dict[str, str]:
    """This process's environment without the portal's settings and the development
    virtualenv: what a root shell on a server has."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in DEFAULTS and name not in ("PORTAL_INSTANCE_PATH", "VIRTUAL_ENV")
    }
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def snapshot(destination: Path) -> Path:
    """A copy of the checkout's files as git sees them (tracked and new, not ignored), made a
    git work tree of its own so the script takes its git path. The install then reads files
    nobody edits while the test runs, and both runs install the same code."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    subprocess.run(["git", "init", "-q", str(destination)], check=True)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Install:
    """One install for the whole module (the virtualenv's pip install is most of its time)."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to snapshot the checkout")
    root = tmp_path_factory.mktemp("install")
    password_file = root / "admin-password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    password_file.chmod(0o600)
    install = Install(
        source=snapshot(root / "source"),
        prefix=root / "prefix",
        env_file=root / "etc" / "portal.env",
        password_file=password_file,
    )
    started = time.monotonic()
    install.first_run = install.run()
    install.seconds = time.monotonic() - started
    assert install.first_run.returncode == 0, install.first_run.stdout + install.first_run.stderr
    return install


# --- reading what the script wrote ------------------------------------------------------------


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines, as systemd's EnvironmentFile reads them (quotes taken off)."""
    values = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def service_process(install: Install, unit: str, extra: dict[str, str] | None = None):
    """(argv, environment, working directory) of a unit's ExecStart, as systemd runs it."""
    service = read_unit(install.output / unit)["Service"]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    for file in service["EnvironmentFile"]:
        env.update(read_env_file(Path(file)))
    for assignment in service.get("Environment", []):
        for pair in shlex.split(assignment):
            name, _, value = pair.partition("=")
            env[name] = value
    env.update(extra or {})
    return shlex.split(service["ExecStart"][0]), env, service["WorkingDirectory"][0]


def pyenv_python_313() -> bool:
    """Whether the script finds pyenv's Python 3.13 (it looks where `pyenv root` says)."""
    pyenv = shutil.which("pyenv", path=clean_environment()["PATH"])
    if pyenv is None:
        return False
    root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
    return bool(root) and any(Path(root, "versions").glob("3.13.*/bin/python3.13"))


def alembic_head(versions: Path) -> str:
    """The revision no other migration names as its down_revision."""
    revisions, parents = set(), set()
    for path in versions.glob("*.py"):
        text = path.read_text()
        revisions.add(re.search(r"^revision\s*=\s*['\"]([^'\"]+)", text, re.M).group(1))
        down = re.search(r"^down_revision\s*=\s*['\"]([^'\"]+)", text, re.M)
        if down:
            parents.add(down.group(1))
    heads = revisions - parents
    assert len(heads) == 1, heads
    return heads.pop()


def fingerprint(install: Install) -> dict[str, tuple[int, str]]:
    """mode and sha256 of every file under the prefix (UNHASHED aside) and of the env file."""
    found = {}
    for path in [*install.prefix.rglob("*"), install.env_file]:
        relative = path.relative_to(install.prefix.parent).as_posix()
        if path.is_symlink() or not path.is_file() or UNHASHED.search(relative):
            continue
        found[relative] = (path.stat().st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
    return found


def admins(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT email, role FROM user WHERE role = 'admin' ORDER BY id"
        ).fetchall()


# --- the install ------------------------------------------------------------------------------


def test_the_virtualenv_has_the_runtime_packages_only(installed):
    python = installed.prefix / "venv" / "bin" / "python"
    script = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps([sys.version_info[:2], sorted(d.metadata['Name'].lower() "
        "for d in m.distributions())]))"
    )
    version, names = json.loads(subprocess.check_output([str(python), "-c", script], text=True))
    assert tuple(version) >= (3, 11)
    if pyenv_python_313():
        assert tuple(version) == (3, 13), "pyenv's Python 3.13 is here: the venv should use it"
    assert {"flask", "gunicorn", "flask-migrate", "psycopg"} <= set(names)
    assert not set(DEV_ONLY) & set(names), "development packages in the production venv"
    app = installed.prefix / "app"
    assert (app / "wsgi.py").is_file() and (app / "migrations" / "versions").is_dir()
    for absent in ("tests", "bench", "deploy", "instance", ".venv", ".git"):
        assert not (app / absent).exists(), f"{absent} installed with the app"
    catalogs = list((app / "portal" / "translations").glob("*/LC_MESSAGES/*.po"))
    assert catalogs and all(po.with_suffix(".mo").is_file() for po in catalogs)


def test_the_environment_file_is_private_and_complete(installed):
    mode = installed.env_file.stat()
    assert oct(mode.st_mode & 0o777) == "0o600"
    assert mode.st_uid == os.geteuid()
    values = read_env_file(installed.env_file)
    instance = installed.prefix / "instance"
    assert len(values["SECRET_KEY"]) >= 64
    assert values["DATABASE_URL"] == f"sqlite:///{instance}/portal.sqlite3"
    assert values["PORTAL_INSTANCE_PATH"] == str(instance)
    assert values["PROXY_FIX"] == "true"
    assert "IMAP_HOST" not in values  # a commented placeholder until someone sets it
    assert re.search(r"^#IMAP_HOST=", installed.env_file.read_text(), re.M)
    assert re.search(r"^#MAIL_SERVER=", installed.env_file.read_text(), re.M)
    assert oct(instance.stat().st_mode & 0o777) == "0o750"


def test_the_database_is_migrated_and_the_administrator_exists(installed):
    with sqlite3.connect(installed.database) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == alembic_head(installed.source / "migrations" / "versions")
    assert admins(installed.database) == [(ADMIN, "admin")]


def test_the_units_and_the_nginx_site_say_what_was_asked(installed):
    web, poller, remind = (read_unit(installed.output / unit) for unit in UNITS)
    timer = read_unit(installed.output / "portal-remind.timer")
    for unit in (web, poller, remind):
        service = unit["Service"]
        assert service["User"] == [pwd.getpwuid(os.geteuid()).pw_name]  # --skip-user
        assert service["EnvironmentFile"] == [str(installed.env_file)]
        assert service["WorkingDirectory"] == [str(installed.prefix / "app")]
        assert service["ReadWritePaths"] == [str(installed.prefix / "instance")]
        assert service["ProtectHome"][0] in ("yes", "read-only")
        for key, value in HARDENING.items():
            assert service[key] == [value], key
    command = web["Service"]["ExecStart"][0]
    assert " --workers 3 " in command and " --bind 127.0.0.1:8000 " in command
    timeout = int(re.search(r"--timeout (\d+)", command).group(1))
    assert timeout > 30, "gunicorn must outwait SQLite's 30 s busy timeout (portal/config.py)"
    assert "--graceful-timeout" in command and "--access-logfile -" in command
    assert command.endswith(" wsgi:app")
    assert poller["Service"]["ExecStart"][0].endswith("/venv/bin/flask --app wsgi mailin poll")
    assert poller["Service"]["Restart"] == ["always"]
    assert poller["Service"]["RestartSec"] == ["10"]
    assert poller["Service"]["KillSignal"] == ["SIGTERM"]
    assert remind["Service"]["ExecStart"][0].endswith("/venv/bin/flask --app wsgi remind")
    assert remind["Service"]["ExecStart"][1].endswith("/venv/bin/flask --app wsgi retention")
    assert timer["Timer"]["OnCalendar"] == ["*-*-* 07:30:00 Asia/Ho_Chi_Minh"]

    site = (installed.output / "nginx-portal.conf").read_text()
    assert "proxy_pass http://127.0.0.1:8000;" in site
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in site
    assert "return 301 https://$host$request_uri;" in site
    assert re.search(r"client_max_body_size \d+[km]?;", site)
    assert "ssl_certificate /etc/letsencrypt/live/" in site


def test_systemd_analyze_verifies_the_units(installed, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units were not verified")
    # First a unit that is surely right: if that fails, systemd-analyze cannot verify here
    # (no systemd running, a container), and that says nothing about ours.
    probe = tmp_path / "portal-probe.service"
    probe.write_text("[Service]\nType=oneshot\nExecStart=/bin/true\n")
    result = subprocess.run([analyze, "verify", str(probe)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(
            "systemd-analyze verify refuses even a trivial unit here, so the units were not "
            f"verified: {(result.stdout + result.stderr).strip()}"
        )
    units = [str(installed.output / name) for name in (*UNITS, "portal-remind.timer")]
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "portal-" not in result.stdout + result.stderr, result.stdout + result.stderr


# --- the services, started with the units' own command lines ------------------------------------


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}): {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not listen on {port}: {log.read_text()}")


def test_the_web_unit_serves_the_portal(installed, tmp_path):
    argv, env, workdir = service_process(installed, "portal-web.service")
    port = free_port()
    argv = [f"127.0.0.1:{port}" if arg == "127.0.0.1:8000" else arg for arg in argv]
    assert f"127.0.0.1:{port}" in argv
    workers = int(argv[argv.index("--workers") + 1])
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(argv, cwd=workdir, env=env, stdout=output, stderr=output)
    try:
        wait_for_port(port, process, log)
        base = f"http://127.0.0.1:{port}"
        web = requests.Session()
        page = web.get(f"{base}/login", timeout=30)
        assert page.status_code == 200, page.text

        health = web.get(f"{base}/healthz", timeout=30)
        assert health.status_code == 503, health.text  # nothing has read the mailbox yet
        assert health.headers["Content-Type"].startswith("application/json")
        report = health.json()
        assert report["ok"] is False
        assert report["database"] == "ok"
        assert report["mailboxes"] == []
        assert {"outbox", "checked_at"} <= set(report)

        # The administrator logs in with the password given to the installer.
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        form = {"email": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": token}
        login = web.post(f"{base}/login", data=form, allow_redirects=False, timeout=30)
        assert login.status_code == 302, login.text
        assert web.get(f"{base}/admin/", timeout=30).status_code == 200

        # PROXY_FIX from the env file: the proxy's word that the client came over HTTPS
        # makes the session cookie Secure.
        proxied = requests.get(f"{base}/login", headers={"X-Forwarded-Proto": "https"}, timeout=30)
        assert [cookie.secure for cookie in proxied.cookies] == [True], proxied.headers

        deadline = time.monotonic() + 30
        while len(children(process.pid)) != workers and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(children(process.pid)) == workers, log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()


def test_the_poller_unit_reads_the_mailbox(installed, dovecot):
    folder = f"Cài đặt {uuid.uuid4().hex[:8]}"
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=30) as client:
        client.login(dovecot.user, dovecot.password)
        client.create_folder(folder)
        client.append(folder, make_return())
    settings = {name: str(value) for name, value in dovecot.settings(folder).items()}
    # Mail the pass might send goes to a port nobody listens on.
    settings.update(MAIL_SERVER="127.0.0.1", MAIL_PORT="9")
    argv, env, workdir = service_process(installed, "portal-poller.service", settings)
    result = subprocess.run(
        [*argv, "--once"], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^1 (thư mới|new messages)\.$", result.stdout, re.M), result.stdout
    with sqlite3.connect(installed.database) as connection:
        (stored,) = connection.execute("SELECT count(*) FROM inbound_message").fetchone()
    assert stored == 1


# --- idempotence ------------------------------------------------------------------------------


def test_a_second_run_changes_nothing(installed):
    before = fingerprint(installed)
    assert str(installed.env_file.relative_to(installed.prefix.parent)) in before
    started = time.monotonic()
    result = installed.run()
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    after = fingerprint(installed)
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    assert changed == [], changed
    assert admins(installed.database) == [(ADMIN, "admin")]
    assert "(kept (never overwritten))" in result.stdout
    assert "0 copied, 0 removed" in result.stdout
    assert "packages up to date" in result.stdout
    print(f"install: first run {installed.seconds:.0f} s, second run {seconds:.0f} s")


def test_the_script_is_shellcheck_clean():
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck): not checked")
    result = subprocess.run(
        [shellcheck, str(ROOT / "deploy" / "install.sh")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
