"""A real SMTP server for the tests: `python smtp_sink.py PORT MAILDIR`.

Listens on 127.0.0.1:PORT (aiosmtpd) and writes each message it accepts, exactly
as received, to MAILDIR/<n>.eml, with the envelope recipients in <n>.rcpt.
"""

from __future__ import annotations

import signal
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        stem = f"{len(list(self.maildir.glob('*.eml'))):04d}-{uuid.uuid4().hex[:8]}"
        (self.maildir / f"{stem}.rcpt").write_text("\n".join(envelope.rcpt_tos), encoding="utf-8")
        temporary = self.maildir / f"{stem}.tmp"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.maildir / f"{stem}.eml")
        return "250 OK"


def main() -> None:
    port, maildir = int(sys.argv[1]), Path(sys.argv[2])
    maildir.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"SMTP sink on 127.0.0.1:{port}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
