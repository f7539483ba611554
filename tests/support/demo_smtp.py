"""The demo's SMTP server: keeps every message the portal sends as a .eml file under
instance/demo-mail/, so a newcomer can open the acknowledgements and reminders."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller

FOLDER = Path(__file__).resolve().parents[2] / "instance" / "demo-mail"
PORT = int(os.environ.get("DEMO_SMTP_PORT", "11025"))


class KeepToFolder:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        FOLDER.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        (FOLDER / f"{stamp}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 OK"


def main() -> None:
    controller = Controller(KeepToFolder(), hostname="127.0.0.1", port=PORT, decode_data=False)
    controller.start()
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
