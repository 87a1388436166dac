"""Pages of the case-file digitisation: thin, over selectors and services."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.audit.services import audit_record
from digitaldesk.casefiles import processing, selectors, services
from digitaldesk.casefiles.models import (
    CaseFile,
    Document,
    Page,
    PageState,
    Playlist,
    PlaylistItem,
    Upload,
    UploadState,
    Volume,
)
from digitaldesk.core.exports import csv_row, xlsx_append, xlsx_first_sheet
from digitaldesk.ocr.engines import OcrError


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    from digitaldesk.cases.selectors import can_edit_case, cases_visible_to

    casefiles = list(selectors.casefiles_visible_to(request.user).order_by("-created_at")[:200])
    editable_cases = [
        c
        for c in cases_visible_to(request.user)
        .select_related("unit")
        .order_by("-received_on")[:200]
        if can_edit_case(request.user, c)
    ]
    return render(
        request, "casefiles/home.html", {"casefiles": casefiles, "editable_cases": editable_cases}
    )


@login_required
@require_POST
def create(request: AuthedRequest) -> HttpResponse:
    from digitaldesk.cases.selectors import can_edit_case, case_for_user

    case = case_for_user(request.user, request.POST.get("case"))
    if not can_edit_case(request.user, case):
        raise Http404
    casefile = services.casefile_create(
        actor=request.user, case=case, title=request.POST.get("title", "")
    )
    messages.success(request, "Đã lập hồ sơ số hóa.")
    return redirect("casefiles:detail", casefile.pk)


_READING = (UploadState.QUEUED, UploadState.PROCESSING)


def _progress_context(request: AuthedRequest, casefile: CaseFile) -> dict[str, Any]:
    """The progress table, and the table of contents it refreshes while pages are read."""
    uploads = list(
        casefile.uploads.select_related("volume", "document").order_by("-created_at")[:100]
    )
    progress = selectors.casefile_progress(casefile)
    return {
        "casefile": casefile,
        "can_edit": selectors.can_edit(request.user, casefile),
        "uploads": uploads,
        "progress": progress,
        "upload_progress": {u.pk: selectors.upload_progress(u) for u in uploads},
        # Polled while a file is queued, read or assembled (not one left half-received).
        "reading": progress.finished < progress.total or any(u.state in _READING for u in uploads),
        "toc": selectors.toc(casefile),
        "volumes": list(casefile.volumes.all()),
    }


@login_required
def detail(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    audit_record(actor=request.user, action="casefiles.view", obj=casefile)
    return render(
        request,
        "casefiles/detail.html",
        {
            **_progress_context(request, casefile),
            "playlists": list(casefile.playlists.order_by("-created_at")),
            "max_upload_gb": services.max_upload_bytes() // 1024**3,
        },
    )


@login_required
def progress_fragment(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    """Polled by htmx every 2 s while something is being digitised; the table of contents comes
    with it, swapped out of band, so new documents and bút lục show without a reload."""
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    return render(
        request, "casefiles/_progress.html", {**_progress_context(request, casefile), "oob": True}
    )


# --- uploads (resumable, many files at once) ------------------------------------------------
@login_required
@require_POST
def upload_begin(request: AuthedRequest, casefile_id: int) -> JsonResponse:
    casefile = selectors.casefile_for_editor(request.user, casefile_id)
    try:
        data = json.loads(request.body or b"{}")
        volume = (
            casefile.volumes.filter(pk=data.get("volume")).first() if data.get("volume") else None
        )
        upload = services.upload_begin(
            actor=request.user,
            casefile=casefile,
            volume=volume,
            name=str(data.get("name", "")),
            size=int(data.get("size", 0)),
            client_key=str(data.get("key", "")),
        )
    except (ValueError, TypeError):
        return JsonResponse({"error": "Dữ liệu không hợp lệ."}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": _errors(exc)}, status=400)
    return JsonResponse(
        {
            "id": upload.pk,
            "received": upload.received,
            "chunk_url": reverse("casefiles:upload_chunk", args=[casefile.pk, upload.pk]),
            "finish_url": reverse("casefiles:upload_finish", args=[casefile.pk, upload.pk]),
        }
    )


def _editor_upload(request: AuthedRequest, casefile_id: int, upload_id: int) -> Upload:
    casefile = selectors.casefile_for_editor(request.user, casefile_id)
    upload = casefile.uploads.filter(pk=upload_id).first()
    if upload is None:
        raise Http404
    return upload


@login_required
@require_POST
def upload_chunk(request: AuthedRequest, casefile_id: int, upload_id: int) -> JsonResponse:
    upload = _editor_upload(request, casefile_id, upload_id)
    try:
        offset = int(request.GET.get("offset", "-1"))
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return JsonResponse({"error": "Vị trí không hợp lệ."}, status=400)
    if offset < 0 or length > services.CHUNK_LIMIT:
        return JsonResponse({"error": "Mảnh dữ liệu không hợp lệ."}, status=400)
    try:
        received = services.upload_chunk(upload=upload, offset=offset, data=request)
    except ValidationError as exc:
        upload.refresh_from_db()
        return JsonResponse({"error": _errors(exc), "received": upload.received}, status=409)
    return JsonResponse({"received": received})


@login_required
@require_POST
def upload_finish(request: AuthedRequest, casefile_id: int, upload_id: int) -> JsonResponse:
    upload = _editor_upload(request, casefile_id, upload_id)
    try:
        upload = services.upload_finish(actor=request.user, upload=upload)
    except ValidationError as exc:
        return JsonResponse({"error": _errors(exc)}, status=409)
    return JsonResponse(
        {
            "state": upload.state,
            "error": upload.error,
            "pages": upload.pages_total,
            "first_but_luc": upload.first_but_luc,
        }
    )


@login_required
@require_POST
def upload_form(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    """Plain multi-file form (works without JavaScript; files sent whole)."""
    casefile = selectors.casefile_for_editor(request.user, casefile_id)
    volume = casefile.volumes.filter(pk=request.POST.get("volume") or 0).first()
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, "Hãy chọn ít nhất một tệp.")
    for item in files:
        try:
            upload = services.upload_file(
                actor=request.user,
                casefile=casefile,
                volume=volume,
                fileobj=item,
                name=item.name or "",  # Django's upload handlers always set both
                size=item.size or 0,
            )
        except ValidationError as exc:
            messages.error(request, f"{item.name}: {_errors(exc)}")
            continue
        if upload.state == UploadState.FAILED:
            messages.error(request, f"{item.name}: {upload.error}")
        else:
            messages.success(
                request, f"{item.name}: đã nhận {upload.pages_total} trang, đang nhận dạng."
            )
    return redirect("casefiles:detail", casefile.pk)


# --- table of contents ------------------------------------------------------------------------
@login_required
@require_POST
def volume_add(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    casefile = selectors.casefile_for_editor(request.user, casefile_id)
    services.volume_create(
        actor=request.user, casefile=casefile, title=request.POST.get("title", "")
    )
    return redirect("casefiles:detail", casefile.pk)


@login_required
@require_POST
def document_edit(request: AuthedRequest, casefile_id: int, document_id: int) -> HttpResponse:
    casefile = selectors.casefile_for_editor(request.user, casefile_id)
    document = Document.objects.filter(casefile=casefile, pk=document_id).first()
    if document is None:
        raise Http404
    changes: dict[str, Any] = {
        "title": request.POST.get("title", document.title).strip(),
        "doc_number": request.POST.get("doc_number", "").strip()[:100],
        "doc_date": _date(request.POST.get("doc_date", "")),
        "issuer": request.POST.get("issuer", "").strip()[:300],
        "note": request.POST.get("note", "").strip()[:500],
    }
    if request.POST.get("volume"):
        volume = Volume.objects.filter(casefile=casefile, pk=request.POST["volume"]).first()
        if volume is not None:
            changes["volume"] = volume
    try:
        services.document_update(actor=request.user, document=document, **changes)
        messages.success(request, "Đã cập nhật bảng kê tài liệu.")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(reverse("casefiles:detail", args=[casefile.pk]) + "#bang-ke")


@login_required
def toc_export(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    """The table of contents as a spreadsheet (XLSX) or CSV."""
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    rows = selectors.toc(casefile)
    header = [
        "STT",
        "Tập",
        "Tên tài liệu",
        "Số, ký hiệu",
        "Ngày",
        "Cơ quan, người lập",
        "Bút lục từ",
        "Bút lục đến",
        "Số trang",
        "Đặc điểm, ghi chú",
    ]
    data = [
        [
            i,
            r.document.volume.number,
            r.document.title,
            r.document.doc_number,
            r.document.doc_date.strftime("%d/%m/%Y") if r.document.doc_date else "",
            r.document.issuer,
            r.first or "",
            r.last or "",
            r.pages,
            r.document.note,
        ]
        for i, r in enumerate(rows, 1)
    ]
    audit_record(actor=request.user, action="casefiles.toc_export", obj=casefile)
    if request.GET.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(csv_row(row) for row in data)
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="bang-ke-ho-so-{casefile.pk}.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = xlsx_first_sheet(book)
    sheet.title = "Bảng kê tài liệu"
    xlsx_append(sheet, [f"BẢNG KÊ TÀI LIỆU — {casefile.title} — {casefile.case}"])
    sheet.append(header)
    for row in data:
        xlsx_append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="bang-ke-ho-so-{casefile.pk}.xlsx"'
    return response


# --- pages ------------------------------------------------------------------------------------
@login_required
def page_view(request: AuthedRequest, casefile_id: int, but_luc: int) -> HttpResponse:
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    page = selectors.page_by_but_luc(casefile, but_luc)
    query = request.GET.get("q", "")
    audit_record(
        actor=request.user,
        action="casefiles.page_view",
        obj=casefile,
        detail={"but_luc": page.but_luc, "page_id": page.pk},
    )
    neighbours = casefile.pages.filter(
        but_luc__in=[page.but_luc - 1, page.but_luc + 1]
    ).values_list("but_luc", flat=True)
    from digitaldesk.search import query as q

    return render(
        request,
        "casefiles/page.html",
        {
            "casefile": casefile,
            "page": page,
            "query": query,
            "boxes": selectors.highlight_boxes(page, query),
            "text_html": q.highlight(page.text, q.parse(query)) if query else page.text,
            "prev": page.but_luc - 1 if page.but_luc - 1 in neighbours else None,
            "next": page.but_luc + 1 if page.but_luc + 1 in neighbours else None,
            "can_edit": selectors.can_edit(request.user, casefile),
            "versions": list(page.versions.all()),
            "skew_degrees": abs(page.skew),
        },
    )


@login_required
@require_GET
def page_image(
    request: AuthedRequest, casefile_id: int, but_luc: int
) -> HttpResponse | FileResponse:
    """The page as an image (cached JPEG). Every view is audited, once a minute per user and
    page."""
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    page = selectors.page_by_but_luc(casefile, but_luc)
    try:
        width = min(2400, max(200, int(request.GET.get("w", processing.VIEW_WIDTH))))
    except ValueError:
        width = processing.VIEW_WIDTH
    key = f"casefiles:seen:{request.user.pk}:{page.pk}"
    if cache.add(key, 1, timeout=60):
        audit_record(
            actor=request.user,
            action="casefiles.page_image",
            obj=casefile,
            detail={"but_luc": page.but_luc, "page_id": page.pk},
        )
    # The same address always shows the current version of the page (a replaced scan
    # is never shown stale): the browser revalidates with the ETag and gets a 304.
    etag = f'"{page.pk}-{page.version}-r{page.rotation}-{width}"'
    response: HttpResponse | FileResponse
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        try:
            path = processing.render_view_image(page, width)
        except (OcrError, OSError):
            return HttpResponse(
                "Không dựng được ảnh trang.", status=500, content_type="text/plain; charset=utf-8"
            )
        response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_GET
def page_data(request: AuthedRequest, casefile_id: int, but_luc: int) -> JsonResponse:
    """What the presenter and projector need to show a page (JSON)."""
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    page = selectors.page_by_but_luc(casefile, but_luc)
    return JsonResponse(_page_payload(casefile, page, request.GET.get("q", "")))


def _page_payload(casefile: Any, page: Page, query: str) -> dict[str, Any]:
    return {
        "but_luc": page.but_luc,
        "document": page.document.title if page.document else "",
        "volume": page.document.volume.number if page.document else None,
        "image": reverse("casefiles:page_image", args=[casefile.pk, page.but_luc])
        + f"?v={page.version}",
        "rotation": page.rotation,
        "boxes": selectors.highlight_boxes(page, query) if query else [],
        "state": page.state,
    }


@login_required
def download(request: AuthedRequest, casefile_id: int, upload_id: int, which: str) -> FileResponse:
    """The original (byte for byte, signature intact) or the searchable copy; audited."""
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    upload = casefile.uploads.filter(pk=upload_id).first()
    if upload is None:
        raise Http404
    if which == "goc":
        path, name = Path(upload.path), upload.original_name
    elif which == "tim-kiem" and upload.searchable_pdf:
        path, name = Path(upload.searchable_pdf), f"{Path(upload.original_name).stem}.ocr.pdf"
    else:
        raise Http404
    if not path.exists():
        raise Http404
    audit_record(
        actor=request.user,
        action="casefiles.download",
        obj=casefile,
        detail={
            "upload_id": upload.pk,
            "which": which,
            "name": name,
            "but_luc_from": upload.first_but_luc,
            "but_luc_to": (upload.first_but_luc or 0) + upload.pages_total - 1,
        },
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def page_reocr(request: AuthedRequest, casefile_id: int, but_luc: int) -> HttpResponse:
    casefile = selectors.casefile_for_editor(request.user, casefile_id)
    page = selectors.page_by_but_luc(casefile, but_luc)
    services.page_reocr(actor=request.user, page=page)
    messages.success(request, f"Đã đưa bút lục {page.but_luc} vào hàng đợi nhận dạng lại.")
    return redirect("casefiles:page", casefile.pk, page.but_luc)


@login_required
@require_POST
def page_replace(request: AuthedRequest, casefile_id: int, but_luc: int) -> HttpResponse:
    casefile = selectors.casefile_for_editor(request.user, casefile_id)
    page = selectors.page_by_but_luc(casefile, but_luc)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Hãy chọn tệp ảnh trang thay thế.")
        return redirect("casefiles:page", casefile.pk, page.but_luc)
    try:
        services.page_replace(
            actor=request.user,
            page=page,
            fileobj=upload,
            name=upload.name or "",  # always set by Django's upload handlers
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, f"Đã thay trang bút lục {page.but_luc}; bản cũ vẫn được lưu.")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("casefiles:page", casefile.pk, page.but_luc)


@login_required
def verify(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    changed = selectors.verify_pages(casefile)
    audit_record(
        actor=request.user,
        action="casefiles.verify",
        obj=casefile,
        detail={"changed": len(changed)},
    )
    if changed:
        messages.error(
            request,
            "Phát hiện trang bị thay đổi so với mã băm đã ghi: bút lục "
            + ", ".join(str(p.but_luc) for p in changed[:50]),
        )
    else:
        messages.success(
            request,
            f"Tất cả {casefile.pages.exclude(content_hash='').count()} trang khớp mã băm đã ghi.",
        )
    return redirect("casefiles:detail", casefile.pk)


# --- search ------------------------------------------------------------------------------------
@login_required
def search(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    casefile = None
    if request.GET.get("casefile"):
        casefile = selectors.casefile_for_user(request.user, request.GET["casefile"])
    filters: dict[str, Any] = {}
    for name in ("volume_id", "document_id"):
        value = request.GET.get(name, "")
        if value.isdigit():
            filters[name] = int(value)
    if request.GET.get("case", "").isdigit():
        filters["case_id"] = int(request.GET["case"])
    for name in ("date_from", "date_to"):
        if _date(request.GET.get(name, "")):
            filters[name] = _date(request.GET[name])
    try:
        page_no = max(1, int(request.GET.get("trang", "1")))
    except ValueError:
        page_no = 1
    results = None
    if query:
        results = selectors.casefile_search(
            request.user,
            query,
            casefile=casefile,
            filters=filters,
            limit=20,
            offset=(page_no - 1) * 20,
        )
        audit_record(
            actor=request.user,
            action="casefiles.search",
            obj=casefile,
            detail={
                "q": query[:200],
                "filters": {k: str(v) for k, v in filters.items()},
                "hits": results.total,
            },
        )
    return render(
        request,
        "casefiles/search.html",
        {
            "query": query,
            "casefile": casefile,
            "results": results,
            # Which case each hit belongs to (not said by the page's own title).
            "hit_cases": selectors.casefile_labels(
                hit.fields.get("casefile_id") for hit in (results.hits if results else [])
            ),
            "page_no": page_no,
            "has_next": bool(results and results.total > page_no * 20),
            "volumes": list(casefile.volumes.all()) if casefile else [],
            "documents": list(casefile.documents.select_related("volume")) if casefile else [],
            "filters": request.GET,
        },
    )


# --- playlists and presentation ----------------------------------------------------------------
def _parse_numbers(text: str) -> list[int]:
    numbers: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if "-" in part:
            lo, _, hi = part.partition("-")
            if lo.strip().isdigit() and hi.strip().isdigit() and 0 < int(hi) - int(lo) < 500:
                numbers.extend(range(int(lo), int(hi) + 1))
        elif part.isdigit():
            numbers.append(int(part))
    return numbers


@login_required
@require_POST
def playlist_create(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    # Preparing the hearing's playlist changes the case file: the editors' gate, like uploads
    # and the table of contents (a colleague who only reads gets the same 404 as an outsider).
    casefile = selectors.casefile_for_editor(request.user, casefile_id)
    try:
        services.playlist_create(
            actor=request.user,
            casefile=casefile,
            title=request.POST.get("title", ""),
            but_luc=_parse_numbers(request.POST.get("but_luc", "")),
            hearing_date=_date(request.POST.get("hearing_date", "")),
        )
        messages.success(request, "Đã lập danh sách trình chiếu.")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(reverse("casefiles:detail", args=[casefile.pk]) + "#trinh-chieu")


@login_required
@require_POST
def present_start(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    if not casefile.pages.exists():
        messages.error(request, "Hồ sơ chưa có trang nào để trình chiếu.")
        return redirect("casefiles:detail", casefile.pk)
    playlist = None
    if request.POST.get("playlist"):
        playlist = Playlist.objects.filter(casefile=casefile, pk=request.POST["playlist"]).first()
    presentation = services.presentation_start(
        actor=request.user, casefile=casefile, playlist=playlist
    )
    return redirect("casefiles:present", presentation.pk)


@login_required
def present(request: AuthedRequest, presentation_id: int) -> HttpResponse:
    presentation = selectors.presentation_for_user(request.user, presentation_id)
    if presentation.presenter_id != request.user.pk:
        return redirect("casefiles:projector", presentation.pk)
    casefile = presentation.casefile
    playlist: list[PlaylistItem] = []
    chosen = presentation.playlist if presentation.playlist_id else None
    if chosen is not None:
        playlist = list(chosen.items.select_related("page"))
    bounds = casefile.pages.aggregate(lo=Min("but_luc"), hi=Max("but_luc"))
    return render(
        request,
        "casefiles/present.html",
        {
            "presentation": presentation,
            "casefile": casefile,
            "playlist": playlist,
            "bounds": bounds,
            "config": {
                "state_url": reverse("casefiles:present_state", args=[presentation.pk]),
                "page_url": reverse("casefiles:page_data", args=[casefile.pk, 0]),
                "search_url": reverse("casefiles:present_search", args=[casefile.pk]),
                "projector_url": reverse("casefiles:projector", args=[presentation.pk]),
                "state": presentation.state,
                "version": presentation.version,
                "playlist": [item.page.but_luc for item in playlist],
                "min": bounds["lo"],
                "max": bounds["hi"],
            },
        },
    )


@login_required
def projector(request: AuthedRequest, presentation_id: int) -> HttpResponse:
    presentation = selectors.presentation_for_user(request.user, presentation_id)
    audit_record(
        actor=request.user,
        action="casefiles.projector_open",
        obj=presentation.casefile,
        detail={"presentation_id": presentation.pk},
    )
    return render(
        request,
        "casefiles/projector.html",
        {
            "presentation": presentation,
            "casefile": presentation.casefile,
            "config": {
                "state_url": reverse("casefiles:present_state", args=[presentation.pk]),
                "page_url": reverse("casefiles:page_data", args=[presentation.casefile_id, 0]),
                "version": -1,
            },
        },
    )


@login_required
def present_state(request: AuthedRequest, presentation_id: int) -> JsonResponse:
    """GET: the current state (projectors poll it); POST: the presenter shows something."""
    presentation = selectors.presentation_for_user(request.user, presentation_id)
    if request.method == "POST":
        try:
            state = json.loads(request.body or b"{}")
            presentation = services.presentation_show(
                actor=request.user,
                presentation=presentation,
                state=state if isinstance(state, dict) else {},
            )
        except ValueError:
            return JsonResponse({"error": "Dữ liệu không hợp lệ."}, status=400)
        except ValidationError as exc:
            return JsonResponse({"error": _errors(exc)}, status=400)
    else:
        try:
            since = int(request.GET.get("v", "-1"))
        except ValueError:
            since = -1
        if since == presentation.version:
            return JsonResponse({"version": presentation.version, "changed": False})
    pages = {}
    state = presentation.state or {}
    for number in (state.get("but_luc"), state.get("second")):
        if number:
            page = (
                presentation.casefile.pages.filter(but_luc=number)
                .select_related("document", "document__volume")
                .first()
            )
            if page is not None:
                pages[str(number)] = _page_payload(presentation.casefile, page, state.get("q", ""))
    return JsonResponse(
        {"version": presentation.version, "changed": True, "state": state, "pages": pages}
    )


@login_required
@require_GET
def present_search(request: AuthedRequest, casefile_id: int) -> JsonResponse:
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    query = request.GET.get("q", "").strip()
    if not query:
        return JsonResponse({"hits": []})
    results = selectors.casefile_search(request.user, query, casefile=casefile, limit=15)
    audit_record(
        actor=request.user,
        action="casefiles.search",
        obj=casefile,
        detail={"q": query[:200], "hits": results.total, "presentation": True},
    )
    return JsonResponse(
        {
            "total": results.total,
            "hits": [
                {"but_luc": h.fields.get("but_luc"), "title": h.title, "snippet": str(h.snippet)}
                for h in results.hits
            ],
        }
    )


@login_required
def uploads_failed(request: AuthedRequest, casefile_id: int) -> HttpResponse:
    casefile = selectors.casefile_for_user(request.user, casefile_id)
    pages = Paginator(casefile.pages.filter(state=PageState.FAILED).select_related("upload"), 100)
    return render(
        request,
        "casefiles/failed.html",
        {"casefile": casefile, "pages": pages.get_page(request.GET.get("trang"))},
    )
