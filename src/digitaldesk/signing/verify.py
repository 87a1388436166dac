"""Verification of the digital signatures in a PDF (any PDF, signed here or elsewhere).

`verify_pdf(data)` returns a VerificationReport: for each signature the signer,
the certificate chain, the signing time and timestamp, whether the signed bytes
are intact, whether the signature covers the whole file or what changed after
it, trust (against the desk's trust roots), revocation and expiry, the PAdES
level, and an overall summary in Vietnamese. Nothing is stored here; the
service `verify_and_audit` records the verification in the audit log.

Validity model: the signer's certificate is checked at the time proven by a
trusted RFC 3161 timestamp when there is one, otherwise at the present time
(a signing time claimed by the signer alone proves nothing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from django.utils import timezone
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus

from digitaldesk.core.aio import off_loop
from digitaldesk.signing import trust
from digitaldesk.signing.pdf import open_pdf, page_count

log = logging.getLogger(__name__)


@dataclass
class CertificateView:
    subject_cn: str
    subject_org: str
    issuer_cn: str
    serial_hex: str
    not_before: str
    not_after: str
    fingerprint: str


@dataclass
class SignatureReport:
    field_name: str
    signer_name: str
    signer_organisation: str
    chain: list[CertificateView]
    signing_time: str | None  # claimed by the signer (ISO 8601, +07:00)
    timestamp: str | None  # from a TSA, when present
    timestamp_trusted: bool
    reason: str
    location: str
    kind: str  # "signature" or "document_timestamp"
    intact: bool
    cryptographically_valid: bool
    covers_whole_document: bool
    modified_after_signing: bool
    later_changes: str
    trusted: bool
    revoked: bool
    revoked_at: str | None
    expired: bool
    certificate_status: str
    pades_level: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass
class VerificationReport:
    sha256: str
    size: int
    pages: int
    signatures: list[SignatureReport]
    ok: bool
    modified_after_last_signature: bool
    summary: str
    verified_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _vn(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="seconds")


def _vn_date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y %H:%M")


def _cert_view(cert: asn1_x509.Certificate) -> CertificateView:
    parsed = x509.load_der_x509_certificate(cert.dump())
    from digitaldesk.signing.crypto import cert_info

    info = cert_info(parsed)
    return CertificateView(
        info.subject_cn,
        info.subject_org,
        info.issuer_cn,
        info.serial_hex,
        _vn(info.not_before) or "",
        _vn(info.not_after) or "",
        info.fingerprint,
    )


def _revocation(cert: asn1_x509.Certificate) -> dt.datetime | None:
    return trust.revoked_at(x509.load_der_x509_certificate(cert.dump()))


def _pades_level(
    sig: EmbeddedPdfSignature, has_ts: bool, dss: DocumentSecurityStore | None, later_doc_ts: bool
) -> str:
    subfilter = str(sig.sig_object.get("/SubFilter", ""))
    if subfilter != "/ETSI.CAdES.detached":
        return f"Không phải PAdES ({subfilter.lstrip('/')})"
    if later_doc_ts and dss is not None:
        return "PAdES B-LTA"
    if has_ts and dss is not None and (dss.certs or dss.crls or dss.ocsps):
        return "PAdES B-LT"
    if has_ts:
        return "PAdES B-T"
    return "PAdES B-B"


def _later_changes(status: Any, later_signature_fields: set[str]) -> tuple[bool, str]:
    """(modified, description) for a signature that does not cover the whole file."""
    diff = status.diff_result
    if isinstance(diff, SuspiciousModification) or diff is None:
        return True, (
            "Văn bản đã bị sửa đổi sau khi ký (thay đổi không phải là chữ ký số bổ sung: sửa nội "
            "dung, thêm dấu hoặc chú thích)."
        )
    level = diff.modification_level
    changed = set(diff.changed_form_fields or ())
    if level <= ModificationLevel.LTA_UPDATES:
        return False, "Sau chữ ký chỉ bổ sung thông tin kiểm tra hiệu lực (dấu thời gian, CRL)."
    if level == ModificationLevel.FORM_FILLING and changed <= later_signature_fields:
        return False, "Sau chữ ký chỉ có thêm chữ ký số khác."
    if level == ModificationLevel.FORM_FILLING:
        return True, "Sau khi ký, văn bản có điền thêm nội dung vào trường biểu mẫu."
    if level == ModificationLevel.ANNOTATIONS:
        return True, "Sau khi ký, văn bản có thêm chú thích hoặc dấu (phần đã ký vẫn nguyên vẹn)."
    return True, "Văn bản đã bị sửa đổi sau khi ký."


def _certificate_status(
    *,
    status: Any,
    trusted: bool,
    revoked_at: dt.datetime | None,
    ts_time: dt.datetime | None,
    signing_cert: asn1_x509.Certificate,
    problems: list[str],
) -> tuple[str, bool, bool]:
    """(Vietnamese status, revoked, expired); appends problems."""
    parsed = x509.load_der_x509_certificate(signing_cert.dump())
    now = timezone.now()
    not_after, not_before = parsed.not_valid_after_utc, parsed.not_valid_before_utc
    expired = now > not_after
    reference = ts_time or now
    if revoked_at is not None:
        if ts_time and ts_time < revoked_at:
            text = (
                f"Chứng thư số đã bị thu hồi lúc {_vn_date(revoked_at)}, sau thời điểm ký có dấu "
                f"thời gian ({_vn_date(ts_time)}): chữ ký vẫn có giá trị."
            )
        else:
            text = f"Chứng thư số đã bị thu hồi lúc {_vn_date(revoked_at)}."
            problems.append(
                text
                if ts_time
                else text + " Chữ ký không có dấu thời gian chứng minh đã ký trước đó."
            )
        return text, True, expired
    if reference < not_before:
        problems.append(
            f"Chứng thư số chưa đến thời hạn hiệu lực khi ký (hiệu lực từ {_vn_date(not_before)})."
        )
        return "Chứng thư số chưa có hiệu lực tại thời điểm ký.", False, expired
    if reference > not_after:
        problems.append(
            f"Chứng thư số đã hết hạn ngày {_vn_date(not_after)}"
            + ("" if ts_time else "; chữ ký không có dấu thời gian chứng minh đã ký khi còn hạn")
            + "."
        )
        return f"Chứng thư số đã hết hạn ngày {_vn_date(not_after)}.", False, True
    if expired and ts_time:
        return (
            (
                f"Chứng thư số đã hết hạn ngày {_vn_date(not_after)}, nhưng dấu thời gian chứng "
                "minh chữ ký được tạo khi còn hiệu lực."
            ),
            False,
            True,
        )
    if not trusted:
        return "Không xác định được tổ chức cấp tin cậy.", False, expired
    return f"Còn hiệu lực (đến {_vn_date(not_after)}).", False, expired


def verify_pdf(data: bytes) -> VerificationReport:
    """Verify every signature of `data` (see the module docstring). Raises BadPdfError for bad
    input."""
    reader = open_pdf(data, allow_encrypted=True)
    sha = hashlib.sha256(data).hexdigest()
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, Exception):  # a malformed DSS is the same as none for the level
        dss = None
    embedded = list(reader.embedded_signatures)
    reports: list[SignatureReport] = []
    for index, sig in enumerate(embedded):
        later = embedded[index + 1 :]
        later_fields = {s.field_name for s in later}
        later_doc_ts = any(str(s.sig_object.get("/Type", "")) == "/DocTimeStamp" for s in later)
        reports.append(
            _verify_one(sig, later_fields=later_fields, dss=dss, later_doc_ts=later_doc_ts)
        )
    last = reports[-1] if reports else None
    modified_after_last = bool(
        last and not last.covers_whole_document and last.modified_after_signing
    )
    ok = (
        bool(reports)
        and all(r.ok for r in reports)
        and not any(r.modified_after_signing for r in reports)
    )
    if not reports:
        summary = "Tệp không có chữ ký số."
    elif ok:
        summary = (
            f"Văn bản có {len(reports)} chữ ký số, tất cả hợp lệ và tin cậy; văn bản không bị sửa "
            "đổi sau khi ký."
        )
    else:
        bad = [r for r in reports if not r.ok]
        parts = []
        if bad:
            parts.append(f"{len(bad)}/{len(reports)} chữ ký số không hợp lệ hoặc không tin cậy")
        if any(r.modified_after_signing for r in reports):
            parts.append("văn bản có thay đổi sau khi ký")
        summary = "Cảnh báo: " + "; ".join(parts) + ". Xem chi tiết từng chữ ký."
    return VerificationReport(
        sha256=sha,
        size=len(data),
        pages=page_count(reader),
        signatures=reports,
        ok=ok,
        modified_after_last_signature=modified_after_last,
        summary=summary,
        verified_at=_vn(timezone.now()) or "",
    )


def _verify_one(
    sig: EmbeddedPdfSignature,
    *,
    later_fields: set[str],
    dss: DocumentSecurityStore | None,
    later_doc_ts: bool,
) -> SignatureReport:
    problems: list[str] = []
    is_doc_ts = str(sig.sig_object.get("/Type", "")) == "/DocTimeStamp"
    status: PdfSignatureStatus | DocumentTimestampStatus
    try:
        # The validation contexts read the trust store here; pyHanko runs asyncio.run.
        if is_doc_ts:
            context = trust.validation_context()
            status = off_loop(lambda: validate_pdf_timestamp(sig, validation_context=context))
        else:
            signer_context, ts_context = trust.validation_context(), trust.validation_context()
            status = off_loop(
                lambda: validate_pdf_signature(
                    sig, signer_validation_context=signer_context, ts_validation_context=ts_context
                )
            )
    except (PyHankoSigningError, ValueError, KeyError, TypeError) as exc:
        log.info("signature %s could not be validated: %s", sig.field_name, exc)
        return SignatureReport(
            field_name=sig.field_name,
            signer_name="",
            signer_organisation="",
            chain=[],
            signing_time=None,
            timestamp=None,
            timestamp_trusted=False,
            reason="",
            location="",
            kind="signature",
            intact=False,
            cryptographically_valid=False,
            covers_whole_document=False,
            modified_after_signing=True,
            later_changes="",
            trusted=False,
            revoked=False,
            revoked_at=None,
            expired=False,
            certificate_status="Không đọc được chữ ký.",
            pades_level="?",
            ok=False,
            problems=["Chữ ký bị hỏng, không đọc được (dữ liệu chữ ký không đúng định dạng)."],
            summary="Chữ ký bị hỏng, không đọc được.",
        )
    ts_time: dt.datetime | None = None
    ts_trusted = False
    if isinstance(status, DocumentTimestampStatus):
        ts_time, ts_trusted = status.timestamp, bool(status.trusted)
    elif status.timestamp_validity is not None:
        ts_time = status.timestamp_validity.timestamp
        ts_trusted = bool(
            status.timestamp_validity.intact
            and status.timestamp_validity.valid
            and status.timestamp_validity.trusted
        )
        if not ts_trusted:
            problems.append(
                "Dấu thời gian của chữ ký không hợp lệ hoặc không do tổ chức tin cậy cấp."
            )
            ts_time = None
        elif not status.trusted:
            # Re-check the signer's certificate at the time proven by the timestamp.
            at_time = trust.validation_context(moment=ts_time)
            ts_context = trust.validation_context()
            status = off_loop(
                lambda: validate_pdf_signature(
                    sig, signer_validation_context=at_time, ts_validation_context=ts_context
                )
            )
    cert = status.signing_cert
    view = _cert_view(cert)
    chain = (
        [_cert_view(c) for c in reversed(list(status.validation_path))]
        if status.validation_path
        else [view]
    )
    intact = bool(status.intact)
    valid = bool(status.valid)
    if not intact:
        problems.append("Nội dung đã ký bị thay đổi: chữ ký không còn nguyên vẹn.")
    elif not valid:
        problems.append("Chữ ký không đúng về mặt mật mã.")
    covers_all = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if covers_all:
        modified, later_text = False, ""
    elif status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        modified, later_text = _later_changes(status, later_fields)
    else:
        modified, later_text = True, "Chữ ký chỉ bao phủ một phần tệp."
    if modified:
        problems.append(later_text)
    revoked_at = _revocation(cert)
    trusted = bool(status.trusted)
    cert_text, revoked, expired = _certificate_status(
        status=status,
        trusted=trusted,
        revoked_at=revoked_at,
        ts_time=ts_time,
        signing_cert=cert,
        problems=problems,
    )
    if not trusted and not revoked and not expired:
        indic = getattr(status, "trust_problem_indic", None)
        name = getattr(indic, "name", "")
        if name == "NO_CERTIFICATE_CHAIN_FOUND":
            problems.append("Chứng thư số không do tổ chức chứng thực mà hệ thống tin cậy cấp.")
        elif name:
            problems.append(f"Không xác lập được độ tin cậy của chứng thư số ({name}).")
    reason = str(sig.sig_object.get("/Reason", "") or "")
    location = str(sig.sig_object.get("/Location", "") or "")
    level = (
        _pades_level(sig, ts_time is not None or is_doc_ts, dss, later_doc_ts)
        if not is_doc_ts
        else "Dấu thời gian tài liệu"
    )
    signature_problems = [p for p in problems if not (modified and p == later_text)]
    ok = intact and valid and trusted and not signature_problems
    if ok:
        summary = "Chữ ký hợp lệ và tin cậy." + (f" {later_text}" if later_text else "")
    else:
        summary = " ".join(problems) or "Chữ ký không hợp lệ."
    return SignatureReport(
        field_name=sig.field_name,
        signer_name=view.subject_cn,
        signer_organisation=view.subject_org,
        chain=chain,
        signing_time=_vn(getattr(status, "signer_reported_dt", None)),
        timestamp=_vn(ts_time),
        timestamp_trusted=ts_trusted,
        reason=reason,
        location=location,
        kind="document_timestamp" if is_doc_ts else "signature",
        intact=intact,
        cryptographically_valid=valid,
        covers_whole_document=covers_all,
        modified_after_signing=modified,
        later_changes=later_text,
        trusted=trusted,
        revoked=revoked,
        revoked_at=_vn(revoked_at),
        expired=expired,
        certificate_status=cert_text,
        pades_level=level,
        ok=ok,
        problems=problems,
        summary=summary,
    )
