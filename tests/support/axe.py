"""axe-core, the accessibility engine of the browsers' own tools, for the browser tests:
installed from npm by the test set-up into a cache folder the first time (pinned), then
injected into each page Chromium opens (tests/test_accessibility.py)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

AXE_VERSION = "4.10.3"
CACHE = Path(os.environ.get("PORTAL_AXE_DIR", Path.home() / ".cache" / "portal-axe"))
# The rules of WCAG 2.1 AA (and A), which the issue asks for.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script() -> Path:
    """axe.min.js of AXE_VERSION, installed with npm when missing (one test worker at a
    time: the others wait for it)."""
    target = CACHE / "node_modules" / "axe-core" / "axe.min.js"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed(target):
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail("npm is missing: `make test` installs it (Debian's npm package)")
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--silent", f"axe-core@{AXE_VERSION}"],
                cwd=CACHE,
                check=True,
                timeout=300,
                capture_output=True,
            )
    return target


def _installed(target: Path) -> bool:
    package = target.parent / "package.json"
    if not (target.exists() and package.exists()):
        return False
    return json.loads(package.read_text())["version"] == AXE_VERSION


def serious_violations(page) -> list[dict]:
    """The serious and critical violations axe finds on the page as it is now: rule,
    impact, and the first elements concerned."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"][:5]],
            "why": [node.get("failureSummary", "")[:300] for node in violation["nodes"][:2]],
            "html": [node.get("html", "")[:200] for node in violation["nodes"][:2]],
            "count": len(violation["nodes"]),
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
