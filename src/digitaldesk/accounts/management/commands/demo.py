from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from digitaldesk.accounts.demo import DEMO_PASSWORD, build_org, demo_totp_secret, scale
from digitaldesk.accounts.models import Unit, User
from digitaldesk.core.demo import DemoOrg, demo_steps


class Command(BaseCommand):
    help = (
        "Nạp tổ chức mẫu (VKSND tỉnh Thăng Hoa và các đơn vị VKSND tối cao) và dữ liệu mẫu của "
        "các phân hệ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=int, default=0, help="Thêm N cán bộ sinh tự động (dùng cho đo tải)."
        )
        parser.add_argument("--quiet", action="store_true", help="Không in bảng tài khoản mẫu.")
        parser.add_argument(
            "--org-only",
            action="store_true",
            help="Chỉ nạp tổ chức và cán bộ, không nạp dữ liệu mẫu của các phân hệ.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        first_time = not Unit.objects.filter(name="Viện kiểm sát nhân dân tỉnh Thăng Hoa").exists()
        org = DemoOrg()
        build_org(org)
        if first_time and not options["org_only"]:
            for step in demo_steps():
                step(org, self.stdout)
            self.stdout.write(self.style.SUCCESS("Đã nạp tổ chức và dữ liệu mẫu."))
        elif first_time:
            self.stdout.write(
                self.style.SUCCESS(
                    "Đã nạp tổ chức và cán bộ mẫu (không nạp dữ liệu mẫu của các phân hệ)."
                )
            )
        else:
            self.stdout.write("Tổ chức mẫu đã có sẵn; không nạp lại.")
        if options["scale"]:
            scale(org, options["scale"], self.stdout)
        if not options["quiet"]:
            self.print_logins(org)

    def print_logins(self, org: DemoOrg) -> None:
        rows = [("Tên đăng nhập", "Họ và tên", "Chức vụ", "Đơn vị")]
        keys = [
            "huong",
            "pvt",
            "lan",
            "tp2",
            "minh",
            "mai",
            "ksvcc",
            "ktv",
            "cv",
            "kv1_vt",
            "kv1_ksv",
            "kv1_vthu",
            "tuan",
            "v5_vthu",
            "ptdn_vt",
            "ptdn_ksv",
            "dung",
            "thanhtra",
        ]
        for key in keys:
            user: User = org.people[key]
            rows.append(
                (
                    user.username,
                    user.full_name,
                    user.position.name if user.position else "",
                    (user.unit.short_name or user.unit.name)[:60] if user.unit else "",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("\nTÀI KHOẢN MẪU — mật khẩu chung: " + DEMO_PASSWORD)
        for index, row in enumerate(rows):
            self.stdout.write("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write(
            "\n  dung.c2 (quản trị, Cục 2 bắt buộc xác thực hai lớp): khóa TOTP "
            f"{demo_totp_secret()}"
        )
        self.stdout.write(
            "  hieu.tt có vai trò Thanh tra (xem nhật ký kiểm toán). Vụ 5 có 29 cán bộ "
            "(v5.cb01…v5.cb27)."
        )
        self.stdout.write(
            "  nghia.ptdn, hien.ptdn: Viện Công tố và Kiểm sát xét xử phúc thẩm tại Đà Nẵng "
            "(VKSND tối cao), thay VKSND cấp cao từ 01/7/2025.\n"
        )
