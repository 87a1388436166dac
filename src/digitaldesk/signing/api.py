"""REST API of the signing app, under /api/v1/signing/ (same services as the pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FileUploadParser, FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from digitaldesk.accounts.http import user_of
from digitaldesk.api.errors import request_data
from digitaldesk.signing import conf, selectors, services
from digitaldesk.signing.errors import SigningError
from digitaldesk.signing.models import Credential


class CredentialSerializer(serializers.ModelSerializer[Credential]):
    status = serializers.CharField(source="status_label")
    unit = serializers.CharField(source="unit.name", default=None)

    class Meta:
        model = Credential
        fields = [
            "id",
            "kind",
            "storage",
            "label",
            "subject_cn",
            "subject_org",
            "issuer_cn",
            "serial_hex",
            "fingerprint",
            "not_before",
            "not_after",
            "is_default",
            "status",
            "unit",
        ]


def _error(exc: SigningError, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response(
        {"detail": exc.message, "code": exc.code}, status=403 if exc.code == "forbidden" else code
    )


def _pdf_from(request: Request) -> tuple[bytes, str]:
    upload = request.FILES.get("file")
    if upload is None:
        raise SigningError("Thiếu tệp PDF (trường “file”).")
    if upload.size and upload.size > conf.max_pdf_bytes():
        raise SigningError(f"Tệp quá lớn (tối đa {conf.max_pdf_bytes() // (1024 * 1024)} MB).")
    return upload.read(), upload.name or "tep.pdf"


class CredentialList(APIView):
    @extend_schema(
        responses=CredentialSerializer(many=True), summary="Chứng thư số tôi được dùng để ký"
    )
    def get(self, request: Request) -> Response:
        user = user_of(request)
        rows = list(selectors.personal_credentials(user)) + list(
            selectors.organisation_credentials_for(user).select_related("unit")
        )
        return Response(CredentialSerializer(rows, many=True).data)


class VerifyView(APIView):
    """Verify the signatures of a PDF (multipart field `file`); the file is not stored."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "keep": {"type": "boolean"},
                },
            }
        },
        responses=OpenApiTypes.OBJECT,
        summary="Kiểm tra chữ ký số của tệp PDF",
    )
    def post(self, request: Request) -> Response:
        try:
            data, name = _pdf_from(request)
            keep = str(request_data(request).get("keep", "")).lower() in {"1", "true", "yes", "on"}
            report, record = services.verify_and_audit(
                actor=user_of(request), data=data, filename=name, keep=keep
            )
        except SigningError as exc:
            return _error(exc)
        body: dict[str, Any] = report.as_dict()
        body["record_id"] = record.pk if record else None
        return Response(body)


class SignView(APIView):
    """Sign a PDF (multipart: file, kind, passphrase, optional credential/reason/purpose); returns
    the
    signed PDF. Nothing is stored."""

    parser_classes = [MultiPartParser, FormParser, FileUploadParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "kind": {"type": "string", "enum": ["personal", "organisation"]},
                    "passphrase": {"type": "string"},
                    "credential": {"type": "integer"},
                    "reason": {"type": "string"},
                    "purpose": {"type": "string", "enum": ["document", "attachment", "copy"]},
                },
            }
        },
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="Ký số tệp PDF",
    )
    def post(self, request: Request) -> Response | HttpResponse:
        try:
            data, name = _pdf_from(request)
            credential = request_data(request).get("credential")
            signed = services.sign_pdf(
                pdf=data,
                signer=user_of(request),
                kind=str(request_data(request).get("kind") or "personal"),
                passphrase=str(request_data(request).get("passphrase") or "") or None,
                credential=int(credential) if credential not in (None, "") else None,
                reason=str(request_data(request).get("reason") or ""),
                purpose=str(request_data(request).get("purpose") or "document"),
            )
        except (ValueError, TypeError):
            return Response({"detail": "Mã chứng thư số không hợp lệ."}, status=400)
        except SigningError as exc:
            return _error(exc)
        response = HttpResponse(signed, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="da-ky.pdf"'
        return response
