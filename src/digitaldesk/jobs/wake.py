"""Idle workers of this machine woken when a job is queued (docs/jobs.md, "Pickup").

django-q2's ORM broker looks for work every `Q_CLUSTER["poll"]` seconds while the queue is
empty (DESK_JOB_POLL_SECONDS, 0.2 s): a case file uploaded to an idle worker waited 0.1–0.2 s
before its first page was read, a tenth of the time of a 4-page file. A shorter poll costs an
idle worker CPU all day (4–5 % of a core at 0.1 s on SQLite).

Here the pusher of each worker (`WakeableOrm`, the `broker_class` of Q_CLUSTER) waits on its
own UNIX datagram socket in `DATA_DIR/run/job-wake/` instead of sleeping, and `enqueue` sends a
byte to every socket there once its transaction commits (`wake_workers`), so the worker looks
at once. The poll stays the upper bound: workers on other machines, a socket that could not be
made, a lost datagram all fall back to it. Nothing depends on the wake-up but the latency.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django_q.brokers.orm import ORM
from django_q.conf import Conf

log = logging.getLogger(__name__)


def wake_dir() -> Path:
    return Path(settings.DATA_DIR) / "run" / "job-wake"


def wake_workers() -> None:
    """Tell the idle workers of this machine that a job is queued (one datagram each).

    Never raises: it runs after the caller's commit (an upload, a form), and a worker that
    is not woken still finds the job at its next poll."""
    try:
        sockets = [p for p in wake_dir().iterdir() if p.suffix == ".sock"]
        if not sockets:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as out:
            out.setblocking(False)
            for path in sockets:
                try:
                    out.sendto(b"j", str(path))
                except (ConnectionRefusedError, FileNotFoundError):
                    with contextlib.suppress(OSError):
                        path.unlink(missing_ok=True)  # its worker is gone
                except OSError:
                    pass  # its buffer is full: it has been woken already
    except OSError:
        return


class WakeableOrm(ORM):  # type: ignore[misc]  # django-q2 has no type hints
    """The ORM broker, whose idle wait ends as soon as a job is queued on this machine."""

    def __init__(self, list_key: str | None = None) -> None:
        super().__init__(list_key=list_key)
        self._no_socket()

    def __setstate__(self, state: Any) -> None:  # unpickled in another process: no socket yet
        super().__setstate__(state)
        self._no_socket()

    def _no_socket(self) -> None:
        self._socket: socket.socket | None = None
        self._socket_pid = 0  # the process that made (or failed to make) `_socket`

    def dequeue(self) -> list[tuple[Any, Any]] | None:
        """`ORM.dequeue` with its idle `sleep(poll)` replaced by `_wait(poll)`."""
        from django.utils import timezone

        tasks = self.get_connection().filter(key=self.list_key, lock__lt=timezone.now())[
            0 : Conf.BULK
        ]
        if tasks:
            taken = []
            for task in tasks:
                if (
                    self.get_connection()
                    .filter(id=task.id, lock=task.lock)
                    .update(lock=self.timeout(task))
                ):
                    taken.append((task.pk, task.payload))
                # else another worker took it first
            return taken
        self._wait(float(Conf.POLL))
        return None

    def _wait(self, seconds: float) -> None:
        listening = self._listening()
        if listening is None:
            time.sleep(seconds)
            return
        ready, _, _ = select.select([listening], [], [], seconds)
        if ready:
            with contextlib.suppress(OSError):
                while listening.recv(64):
                    pass

    def _listening(self) -> socket.socket | None:
        """This process's socket (made on first use, in the pusher process itself)."""
        if self._socket_pid == os.getpid():
            return self._socket
        self._socket, self._socket_pid = None, os.getpid()
        try:
            folder = wake_dir()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{os.getpid()}.sock"
            path.unlink(missing_ok=True)
            listening = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                listening.bind(str(path))
            except OSError:
                listening.close()
                raise
            listening.setblocking(False)
        except OSError as exc:  # a path too long for a socket, a read-only disk: poll only
            log.warning("job wake-up socket not made (%s): the queue is polled only", exc)
            return None
        self._socket = listening
        return listening
