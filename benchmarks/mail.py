"""Benchmark of the webmail (docs/mail.md): a mailbox of 20,000 messages on the real Dovecot.

    nice .venv/bin/python benchmarks/mail.py                 # 20,000 messages, writes mail.json
    nice .venv/bin/python benchmarks/mail.py --messages 2000 --rounds 30

What it does:

1. Migrates a fresh SQLite desk in var/bench-mail, adds one official (password only) and
   registers Dovecot's introspection client.
2. Starts Dovecot and Postfix on loopback exactly as the tests do (tests/support/mailservers.py:
   oauth2 passdb, token introspection against the desk), then serves the desk with gunicorn
   (2 workers x 4 threads) pointed at them (DESK_MAIL_*).
3. Fills the official's INBOX with `--messages` Vietnamese messages written straight into the
   Maildir (one in ten unread, a few with an attachment), then lets Dovecot index them (a first
   SELECT, not measured).
4. The official logs in through the login form, then, through the desk's own pages:
   `list`: GET /thu-dien-tu/ (folder list with unread counts + first page of 50 headers);
   `open`: GET /thu-dien-tu/thu/<uid>/ of random messages (BODY[] fetch, parse, sanitise, audit).
   Each request mints nothing new while the session's token is valid, as in real use.
5. Writes benchmarks/results/mail.json: list_p95_ms, open_p95_ms, messages, load average.

No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import pwd
import random
import re
import sqlite3
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    REPO,
    GunicornServer,
    desk_env,
    django_setup,
    free_port,
    manage,
    summarize,
    write_results,
)
from tests.support.mailservers import mail_servers

PASSWORD = "Bench@mail-2026"
USER = "hop.thu"
DOMAIN = "thanghoa.vksnd.local"
CLIENT, SECRET = "dovecot-bench", "bi-mat-dovecot-benchmark-0123456789abcdef"
SUBJECTS = [
    "Công văn số {n}/VKS-VP về kế hoạch kiểm sát",
    "Báo cáo tuần {n} của Phòng 2",
    "Tờ trình phê chuẩn lệnh tạm giam số {n}",
    "Giấy mời họp liên ngành lần {n}",
    "Thông báo kết quả giải quyết tin báo số {n}",
]


def prepare(env: dict[str, str]) -> None:
    django_setup(env)
    from django.contrib.auth.hashers import make_password
    from oauth2_provider.models import get_application_model

    from digitaldesk.accounts.models import User

    User.objects.update_or_create(
        username=USER,
        defaults={
            "full_name": "Nguyễn Văn Hộp",
            "email": f"{USER}@{DOMAIN}",
            "password": make_password(PASSWORD),
            "must_change_password": False,
        },
    )
    get_application_model().objects.filter(client_id=CLIENT).delete()
    get_application_model().objects.create(
        name="Dovecot",
        client_id=CLIENT,
        client_secret=SECRET,
        client_type="confidential",
        authorization_grant_type="client-credentials",
    )


def fill(maildir: Path, count: int) -> None:
    """`count` messages straight into the Maildir (cur/, flags in the name), owned by the
    mailbox user (nobody, as in the test set-up)."""
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    nobody = pwd.getpwnam("nobody")
    start = time.time() - count * 60
    for n in range(count):
        message = EmailMessage()
        message["From"] = f"Cán bộ {n % 97} <can.bo{n % 97}@{DOMAIN}>"
        message["To"] = f"{USER}@{DOMAIN}"
        message["Subject"] = SUBJECTS[n % len(SUBJECTS)].format(n=n)
        message["Date"] = formatdate(start + n * 60, localtime=True)
        message["Message-ID"] = f"<bench-{n}@{DOMAIN}>"
        message.set_content(
            "Kính gửi đồng chí,\n\nĐề nghị đồng chí nghiên cứu và cho ý kiến trước ngày 15.\n" * 8
        )
        if n % 50 == 0:
            message.add_attachment(
                b"%PDF-1.4\n" + b"x" * 20000, maintype="application", subtype="pdf",
                filename=f"van-ban-{n}.pdf",
            )  # fmt: skip
        flags = "" if n % 10 == 0 else "S"
        path = maildir / "cur" / f"{int(start) + n}.M{n}P1.bench:2,{flags}"
        path.write_bytes(bytes(message))
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    for directory in (maildir, *maildir.parents[:2]):
        os.chown(directory, nobody.pw_uid, nobody.pw_gid)
    for sub in ("cur", "new", "tmp"):
        os.chown(maildir / sub, nobody.pw_uid, nobody.pw_gid)


def imap_breakdown(port: int, rounds: int, messages: int) -> dict[str, float]:
    """p95 of each IMAP step the pages make, measured without the desk in between."""
    import imaplib

    from digitaldesk.accounts.models import User
    from digitaldesk.mail import client, services

    user = User.objects.get(username=USER)
    token, _ = services.mail_token_issue(user=user)
    steps: dict[str, list[float]] = {"login": [], "folders": [], "page": [], "open": []}
    rng = random.Random(16)
    for _ in range(rounds):
        t0 = time.perf_counter()
        conn = imaplib.IMAP4("127.0.0.1", port, timeout=60)
        conn.authenticate("XOAUTH2", lambda _c: client.xoauth2(USER, token))
        t1 = time.perf_counter()
        client.folders(conn)
        t2 = time.perf_counter()
        client.page(conn, "INBOX", 1)
        t3 = time.perf_counter()
        client.fetch(conn, "INBOX", rng.randint(1, messages), mark_seen=True)
        t4 = time.perf_counter()
        conn.logout()
        for name, value in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            steps[name].append(value)
    return {f"imap_{name}_p95_ms": summarize(values)["p95_ms"] for name, values in steps.items()}


def login(base: str) -> Any:
    import httpx

    browser = httpx.Client(base_url=base, follow_redirects=False, timeout=120)
    page = browser.get("/dang-nhap/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    answer = browser.post(
        "/dang-nhap/",
        data={
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "username": USER,
            "password": PASSWORD,
        },
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: {answer.status_code}")
    return browser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()

    data_dir = REPO / "var" / "bench-mail"
    database, template = data_dir / "desk.sqlite3", data_dir / "migrated.sqlite3"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not template.exists():  # migrating takes minutes on a shared machine: keep a copy
        env = desk_env(database_url=f"sqlite:///{template}", data_dir=data_dir)
        manage(["migrate", "--noinput"], env)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(template) as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    env = desk_env(database_url=f"sqlite:///{database}", data_dir=data_dir)
    prepare(env)
    port = free_port()
    url = f"http://{CLIENT}:{SECRET}@127.0.0.1:{port}/o/introspect/"
    with mail_servers(introspection_url=url, domain=DOMAIN) as servers:
        fill(servers.root / "home" / USER / "Maildir", args.messages)
        env.update(
            {
                "DESK_MAIL_IMAP_HOST": "127.0.0.1",
                "DESK_MAIL_IMAP_PORT": str(servers.imap_port),
                "DESK_MAIL_SMTP_HOST": "127.0.0.1",
                "DESK_MAIL_SMTP_PORT": str(servers.smtp_port),
                "DESK_MAIL_DOMAINS": DOMAIN,
            }
        )
        with GunicornServer(env, workers=2, threads=4, port=port) as server:
            browser = login(server.url)
            started = time.perf_counter()
            first = browser.get("/thu-dien-tu/")
            indexing_s = time.perf_counter() - started
            if first.status_code != 200 or "chưa đọc" not in first.text:
                main = first.text.split("<main", 1)[-1][:1500]
                raise RuntimeError(f"list: {first.status_code}\n{main}\n{servers.log()}")
            listing: list[float] = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                answer = browser.get("/thu-dien-tu/")
                listing.append(time.perf_counter() - t0)
                assert answer.status_code == 200
            opening: list[float] = []
            rng = random.Random(15)
            for _ in range(args.rounds):
                uid = rng.randint(1, args.messages)
                t0 = time.perf_counter()
                path = f"/thu-dien-tu/thu/{uid}/?thu-muc=INBOX"
                answer = browser.get(path)
                opening.append(time.perf_counter() - t0)
                assert answer.status_code == 200, answer.status_code
            breakdown = imap_breakdown(servers.imap_port, args.rounds, args.messages)
            ping: list[float] = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                browser.get("/ping")
                ping.append(time.perf_counter() - t0)
    lists, opens = summarize(listing), summarize(opening)
    load1, load5, load15 = os.getloadavg()
    path = write_results(
        "mail",
        {
            "messages": args.messages,
            "rounds": args.rounds,
            "list_p50_ms": lists["p50_ms"],
            "list_p95_ms": lists["p95_ms"],
            "open_p50_ms": opens["p50_ms"],
            "open_p95_ms": opens["p95_ms"],
            "first_list_with_indexing_s": round(indexing_s, 2),
            # where the time goes: the same IMAP commands straight from Python, and an empty
            # request to the desk (what the loaded machine costs any page)
            **breakdown,
            "ping_p95_ms": summarize(ping)["p95_ms"],
            "load_average": [round(load1, 2), round(load5, 2), round(load15, 2)],
            "target_list_p95_ms": 300,
            "target_open_p95_ms": 200,
            "server": "gunicorn 2 workers x 4 threads, SQLite; Dovecot + Postfix on loopback",
        },
    )
    print(path.read_text())


if __name__ == "__main__":
    main()
