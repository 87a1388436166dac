"""Units tree, positions, roles, Vietnamese name order, administration and delegation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from digitaldesk.accounts import services
from digitaldesk.accounts.models import Delegation, Position, Role, Unit, UnitKind, User
from digitaldesk.accounts.selectors import effective_roles, led_units, unit_tree, users_visible_to
from digitaldesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_demo_organisation_has_the_units_and_officials_named_in_the_seeds(org):
    assert org.units["kv1"].parent == org.units["tinh"]
    assert org.units["kv2"].parent == org.units["tinh"]
    assert [org.units[f"c2_p{n}"].parent for n in range(1, 5)] == [org.units["c2"]] * 4
    assert User.objects.filter(unit=org.units["v5"]).count() == 29
    used = set(User.objects.values_list("position__code", flat=True))
    assert used >= set(
        Position.objects.values_list("code", flat=True)
    )  # at least one user per position
    roles = set().union(*(effective_roles(u) for u in User.objects.all()))
    assert roles >= {r.value for r in Role}  # and per role


def test_units_tree_paths_follow_the_parents(org):
    assert org.units["c2_p3"].is_within(org.units["c2"])
    assert org.units["c2_p3"].is_within(org.units["tc"])
    assert not org.units["kv1"].is_within(org.units["tc"])
    assert org.units["c2_p3"].depth == 2


def test_the_appellate_level_is_an_institute_of_the_supreme_procuracy_on_the_units_tree(
    org, as_user
):
    # Since 01/7/2025 (Luật 82/2025/QH15, docs/domain.md §5.1) there is no VKSND cấp cao: its
    # role passed to three "Viện Công tố và Kiểm sát xét xử phúc thẩm" of the VKSND tối cao.
    # No demo unit is cấp cao.
    appellate = org.units["pt_dn"]
    assert (
        appellate.parent == org.units["tc"]
        and appellate.kind == UnitKind.DEPARTMENT
        and appellate.depth == 1
    )
    assert not Unit.objects.filter(kind=UnitKind.HIGH).exists()
    html = as_user("ptdn_vt").get("/to-chuc/").content.decode()
    start = html.index('<ul class="tree">')
    tree = html[start : html.index("</ul>", start)]
    # Under the VKSND tối cao (depth 1, among its Vụ/Cục), before the province; its leader may open
    # it.
    line = re.search(
        rf'<li class="d1"><a href="\?don_vi={appellate.pk}"[^>]*>'
        r"Viện Công tố và Kiểm sát xét xử phúc thẩm tại Đà Nẵng</a>",
        tree,
    )
    assert line is not None
    assert (
        tree.index("Viện kiểm sát nhân dân tối cao")
        < line.start()
        < tree.index("Viện kiểm sát nhân dân tỉnh Thăng Hoa")
    )
    assert (
        f'?don_vi={org.units["tinh"].pk}"' not in tree
        and f'?don_vi={org.units["tc"].pk}"' not in tree
    )


def test_the_appellate_leader_sees_their_own_people_and_not_the_provinces(org, as_user):
    appellate, nghia = org.units["pt_dn"], org.people["ptdn_vt"]
    assert led_units(nghia) == [appellate]
    assert set(users_visible_to(nghia).values_list("username", flat=True)) == {
        "nghia.ptdn",
        "hien.ptdn",
    }
    client = as_user("ptdn_vt")
    page = client.get(f"/to-chuc/?don_vi={appellate.pk}").content.decode()
    table = page[page.index("<table") :]
    assert (
        "Võ Thị Thu Hiền" in table
        and "Kiểm sát viên cao cấp" in table
        and "Trần Đình Nghĩa" in table
    )
    assert "2 cán bộ" in page
    for unit in ("tinh", "tinh_p2", "kv1"):
        refused = client.get(f"/to-chuc/?don_vi={org.units[unit].pk}").content.decode()
        assert (
            "<table" not in refused
            and "Hoàng Văn Minh" not in refused
            and "Lý Thị Yến" not in refused
        )
    api = {u["username"] for u in client.get("/api/v1/users?page_size=500").json()["results"]}
    assert api == {"nghia.ptdn", "hien.ptdn"}
    # The other way round: the province's Viện trưởng does not see the appellate Viện's people, and
    # the Kiểm sát viên cao cấp (not a leader) sees their own unit only.
    assert "hien.ptdn" not in set(
        users_visible_to(org.people["huong"]).values_list("username", flat=True)
    )
    assert set(users_visible_to(org.people["ptdn_ksv"]).values_list("unit", flat=True)) == {
        appellate.pk
    }


def test_the_cap_cao_kind_is_kept_for_records_of_before_july_2025(org):
    # A former VKSND cấp cao kept, inactive, so that what was registered under it keeps its unit.
    field = Unit._meta.get_field("kind")
    assert (
        "Luật 82/2025/QH15" in str(field.help_text)
        and UnitKind.HIGH.label == "VKSND cấp cao (đến 30/6/2025)"
    )
    former = services.unit_create(
        actor=None,
        name="Viện kiểm sát nhân dân cấp cao tại Đà Nẵng",
        kind=UnitKind.HIGH,
        parent=None,
    )
    Unit.objects.filter(pk=former.pk).update(is_active=False)
    assert former.pk not in {u.pk for u in unit_tree()}
    assert Unit.objects.get(pk=former.pk).get_kind_display() == "VKSND cấp cao (đến 30/6/2025)"


def test_people_are_listed_in_vietnamese_order_by_given_name(org, as_user):
    response = as_user("tp2").get(f"/to-chuc/?don_vi={org.units['tinh_p2'].pk}")
    html = response.content.decode()
    html = html[html.index("<table") :]
    # Phòng 2: Hoàng Văn Minh, Vũ Thị Mai, Ngô Thị Ngân, Lê Hồng Sơn, Đỗ Thu Thảo → Mai, Minh, Ngân,
    # Sơn, Thảo
    positions = [
        html.index(name)
        for name in ["Vũ Thị Mai", "Hoàng Văn Minh", "Ngô Thị Ngân", "Lê Hồng Sơn", "Đỗ Thu Thảo"]
    ]
    assert positions == sorted(positions)


def test_leader_sees_the_people_of_their_subtree_and_a_prosecutor_only_their_unit(org):
    huong_sees = set(users_visible_to(org.people["huong"]).values_list("username", flat=True))
    assert {"yen.kv1", "minh.ksv", "lan.vthu"} <= huong_sees
    assert "tuan.v5" not in huong_sees
    minh_sees = set(users_visible_to(org.people["minh"]).values_list("username", flat=True))
    assert "mai.ksv" in minh_sees and "yen.kv1" not in minh_sees


def test_a_prosecutor_cannot_open_another_units_people(org, as_user):
    response = as_user("minh").get(f"/to-chuc/?don_vi={org.units['kv1'].pk}")
    assert "Lý Thị Yến" not in response.content.decode()


def test_only_administrators_reach_account_administration(org, as_user):
    assert as_user("huong").get("/quan-tri/can-bo/").status_code == 403
    assert as_user("dung").get("/quan-tri/can-bo/").status_code == 200


def test_admin_creates_a_user_who_must_change_password_and_it_is_audited(org, as_user):
    client = as_user("dung")
    response = client.post(
        "/quan-tri/can-bo/moi/",
        {
            "username": "thu.vt",
            "full_name": "Nguyễn Thị Thu",
            "email": "thu@vksnd.local",
            "unit": org.units["tinh_vp"].pk,
            "position": Position.objects.get(code="van-thu").pk,
            "password": "Tam-thoi-2026!",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="thu.vt")
    assert user.must_change_password and user.given_name == "Thu" and user.family_name == "Nguyễn"
    assert AuditEvent.objects.filter(
        action="accounts.user_created", object_id=str(user.pk)
    ).exists()
    duplicate = client.post(
        "/quan-tri/can-bo/moi/",
        {
            "username": "THU.VT",
            "full_name": "Khác",
            "unit": org.units["tinh_vp"].pk,
            "position": Position.objects.get(code="van-thu").pk,
            "password": "Tam-thoi-2026!",
        },
    )
    assert "đã được dùng" in duplicate.content.decode()


def test_role_changes_are_audited_as_permission_changes(org):
    minh = org.people["minh"]
    services.user_update(
        actor=org.people["dung"],
        user=minh,
        unit=minh.unit,
        position=minh.position,
        extra_roles=[Role.SECRECY],
        is_active=True,
        full_name=minh.full_name,
        email=minh.email,
    )
    event = AuditEvent.objects.get(action="accounts.permissions_changed", object_id=str(minh.pk))
    assert event.detail["before"]["extra_roles"] == [] and event.detail["after"]["extra_roles"] == [
        "bao_mat"
    ]
    with pytest.raises(PermissionDenied):
        services.user_update(
            actor=org.people["huong"],
            user=minh,
            unit=minh.unit,
            position=minh.position,
            extra_roles=[Role.ADMIN],
            is_active=True,
            full_name=minh.full_name,
            email="",
        )


def test_admin_password_reset_unlocks_and_forces_a_change(org, as_user):
    minh = org.people["minh"]
    User.objects.filter(pk=minh.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=10))
    response = as_user("dung").post(
        f"/quan-tri/can-bo/{minh.pk}/dat-lai-mat-khau/", {"temporary_password": "Mat-khau-tam-99"}
    )
    assert response.status_code == 302
    minh.refresh_from_db()
    assert (
        minh.must_change_password and not minh.is_locked and minh.check_password("Mat-khau-tam-99")
    )
    assert AuditEvent.objects.filter(
        action="accounts.password_reset", object_id=str(minh.pk)
    ).exists()


def test_admin_can_require_2fa_for_a_unit(org, as_user):
    unit = org.units["tinh_p2"]
    as_user("dung").post(
        f"/quan-tri/don-vi/{unit.pk}/",
        {"name": unit.name, "symbol": "P2", "short_name": "", "require_2fa": "on"},
    )
    unit.refresh_from_db()
    assert unit.require_2fa
    from digitaldesk.accounts.selectors import user_needs_2fa

    assert user_needs_2fa(org.people["minh"]) and not user_needs_2fa(org.people["lan"])


def test_delegation_gives_leader_authority_for_the_date_range_only(org):
    huong, pvt = org.people["huong"], org.people["pvt"]
    today = timezone.localdate()
    assert org.units["tinh"] not in led_units(org.people["minh"])
    delegation = services.delegation_create(
        actor=huong,
        grantee=org.people["minh"],
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        scope="Điều hành công việc chuyên môn khi Viện trưởng đi công tác",
    )
    minh = User.objects.get(pk=org.people["minh"].pk)
    assert Role.LEADER in effective_roles(minh)
    assert org.units["tinh"] in led_units(minh)
    assert Role.LEADER not in effective_roles(minh, on=today + dt.timedelta(days=4))
    event = AuditEvent.objects.get(action="accounts.delegation_created")
    assert event.detail["scope"].startswith("Điều hành")
    # NĐ 30/2020 Điều 13.3: the delegate cannot delegate again.
    with pytest.raises(PermissionDenied):
        services.delegation_create(
            actor=minh,
            grantee=org.people["mai"],
            starts_on=today,
            ends_on=today,
            scope="ủy quyền lại",
        )
    with pytest.raises(ValidationError):
        services.delegation_create(
            actor=huong,
            grantee=pvt,
            starts_on=today,
            ends_on=today - dt.timedelta(days=1),
            scope="sai ngày",
        )
    services.delegation_revoke(actor=huong, delegation=delegation)
    assert Role.LEADER not in effective_roles(User.objects.get(pk=minh.pk))
    assert AuditEvent.objects.filter(action="accounts.delegation_revoked").exists()


def test_delegation_page_refuses_a_non_leader(org, as_user):
    today = timezone.localdate().isoformat()
    response = as_user("minh").post(
        "/uy-quyen/",
        {"grantee": org.people["mai"].pk, "starts_on": today, "ends_on": today, "scope": "x"},
    )
    assert response.status_code == 403


def test_unit_names_sort_in_vietnamese_order(org):
    names = ["Phòng Đào tạo", "Phòng Dân sự", "Phòng Án kinh tế", "Phòng Ân xá"]
    for name in names:
        services.unit_create(actor=None, name=name, kind="phong", parent=org.units["tinh"])
    ordered = list(
        Unit.objects.filter(name__in=names).order_by("sort_key").values_list("name", flat=True)
    )
    assert ordered == ["Phòng Án kinh tế", "Phòng Ân xá", "Phòng Dân sự", "Phòng Đào tạo"]


def test_revoking_someone_elses_delegation_looks_like_a_missing_one(org, as_user):
    """Issue 11, finding 8: 403 for existing ids and 404 for missing ones told which ids exist.
    Only the grantor (or an administrator) may revoke; for anyone else an existing delegation
    answers exactly like a missing one, and nothing changes."""
    today = timezone.localdate()
    delegation = services.delegation_create(
        actor=org.people["huong"],
        grantee=org.people["minh"],
        starts_on=today,
        ends_on=today,
        scope="Điều hành chuyên môn",
    )
    missing = Delegation.objects.order_by("-pk").first().pk + 1000
    failures = []
    for persona in ("minh", "mai", "lan"):  # the grantee, a colleague, a clerk
        client = as_user(persona)
        existing = client.post(f"/uy-quyen/{delegation.pk}/thu-hoi/")
        absent = client.post(f"/uy-quyen/{missing}/thu-hoi/")
        same_page = all("Không tìm thấy trang" in r.content.decode() for r in (existing, absent))
        if (existing.status_code, absent.status_code) != (404, 404) or not same_page:
            failures.append(
                f"{persona}: existing {existing.status_code}, missing {absent.status_code}"
            )
    assert not failures, failures
    delegation.refresh_from_db()
    assert delegation.revoked_at is None
    assert not AuditEvent.objects.filter(action="accounts.delegation_revoked").exists()
    assert as_user("huong").post(f"/uy-quyen/{delegation.pk}/thu-hoi/").status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
