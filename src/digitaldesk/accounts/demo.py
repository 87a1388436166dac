"""The fictional demo organisation: VKSND tỉnh Thăng Hoa and units of the VKSND tối cao.

Names are made up; "Thăng Hoa" is the fictional province on the notice in the seeds.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from digitaldesk.accounts import services
from digitaldesk.accounts.models import Position, Role, Unit, UnitKind, User
from digitaldesk.core.demo import DemoOrg

DEMO_PASSWORD = "VKSND@demo2026"  # noqa: S105  (the demo's published password)
# A fixed demo TOTP key so the printed secret can be typed into an authenticator app.
DEMO_TOTP_HEX = (
    "3132333435363738393031323334353637383930"  # RFC 6238 test key "12345678901234567890"
)

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trịnh",
    "Mai",
    "Tạ",
]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thành", "Xuân", "Ngọc", "Quang", "Việt"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Hồng", "Kim", "Bích", "Diệu"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Giang",
    "Hải",
    "Hiếu",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Trung",
    "Tú",
    "Việt",
    "Vinh",
    "Ân",
    "Đức",
    "Khoa",
    "Lâm",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Huyền",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Thảo",
    "Thủy",
    "Trang",
    "Yến",
    "Ánh",
    "Ý",
]

# key, username, full name, unit key, position code, extra roles, e-mail
PERSONAS = [
    (
        "huong",
        "huong.vt",
        "Nguyễn Thị Hương",
        "tinh",
        "vien-truong",
        [],
        "huong@thanghoa.vksnd.local",
    ),
    (
        "pvt",
        "khanh.pvt",
        "Trần Quốc Khánh",
        "tinh",
        "pho-vien-truong",
        [],
        "khanh@thanghoa.vksnd.local",
    ),
    ("lan", "lan.vthu", "Phạm Thị Lan", "tinh_vp", "van-thu", [], "lan@thanghoa.vksnd.local"),
    ("tp2", "son.tp2", "Lê Hồng Sơn", "tinh_p2", "truong-phong", [], "son@thanghoa.vksnd.local"),
    (
        "ptp2",
        "thao.ptp2",
        "Đỗ Thu Thảo",
        "tinh_p2",
        "pho-truong-phong",
        [],
        "thao@thanghoa.vksnd.local",
    ),
    (
        "minh",
        "minh.ksv",
        "Hoàng Văn Minh",
        "tinh_p2",
        "ksv-trung-cap",
        [],
        "minh@thanghoa.vksnd.local",
    ),
    ("mai", "mai.ksv", "Vũ Thị Mai", "tinh_p2", "ksv-so-cap", [], "mai@thanghoa.vksnd.local"),
    (
        "ksvcc",
        "hung.ksv",
        "Bùi Đức Hùng",
        "tinh_p1",
        "ksv-cao-cap",
        [],
        "hung@thanghoa.vksnd.local",
    ),
    (
        "ktv",
        "ngan.ktv",
        "Ngô Thị Ngân",
        "tinh_p2",
        "kiem-tra-vien",
        [],
        "ngan@thanghoa.vksnd.local",
    ),
    (
        "cv",
        "phong.cv",
        "Đặng Văn Phong",
        "tinh_tk",
        "chuyen-vien",
        [Role.SECRECY],
        "phong@thanghoa.vksnd.local",
    ),
    (
        "kv1_vt",
        "long.kv1",
        "Dương Văn Long",
        "kv1",
        "vien-truong",
        [],
        "long@kv1.thanghoa.vksnd.local",
    ),
    ("kv1_ksv", "yen.kv1", "Lý Thị Yến", "kv1", "ksv-so-cap", [], "yen@kv1.thanghoa.vksnd.local"),
    ("kv1_vthu", "hoa.kv1", "Mai Thị Hoa", "kv1", "van-thu", [], "hoa@kv1.thanghoa.vksnd.local"),
    (
        "kv2_vt",
        "quan.kv2",
        "Phan Minh Quân",
        "kv2",
        "vien-truong",
        [],
        "quan@kv2.thanghoa.vksnd.local",
    ),
    ("kv2_ksv", "an.kv2", "Tạ Văn An", "kv2", "ksv-trung-cap", [], "an@kv2.thanghoa.vksnd.local"),
    ("tuan", "tuan.v5", "Trịnh Minh Tuấn", "v5", "vu-truong", [], "tuan@vksndtc.local"),
    ("v5_vthu", "trang.v5", "Hồ Thị Trang", "v5", "van-thu", [], "trang@vksndtc.local"),
    (
        "dung",
        "dung.c2",
        "Đinh Việt Dũng",
        "c2_p2",
        "chuyen-vien",
        [Role.ADMIN],
        "dung@vksndtc.local",
    ),
    ("c2_ct", "lam.c2", "Võ Thành Lâm", "c2", "cuc-truong", [], "lam@vksndtc.local"),
    ("c2_pct", "linh.c2", "Huỳnh Diệu Linh", "c2", "pho-cuc-truong", [], "linh@vksndtc.local"),
    (
        "thanhtra",
        "hieu.tt",
        "Lê Trung Hiếu",
        "thanh_tra",
        "chuyen-vien",
        [Role.AUDITOR],
        "hieu@vksndtc.local",
    ),
    ("ptdn_vt", "nghia.ptdn", "Trần Đình Nghĩa", "pt_dn", "vien-truong", [], "nghia@vksndtc.local"),
    ("ptdn_ksv", "hien.ptdn", "Võ Thị Thu Hiền", "pt_dn", "ksv-cao-cap", [], "hien@vksndtc.local"),
]

V5_POSITIONS = (
    ["pho-vu-truong"] * 3
    + ["ksv-cao-cap"] * 8
    + ["ksv-trung-cap"] * 7
    + ["kiem-tra-vien"] * 5
    + ["chuyen-vien"] * 4
)  # with the Vụ trưởng and the văn thư: 29 officials


def random_name(rng: random.Random) -> str:
    female = rng.random() < 0.45
    family = rng.choice(FAMILY)
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{family} {middle} {given}"


def ascii_username(full_name: str, suffix: str) -> str:
    from digitaldesk.core.text import fold

    parts = fold(full_name).split()
    return f"{parts[-1]}.{''.join(p[0] for p in parts[:-1])}.{suffix}"


def _unit(
    org: DemoOrg,
    key: str,
    name: str,
    kind: str,
    parent: str | None,
    symbol: str = "",
    require_2fa: bool = False,
    order: int = 0,
) -> Unit:
    parent_unit = org.units.get(parent) if parent else None
    existing = Unit.objects.filter(name=name, parent=parent_unit).first()
    unit = existing or services.unit_create(
        actor=None,
        name=name,
        kind=kind,
        parent=parent_unit,
        symbol=symbol,
        require_2fa=require_2fa,
        order=order,
    )
    org.units[key] = unit
    return unit


def build_units(org: DemoOrg) -> None:
    _unit(org, "tc", "Viện kiểm sát nhân dân tối cao", UnitKind.SUPREME, None, "VKSTC", order=1)
    _unit(
        org,
        "v5",
        "Vụ Thực hành quyền công tố và kiểm sát điều tra án tham nhũng, chức vụ (Vụ 5)",
        UnitKind.DEPARTMENT,
        "tc",
        "V5",
        order=5,
    )
    _unit(
        org,
        "c2",
        "Cục Thống kê tội phạm và Công nghệ thông tin (Cục 2)",
        UnitKind.DEPARTMENT,
        "tc",
        "C2",
        require_2fa=True,
        order=20,
    )
    for number in range(1, 5):
        _unit(
            org,
            f"c2_p{number}",
            f"Phòng {number} — Cục 2",
            UnitKind.OFFICE,
            "c2",
            f"C2-P{number}",
            order=number,
        )
    # The appellate level since 01/7/2025 (Luật 82/2025/QH15, docs/domain.md §5.1): the VKSND
    # cấp cao were abolished and their role passed to three Viện of the VKSND tối cao (Hà Nội,
    # Đà Nẵng, TP.HCM); the demo has the one at Đà Nẵng. Its document symbol is not in the
    # sources, so none is set (an administrator enters it from the organisation's decision).
    _unit(
        org,
        "pt_dn",
        "Viện Công tố và Kiểm sát xét xử phúc thẩm tại Đà Nẵng",
        UnitKind.DEPARTMENT,
        "tc",
        order=12,
    )
    _unit(
        org,
        "thanh_tra",
        "Thanh tra Viện kiểm sát nhân dân tối cao",
        UnitKind.DEPARTMENT,
        "tc",
        "TTr",
        order=30,
    )
    _unit(
        org,
        "tinh",
        "Viện kiểm sát nhân dân tỉnh Thăng Hoa",
        UnitKind.PROVINCE,
        None,
        "VKSTH",
        order=2,
    )
    _unit(org, "tinh_vp", "Văn phòng", UnitKind.OFFICE, "tinh", "VP", order=1)
    _unit(
        org,
        "tinh_p1",
        "Phòng 1 — Thực hành quyền công tố và kiểm sát điều tra án an ninh, ma túy",
        UnitKind.OFFICE,
        "tinh",
        "P1",
        order=2,
    )
    _unit(
        org,
        "tinh_p2",
        "Phòng 2 — Thực hành quyền công tố và kiểm sát điều tra án trật tự xã hội, kinh tế, "
        "tham nhũng",
        UnitKind.OFFICE,
        "tinh",
        "P2",
        order=3,
    )
    _unit(
        org,
        "tinh_tk",
        "Phòng Thống kê tội phạm và chuyển đổi số",
        UnitKind.OFFICE,
        "tinh",
        "TK",
        order=9,
    )
    _unit(
        org,
        "kv1",
        "Viện kiểm sát nhân dân khu vực 1 — Thăng Hoa",
        UnitKind.REGIONAL,
        "tinh",
        "VKSKV1",
        order=20,
    )
    _unit(
        org,
        "kv2",
        "Viện kiểm sát nhân dân khu vực 2 — Thăng Hoa",
        UnitKind.REGIONAL,
        "tinh",
        "VKSKV2",
        order=21,
    )


def _person(
    org: DemoOrg,
    key: str,
    username: str,
    full_name: str,
    unit_key: str,
    position_code: str,
    roles: Sequence[str],
    email: str,
    password_hash: str,
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            full_name=full_name,
            unit=org.units[unit_key],
            position=Position.objects.get(code=position_code),
            extra_roles=[str(r) for r in roles],
            email=email,
            must_change_password=False,
            password=password_hash,
        )
        user.save()
    org.people[key] = user
    return user


@transaction.atomic
def build_org(org: DemoOrg) -> None:
    org.password = DEMO_PASSWORD
    build_units(org)
    password_hash = make_password(DEMO_PASSWORD)
    for key, username, full_name, unit_key, position_code, roles, email in PERSONAS:
        _person(org, key, username, full_name, unit_key, position_code, roles, email, password_hash)
    rng = random.Random(5)  # noqa: S311  (deterministic demo names, not security)
    for index, code in enumerate(V5_POSITIONS, start=1):
        name = random_name(rng)
        _person(
            org,
            f"v5_{index}",
            f"v5.cb{index:02d}",
            name,
            "v5",
            code,
            [],
            f"v5.cb{index:02d}@vksndtc.local",
            password_hash,
        )
    dung = org.people["dung"]
    if not TOTPDevice.objects.filter(user=dung, confirmed=True).exists():
        TOTPDevice.objects.create(user=dung, name="Demo", key=DEMO_TOTP_HEX, confirmed=True)


def demo_totp_secret() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_HEX)).decode()


def scale(org: DemoOrg, count: int, stdout: Any) -> int:
    """Add `count` generated officials across the demo units (for benchmarks)."""
    rng = random.Random(count)  # noqa: S311
    password_hash = make_password(DEMO_PASSWORD)
    units = list(Unit.objects.all())
    positions = list(Position.objects.filter(is_leader=False))
    start = User.objects.filter(username__startswith="scale.").count()
    batch: list[User] = []
    for index in range(start, start + count):
        user = User(
            username=f"scale.{index:06d}",
            full_name=random_name(rng),
            unit=rng.choice(units),
            position=rng.choice(positions),
            must_change_password=False,
            password=password_hash,
            email=f"scale.{index:06d}@vksnd.local",
        )
        batch.append(user)
    from digitaldesk.core.text import fold, name_sort_key

    # bulk_create skips User.save(), so the derived name columns are filled here.
    for user in batch:
        parts = user.full_name.split()
        user.family_name, user.middle_name, user.given_name = (
            parts[0],
            " ".join(parts[1:-1]),
            parts[-1],
        )
        user.name_sort_key = name_sort_key(user.family_name, user.middle_name, user.given_name)
        user.name_folded = fold(user.full_name)
    User.objects.bulk_create(batch, batch_size=1000)
    stdout.write(f"Đã thêm {count} cán bộ sinh tự động (tên đăng nhập scale.NNNNNN).")
    return count
