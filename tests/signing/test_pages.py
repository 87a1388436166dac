"""The "Chữ ký số" pages, the verification page, the administration page and the REST API, through
HTTP."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from digitaldesk.audit.models import AuditEvent
from digitaldesk.signing import services
from digitaldesk.signing.models import AppearanceImage, Credential, TrustRoot, VerificationRecord
from tests.signing.conftest import PIN, issued_pkcs12

pytestmark = pytest.mark.django_db


def test_upload_pkcs12_on_my_page(org: Any, ca: Any, as_user: Any) -> None:
    minh = org.people["minh"]
    client = as_user("minh")
    page = client.get("/ky-so/")
    assert page.status_code == 200 and "Bạn chưa có chứng thư số" in page.content.decode()
    data = issued_pkcs12(minh.full_name, org.units["tinh"].name)

    wrong = client.post("/ky-so/nap-p12", {"file": io.BytesIO(data), "passphrase": "sai-mat-khau"})
    assert wrong.status_code == 400
    assert "Mật khẩu (mã PIN) của chứng thư số không đúng." in wrong.content.decode()
    assert not Credential.objects.filter(owner=minh).exists()

    garbage = client.post("/ky-so/nap-p12", {"file": io.BytesIO(b"not a p12"), "passphrase": "x"})
    assert "không phải chứng thư số PKCS#12" in garbage.content.decode()

    ok = client.post(
        "/ky-so/nap-p12", {"file": io.BytesIO(data), "passphrase": PIN, "label": "Chứng thư 2026"}
    )
    assert ok.status_code == 302
    credential = Credential.objects.get(owner=minh)
    assert credential.is_default and credential.issued_by_demo_ca
    stored = bytes(credential.key_blob or b"")
    assert data not in stored and PIN.encode() not in stored  # sealed at rest, passphrase not kept
    listing = client.get("/ky-so/").content.decode()
    assert "Chứng thư 2026" in listing and "Còn hiệu lực" in listing
    again = client.post("/ky-so/nap-p12", {"file": io.BytesIO(data), "passphrase": PIN})
    assert "đã được nạp" in again.content.decode()


def test_sign_a_pdf_on_my_page_and_refuse_others_credentials(
    org: Any, creds: Any, as_user: Any, deputy_pdf: bytes
) -> None:
    client = as_user("pvt")
    response = client.post(
        "/ky-so/ky-tep",
        {
            "file": io.BytesIO(deputy_pdf),
            "credential": creds["pvt"].pk,
            "passphrase": PIN,
            "reason": "Ký thử",
        },
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(deputy_pdf)
    refused = client.post(
        "/ky-so/ky-tep",
        {"file": io.BytesIO(deputy_pdf), "credential": creds["minh"].pk, "passphrase": PIN},
    )
    assert refused.status_code == 400  # not one of pvt's choices
    wrong = client.post(
        "/ky-so/ky-tep",
        {"file": io.BytesIO(deputy_pdf), "credential": creds["pvt"].pk, "passphrase": "000"},
    )
    assert "không đúng" in wrong.content.decode()
    # Other people's certificates are invisible: 404, not 403.
    assert client.post(f"/ky-so/chung-thu/{creds['minh'].pk}/mac-dinh").status_code == 404
    assert client.post(f"/ky-so/chung-thu/{creds['minh'].pk}/ngung").status_code == 404


def test_signature_image_upload(org: Any, as_user: Any) -> None:
    client = as_user("huong")
    white = Image.new("RGB", (300, 120), "white")
    for x in range(40, 260):
        white.putpixel((x, 60), (20, 40, 170))
    buffer = io.BytesIO()
    white.save(buffer, format="JPEG")
    response = client.post("/ky-so/anh-chu-ky", {"image": io.BytesIO(buffer.getvalue())})
    assert response.status_code == 302
    row = AppearanceImage.objects.get(owner=org.people["huong"], kind="signature")
    with Image.open(io.BytesIO(bytes(row.png))) as image:
        assert (
            image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0
        )  # the white paper became transparent
    assert client.get(f"/ky-so/anh/{row.pk}.png")["Content-Type"] == "image/png"
    assert as_user("minh").get(f"/ky-so/anh/{row.pk}.png").status_code == 404
    bad = client.post("/ky-so/anh-chu-ky", {"image": io.BytesIO(b"GIF89a...")})
    assert "bị hỏng hoặc không đọc được" in bad.content.decode() or "PNG" in bad.content.decode()


def test_verification_page_stores_nothing_unless_asked(
    org: Any, creds: Any, as_user: Any, deputy_pdf: bytes
) -> None:
    signed = services.sign_pdf(
        pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=PIN
    )
    client = as_user("lan")
    page = client.post("/ky-so/kiem-tra/", {"file": io.BytesIO(signed)})
    text = page.content.decode()
    assert page.status_code == 200 and "Trần Quốc Khánh" in text and "tất cả hợp lệ" in text
    assert not VerificationRecord.objects.exists()
    event = AuditEvent.objects.filter(action="signing.verify").latest("id")
    assert (
        event.actor_id == org.people["lan"].pk
        and event.detail["ok"] is True
        and not event.detail["kept"]
    )

    client.post("/ky-so/kiem-tra/", {"file": io.BytesIO(signed), "keep_file": "on"})
    record = VerificationRecord.objects.get()
    assert record.file and record.ok
    assert client.get(f"/ky-so/kiem-tra/{record.pk}/").status_code == 200
    assert client.get(f"/ky-so/kiem-tra/{record.pk}/tep").status_code == 200
    outsider = as_user("kv2_ksv")
    assert outsider.get(f"/ky-so/kiem-tra/{record.pk}/").status_code == 404
    assert outsider.get(f"/ky-so/kiem-tra/{record.pk}/tep").status_code == 404

    bad = client.post("/ky-so/kiem-tra/", {"file": io.BytesIO(b"%PDF-1.4 broken")})
    assert bad.status_code == 400 and "bị hỏng" in bad.content.decode()
    assert AuditEvent.objects.filter(action="signing.verify_failed").exists()


def test_api_verify_sign_and_list(org: Any, creds: Any, as_user: Any, deputy_pdf: bytes) -> None:
    client = as_user("pvt")
    listed = client.get("/api/v1/signing/credentials").json()
    assert [row["id"] for row in listed] == [creds["pvt"].pk]
    signed = client.post(
        "/api/v1/signing/sign",
        {"file": io.BytesIO(deputy_pdf), "kind": "personal", "passphrase": PIN},
    )
    assert signed.status_code == 200 and signed["Content-Type"] == "application/pdf"
    report = client.post("/api/v1/signing/verify", {"file": io.BytesIO(signed.content)}).json()
    assert report["ok"] is True and report["signatures"][0]["signer_name"] == "Trần Quốc Khánh"
    refused = client.post(
        "/api/v1/signing/sign",
        {"file": io.BytesIO(deputy_pdf), "kind": "organisation", "passphrase": PIN},
    )
    assert refused.status_code == 400 and "Cơ quan chưa có chứng thư số" in refused.json()["detail"]
    missing = client.post("/api/v1/signing/verify", {})
    assert missing.status_code == 400 and "Thiếu tệp PDF" in missing.json()["detail"]


def test_admin_page_is_for_administrators(org: Any, creds: Any, ca: Any, as_user: Any) -> None:
    from cryptography.hazmat.primitives import serialization

    assert as_user("minh").get("/ky-so/quan-tri/").status_code == 403
    admin = as_user("dung")
    page = admin.get("/ky-so/quan-tri/").content.decode()
    assert "CA mẫu của Bàn làm việc số" in page and "Viện kiểm sát nhân dân tỉnh Thăng Hoa" in page

    # A CRL nobody signed for: refused. The demo CA's own CRL: accepted.
    from tests.signing.test_sign import _foreign_pkcs12  # noqa: F401  (shares the foreign CA maker)

    forged = ca.crl([], number=99, issuer="issuing").public_bytes(serialization.Encoding.DER)
    forged = forged[:-10] + bytes(10)  # damage the signature
    response = admin.post("/ky-so/quan-tri/", {"action": "crl", "file": io.BytesIO(forged)})
    assert response.status_code == 400
    good = ca.crl([], number=500, issuer="issuing").public_bytes(serialization.Encoding.PEM)
    assert (
        admin.post("/ky-so/quan-tri/", {"action": "crl", "file": io.BytesIO(good)}).status_code
        == 302
    )

    root = TrustRoot.objects.get(source="demo")
    admin.post("/ky-so/quan-tri/", {"action": "root_disable", "root": root.pk})
    root.refresh_from_db()
    assert not root.is_active
    with pytest.raises(Exception, match="không do tổ chức chứng thực mà hệ thống tin cậy"):
        services.sign_pdf(pdf=b"", signer=org.people["pvt"], kind="personal", passphrase=PIN)
    admin.post("/ky-so/quan-tri/", {"action": "root_enable", "root": root.pk})
    assert AuditEvent.objects.filter(
        action="signing.trust_root_disable", actor=org.people["dung"]
    ).exists()

    # Upload a CA bundle: the root is trusted, the issuing CA is kept as an intermediate.
    bundle = ca.issuing.public_bytes(serialization.Encoding.PEM) + ca.root.public_bytes(
        serialization.Encoding.PEM
    )
    assert (
        admin.post("/ky-so/quan-tri/", {"action": "ca", "file": io.BytesIO(bundle)}).status_code
        == 302
    )
    leaf = admin.post(
        "/ky-so/quan-tri/",
        {
            "action": "ca",
            "file": io.BytesIO(
                creds["pvt"].certificate
                if isinstance(creds["pvt"].certificate, bytes)
                else bytes(creds["pvt"].certificate)
            ),
        },
    )
    assert "không phải chứng thư của tổ chức chứng thực" in leaf.content.decode()

    # Revoke a demo-CA certificate from the admin page.
    admin.post("/ky-so/quan-tri/", {"action": "revoke", "credential": creds["tinh"].pk})
    creds["tinh"].refresh_from_db()
    assert creds["tinh"].revoked_at is not None


def test_expiring_certificate_widget(org: Any, ca: Any, as_user: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    services.demo_issue_credential(
        actor=None,
        pin=PIN,
        user=org.people["mai"],
        days=40,
        not_before=timezone.now() - dt.timedelta(days=30),
    )
    page = as_user("mai").get("/").content.decode()
    assert "Chứng thư số sắp hết hạn" in page and "còn 9 ngày" in page
    assert "Chứng thư số sắp hết hạn" not in as_user("ktv").get("/").content.decode()


def test_demo_step_issues_certificates_for_the_personas(org: Any) -> None:
    from digitaldesk.signing.demo import DEMO_PIN, demo_signing

    out = io.StringIO()
    demo_signing(org, out)
    assert "chứng thư số cơ quan" in out.getvalue()
    for key in ("huong", "pvt", "minh", "lan", "tuan"):
        assert Credential.objects.filter(owner=org.people[key], kind="personal").exists()
    units = set(Credential.objects.filter(kind="organisation").values_list("unit__name", flat=True))
    assert {org.units["tinh"].name, org.units["kv1"].name, org.units["v5"].name} <= units
    # The Văn thư of the province can use the province's certificate with the demo PIN.
    assert services.has_usable_credential(org.people["lan"], kind="organisation")
    assert not services.has_usable_credential(org.people["minh"], kind="organisation")
    assert DEMO_PIN
