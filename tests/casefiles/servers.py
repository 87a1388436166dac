"""A real desk web server (gunicorn) on the test database, for the fault tests of the
case-file uploads: it can be SIGKILLed mid-request and started again, and its peak
memory (VmHWM of its processes) read from /proc."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
from django.conf import settings

from tests.conftest import login_client
from tests.jobs.workers import free_port, wait_for, worker_database_url


def desk_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a desk process sharing this test's database, files and keys."""
    env = {
        **os.environ,
        "DESK_DATABASE_URL": worker_database_url(),
        "DESK_MEDIA_DIR": str(settings.MEDIA_ROOT),
        "DESK_DATA_DIR": str(settings.DATA_DIR),
        "DESK_SEARCH_INDEX_DIR": str(settings.SEARCH_INDEX_DIR),
        "DESK_SECRET_KEY": settings.SECRET_KEY,
        "DESK_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DESK_TEST_DATABASE_NAME", None)
    env.update(extra or {})
    return env


class DeskServer:
    """gunicorn serving the desk (one sync worker), in its own process group."""

    def __init__(self, port: int | None = None, name: str = "web") -> None:
        self.port = port or free_port()
        self.log = Path(tempfile.mkstemp(prefix=f"desk-{name}-", suffix=".log")[1])
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "digitaldesk.config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "600",
                ],
                env=desk_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.base = f"http://127.0.0.1:{self.port}"

        def up() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"gunicorn exited with {self.proc.returncode}:\n{self.output()[-3000:]}"
                )
            try:
                return requests.get(f"{self.base}/healthz", timeout=60).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_for(up, timeout=180, what="gunicorn answering /healthz", interval=0.3)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def pids(self) -> list[int]:
        """The master and its workers."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [self.proc.pid, *map(int, children)]

    def peak_rss_bytes(self) -> int:
        """The largest peak resident memory (VmHWM) among the server's processes."""
        peak = 0
        for pid in self.pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        return peak

    def kill(self) -> None:
        """SIGKILL the whole server (master and worker), like a power cut."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def close(self) -> None:
        try:
            self.kill()
        finally:
            self.log.unlink(missing_ok=True)


class Uploader:
    """The browser's resumable upload protocol (casefiles/upload.js) over plain HTTP:
    begin (the server says how much it has), 8 MB pieces at an offset, finish."""

    def __init__(self, user: Any, casefile_id: int) -> None:
        self.session = login_client(user).cookies["sessionid"].value
        self.csrf = secrets.token_hex(16)  # a 32-character secret: cookie and header agree
        self.casefile_id = casefile_id

    def headers(self, content_type: str) -> dict[str, str]:
        return {
            "Cookie": f"sessionid={self.session}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
            "Content-Type": content_type,
        }

    def begin(self, base: str, name: str, size: int, key: str) -> dict[str, Any]:
        response = requests.post(
            f"{base}/ho-so-so/{self.casefile_id}/tai-len/bat-dau/",
            json={"name": name, "size": size, "key": key},
            headers=self.headers("application/json"),
            timeout=60,
        )
        assert response.status_code in (200, 400), response.text[:500]
        return response.json()  # type: ignore[no-any-return]

    def chunk(self, base: str, info: dict[str, Any], offset: int, data: bytes) -> requests.Response:
        return requests.post(
            f"{base}{info['chunk_url']}?offset={offset}",
            data=data,
            headers=self.headers("application/octet-stream"),
            timeout=300,
        )

    def finish(self, base: str, info: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(
            f"{base}{info['finish_url']}",
            data=b"",
            headers=self.headers("application/json"),
            timeout=600,
        )
        assert response.status_code in (200, 409), response.text[:500]
        return response.json()  # type: ignore[no-any-return]

    def start_chunk(
        self, port: int, info: dict[str, Any], offset: int, size: int
    ) -> http.client.HTTPConnection:
        """Open a piece of `size` bytes and send only its headers: the caller sends part of the
        body, and the server can be killed while it waits for the rest."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.putrequest("POST", f"{info['chunk_url']}?offset={offset}")
        for name, value in {
            **self.headers("application/octet-stream"),
            "Content-Length": str(size),
        }.items():
            conn.putheader(name, value)
        conn.endheaders()
        return conn
