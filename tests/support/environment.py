"""The environment of a process a test starts that runs the portal (`flask ...`, the poller).

Such a process has no test config: it reads its settings from the environment, as an
installation does (portal/config.py). So it gets this process's environment without any
portal setting the developer's shell may hold (IMAP_HOST, DATABASE_URL...), and exactly the
settings the test gives it. (An app made in the test process needs none of this: its test
config reads neither the environment nor instance/config.py.)"""

from __future__ import annotations

import os
from collections.abc import Mapping

from portal.config import DEFAULTS


def portal_environment(settings: Mapping[str, object] | None = None) -> dict[str, str]:
    """This process's environment without the portal's settings, plus `settings` (as text)."""
    env = {name: value for name, value in os.environ.items() if name not in DEFAULTS}
    env.update({name: str(value) for name, value in (settings or {}).items()})
    return env
