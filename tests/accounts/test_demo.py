"""The demo loader: once, idempotent, prints the logins, scales for benchmarks."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from digitaldesk.accounts.models import Unit, User

pytestmark = pytest.mark.django_db


def test_demo_loads_once_and_prints_the_logins():
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "VKSND@demo2026" in text and "lan.vthu" in text and "dung.c2" in text
    # The appellate Viện of the VKSND tối cao (since 01/7/2025) and its two officials.
    assert (
        "nghia.ptdn" in text
        and "hien.ptdn" in text
        and "Viện Công tố và Kiểm sát xét xử phúc thẩm tại Đà Nẵng" in text
    )
    assert "Phòng họp: đã tạo cuộc họp mẫu" in text and "Sổ tay đảng viên: Chi bộ Phòng 2" in text
    units, users = Unit.objects.count(), User.objects.count()
    again = io.StringIO()
    call_command("demo", stdout=again)
    assert "đã có sẵn" in again.getvalue()
    assert (Unit.objects.count(), User.objects.count()) == (units, users)
    assert Unit.objects.filter(name="Viện kiểm sát nhân dân tỉnh Thăng Hoa").count() == 1


def test_scale_adds_generated_officials_with_vietnamese_sort_keys():
    first = io.StringIO()
    call_command("demo", "--org-only", "--scale", "40", "--quiet", stdout=first)
    assert (
        "Đã nạp tổ chức và cán bộ mẫu" in first.getvalue() and "đã có sẵn" not in first.getvalue()
    )
    generated = User.objects.filter(username__startswith="scale.")
    assert generated.count() == 40
    assert all(u.name_sort_key and u.given_name for u in generated)
    call_command("demo", "--org-only", "--scale", "10", "--quiet", stdout=io.StringIO())
    assert User.objects.filter(username__startswith="scale.").count() == 50
