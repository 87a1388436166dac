"""What may leave in a message: the attachment guards other apps plug in, and the virus scan.

* Attachment guards: `register_attachment_guard(fn)`; `fn(uploads)` returns the reasons (in
  Vietnamese) why the message cannot be sent. The documents app registers its secrecy guard (a
  document marked Mật, Tối mật or Tuyệt mật, or a file carrying a secrecy stamp, cannot be
  sent: Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 6 — no transmission of secrets over
  telecom means outside the cipher law); mail itself does not know documents (docs/mail.md).
* Virus scan: `DESK_MAIL_VIRUS_SCANNER` — empty (default: no scan), `clamd:/path/to/socket` or
  `clamd:host:port` (clamd's INSTREAM command), or `command:<program and arguments>` (the file on
  standard input; exit 0 clean, 1 infected, anything else an error). A scanner that does not
  answer refuses the file (fails closed) with a Vietnamese message.
"""

from __future__ import annotations

import shlex
import socket
import struct
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes
    # where it comes from when not uploaded by hand, e.g. "documents.incoming:12" (a guard
    # looks the document up); empty for a file from the official's computer
    source: str = ""


AttachmentGuard = Callable[[Sequence[Upload]], list[str]]
_GUARDS: list[AttachmentGuard] = []


def register_attachment_guard(guard: AttachmentGuard) -> None:
    if guard not in _GUARDS:
        _GUARDS.append(guard)


def refusals(uploads: Sequence[Upload]) -> list[str]:
    """Every registered guard's reasons for not sending these attachments."""
    reasons: list[str] = []
    for guard in _GUARDS:
        reasons.extend(guard(uploads))
    return reasons


SCANNER_DOWN = (
    "Không kiểm tra được virus cho tệp «{name}» (chương trình quét virus không trả lời); tệp "
    "chưa được gửi hay tải về. Vui lòng thử lại sau hoặc báo bộ phận quản trị mạng."
)
INFECTED = "Tệp «{name}» có virus ({virus}); tệp bị chặn."


class ScanFailed(Exception):
    pass


def virus_of(data: bytes) -> str | None:
    """The virus found in `data` (its name), None when clean or no scanner is configured.
    Raises ScanFailed when the configured scanner cannot answer."""
    scanner = settings.DESK_MAIL_VIRUS_SCANNER.strip()
    if not scanner:
        return None
    kind, _, target = scanner.partition(":")
    if kind == "clamd":
        return _clamd(target, data)
    if kind == "command":
        return _command(target, data)
    raise ScanFailed(f"unknown scanner {kind!r}")


def scan_refusals(uploads: Sequence[Upload]) -> list[str]:
    reasons = []
    for upload in uploads:
        try:
            virus = virus_of(upload.data)
        except ScanFailed:
            reasons.append(SCANNER_DOWN.format(name=upload.filename))
            continue
        if virus:
            reasons.append(INFECTED.format(name=upload.filename, virus=virus))
    return reasons


def _clamd(target: str, data: bytes) -> str | None:
    try:
        if target.startswith("/"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(settings.DESK_MAIL_TIMEOUT * 4)
            sock.connect(target)
        else:
            host, _, port = target.rpartition(":")
            sock = socket.create_connection((host, int(port)), settings.DESK_MAIL_TIMEOUT * 4)
        with sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), 1 << 16):
                chunk = data[start : start + (1 << 16)]
                sock.sendall(struct.pack("!I", len(chunk)) + chunk)
            sock.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                piece = sock.recv(4096)
                if not piece:
                    break
                reply += piece
    except (OSError, ValueError) as exc:
        raise ScanFailed(str(exc)) from exc
    text = reply.rstrip(b"\0").decode(errors="replace")
    if text.endswith("OK"):
        return None
    if text.endswith("FOUND"):
        return text.removeprefix("stream:").removesuffix("FOUND").strip()
    raise ScanFailed(text)


def _command(target: str, data: bytes) -> str | None:
    try:
        result = subprocess.run(  # noqa: S603  (the administrator's configured scanner, no shell)
            shlex.split(target),
            input=data,
            capture_output=True,
            timeout=settings.DESK_MAIL_TIMEOUT * 4,
            check=False,
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise ScanFailed(str(exc)) from exc
    if result.returncode == 0:
        return None
    if result.returncode == 1:
        found = result.stdout.decode(errors="replace").strip().splitlines()
        return (found[-1] if found else "").removeprefix("stdin:").strip()[:120] or "virus"
    raise ScanFailed(result.stderr.decode(errors="replace")[:200])
