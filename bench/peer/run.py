"""The peer's one measured step: `<peer venv python> bench/peer/run.py`, with the settings of
peer_settings.py and PEER_IMAP_URI (django-mailbox's URI of the folder) in the environment.

Migrates (not timed), creates the Mailbox, times one `get_new_mail()` to its end (fetch,
store, delete from the folder) and prints one JSON line as its last line, as bench/child.py's
steps do. The peer venv has none of the portal's packages, hence no bench.child here.
"""

import json
import os
import resource
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak RSS in MiB: VmHWM, not ru_maxrss, which after fork and exec still counts the
    parent's pages (as bench/child.py)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def files_under(folder: str) -> int:
    return sum(len(names) for _root, _dirs, names in os.walk(folder))


def journal_mode() -> str | None:
    """SQLite's journal mode as the run saw it (evidence that the variant is the one meant)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        return cursor.fetchone()[0]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django_mailbox import __version__ as mailbox_version
    from django_mailbox.models import Mailbox, Message, MessageAttachment

    call_command("migrate", verbosity=0)
    mailbox = Mailbox.objects.create(name="bench", uri=os.environ["PEER_IMAP_URI"])
    started = time.perf_counter()
    fetched = sum(1 for _ in mailbox.get_new_mail())  # a generator: nothing happens unread
    seconds = time.perf_counter() - started
    figures = {
        "messages": Message.objects.count(),
        "fetched": fetched,
        "attachments": MessageAttachment.objects.count(),
        "attachment_files": files_under(os.environ["PEER_MEDIA_ROOT"]),
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "journal_mode": journal_mode(),
        "versions": {
            "django": django.get_version(),
            "django_mailbox": mailbox_version,
            "python": sys.version.split()[0],
        },
    }
    sys.stdout.write(json.dumps(figures) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
