"""Signing with a PKCS#11 token: a real SoftHSM2 token stands in for the USB token of a Vietnamese
CA.

The key pair is generated inside the token, the demo CA certifies its public key, the certificate is
written to the token; the desk then reads the certificate with the PIN and signs through the token.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader

from digitaldesk.signing import services
from digitaldesk.signing.errors import WrongPassphraseError
from digitaldesk.signing.models import CredentialStorage
from digitaldesk.signing.pdf import signature_fields
from digitaldesk.signing.verify import verify_pdf

pytestmark = pytest.mark.django_db


def _enrol_token(
    softhsm: dict[str, str], ca: Any, common_name: str, organisation: str, label: str
) -> None:
    """What the CA does when it issues a USB token: key pair on the token, certificate written
    beside it."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.rsa import encode_rsa_public_key

    lib = pkcs11.lib(softhsm["module"])
    token = lib.get_token(token_label=softhsm["token"])
    with token.open(rw=True, user_pin=softhsm["pin"]) as session:
        existing = list(
            session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label})
        )
        if existing:
            return
        public, _private = session.generate_keypair(
            KeyType.RSA, 2048, store=True, label=label, id=label.encode()
        )
        public_key = serialization.load_der_public_key(encode_rsa_public_key(public))
        _, cert = ca.issue(
            common_name=common_name, organisation=organisation, public_key=public_key
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: label.encode(),
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )


def test_sign_with_a_pkcs11_token(
    org: Any, ca: Any, softhsm: dict[str, str], settings: Any, deputy_pdf: bytes
) -> None:
    settings.SIGNING_PKCS11_MODULE = softhsm["module"]
    pvt = org.people["pvt"]
    _enrol_token(softhsm, ca, pvt.full_name, org.units["tinh"].name, "ky-so-khanh")

    with pytest.raises(WrongPassphraseError, match="PIN của thiết bị ký số không đúng"):
        services.credential_add_pkcs11(
            actor=pvt, token_label=softhsm["token"], key_label="ky-so-khanh", pin="999999"
        )
    credential = services.credential_add_pkcs11(
        actor=pvt, token_label=softhsm["token"], key_label="ky-so-khanh", pin=softhsm["pin"]
    )
    assert credential.storage == CredentialStorage.PKCS11 and credential.key_blob is None
    assert credential.subject_cn == pvt.full_name and credential.is_default

    with pytest.raises(WrongPassphraseError, match="PIN của thiết bị ký số không đúng"):
        services.sign_pdf(pdf=deputy_pdf, signer=pvt, kind="personal", passphrase="999999")
    signed = services.sign_pdf(
        pdf=deputy_pdf, signer=pvt, kind="personal", passphrase=softhsm["pin"]
    )
    assert signed.startswith(deputy_pdf)
    report = verify_pdf(signed)
    assert report.ok, report.summary
    assert report.signatures[0].signer_name == pvt.full_name
    assert [f.name for f in signature_fields(PdfFileReader(io.BytesIO(signed))) if f.signed] == [
        "ChuKyCaNhan"
    ]
    # The certificate the desk stored is the one on the token, and the signature was made with its
    # key.
    assert (
        x509.load_der_x509_certificate(bytes(credential.certificate))
        .subject.rfc4514_string()
        .startswith("CN=Trần Quốc Khánh")
    )


def test_unknown_token_and_missing_module_are_explained(
    org: Any, ca: Any, softhsm: dict[str, str], settings: Any
) -> None:
    from digitaldesk.signing.errors import SigningError

    pvt = org.people["pvt"]
    settings.SIGNING_PKCS11_MODULE = ""
    with pytest.raises(SigningError, match="chưa cấu hình thư viện PKCS#11"):
        services.credential_add_pkcs11(actor=pvt, token_label="x", key_label="y", pin="1")
    settings.SIGNING_PKCS11_MODULE = softhsm["module"]
    with pytest.raises(SigningError, match="Không tìm thấy thiết bị ký số"):
        services.credential_add_pkcs11(
            actor=pvt, token_label="khong-co", key_label="y", pin=softhsm["pin"]
        )
    with pytest.raises(SigningError, match="không có chứng thư số mang nhãn"):
        services.credential_add_pkcs11(
            actor=pvt, token_label=softhsm["token"], key_label="khong-co", pin=softhsm["pin"]
        )
