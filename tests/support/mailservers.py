"""The agency's mail servers, real and on loopback, for the official e-mail tests (docs/mail.md).

    with mail_servers(introspection_url="http://srv:secret@127.0.0.1:8000/o/introspect/",
                      domain="thanghoa.vksnd.local") as servers:
        servers.imap_port, servers.smtp_port

* Dovecot (Debian's dovecot-imapd + dovecot-lmtpd): IMAP on 127.0.0.1, LMTP on 127.0.0.1 for
  Postfix's deliveries, and its auth socket for Postfix's SASL. The only passdb is `oauth2`: an
  IMAP login is an OAuth2 access token (SASL XOAUTH2 / OAUTHBEARER) that Dovecot checks by token
  introspection (RFC 7662) against the desk; no password exists.
* Postfix (Debian's postfix): a submission port on 127.0.0.1 that requires SASL through
  Dovecot's auth socket (smtpd_sasl_type = dovecot) and delivers the agency domain to Dovecot over
  LMTP; it relays nothing elsewhere.

Both run from a private directory under /tmp with private configuration, in their own process
groups, and are stopped (SIGTERM then SIGKILL) and their directory removed when the block ends.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MailServers:
    root: Path
    imap_port: int
    smtp_port: int
    lmtp_port: int

    def log(self) -> str:
        parts = []
        for name in ("dovecot.log", "postfix.log"):
            path = self.root / name
            if path.exists():
                parts.append(f"--- {name}\n" + path.read_text(errors="replace")[-6000:])
        return "\n".join(parts)


def _wait_port(
    port: int, process: subprocess.Popen[bytes], what: str, servers: MailServers
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start\n{servers.log()}")


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def _stop_postfix(pid_file: Path) -> None:
    """Postfix's master daemon leaves the process group of `postfix start-fg`: stop it by the
    pid it wrote, and wait until it (and with it its children) has gone."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def _dovecot_conf(
    root: Path, imap: int, lmtp: int, oauth_conf: Path, passwd: Path | None = None
) -> str:
    nobody = pwd.getpwnam("nobody")
    # app passwords (the desk's fallback for servers without OAuth2): a passwd-file passdb for
    # PLAIN/LOGIN beside the oauth2 one
    password_db = (
        f"auth_mechanisms = $auth_mechanisms plain login\n"
        f"passdb {{\n  driver = passwd-file\n  mechanisms = plain login\n  args = {passwd}\n}}\n"
        if passwd
        else ""
    )
    return (
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
auth_username_format = %Ln
# the desk is the webmail: every official's login comes from its address, so no IP penalty
login_trusted_networks = 127.0.0.1/32
auth_failure_delay = 0
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{root}/home/%n/Maildir
# only Dovecot (IMAP, LMTP) writes the Maildirs: no directory scan at each SELECT (a large
# mailbox whose flags change would otherwise be re-read at every opening, docs/mail.md)
maildir_very_dirty_syncs = yes
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = create
  }}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {oauth_conf}
}}
userdb {{
  driver = static
  args = uid={nobody.pw_uid} gid={nobody.pw_gid} home={root}/home/%n allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
  unix_listener lmtp {{
    mode = 0600
  }}
}}
service auth {{
  unix_listener auth-client {{
    mode = 0666
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
        + password_db
    )


_MASTER = """\
{smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def _postfix_main(root: Path, domain: str, lmtp: int, max_size: int, local: bool = False) -> str:
    # `local`: the desk's own notifications (no SASL) from loopback are delivered too
    trusted = "permit_mynetworks, " if local else ""
    relay = "reject_unauth_destination" if local else "reject"  # local: the agency domain only
    return f"""
compatibility_level = 3.6
queue_directory = {root}/postfix/queue
data_directory = {root}/postfix/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.{domain}
mydomain = {domain}
myorigin = {domain}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
maillog_file = {root}/postfix.log
maillog_file_prefixes = {root}
alias_maps =
alias_database =
virtual_mailbox_domains = {domain}
virtual_transport = lmtp:inet:127.0.0.1:{lmtp}
message_size_limit = {max_size}
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {root}/run/auth-client
smtpd_relay_restrictions = permit_sasl_authenticated, {relay}
smtpd_recipient_restrictions = permit_sasl_authenticated, {trusted}reject
smtpd_client_restrictions = permit_sasl_authenticated, permit_mynetworks, reject
smtpd_tls_security_level = none
"""


@contextmanager
def mail_servers(
    *,
    introspection_url: str,
    domain: str,
    max_size: int = 40 * 1024 * 1024,
    app_passwords: dict[str, str] | None = None,
    local_notifications: bool = False,
) -> Iterator[MailServers]:
    """`app_passwords` (login -> password): also accept these passwords (PLAIN/LOGIN), as an
    agency server without OAuth2 does for the desk's app-password fallback."""
    root = Path(tempfile.mkdtemp(prefix="desk-mail-"))
    root.chmod(0o755)
    servers = MailServers(root, free_port(), free_port(), free_port())
    (root / "home").mkdir()
    nobody = pwd.getpwnam("nobody")
    os.chown(root / "home", nobody.pw_uid, nobody.pw_gid)
    oauth = root / "dovecot-oauth2.conf.ext"
    oauth.write_text(
        f"introspection_mode = post\n"
        f"introspection_url = {introspection_url}\n"
        "force_introspection = yes\n"
        "username_attribute = username\n"
        "active_attribute = active\n"
        "active_value = true\n"
        "scope = mail\n"
    )
    oauth.chmod(0o600)
    passwd = None
    if app_passwords:
        passwd = root / "app-passwords"
        passwd.write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in app_passwords.items()))
        passwd.chmod(0o600)
        dovecot_user = pwd.getpwnam("dovecot")  # Dovecot's auth process reads it
        os.chown(passwd, dovecot_user.pw_uid, dovecot_user.pw_gid)
    config = root / "dovecot.conf"
    config.write_text(_dovecot_conf(root, servers.imap_port, servers.lmtp_port, oauth, passwd))
    etc = root / "postfix" / "etc"
    etc.mkdir(parents=True)
    main_cf = _postfix_main(root, domain, servers.lmtp_port, max_size, local_notifications)
    (etc / "main.cf").write_text(main_cf)
    (etc / "master.cf").write_text(_MASTER.format(smtp_port=f"127.0.0.1:{servers.smtp_port}"))
    dovecot = postfix = None
    try:
        dovecot = subprocess.Popen(  # noqa: S603  (fixed argv)
            [shutil.which("dovecot") or "/usr/sbin/dovecot", "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_port(servers.imap_port, dovecot, "dovecot", servers)
        postfix_bin = shutil.which("postfix") or "/usr/sbin/postfix"
        (root / "postfix" / "queue").mkdir()
        (root / "postfix" / "data").mkdir()
        owner = pwd.getpwnam("postfix")
        os.chown(root / "postfix" / "data", owner.pw_uid, owner.pw_gid)
        postfix = subprocess.Popen(  # noqa: S603  (fixed argv)
            [postfix_bin, "-c", str(etc), "start-fg"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_port(servers.smtp_port, postfix, "postfix", servers)
        yield servers
    finally:
        _stop_postfix(root / "postfix" / "queue" / "pid" / "master.pid")
        _stop(postfix)
        _stop(dovecot)
        shutil.rmtree(root, ignore_errors=True)
