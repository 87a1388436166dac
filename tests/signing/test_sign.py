"""Signing PDFs: PAdES, placement (NĐ 30/2020 Phụ lục I), two successive signatures, refusals."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader

from digitaldesk.audit.models import AuditEvent
from digitaldesk.signing import layout, services
from digitaldesk.signing.errors import (
    BadPdfError,
    CertificateUnusableError,
    SigningError,
    WrongPassphraseError,
)
from digitaldesk.signing.models import Credential
from digitaldesk.signing.pdf import is_signed, signature_fields, signed_revision, stamped_copy
from digitaldesk.signing.verify import verify_pdf
from tests.signing.conftest import PIN

pytestmark = pytest.mark.django_db


def _pdfsig(data: bytes) -> str:
    """Poppler's independent verifier. -nocert: poppler does not know our demo root, so it
    checks the integrity and the signature math, not the trust (trust is checked by verify_pdf)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run(  # noqa: S603  (fixed argv)
            ["pdfsig", "-nocert", handle.name],  # noqa: S607  (a Debian tool on PATH)
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    return result.stdout + result.stderr


def _lines(data: bytes, page: int) -> layout.PageText:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        text = layout.page_text(Path(handle.name), page)
    assert text is not None
    return text


def test_personal_signature_goes_between_title_and_name_and_keeps_the_original(
    org: Any, creds: Any, deputy_pdf: bytes
) -> None:
    """GIVEN a công văn whose signature block reads "KT. VIỆN TRƯỞNG / PHÓ VIỆN TRƯỞNG / Trần Quốc
    Khánh" WHEN the Phó Viện trưởng signs it with his certificate
    THEN the result is the original plus one incremental revision, the signature image sits between
    his title and his name (box 7c), the signature verifies, poppler agrees, and the signing is
    audited."""
    pvt = org.people["pvt"]
    signed = services.sign_pdf(pdf=deputy_pdf, signer=pvt, kind="personal", passphrase=PIN)

    assert signed.startswith(deputy_pdf)  # incremental update: the original bytes are untouched
    assert is_signed(signed) and not is_signed(deputy_pdf)
    field = next(f for f in signature_fields(PdfFileReader(io.BytesIO(signed))) if f.signed)
    assert field.name == "ChuKyCaNhan" and field.page_index == 0 and field.rect is not None
    text = _lines(deputy_pdf, 1)
    title = next(ln for ln in text.lines if ln.text == "PHÓ VIỆN TRƯỞNG")
    name = next(ln for ln in text.lines if ln.text == "Trần Quốc Khánh")
    x1, y1, x2, y2 = field.rect
    assert (
        text.height - title.bottom >= y2 and y1 >= text.height - name.top
    )  # vertically between them
    assert abs((x1 + x2) / 2 - title.centre_x) < 2  # centred under the title

    report = verify_pdf(signed)
    assert report.ok, report.summary
    (sig,) = report.signatures
    assert (
        sig.signer_name == "Trần Quốc Khánh"
        and sig.trusted
        and sig.intact
        and sig.covers_whole_document
    )
    assert sig.pades_level == "PAdES B-B" and sig.timestamp is None
    assert "Signature is Valid" in _pdfsig(signed) and "Total document signed" in _pdfsig(signed)
    event = AuditEvent.objects.filter(action="signing.sign").latest("id")
    assert event.actor_id == pvt.pk and event.detail["kind"] == "personal"


def test_leader_then_organisation_both_stay_valid(org: Any, creds: Any, deputy_pdf: bytes) -> None:
    """NĐ 30/2020 Điều 17.2, 32: the signer signs first, then the Văn thư applies the organisation
    signature; the seal covers the left third of the signer's image (box 8); both signatures
    verify."""
    first = services.sign_pdf(
        pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=PIN
    )
    second = services.sign_pdf(
        pdf=first,
        signer=org.people["lan"],
        kind="organisation",
        passphrase=PIN,
        number="15/VKSTH-VP",
    )
    assert second.startswith(first)
    fields = {f.name: f for f in signature_fields(PdfFileReader(io.BytesIO(second)))}
    personal, seal = fields["ChuKyCaNhan"].rect, fields["ChuKyCoQuan"].rect
    assert personal and seal
    seal_right = seal[0] + services.SEAL_PT
    third = personal[0] + (personal[2] - personal[0]) / 3
    assert (
        abs(seal_right - third) < 2
    )  # the seal reaches one third into the signer's image, from the left
    assert seal[1] < (personal[1] + personal[3]) / 2 < seal[3]

    report = verify_pdf(second)
    assert report.ok, report.summary
    leader, organisation = report.signatures
    assert leader.ok and not leader.modified_after_signing and not leader.covers_whole_document
    assert leader.later_changes == "Sau chữ ký chỉ có thêm chữ ký số khác."
    assert organisation.ok and organisation.covers_whole_document
    assert organisation.signer_name == "Viện kiểm sát nhân dân tỉnh Thăng Hoa"
    out = _pdfsig(second)
    assert out.count("Signature is Valid") == 2, out
    assert "Total document signed" in out


def test_organisation_signature_needs_a_signed_document_except_for_copies(
    org: Any, creds: Any, plain_pdf: bytes
) -> None:
    lan = org.people["lan"]
    with pytest.raises(SigningError, match="chưa có chữ ký số của người có thẩm quyền"):
        services.sign_pdf(pdf=plain_pdf, signer=lan, kind="organisation", passphrase=PIN)
    copy = services.sign_pdf(
        pdf=plain_pdf, signer=lan, kind="organisation", passphrase=PIN, purpose="copy"
    )
    (field,) = [f for f in signature_fields(PdfFileReader(io.BytesIO(copy))) if f.signed]
    assert field.page_index == 0 and field.rect is not None
    assert field.rect[2] > 500 and field.rect[3] > 780  # box 14: top right of the first page
    assert verify_pdf(copy).ok


def test_only_the_clerk_of_the_organisation_uses_its_certificate(
    org: Any, creds: Any, deputy_pdf: bytes
) -> None:
    signed = services.sign_pdf(
        pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=PIN
    )
    with pytest.raises(SigningError, match="Cơ quan chưa có chứng thư số tổ chức"):
        services.sign_pdf(
            pdf=signed, signer=org.people["minh"], kind="organisation", passphrase=PIN
        )
    with pytest.raises(SigningError, match="không có quyền dùng chứng thư số này"):
        services.sign_pdf(
            pdf=signed,
            signer=org.people["minh"],
            kind="organisation",
            passphrase=PIN,
            credential=creds["tinh"],
        )
    with pytest.raises(SigningError, match="không có quyền dùng chứng thư số này"):
        services.sign_pdf(
            pdf=deputy_pdf,
            signer=org.people["minh"],
            kind="personal",
            passphrase=PIN,
            credential=creds["pvt"],
        )
    # The Văn thư of another organisation (VKSND khu vực 1) cannot use the province's certificate
    # either.
    with pytest.raises(SigningError):
        services.sign_pdf(
            pdf=signed,
            signer=org.people["kv1_vthu"],
            kind="organisation",
            passphrase=PIN,
            credential=creds["tinh"],
        )


def test_wrong_passphrase_is_refused_and_nothing_is_recorded(
    org: Any, creds: Any, deputy_pdf: bytes
) -> None:
    before = AuditEvent.objects.filter(action="signing.sign").count()
    with pytest.raises(WrongPassphraseError, match="không đúng"):
        services.sign_pdf(
            pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase="000000"
        )
    with pytest.raises(WrongPassphraseError, match="Nhập mật khẩu"):
        services.sign_pdf(
            pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=None
        )
    assert AuditEvent.objects.filter(action="signing.sign").count() == before


def test_expired_and_revoked_certificates_are_refused_and_reported(
    org: Any, creds: Any, deputy_pdf: bytes
) -> None:
    import datetime as dt

    from django.utils import timezone

    huong = org.people["huong"]
    old = services.demo_issue_credential(
        actor=None, pin=PIN, user=huong, days=30, not_before=timezone.now() - dt.timedelta(days=60)
    )
    with pytest.raises(CertificateUnusableError, match="đã hết hạn"):
        services.sign_pdf(
            pdf=deputy_pdf, signer=huong, kind="personal", passphrase=PIN, credential=old
        )

    # Signed while valid, then revoked: signing is refused, and verification reports the revocation.
    signed = services.sign_pdf(
        pdf=deputy_pdf, signer=huong, kind="personal", passphrase=PIN, credential=creds["huong"]
    )
    services.credential_revoke_demo(actor=org.people["dung"], credential=creds["huong"])
    creds["huong"].refresh_from_db()
    with pytest.raises(CertificateUnusableError, match="thu hồi"):
        services.sign_pdf(
            pdf=deputy_pdf, signer=huong, kind="personal", passphrase=PIN, credential=creds["huong"]
        )
    # The CRL itself (not only our flag) revokes it: clear the flag and try again.
    Credential.objects.filter(pk=creds["huong"].pk).update(revoked_at=None)
    with pytest.raises(CertificateUnusableError, match="thu hồi"):
        services.sign_pdf(
            pdf=deputy_pdf, signer=huong, kind="personal", passphrase=PIN, credential=creds["huong"]
        )
    report = verify_pdf(signed)
    (sig,) = report.signatures
    assert sig.revoked and not sig.ok and not report.ok
    assert "thu hồi" in sig.certificate_status and "thu hồi" in report.signatures[0].summary


def _foreign_pkcs12(passphrase: str) -> bytes:
    """A self-made CA and a signing certificate from it: a CA the desk does not trust."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA Lạ")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Người Ngoài")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"x", key, cert, [ca_cert], serialization.BestAvailableEncryption(passphrase.encode())
    )


def test_untrusted_certificate_cannot_sign_and_verifies_as_untrusted(
    org: Any, ca: Any, deputy_pdf: bytes
) -> None:
    """A PKCS#12 from a CA the desk does not trust can be uploaded but not used; a PDF signed with
    it elsewhere verifies as intact but not trusted."""
    from pyhanko.sign import signers

    from digitaldesk.signing import engine

    p12 = _foreign_pkcs12("abc12345")
    minh = org.people["minh"]
    credential = services.credential_add_pkcs12(actor=minh, data=p12, passphrase="abc12345")
    with pytest.raises(
        CertificateUnusableError, match="không do tổ chức chứng thực mà hệ thống tin cậy"
    ):
        services.sign_pdf(
            pdf=deputy_pdf,
            signer=minh,
            kind="personal",
            passphrase="abc12345",
            credential=credential,
        )
    signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=b"abc12345")
    foreign = engine.sign_with(
        deputy_pdf, signer=signer, field_name="Sig1", appearance=None, reason="", location=""
    )
    report = verify_pdf(foreign)
    (sig,) = report.signatures
    assert sig.intact and not sig.trusted and not sig.ok
    assert any("không do tổ chức chứng thực mà hệ thống tin cậy" in p for p in sig.problems)
    assert "pdfsig" and "Signature is Valid" in _pdfsig(foreign)


def test_bad_pdfs_get_clear_messages(
    org: Any, creds: Any, deputy_pdf: bytes, tmp_path: Path
) -> None:
    pvt = org.people["pvt"]
    with pytest.raises(BadPdfError, match="không phải là PDF"):
        services.sign_pdf(pdf=b"this is not a pdf", signer=pvt, kind="personal", passphrase=PIN)
    with pytest.raises(BadPdfError, match="bị hỏng"):
        services.sign_pdf(
            pdf=deputy_pdf[: len(deputy_pdf) // 3], signer=pvt, kind="personal", passphrase=PIN
        )
    with pytest.raises(BadPdfError, match="bị hỏng"):
        verify_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    source, locked = tmp_path / "in.pdf", tmp_path / "locked.pdf"
    source.write_bytes(deputy_pdf)
    subprocess.run(  # noqa: S603  (fixed argv)
        [  # noqa: S607  (a Debian tool on PATH)
            "qpdf",
            "--encrypt",
            "user-pass",
            "owner-pass",
            "256",
            "--",
            str(source),
            str(locked),
        ],
        check=True,
    )
    with pytest.raises(BadPdfError, match="đặt mật khẩu"):
        services.sign_pdf(pdf=locked.read_bytes(), signer=pvt, kind="personal", passphrase=PIN)
    with pytest.raises(BadPdfError, match="đặt mật khẩu"):
        verify_pdf(locked.read_bytes())
    assert not AuditEvent.objects.filter(action="signing.sign").exists()


def test_changes_after_signing_are_reported(org: Any, creds: Any, deputy_pdf: bytes) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = services.sign_pdf(
        pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=PIN
    )
    # 1. Bytes changed inside the signed range.
    position = signed.index(b"/Reason")
    tampered = signed[:position] + b"/Reasom" + signed[position + 7 :]
    (sig,) = verify_pdf(tampered).signatures
    assert not sig.intact and not sig.ok
    assert "bị thay đổi" in sig.summary
    # 2. A new revision appended that replaces the page content.
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref, _ = writer.find_page_for_modification(0)
    stream = generic.StreamObject(stream_data=b"BT /F1 40 Tf 100 400 Td (SUA DOI) Tj ET")
    page_ref.get_object()["/Contents"] = writer.add_object(stream)
    writer.update_container(page_ref.get_object())
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue())
    (sig,) = report.signatures
    assert sig.intact and sig.modified_after_signing and not report.ok
    assert "sửa đổi" in sig.later_changes and report.modified_after_last_signature
    assert "thay đổi sau khi ký" in report.summary


def test_timestamped_signature_is_pades_b_lt(
    org: Any, creds: Any, deputy_pdf: bytes, tsa: Any
) -> None:
    """With DESK_TSA_URL the signature carries an RFC 3161 timestamp from the (real, HTTP) TSA and
    the validation data in the document security store: PAdES B-LT."""
    signed = services.sign_pdf(
        pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=PIN
    )
    assert tsa.count >= 1
    report = verify_pdf(signed)
    assert report.ok, report.summary
    (sig,) = report.signatures
    assert sig.timestamp and sig.timestamp_trusted and sig.pades_level == "PAdES B-LT"
    assert "Signature is Valid" in _pdfsig(signed)


def test_tsa_down_means_no_signature(
    org: Any, creds: Any, deputy_pdf: bytes, settings: Any
) -> None:
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/"  # discard port: nothing listens
    settings.SIGNING_TSA_TIMEOUT = 2
    with pytest.raises(SigningError, match="dấu thời gian"):
        services.sign_pdf(pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=PIN)


def test_helpers_keep_the_signed_original(org: Any, creds: Any, deputy_pdf: bytes) -> None:
    signed = services.sign_pdf(
        pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=PIN
    )
    copy = stamped_copy(signed, lines=["ĐẾN", "Số: 125", "Ngày: 05/03/2026"])
    assert copy.startswith(signed) and copy != signed
    assert signed_revision(copy, "ChuKyCaNhan") == signed
    report = verify_pdf(copy)
    (sig,) = report.signatures
    # The copy is not the signed original: the change is reported, while the signature over the
    # original revision still holds.
    assert sig.intact and sig.ok and sig.modified_after_signing and not report.ok
    assert "sửa đổi sau khi ký" in sig.later_changes


def test_signing_a_twenty_page_pdf(org: Any, creds: Any) -> None:
    from tests.signing.conftest import _sample

    pdf = _sample(20, "", "VIỆN TRƯỞNG", "Nguyễn Thị Hương")
    signed = services.sign_pdf(pdf=pdf, signer=org.people["huong"], kind="personal", passphrase=PIN)
    (field,) = [f for f in signature_fields(PdfFileReader(io.BytesIO(signed))) if f.signed]
    assert field.page_index == 19
    assert verify_pdf(signed).ok


def test_demo_ca_crl_is_served(client: Any, ca: Any) -> None:
    from cryptography import x509

    response = client.get("/ky-so/crl/issuing.crl")
    assert response.status_code == 200
    crl = x509.load_der_x509_crl(response.content)
    assert crl.issuer == ca.issuing.subject
    assert crl.is_signature_valid(ca.issuing.public_key())
    assert ca.root.public_bytes(serialization.Encoding.DER)


def test_stale_demo_crl_is_renewed_before_signing(org: Any, creds: Any, deputy_pdf: bytes) -> None:
    """A demo install left running for weeks: the demo CA's CRL is re-signed instead of blocking
    signatures."""
    import datetime as dt

    from django.utils import timezone

    from digitaldesk.signing.models import RevocationList

    RevocationList.objects.filter(source="demo").update(
        next_update=timezone.now() - dt.timedelta(days=1)
    )
    numbers = dict(RevocationList.objects.values_list("issuer", "number"))
    signed = services.sign_pdf(
        pdf=deputy_pdf, signer=org.people["pvt"], kind="personal", passphrase=PIN
    )
    assert verify_pdf(signed).ok
    for row in RevocationList.objects.filter(source="demo"):
        assert row.number == numbers[row.issuer] + 1 and row.next_update > timezone.now()
