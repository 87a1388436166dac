"""Signing a PDF (PAdES): the credential, its checks, the visible appearance, the audit record.

See docs/signing.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.aio import off_loop
from digitaldesk.signing import conf, crypto, engine, images, layout, selectors, trust
from digitaldesk.signing.errors import CertificateUnusableError, SigningError, WrongPassphraseError
from digitaldesk.signing.models import Credential, CredentialKind, CredentialStorage
from digitaldesk.signing.pdf import open_pdf, page_count, page_size, signature_fields
from digitaldesk.signing.services.appearance import seal_image_for, signature_image_for
from digitaldesk.signing.services.common import PURPOSES, SEAL_PT, vn_date
from digitaldesk.signing.services.credentials import pkcs11_session
from digitaldesk.signing.services.trust_store import refresh_demo_crls_if_due

if TYPE_CHECKING:
    from pyhanko.sign import signers


log = logging.getLogger(__name__)


def has_usable_credential(user: User, kind: str = CredentialKind.PERSONAL) -> bool:
    """True if `user` holds a certificate of `kind` that is valid now (for showing the "Ký số"
    button)."""
    now = timezone.now()
    return (
        selectors.usable_credentials(user, kind)
        .filter(revoked_at__isnull=True, not_before__lte=now, not_after__gte=now)
        .exists()
    )


def _check_certificate(credential: Credential) -> None:
    """Refuse expired, not yet valid, revoked and untrusted certificates before signing."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        InvalidCertificateError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
    )

    now = timezone.now()
    refresh_demo_crls_if_due()
    if not credential.is_active:
        raise CertificateUnusableError("Chứng thư số đã ngừng dùng.")
    if credential.revoked_at:
        raise CertificateUnusableError(
            f"Chứng thư số đã bị thu hồi ngày {vn_date(credential.revoked_at)}; không thể dùng "
            "để ký."
        )
    if now > credential.not_after:
        raise CertificateUnusableError(
            f"Chứng thư số đã hết hạn ngày {vn_date(credential.not_after)}; không thể dùng để "
            "ký. Đề nghị gia hạn hoặc nạp chứng thư số mới."
        )
    if now < credential.not_before:
        raise CertificateUnusableError(
            f"Chứng thư số chưa có hiệu lực (từ ngày {vn_date(credential.not_before)})."
        )
    cert = x509.load_der_x509_certificate(bytes(credential.certificate))
    revoked = trust.revoked_at(cert)
    if revoked is not None:
        raise CertificateUnusableError(
            f"Chứng thư số đã bị tổ chức chứng thực thu hồi ngày {vn_date(revoked)}; không thể "
            "dùng để ký."
        )
    chain = [crypto.to_asn1(c) for c in crypto.chain_from_pem(credential.chain_pem)]
    context = trust.validation_context(extra_certs=chain, for_signing=True)
    validator = CertificateValidator(
        crypto.to_asn1(cert), intermediate_certs=chain, validation_context=context
    )
    try:
        usage = {"non_repudiation"} if _has_non_repudiation(cert) else {"digital_signature"}
        off_loop(lambda: asyncio.run(validator.async_validate_usage(usage)))
    except RevokedError as exc:
        raise CertificateUnusableError(
            "Chứng thư số đã bị tổ chức chứng thực thu hồi; không thể dùng để ký."
        ) from exc
    except ExpiredError as exc:
        raise CertificateUnusableError(
            "Chứng thư số (hoặc chứng thư của CA cấp) đã hết hạn."
        ) from exc
    except PathBuildingError as exc:
        raise CertificateUnusableError(
            "Chứng thư số không do tổ chức chứng thực mà hệ thống tin cậy cấp. Đề nghị quản trị "
            "hệ thống bổ sung chứng thư gốc của tổ chức chứng thực."
        ) from exc
    except InvalidCertificateError as exc:
        raise CertificateUnusableError(f"Chứng thư số không hợp lệ để ký: {exc}") from exc
    except PathValidationError as exc:
        raise CertificateUnusableError(
            "Không kiểm tra được tình trạng thu hồi của chứng thư số (danh sách CRL hết hạn hoặc "
            "thiếu)."
        ) from exc


def _has_non_repudiation(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment)
    except x509.ExtensionNotFound:
        return False


def _resolve_credential(
    *, signer: User, kind: str, credential: Credential | int | None
) -> Credential:
    if credential is None:
        found = selectors.default_credential(signer, kind)
        if found is None:
            if kind == CredentialKind.PERSONAL:
                raise SigningError(
                    "Bạn chưa có chứng thư số. Vào trang “Chữ ký số” để nạp chứng thư số.",
                    code="no_credential",
                )
            raise SigningError(
                "Cơ quan chưa có chứng thư số tổ chức, hoặc bạn không phải văn thư của cơ quan.",
                code="no_credential",
            )
        return found
    credential_id = credential if isinstance(credential, int) else credential.pk
    found = selectors.usable_credentials(signer, kind).filter(pk=credential_id).first()
    if found is None:
        raise SigningError("Bạn không có quyền dùng chứng thư số này để ký.", code="forbidden")
    return found


def _signer_for(
    credential: Credential, passphrase: str | None
) -> tuple[signers.Signer, Callable[[], None]]:
    """(pyHanko signer, closer) for a credential; the passphrase/PIN is used and forgotten."""
    if not passphrase:
        raise WrongPassphraseError("Nhập mật khẩu (mã PIN) của chứng thư số để ký.")
    chain = [crypto.to_asn1(c) for c in crypto.chain_from_pem(credential.chain_pem)]
    if credential.storage == CredentialStorage.PKCS12:
        data = crypto.open_blob(bytes(credential.key_blob or b""))
        contents = crypto.load_pkcs12(data, passphrase)  # distinct messages for a wrong passphrase
        return engine.signer_from_pkcs12(contents, chain), (lambda: None)
    from pyhanko.sign.pkcs11 import PKCS11Signer

    session = pkcs11_session(credential.pkcs11_token_label, passphrase)
    signer = PKCS11Signer(
        session,
        key_label=credential.pkcs11_key_label,
        cert_label=credential.pkcs11_key_label,
        signing_cert=crypto.to_asn1(x509.load_der_x509_certificate(bytes(credential.certificate))),
        ca_chain=chain,
    )
    return signer, session.close


def _unique_field(existing: set[str], base: str) -> str:
    if base not in existing:
        return base
    number = 2
    while f"{base}{number}" in existing:
        number += 1
    return f"{base}{number}"


def _last_page_text(pdf: bytes, page_number: int) -> layout.PageText | None:
    with tempfile.NamedTemporaryFile(prefix="desk-sign-", suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return layout.page_text(Path(handle.name), page_number)


def _personal_appearance(
    *, pdf: bytes, reader: Any, signer: User, title: str | None
) -> engine.Appearance:
    image = signature_image_for(signer)
    last = page_count(reader) - 1
    text = _last_page_text(pdf, last + 1)
    wanted_title = (
        title
        if title is not None
        else (signer.position.name if signer.position_id and signer.position else "")
    )
    box, how = layout.personal_box(
        text,
        title=wanted_title,
        name=signer.full_name,
        image_w=image.width_px,
        image_h=image.height_px,
    )
    log.debug("personal signature placed by rule %s at %s", how, box)
    return engine.Appearance(bytes(image.png), last, box)


def _organisation_appearance(
    *,
    pdf: bytes,
    reader: Any,
    organisation: Unit,
    purpose: str,
    moment: dt.datetime,
    number: str | None = None,
    issued_date: dt.date | None = None,
) -> engine.Appearance:
    lines = [organisation.name.split(" — ")[0]]
    if number:
        lines.append(f"Số, ký hiệu: {number}")
    if issued_date:
        lines.append(f"Ngày ban hành: {issued_date:%d/%m/%Y}")
    lines.append(f"Thời gian ký: {images.vietnam_time(moment)}")
    if purpose in ("attachment", "copy"):
        # Box 14: top right of the first page, no image (Phụ lục I [S], DOMAIN.md §1.8).
        png, height_pt = images.text_lines_png(lines, width_pt=200)
        width, height = page_size(reader, 0)
        return engine.Appearance(
            png, 0, layout.top_right_box(width, height, width_pt=200, height_pt=height_pt)
        )
    seal = seal_image_for(organisation)
    png, width_pt, height_pt = images.organisation_appearance(
        bytes(seal.png), lines, seal_pt=SEAL_PT, text_width_pt=200
    )
    last = page_count(reader) - 1
    signed = [
        f
        for f in signature_fields(reader)
        if f.signed and f.rect and f.page_index == last and (f.rect[2] - f.rect[0]) > 1
    ]
    if signed and signed[-1].rect is not None:  # the list keeps fields with a rectangle only
        personal = signed[-1].rect
    else:
        text = _last_page_text(pdf, last + 1)
        personal, _ = layout.personal_box(text, title="", name="", image_w=720, image_h=300)
    return engine.Appearance(
        png,
        last,
        layout.organisation_box(personal, seal_pt=SEAL_PT, width_pt=width_pt, height_pt=height_pt),
    )


def _require_prior_signature(reader: Any) -> None:
    """NĐ 30/2020 Điều 17.2 and 32.2.c–d: the Văn thư applies the organisation signature only to a
    document already signed by the competent person."""
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    sigs = list(reader.embedded_regular_signatures)
    if not sigs:
        raise SigningError(
            "Văn bản chưa có chữ ký số của người có thẩm quyền. Văn thư chỉ ký số của cơ quan sau "
            "khi người có thẩm quyền đã ký (Nghị định 30/2020/NĐ-CP, Điều 17, 32).",
            code="unsigned_document",
        )
    last = sigs[-1]
    try:
        # Integrity only (digest over the signed byte ranges and the CMS signature); trust is
        # the signer's business and is checked by verify_pdf.
        intact, valid = validate_sig_integrity(
            last.signer_info, last.signer_cert, "data", last.compute_digest()
        )
    except Exception:  # a signature we cannot even parse is not an intact one
        intact = valid = False
    if not (intact and valid):
        raise SigningError(
            "Chữ ký số của người có thẩm quyền trên văn bản không còn nguyên vẹn; không ký số của "
            "cơ quan lên văn bản này.",
            code="broken_signature",
        )


def sign_pdf(
    *,
    pdf: bytes,
    signer: User,
    kind: str,
    passphrase: str | None = None,
    credential: Credential | int | None = None,
    reason: str = "",
    location: str = "",
    field: str | None = None,
    purpose: str = "document",
    title: str | None = None,
    number: str | None = None,
    issued_date: dt.date | None = None,
    audit_object: Any | None = None,
) -> bytes:
    """Sign `pdf` for `signer` and return the signed file (PAdES, incremental: the input bytes
    are an exact prefix of the output, so earlier signatures stay valid).

    kind="personal": the signer's own certificate; image in box 7c, between the signer's title
    (found on the last page by text search; `title` overrides the position's name) and name.
    kind="organisation": the organisation's certificate, used by its Văn thư; with
    purpose="document" the document must already carry an intact signature and the seal goes
    over the left third of the signer's image (box 8); with purpose="attachment" or "copy"
    (sao y, sao lục, trích sao) a text-only appearance at the top right of page 1 (box 14).
    `field` names the signature field: an existing empty field is filled, otherwise a new one
    is created. `number` and `issued_date` (the Văn thư's number and date, given after the signer
    signed: NĐ 30/2020 Điều 15) are printed in the organisation signature's visible text, so the
    signer's signature stays intact. With DESK_TSA_URL set the signature gets an RFC 3161 timestamp
    and the
    validation data (PAdES B-LT); otherwise PAdES B-B.
    Raises SigningError (subclasses BadPdfError, WrongPassphraseError, CertificateUnusableError)
    with a Vietnamese message; nothing is written then.
    """
    if kind not in (CredentialKind.PERSONAL, CredentialKind.ORGANISATION):
        raise SigningError("Loại chữ ký không hợp lệ (cá nhân hoặc cơ quan).")
    if purpose not in PURPOSES:
        raise SigningError("Mục đích ký không hợp lệ.")
    chosen = _resolve_credential(signer=signer, kind=kind, credential=credential)
    _check_certificate(chosen)
    reader = open_pdf(pdf)
    existing = {f.name: f for f in signature_fields(reader)}
    if field and field in existing and existing[field].signed:
        raise SigningError(f"Trường chữ ký “{field}” đã được ký.")
    moment = timezone.now()
    organisation = None
    if kind == CredentialKind.ORGANISATION:
        organisation = chosen.unit
        if organisation is None:
            raise SigningError("Chứng thư số cơ quan chưa gắn với cơ quan, tổ chức nào.")
        if purpose == "document":
            _require_prior_signature(reader)
        appearance = _organisation_appearance(
            pdf=pdf,
            reader=reader,
            organisation=organisation,
            purpose=purpose,
            moment=moment,
            number=number,
            issued_date=issued_date,
        )
        field_name = field or _unique_field(set(existing), "ChuKyCoQuan")
        reason = reason or (
            "Ký số của cơ quan, tổ chức (sao y)"
            if purpose == "copy"
            else "Ký số của cơ quan, tổ chức"
        )
    else:
        appearance = _personal_appearance(pdf=pdf, reader=reader, signer=signer, title=title)
        field_name = field or _unique_field(set(existing), "ChuKyCaNhan")
        reason = reason or "Ký ban hành văn bản"
    current = existing.get(field) if field else None
    existing_field = current is not None
    if current is not None:
        appearance = engine.Appearance(
            appearance.png, current.page_index or 0, current.rect or appearance.box
        )
    if not location:
        org = organisation or selectors.organisation_unit_of(signer)
        location = org.name.split(" — ")[0] if org else ""
    pyhanko_signer, close = _signer_for(chosen, passphrase)
    tsa = engine.timestamper(conf.tsa_url(), conf.tsa_timeout()) if conf.tsa_url() else None
    try:
        signed = engine.sign_with(
            pdf,
            signer=pyhanko_signer,
            field_name=field_name,
            appearance=appearance,
            reason=reason,
            location=location,
            name=chosen.subject_cn,
            tsa=tsa,
            validation_context=trust.validation_context(for_signing=True) if tsa else None,
            existing_field=existing_field,
        )
    except SigningError:
        raise
    except Exception as exc:
        log.warning("signing failed for credential %s: %s", chosen.pk, exc, exc_info=True)
        text = str(exc)
        if tsa is not None and (
            "timestamp" in text.lower() or "tsa" in text.lower() or "connect" in text.lower()
        ):
            raise SigningError(
                "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA); chưa ký. Thử "
                "lại sau hoặc báo quản trị hệ thống.",
                code="tsa_unavailable",
            ) from exc
        if chosen.storage == CredentialStorage.PKCS11:
            raise SigningError(f"Thiết bị ký số báo lỗi khi ký: {text}") from exc
        raise SigningError("Không ký được tệp PDF này (cấu trúc tệp không được hỗ trợ).") from exc
    finally:
        close()
    with transaction.atomic():
        Credential.objects.filter(pk=chosen.pk).update(last_used_at=timezone.now())
        audit_record(
            actor=signer,
            action="signing.sign",
            obj=audit_object if audit_object is not None else chosen,
            detail={
                "kind": kind,
                "purpose": purpose,
                "credential": chosen.pk,
                "field": field_name,
                "certificate_serial": chosen.serial_hex,
                "number": number or "",
                "input_sha256": hashlib.sha256(pdf).hexdigest(),
                "output_sha256": hashlib.sha256(signed).hexdigest(),
                "timestamped": tsa is not None,
            },
        )
    return signed
