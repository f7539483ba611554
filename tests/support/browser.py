"""Debian's Chromium driven by Playwright, for the browser tests (fixtures in conftest)."""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent.parent / "artifacts"  # screenshots, kept out of git


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, live_server: str, email: str, password: str) -> None:
    """Log in through the login page; on "Việc cần làm hôm nay", where a login lands."""
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/today/")
