"""The agency's mail servers for the quick start: Dovecot and Postfix on loopback, configured
exactly as for the tests (tests/support/mailservers.py, docs/mail.md), checking the desk's OAuth2
tokens by introspection against the desk at DESK_PORT (8000).

    python scripts/mailservers.py var/mail.env     # runs until SIGTERM / Ctrl-C

When both are up it writes the shell file given (DESK_MAIL_* for the desk, the desk's
notification e-mail to the same Postfix — which takes mail for the agency's domain from loopback
without SASL, as an agency server trusts the desk's address — and the demo's LMTP port and
introspection client); without Dovecot/Postfix, or without root (Dovecot's mail
user must be set), it says so in Vietnamese and exits with status 3 — the desk then runs without
its webmail.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.mailservers import mail_servers  # noqa: E402

DOMAIN = os.environ.get("DESK_MAIL_DEMO_DOMAIN", "thanghoa.vksnd.local")


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/mail.env")
    target.unlink(missing_ok=True)
    missing = [name for name in ("dovecot", "postfix") if not shutil.which(name, path="/usr/sbin")]
    if missing or os.geteuid() != 0:
        why = f"thiếu {', '.join(missing)}" if missing else "cần chạy với quyền root"
        print(
            f"Thư điện tử: không khởi động được Dovecot/Postfix ({why}); Bàn làm việc chạy không "
            "có Thư điện tử. Cài dovecot-imapd dovecot-lmtpd postfix (scripts/setup.sh) để có.",
            file=sys.stderr,
        )
        return 3
    # one secret per data directory: the desk registers Dovecot's client once (`desk demo`)
    secret_file = target.parent / "mail-dovecot-secret"
    if not secret_file.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(32))
        secret_file.chmod(0o600)
    client_id, secret = "dovecot-demo", secret_file.read_text().strip()
    port = os.environ.get("DESK_PORT", "8000")
    url = f"http://{client_id}:{secret}@127.0.0.1:{port}/o/introspect/"
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with mail_servers(introspection_url=url, domain=DOMAIN, local_notifications=True) as servers:
        lines = {
            "DESK_MAIL_IMAP_HOST": "127.0.0.1",
            "DESK_MAIL_IMAP_PORT": servers.imap_port,
            "DESK_MAIL_SMTP_HOST": "127.0.0.1",
            "DESK_MAIL_SMTP_PORT": servers.smtp_port,
            "DESK_MAIL_DOMAINS": DOMAIN,
            # the desk's notifications and invitations into the same mailboxes
            "DESK_EMAIL_ENABLED": 1,
            "DESK_SMTP_HOST": "127.0.0.1",
            "DESK_SMTP_PORT": servers.smtp_port,
            "DESK_EMAIL_FROM": f"ban-lam-viec-so@{DOMAIN}",
            "DESK_MAIL_DEMO_LMTP_PORT": servers.lmtp_port,
            "DESK_MAIL_DEMO_CLIENT_ID": client_id,
            "DESK_MAIL_DEMO_CLIENT_SECRET": secret,
        }
        partial = target.with_suffix(".tmp")
        partial.write_text("".join(f"export {k}={v}\n" for k, v in lines.items()))
        partial.chmod(0o600)
        partial.replace(target)
        print(f"Thư điện tử: Dovecot (IMAP {servers.imap_port}) và Postfix đang chạy.")
        try:
            while not stop.wait(1):
                pass
        except KeyboardInterrupt:
            pass
    target.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
