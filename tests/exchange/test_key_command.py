"""`desk cases-exchange-key`: show a unit's public key, trust a partner's key, list the keys."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases.models import ExchangeKey

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("cases-exchange-key", *args, stdout=out)
    return out.getvalue()


def test_show_trust_and_list(org, tmp_path: Path) -> None:
    unit = org.units["tinh_p2"]
    shown = _run("show", "--unit", str(unit.pk))
    own = ExchangeKey.objects.get(unit=unit)
    assert own.fingerprint in shown and "BEGIN PUBLIC KEY" in shown
    assert _run("show", "--unit", str(unit.pk)) == shown  # created once, then the same key

    partner = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    pem = tmp_path / "partner.pem"
    pem.write_bytes(partner)
    assert "Đã tin cậy khóa của VKSND tỉnh Bình An" in _run(
        "trust", str(pem), "--label", "VKSND tỉnh Bình An"
    )
    assert AuditEvent.objects.filter(action="cases.exchange_key_trusted").exists()

    listing = _run("list")
    assert "khóa của đơn vị này" in listing and "VKSND tỉnh Bình An" in listing


def test_refuses_bad_input(org, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Không tìm thấy đơn vị"):
        _run("show", "--unit", "999999")
    bad = tmp_path / "bad.pem"
    bad.write_text("không phải khóa", encoding="utf-8")
    with pytest.raises(CommandError, match="không đúng định dạng PEM"):
        _run("trust", str(bad), "--label", "X")
    assert not ExchangeKey.objects.exists()
