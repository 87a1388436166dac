"""`desk oidc-client`: register, list and remove the internal applications that sign
their users in through the desk (OpenID Connect). See docs/sso.md."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digitaldesk.accounts import sso


def _issuer() -> str:
    return settings.OIDC_ISSUER or f"{settings.SITE_URL.rstrip('/')}/o"


class Command(BaseCommand):
    help = (
        "Quản lý ứng dụng nội bộ đăng nhập qua Bàn làm việc số (OpenID Connect): add, list, remove."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add,list,remove}")
        add = sub.add_parser("add", help="Đăng ký một ứng dụng và in client_id / client_secret.")
        add.add_argument("--name", required=True, help="Tên ứng dụng, hiện trên trang xin phép.")
        add.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            help="Địa chỉ nhận kết quả đăng nhập (lặp lại để khai nhiều địa chỉ).",
        )
        add.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            default=[],
            dest="logout_uris",
            help="Địa chỉ quay về sau khi đăng xuất (lặp lại được).",
        )
        kind = add.add_mutually_exclusive_group()
        kind.add_argument(
            "--confidential",
            action="store_true",
            help="Ứng dụng chạy trên máy chủ, giữ được bí mật (mặc định).",
        )
        kind.add_argument(
            "--public",
            action="store_true",
            help=(
                "Ứng dụng không giữ được bí mật (chạy trên máy người dùng): không có client_secret."
            ),
        )
        add.add_argument(
            "--trusted",
            action="store_true",
            help="Ứng dụng nội bộ tin cậy: không hỏi người dùng có đồng ý chia sẻ thông tin.",
        )
        add.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        listing = sub.add_parser("list", help="Liệt kê các ứng dụng đã đăng ký.")
        listing.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        remove = sub.add_parser(
            "remove", help="Gỡ một ứng dụng (mọi mã truy cập của nó bị thu hồi)."
        )
        remove.add_argument("client", help="client_id hoặc tên ứng dụng.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"do_{options['action']}")(options)
        except sso.SSOError as error:
            raise CommandError(str(error)) from error

    def do_add(self, options: dict[str, Any]) -> None:
        registered = sso.oidc_client_register(
            actor=None,
            name=options["name"],
            redirect_uris=options["redirect_uris"],
            post_logout_redirect_uris=options["logout_uris"],
            confidential=not options["public"],
            trusted=options["trusted"],
            via="cli",
        )
        app = registered.application
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "name": app.name,
                        "client_id": app.client_id,
                        "client_secret": registered.client_secret,
                        "client_type": app.client_type,
                        "trusted": app.skip_authorization,
                        "redirect_uris": app.redirect_uris.split(),
                        "post_logout_redirect_uris": app.post_logout_redirect_uris.split(),
                        "issuer": _issuer(),
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Đã đăng ký ứng dụng “{app.name}”."))
        self.stdout.write(f"client_id: {app.client_id}")
        if registered.client_secret:
            self.stdout.write(f"client_secret: {registered.client_secret}")
            self.stdout.write(
                self.style.WARNING(
                    "Hãy lưu client_secret ngay: Bàn làm việc số chỉ giữ bản băm, không hiển "
                    "thị lại được."
                )
            )
        else:
            self.stdout.write(
                "Ứng dụng công khai (public): không có client_secret; bắt buộc PKCE (S256)."
            )
        self.stdout.write(f"issuer: {_issuer()}")
        self.stdout.write(f"Cấu hình tự động: {_issuer()}/.well-known/openid-configuration")

    def do_list(self, options: dict[str, Any]) -> None:
        rows = [
            {
                "client_id": app.client_id,
                "name": app.name,
                "client_type": app.client_type,
                "trusted": app.skip_authorization,
                "redirect_uris": app.redirect_uris.split(),
                "post_logout_redirect_uris": app.post_logout_redirect_uris.split(),
                "created": app.created.isoformat(),
            }
            for app in sso.oidc_clients()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("Chưa có ứng dụng nào được đăng ký.")
            return
        for row in rows:
            kind = "công khai" if row["client_type"] == "public" else "bí mật"
            trusted = ", tin cậy (không hỏi đồng ý)" if row["trusted"] else ""
            self.stdout.write(f"{row['name']}  [{row['client_id']}]  loại {kind}{trusted}")
            for uri in row["redirect_uris"]:
                self.stdout.write(f"    quay về: {uri}")
            for uri in row["post_logout_redirect_uris"]:
                self.stdout.write(f"    sau đăng xuất: {uri}")

    def do_remove(self, options: dict[str, Any]) -> None:
        label = sso.oidc_client_remove(actor=None, client_id_or_name=options["client"], via="cli")
        self.stdout.write(self.style.SUCCESS(f"Đã gỡ ứng dụng {label}."))
