"""Screenshots of the main pages for the user guide (README, "Ảnh màn hình"): docs/screenshots/.

    .venv/bin/python scripts/screenshots.py                 # everything, about 2-3 minutes
    .venv/bin/python scripts/screenshots.py --only case     # the pages whose name contains "case"
    .venv/bin/python scripts/screenshots.py --data-dir var/shots --keep   # keep the demo database

Steps:
1. a throw-away data directory and SQLite database (or --data-dir: reused when it already holds a
   loaded demo), `desk migrate` and `desk demo` (the fictional demo organisation and its data);
2. `desk serve --no-live` (web server and job worker) on a free loopback port;
3. Debian's chromium through Playwright (never downloaded): each persona signs in once per window
   size, and each page is captured at desktop (1366×768) and phone (390×844) size; the case file
   last, once the worker has read its pages (OCR);
4. each PNG is reduced to a 256-colour palette (Pillow) to stay small (< 150 KB), written to
   docs/screenshots/<page>-desktop.png and <page>-phone.png.

A page that cannot be reached (a link missing after a change elsewhere) is reported and skipped;
the script then exits with status 1 after taking all the others. How to run it: docs/testing.md.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("DESK_TEST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "VKSND@demo2026"  # noqa: S105  (the public demo password: accounts/demo.py, README)
SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
}


@dataclass(frozen=True)
class Shot:
    """One page of the guide: its file name, who looks at it, how to reach it."""

    name: str
    user: str
    url: str
    # A link to follow from `url` (CSS selector; the first match), for pages whose id varies.
    follow: str = ""
    # An element to scroll into view before the capture (e.g. the bút phê form).
    focus: str = ""
    caption: str = ""
    # Taken last, once the background jobs of the demo (OCR of the case file) have finished.
    after_jobs: bool = False


SHOTS = [
    Shot("home-prosecutor", "minh.ksv", "/", caption="Bàn làm việc của Kiểm sát viên"),
    Shot("home-chief", "huong.vt", "/", caption="Bàn làm việc của Viện trưởng"),
    Shot("home-clerk", "lan.vthu", "/", caption="Bàn làm việc của Văn thư"),
    Shot("home-department-head", "tuan.v5", "/", caption="Bàn làm việc của Vụ trưởng"),
    Shot("case-register", "minh.ksv", "/an-hinh-su/", caption="Sổ thụ lý án hình sự"),
    Shot(
        "case-page",
        "minh.ksv",
        "/an-hinh-su/",
        follow="#register-table tbody a",
        caption="Trang một vụ án",
    ),
    Shot("incoming-register", "lan.vthu", "/van-ban/den/", caption="Sổ văn bản đến"),
    Shot(
        "incoming-registration",
        "lan.vthu",
        "/van-ban/den/vao-so/",
        caption="Vào sổ văn bản đến",
    ),
    Shot(
        "direction-form",
        "huong.vt",
        "/van-ban/den/?trang_thai=cho_phan_cong",
        follow="main table tbody a",
        focus="form.assign-form",
        caption="Bút phê, giao xử lý văn bản đến",
    ),
    Shot(
        "outgoing-document",
        "lan.vthu",
        "/van-ban/di/",
        follow='main a[href*="/van-ban/di/"][href$="/"]:not([href$="/di/"])',
        caption="Một văn bản đi",
    ),
    Shot("statistics", "minh.ksv", "/an-hinh-su/thong-ke/", caption="Thống kê án hình sự"),
    Shot("audit", "hieu.tt", "/nhat-ky/", caption="Nhật ký kiểm toán"),
    Shot(
        "case-file",
        "minh.ksv",
        "/ho-so-so/",
        follow='main table a[href*="/ho-so-so/"]',
        caption="Hồ sơ số của một vụ án",
        after_jobs=True,
    ),
]


def log(message: str) -> None:
    print(message, flush=True)


def desk(env: dict[str, str], *args: str) -> None:
    """Run a `desk` management command with the throw-away environment."""
    command = [sys.executable, "-m", "digitaldesk.manage", *args]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(base: str, server: subprocess.Popen[bytes], seconds: int = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("Máy chủ dừng khi khởi động (xem nhật ký ở trên).")
        try:
            # The first request loads Django in the gunicorn worker: slow on a busy machine.
            with urllib.request.urlopen(f"{base}/healthz", timeout=60) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"Máy chủ không trả lời {base}/healthz sau {seconds} giây.")


def save_small_png(png: bytes, path: Path) -> int:
    """Reduce a screenshot to a 256-colour palette (screens are flat colours and text: the loss is
    invisible) and write it optimised; returns the size in bytes."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(path, format="PNG", optimize=True)
    return path.stat().st_size


def login(page: Any, username: str) -> None:
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    if "/dang-nhap/" in page.url:
        raise RuntimeError(f"đăng nhập {username} không thành công ({page.url})")


def capture(page: Any, shot: Shot, path: Path) -> int:
    page.goto(shot.url)
    if shot.follow:
        link = page.locator(shot.follow).first
        if not link.count():
            raise RuntimeError(f"không thấy liên kết {shot.follow!r} trên {shot.url}")
        with page.expect_navigation():
            link.click()
    if shot.focus:
        target = page.locator(shot.focus).first
        if target.count():
            # The box that holds it (its heading too) at the top of the window.
            target.evaluate(
                "el => (el.closest('section, .card, details') || el)"
                ".scrollIntoView({block: 'start'})"
            )
        else:  # the page changed: still worth a picture, from its top
            log(f"  (không thấy {shot.focus!r} trên {page.url}: chụp từ đầu trang)")
    return save_small_png(page.screenshot(animations="disabled", caret="hide"), path)


def wait_for_jobs(database: Path, seconds: int = 150) -> None:
    """Wait until the worker has no queued or running job left (the demo's OCR), at most
    `seconds`; read straight from the SQLite file (the jobs table of jobs/models.py)."""
    import sqlite3

    deadline = time.monotonic() + seconds
    left = -1
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
                (left,) = db.execute(
                    "SELECT count(*) FROM jobs_job WHERE state IN ('queued', 'running', 'retry')"
                ).fetchone()
        except sqlite3.Error as error:
            log(f"  (không đọc được hàng đợi công việc: {error})")
            return
        if left == 0:
            return
        time.sleep(2)
    log(f"  (còn {left} công việc nền chưa xong sau {seconds} giây: chụp luôn)")


def take_all(base: str, shots: list[Shot], database: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    failures: list[str] = []
    OUT.mkdir(parents=True, exist_ok=True)
    # Two passes: the pages that do not depend on background jobs, then the others.
    passes = [[s for s in shots if not s.after_jobs], [s for s in shots if s.after_jobs]]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for number, group in enumerate(passes):
                if number and group:
                    log("Chờ các công việc nền (nhận dạng chữ hồ sơ số) …")
                    wait_for_jobs(database)
                failures += _take(browser, base, group)
        finally:
            browser.close()
    return failures


def _take(browser: Any, base: str, shots: list[Shot]) -> list[str]:
    """Each persona signs in once per window size and captures their pages."""
    failures: list[str] = []
    users = list(dict.fromkeys(shot.user for shot in shots))
    for size, options in SIZES.items():
        for user in users:
            context = browser.new_context(
                base_url=base, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options
            )
            context.set_default_timeout(20_000)
            page = context.new_page()
            try:
                login(page, user)
                for shot in (s for s in shots if s.user == user):
                    path = OUT / f"{shot.name}-{size}.png"
                    try:
                        size_bytes = capture(page, shot, path)
                        log(f"  {path.relative_to(ROOT)}  {size_bytes // 1024} KB")
                    except Exception as error:  # noqa: BLE001  (report it, take the others)
                        failures.append(f"{shot.name}-{size}: {error}")
                        log(f"  LỖI {shot.name}-{size}: {error}")
            except Exception as error:  # noqa: BLE001
                failures.append(f"{user} ({size}): {error}")
                log(f"  LỖI {user} ({size}): {error}")
            finally:
                context.close()
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", default="", help="chỉ các trang có tên chứa chuỗi này")
    parser.add_argument("--data-dir", default="", help="thư mục dữ liệu (mặc định: tạm thời)")
    parser.add_argument("--keep", action="store_true", help="giữ lại thư mục dữ liệu")
    options = parser.parse_args(argv)
    shots = [shot for shot in SHOTS if options.only in shot.name]
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Không tìm thấy trình duyệt {CHROMIUM}: chạy scripts/setup.sh.")

    started = time.monotonic()
    data = Path(options.data_dir or tempfile.mkdtemp(prefix="desk-screenshots-")).resolve()
    data.mkdir(parents=True, exist_ok=True)
    database = data / "desk.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DESK_DATA_DIR": str(data),
        "DESK_DATABASE_URL": f"sqlite:///{database}",
        "DESK_TESTING": "1",  # the static files straight from the source tree, no collectstatic
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DESK_TEST_DATABASE_NAME", None)
    server: subprocess.Popen[bytes] | None = None
    try:
        if not (data / "demo-loaded").exists():
            log(f"Nạp dữ liệu mẫu vào {data} …")
            desk(env, "migrate", "--noinput", "-v", "0")
            desk(env, "demo")
            (data / "demo-loaded").write_text("ok\n", encoding="utf-8")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "digitaldesk.manage", "serve", "--host", "127.0.0.1"]
        # One web worker (the browser asks one page at a time) and the job worker (the demo's OCR),
        # no event process (live updates do not show on a still picture).
        command += ["--port", str(port), "--no-live", "--web-workers", "1"]
        server = subprocess.Popen(  # noqa: S603  (this interpreter, constant arguments)
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_healthy(base, server)
        log(f"Chụp {len(shots)} trang × {len(SIZES)} cỡ màn hình từ {base} …")
        failures = take_all(base, shots, database)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if not options.keep and not options.data_dir:
            shutil.rmtree(data, ignore_errors=True)
    log(f"Xong sau {time.monotonic() - started:.0f} giây; ảnh trong {OUT.relative_to(ROOT)}/.")
    if failures:
        log("Không chụp được:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
