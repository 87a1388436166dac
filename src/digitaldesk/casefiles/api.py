"""REST API v1 of case files (/api/v1/casefiles/...): the same selectors and services as the
pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from digitaldesk.api.errors import request_data
from digitaldesk.audit.services import audit_record
from digitaldesk.casefiles import selectors, services

MAX_PLAYLIST_ITEMS = 1000  # a hearing's evidence, not a whole case file


def _gate(func: Any, *args: Any) -> Any:
    try:
        return func(*args)
    except Http404 as exc:
        raise exceptions.NotFound from exc


def _progress(p: selectors.ProgressInfo) -> dict[str, Any]:
    return {
        "total": p.total,
        "done": p.done,
        "failed": p.failed,
        "percent": p.percent,
        "pages_per_minute": p.pages_per_minute,
        "eta_seconds": p.eta_seconds,
    }


class CaseFileList(APIView):
    @extend_schema(responses={200: dict}, summary="Hồ sơ số hóa người dùng được xem")
    def get(self, request: Request) -> Response:
        rows = selectors.casefiles_visible_to(request.user).order_by("-created_at")[:500]
        return Response(
            [
                {
                    "id": cf.pk,
                    "title": cf.title,
                    "case_id": cf.case_id,
                    "case": cf.case.name,
                    "pages": cf.next_but_luc - 1,
                }
                for cf in rows
            ]
        )


class CaseFileDetail(APIView):
    @extend_schema(
        responses={200: dict}, summary="Bảng kê tài liệu và tiến độ số hóa của một hồ sơ"
    )
    def get(self, request: Request, casefile_id: int) -> Response:
        casefile = _gate(selectors.casefile_for_user, request.user, casefile_id)
        audit_record(
            actor=request.user, action="casefiles.view", obj=casefile, detail={"api": True}
        )
        return Response(
            {
                "id": casefile.pk,
                "title": casefile.title,
                "case_id": casefile.case_id,
                "progress": _progress(selectors.casefile_progress(casefile)),
                "volumes": [
                    {"id": v.pk, "number": v.number, "title": v.title}
                    for v in casefile.volumes.all()
                ],
                "toc": [
                    {
                        "document_id": r.document.pk,
                        "volume": r.document.volume.number,
                        "title": r.document.title,
                        "doc_number": r.document.doc_number,
                        "doc_date": r.document.doc_date,
                        "issuer": r.document.issuer,
                        "note": r.document.note,
                        "but_luc_from": r.first,
                        "but_luc_to": r.last,
                        "pages": r.pages,
                    }
                    for r in selectors.toc(casefile)
                ],
                "uploads": [
                    {
                        "id": u.pk,
                        "name": u.original_name,
                        "state": u.state,
                        "error": u.error,
                        "pages": u.pages_total,
                        "first_but_luc": u.first_but_luc,
                        "sha256": u.sha256,
                        "signed": u.signed,
                        "progress": _progress(selectors.upload_progress(u)),
                    }
                    for u in casefile.uploads.order_by("-created_at")[:200]
                ],
            }
        )


class UploadCreate(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "volume": {"type": "integer"},
                },
            }
        },
        responses={201: dict},
        summary="Tải một bản quét vào hồ sơ (PDF, TIFF, JPEG, PNG)",
    )
    def post(self, request: Request, casefile_id: int) -> Response:
        casefile = _gate(selectors.casefile_for_editor, request.user, casefile_id)
        item = request.FILES.get("file")
        if item is None:
            raise exceptions.ValidationError({"file": ["Thiếu tệp."]})
        volume = casefile.volumes.filter(pk=request_data(request).get("volume") or 0).first()
        try:
            upload = services.upload_file(
                actor=request.user,
                casefile=casefile,
                volume=volume,
                fileobj=item,
                name=item.name,
                size=item.size,
            )
        except ValidationError as exc:
            raise exceptions.ValidationError({"file": exc.messages}) from exc
        return Response(
            {
                "id": upload.pk,
                "state": upload.state,
                "error": upload.error,
                "pages": upload.pages_total,
                "first_but_luc": upload.first_but_luc,
                "sha256": upload.sha256,
            },
            status=201 if upload.state != "failed" else 422,
        )


class PlaylistCreate(APIView):
    @extend_schema(
        request={
            "application/json": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "but_luc": {"type": "array", "items": {"type": "integer"}},
                    "hearing_date": {"type": "string", "format": "date"},
                },
            }
        },
        responses={201: dict},
        summary="Lập danh sách trình chiếu cho phiên tòa",
    )
    def post(self, request: Request, casefile_id: int) -> Response:
        casefile = _gate(selectors.casefile_for_editor, request.user, casefile_id)
        data = request_data(request)
        numbers = data.get("but_luc")
        if not isinstance(numbers, list) or not all(type(n) is int for n in numbers):
            raise exceptions.ValidationError({"but_luc": ["Các bút lục phải là một danh sách số."]})
        if not 0 < len(numbers) <= MAX_PLAYLIST_ITEMS:
            raise exceptions.ValidationError(
                {"but_luc": [f"Danh sách trình chiếu có từ 1 đến {MAX_PLAYLIST_ITEMS} bút lục."]}
            )
        hearing_date = None
        if data.get("hearing_date"):
            try:
                hearing_date = dt.date.fromisoformat(str(data["hearing_date"]))
            except ValueError as exc:
                raise exceptions.ValidationError(
                    {"hearing_date": ["Ngày xét xử phải có dạng NNNN-TT-NN."]}
                ) from exc
        try:
            playlist = services.playlist_create(
                actor=request.user,
                casefile=casefile,
                title=str(data.get("title", "")),
                but_luc=numbers,
                hearing_date=hearing_date,
            )
        except ValidationError as exc:
            raise exceptions.ValidationError({"detail": exc.messages}) from exc
        return Response(
            {
                "id": playlist.pk,
                "title": playlist.title,
                "but_luc": numbers,
                "hearing_date": playlist.hearing_date,
            },
            status=201,
        )


class PageDetail(APIView):
    @extend_schema(responses={200: dict}, summary="Văn bản và mã băm của một bút lục")
    def get(self, request: Request, casefile_id: int, but_luc: int) -> Response:
        casefile = _gate(selectors.casefile_for_user, request.user, casefile_id)
        page = _gate(selectors.page_by_but_luc, casefile, but_luc)
        audit_record(
            actor=request.user,
            action="casefiles.page_view",
            obj=casefile,
            detail={"but_luc": page.but_luc, "page_id": page.pk, "api": True},
        )
        return Response(
            {
                "but_luc": page.but_luc,
                "state": page.state,
                "text": page.text,
                "error": page.error,
                "confidence": page.confidence,
                "rotation": page.rotation,
                "skew": page.skew,
                "deskewed": page.deskewed,
                "content_hash": page.content_hash,
                "document_id": page.document_id,
                "version": page.version,
                "words": page.words,
            }
        )


class PageSearch(APIView):
    @extend_schema(responses={200: dict}, summary="Tìm toàn văn trong các hồ sơ số hóa")
    def get(self, request: Request) -> Response:
        params = request.query_params
        casefile = (
            _gate(selectors.casefile_for_user, request.user, params["casefile"])
            if params.get("casefile")
            else None
        )
        filters: dict[str, int | str] = {
            k: int(params[k])
            for k in ("volume_id", "document_id", "case_id")
            if params.get(k, "").isdigit()
        }
        for k in ("date_from", "date_to"):
            if params.get(k):
                filters[k] = params[k]
        results = selectors.casefile_search(
            request.user,
            params.get("q", ""),
            casefile=casefile,
            filters=filters,
            limit=min(100, int(params.get("limit", 20) or 20)),
        )
        audit_record(
            actor=request.user,
            action="casefiles.search",
            obj=casefile,
            detail={"q": params.get("q", "")[:200], "hits": results.total, "api": True},
        )
        return Response(
            {
                "total": results.total,
                "hits": [
                    {
                        "casefile_id": h.fields.get("casefile_id"),
                        "but_luc": h.fields.get("but_luc"),
                        "title": h.title,
                        "snippet": str(h.snippet),
                        "score": h.score,
                    }
                    for h in results.hits
                ],
            }
        )


urlpatterns = [
    path("", CaseFileList.as_view(), name="casefiles"),
    path("search", PageSearch.as_view(), name="casefiles_search"),
    path("<int:casefile_id>", CaseFileDetail.as_view(), name="casefile"),
    path("<int:casefile_id>/uploads", UploadCreate.as_view(), name="casefile_uploads"),
    path("<int:casefile_id>/playlists", PlaylistCreate.as_view(), name="casefile_playlists"),
    path("<int:casefile_id>/pages/<int:but_luc>", PageDetail.as_view(), name="casefile_page"),
]
