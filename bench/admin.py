"""Admin: response times of the sites list (first page, a filtered page, an accent-insensitive
search) and the dashboard, over HTTP from gunicorn on 127.0.0.1 (the production server of the
README), logged in as staff; first idle (the floor), then while the poller ingests.
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.child import ROOT
from bench.database import STAFF_EMAIL, STAFF_PASSWORD

PAGES = {
    "sites: first page": "/admin/site/",
    "sites: filtered (Fanpage)": "/admin/site/?flt0_0=facebook_page",
    "sites: search “Tuổi trẻ Phước”": "/admin/site/?search=" + urllib.parse.quote("Tuổi trẻ Phước"),
    "dashboard": "/admin/",
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def seed(pool, ids, sites: int) -> int:
    """An earlier, closed dispatch whose returns hold `sites` rows; in an app context."""
    from bench.database import seed_returns, seed_roster

    per_unit = max(1, -(-sites // len(pool)))
    units = pool[: -(-sites // per_unit)]
    dispatch_id, ids = seed_roster(units, number="421-CV/TĐTN-TG", is_open=False)
    return seed_returns(dispatch_id, units, ids, per_unit)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app on 127.0.0.1 (2 sync workers: one per core)."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        instance = Path(env["PORTAL_INSTANCE_PATH"])
        instance.mkdir(parents=True, exist_ok=True)
        self.log = open(instance / "gunicorn.log", "wb")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start: see " + self.log.name)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class Client:
    """A logged-in member of staff (cookies, CSRF token of the login form)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with self.opener.open(self.base + "/login", timeout=60) as response:
            page = response.read().decode()
        token = CSRF.search(page).group(1)
        data = urllib.parse.urlencode(
            {"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": token}
        ).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=60) as response:
            if "/login" in response.url:
                raise RuntimeError("bench staff login failed")

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            if response.status != 200 or "/login" in response.url:
                raise RuntimeError(f"GET {path}: {response.status} {response.url}")
            return response.read().decode()

    def timed(self, path: str) -> float:
        start = time.perf_counter()
        self.get(path)
        return (time.perf_counter() - start) * 1000


def percentile(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def summary(times: dict[str, list[float]]) -> dict[str, dict]:
    return {
        page: {
            "requests": len(values),
            "p50_ms": round(percentile(values, 50), 1),
            "p95_ms": round(percentile(values, 95), 1),
        }
        for page, values in times.items()
        if values
    }


def measure(client: Client, rounds: int | None = None, until=None, max_rounds: int = 500):
    """Request every page in turn, `rounds` times, or while `until()` is false (checked
    before each request, at most max_rounds rounds). Response times in ms per page."""
    times: dict[str, list[float]] = {page: [] for page in PAGES}
    for _round in range(rounds or max_rounds):
        for page, path in PAGES.items():
            if until is not None and until():
                return times
            times[page].append(client.timed(path))
    return times
