"""The user side of deploy/try-local.sh: one clerk, two web machines, two workers.

Run by try-local.sh with the shared environment (database, S3, secret key) already set:

    python deploy/try_local_client.py WEB1_URL WEB2_URL WEB2_DATA_DIR

1. logs in on web 1 as the demo clerk (lan.vthu) through the real login form;
2. registers an incoming document with a PDF on web 1 (the file goes to S3);
3. opens the same session on web 2: the document's page and its file (read back from S3,
   byte for byte) and the desk search (web 2's own tantivy index catches up from the
   shared change log in the database);
4. waits until a worker has processed the document's background job and says which one.

Prints one line per step; exits non-zero with the failing step named.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
import time
import uuid
from pathlib import Path

import httpx

PASSWORD = "VKSND@demo2026"  # noqa: S105 - the published demo password (README)
FONT = "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"  # Debian fonts-liberation


def fail(step: str, detail: str) -> None:
    print(f"THẤT BẠI ở bước «{step}»: {detail}")
    raise SystemExit(1)


def csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or not found:
        fail("lấy biểu mẫu", f"{path} trả về {page.status_code}")
    return found.group(1)  # type: ignore[union-attr]  # fail() does not return


def make_pdf(marker: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("TrySerif", FONT))
    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    sheet.setFont("TrySerif", 13)
    sheet.drawString(60, 780, "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO")
    sheet.drawString(60, 750, f"Công văn thử triển khai nhiều máy, mã {marker}")
    sheet.drawString(60, 720, "Về việc kiểm tra hệ thống Bàn làm việc số trên mạng diện rộng.")
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def login(base: str, username: str) -> httpx.Client:
    """A client signed in through the real login form (audited as auth.login)."""
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    token = csrf(client, "/dang-nhap/")
    fields = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    answer = client.post("/dang-nhap/", data=fields, headers={"Referer": base})
    if answer.status_code != 302:
        fail(f"đăng nhập {username} trên {base}", f"mã {answer.status_code}")
    return client


def main(web1: str, web2: str, web2_data_dir: str) -> None:
    marker = "thu" + uuid.uuid4().hex[:8]
    pdf = make_pdf(marker)

    # 1. Log in on web 1.
    one = login(web1, "lan.vthu")
    print(f"1. Đăng nhập lan.vthu trên web 1 ({web1}) qua biểu mẫu đăng nhập")

    # 2. Register an incoming document with its PDF on web 1.
    token = csrf(one, "/van-ban/den/vao-so/")
    fields = {
        "csrfmiddlewaretoken": token,
        "sender": "Viện kiểm sát nhân dân tối cao",
        "code_notation": f"{marker[-4:]}/VKSTC-TH",
        "issued_date": "2026-12-01",
        "doc_type": "cong_van",
        "subject": f"Thử triển khai nhiều máy {marker}",
        "signer_name": "",
        "urgency": "thuong",
        "secrecy": "thuong",
        "due_date": "",
        "channel": "dien_tu",
        "page_amount": "",
        "notes": "",
        "confirm_sensitive": "on",
    }
    answer = one.post(
        "/van-ban/den/vao-so/",
        data=fields,
        files={"file": ("cong-van-thu.pdf", pdf, "application/pdf")},
        headers={"Referer": web1},
    )
    where = answer.headers.get("location", "")
    found = re.search(r"/van-ban/den/(\d+)/", where)
    if answer.status_code != 302 or not found:
        fail("vào sổ trên web 1", f"mã {answer.status_code}, {answer.text[:300]!r}")
    pk = int(found.group(1))  # type: ignore[union-attr]
    print(f"2. Vào sổ văn bản đến số hiệu #{pk} kèm PDF {len(pdf)} byte trên web 1")

    # 3. The same session on web 2 (sessions live in the shared database).
    two = httpx.Client(base_url=web2, follow_redirects=False, timeout=60, cookies=one.cookies)
    page = two.get(f"/van-ban/den/{pk}/")
    if page.status_code != 200 or marker not in page.text:
        fail("xem trên web 2", f"mã {page.status_code}")
    print(f"3a. Web 2 ({web2}) hiển thị văn bản #{pk} (cùng phiên, cùng cơ sở dữ liệu)")
    got = two.get(f"/van-ban/den/{pk}/tep/goc/")
    if (
        got.status_code != 200
        or hashlib.sha256(got.content).digest() != hashlib.sha256(pdf).digest()
    ):
        fail("tải tệp trên web 2", f"mã {got.status_code}, {len(got.content)} byte")
    print(f"3b. Web 2 tải tệp từ S3: {len(got.content)} byte, SHA-256 trùng khớp")
    hits = two.get("/tim-kiem/", params={"q": marker})
    if hits.status_code != 200 or f"/van-ban/den/{pk}/" not in hits.text:
        fail("tìm kiếm trên web 2", f"mã {hits.status_code}")
    index_dir = Path(web2_data_dir) / "search-index"
    print(
        f"3c. Tìm «{marker}» trên web 2 thấy văn bản; chỉ mục riêng của web 2: "
        f"{sum(1 for _ in index_dir.iterdir())} tệp trong thư mục dữ liệu của nó"
    )

    # 4. A worker processes the document's background job.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitaldesk.config.settings")
    import django

    django.setup()
    from digitaldesk.jobs.models import Job

    deadline = time.monotonic() + 300
    while True:
        job = Job.objects.filter(name="documents.process_incoming", kwargs__document_id=pk).first()
        if job is not None and job.is_finished:
            break
        if time.monotonic() > deadline:
            fail("công việc nền", f"chưa xong sau 300 giây: {job and job.state}")
        time.sleep(1)
    if job.state != "done":
        fail("công việc nền", f"{job.state}: {job.error[:300]}")
    print(f"4. Công việc «{job.label}» xong ở lần thử {job.attempts}, do tiến trình «{job.worker}»")
    print("KẾT QUẢ: ĐẠT")


if __name__ == "__main__":
    if len(sys.argv) == 4:
        main(*sys.argv[1:])
    elif len(sys.argv) == 3 and sys.argv[1] == "--login":
        login(sys.argv[2], "huong.vt")  # one more audited event (after the base backup)
        print(f"Đăng nhập huong.vt trên {sys.argv[2]}")
    else:
        raise SystemExit(
            "usage: try_local_client.py WEB1_URL WEB2_URL WEB2_DATA_DIR | --login WEB_URL"
        )
