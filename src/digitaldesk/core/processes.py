"""External tools run confined: their own process group, a wall-time and a memory limit,
and never alive after the call that started them (docs/security-sections/files.md).

    result = run_confined([...], timeout=120, memory_bytes=2 * 1024**3, marker=str(workdir))

LibreOffice starts `oosplash`, which starts `soffice.bin`; killing only the direct
child (what `subprocess.run(timeout=...)` does) leaves `soffice.bin` running. So:

1. the tool starts in a new session (`start_new_session`), hence its own process
   group holding every process it forks;
2. before exec it gets RLIMIT_AS (address space) and PR_SET_PDEATHSIG, so the
   kernel kills it if the thread that started it dies;
3. on timeout, and in any case when the call ends (`finally`), the whole group is
   SIGKILLed and reaped;
4. while it runs, a small record (DESK_DATA_DIR/run/groups/<pgid>) names the
   group, its owner's pid and a marker found in its command lines. A worker
   SIGKILLed mid-conversion leaves that record behind: `reap_orphans()` (called
   by the worker at start and by `desk serve` when it stops) kills the groups
   whose owner is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import subprocess  # noqa: S404  (fixed argument lists, no shell)
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings

PR_SET_PDEATHSIG = 1

try:  # resolved here, not in the child: only async-signal-safe work after fork
    _prctl: Callable[..., int] | None = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _prctl = None


class ConfinedTimeout(Exception):
    """The tool ran past its wall-time limit; its whole process group was killed."""


def _registry() -> Path:
    return Path(settings.DATA_DIR) / "run" / "groups"


def _limits(memory_bytes: int | None) -> Callable[[], None]:
    def apply() -> None:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        if _prctl is not None:
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return apply


def kill_group(pgid: int) -> None:
    """SIGKILL every process of the group (a no-op when it is already gone)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def run_confined(
    args: Sequence[str],
    *,
    timeout: float,
    memory_bytes: int | None,
    marker: str,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `args` confined (see the module docstring); raise ConfinedTimeout past `timeout`.

    `marker` is a string found in the command line of every process of the tool (its
    work directory): `reap_orphans` kills a recorded group only if one of its processes
    still carries it, so a reused pid is never hit.
    """
    process = subprocess.Popen(  # noqa: S603
        list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=_limits(memory_bytes),
    )  # noqa: PLW1509
    pgid = process.pid  # a new session's leader: its pid is the group id
    record = _registry() / str(pgid)
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"owner": os.getpid(), "marker": marker}), encoding="utf-8")
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            kill_group(pgid)
            process.communicate()
            raise ConfinedTimeout(f"{args[0]} ran past {timeout:.0f} s") from exc
        return subprocess.CompletedProcess(list(args), process.returncode, stdout, stderr)
    finally:
        kill_group(pgid)  # anything the tool left behind (a forked helper, a stuck soffice.bin)
        if process.poll() is None:
            process.kill()
        process.wait()
        record.unlink(missing_ok=True)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[2] == str(pgid):
            members.append(int(entry.name))
    return members


def _carries(pid: int, marker: str) -> bool:
    try:
        return marker.encode() in (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans() -> int:
    """Kill the recorded groups whose owner process is gone. Returns how many were killed."""
    folder = _registry()
    if not folder.is_dir():
        return 0
    killed = 0
    for record in folder.iterdir():
        try:
            info = json.loads(record.read_text(encoding="utf-8"))
            pgid, owner, marker = int(record.name), int(info["owner"]), str(info["marker"])
        except (OSError, ValueError, KeyError):
            record.unlink(missing_ok=True)
            continue
        if _alive(owner):  # its owner still runs it (or will remove the record itself)
            continue
        if marker and any(_carries(pid, marker) for pid in _group_members(pgid)):
            kill_group(pgid)
            killed += 1
        record.unlink(missing_ok=True)
    return killed
