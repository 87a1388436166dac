"""A digitally signed PDF put into a case file keeps its original byte for byte and its
signature valid (real pyHanko signature, checked with poppler's pdfsig); the searchable
copy is a separate file."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pikepdf
import pytest

from digitaldesk.casefiles import services
from digitaldesk.casefiles.jobs import ocr_job, prepare_job

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db


def _signed(pdf: bytes, tmp_path: Path) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cơ quan CSĐT tỉnh Thăng Hoa")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ksv", key, cert, None, serialization.BestAvailableEncryption(b"pw")
        )
    )
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=b"pw")
    clean = io.BytesIO()
    pikepdf.open(io.BytesIO(pdf)).save(
        clean
    )  # Pillow's xref table is too loose for pyHanko's strict reader
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(clean.getvalue())),
        signers.PdfSignatureMetadata(field_name="ChuKy1"),
        signer=signer,
    )
    return out.getvalue()


def _signature_valid(path: Path) -> bool:
    result = subprocess.run(  # noqa: S603  (fixed argv)
        ["pdfsig", str(path)],  # noqa: S607  (a Debian tool on PATH)
        capture_output=True,
        text=True,
        check=False,
    )
    return "Signature Validation: Signature is Valid." in result.stdout


def test_signed_pdf_stays_byte_identical_and_valid(casefile, org, scan_pages, tmp_path):
    signed = _signed(pdf_bytes([scan_pages[0].image]), tmp_path)
    original = tmp_path / "signed.pdf"
    original.write_bytes(signed)
    assert _signature_valid(original)

    upload = services.upload_file(
        actor=org.people["minh"],
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(signed),
        name="ket-luan-dieu-tra-ky-so.pdf",
        size=len(signed),
    )
    assert upload.signed
    prepare_job(lambda *a: None, upload_id=upload.pk)
    ocr_job(lambda *a: None, upload_id=upload.pk)
    upload.refresh_from_db()

    stored = Path(upload.path)
    assert stored.read_bytes() == signed  # byte for byte
    assert _signature_valid(stored)
    copy = Path(upload.searchable_pdf)
    assert copy != stored and copy.exists()
    with pikepdf.open(copy) as pdf:
        assert "/AcroForm" not in pdf.Root  # the copy carries no (broken) signature
        assert pdf.open_metadata().pdfa_status.startswith("2")
    text = subprocess.run(  # noqa: S603  (fixed argv)
        ["pdftotext", str(copy), "-"],  # noqa: S607  (a Debian tool on PATH)
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Trang số 1" in text
