"""Minutes (biên bản): assembled from the agenda, attendance, opinions, votes and conclusions,
written as PDF (reportlab, Liberation Serif: the fonts the documents app registers), made PDF/A-2b
with the OCR app's helpers (`ocr.pdfa`: output intent sRGB, XMP metadata, file identifier; the
fonts are embedded by reportlab) and signed with the signing app's `sign_pdf` by the chair (their
personal certificate): the signature is an incremental update, so the file stays PDF/A-2b."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from django.db import transaction
from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.documents.files import PDF, read, register_fonts, store
from digitaldesk.live.services import publish
from digitaldesk.meetings import selectors
from digitaldesk.meetings.models import Meeting, Participant, Rsvp
from digitaldesk.meetings.services import MeetingError
from digitaldesk.ocr import pdfa
from digitaldesk.signing.errors import SigningError
from digitaldesk.signing.services import sign_pdf

CREATOR = "Bàn làm việc số — phòng họp không giấy"


def _p(text: str, style: Any) -> Any:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def to_pdfa(data: bytes, *, title: str, author: str) -> bytes:
    """PDF/A-2b of the minutes: reportlab's file holds only embedded TrueType fonts and plain
    content (once its empty page transitions are dropped), so `ocr.pdfa.finish` (intent and
    metadata) is enough; anything else goes through Ghostscript like any born-digital PDF. No
    producer is written: pyHanko's signature writes its own, the same in the XMP and the
    document information (see `ocr.pdfa.finish`)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:  # reportlab writes an empty page transition: no effect, dropped
            if "/Trans" in page.obj and not page.obj.Trans.keys():
                del page.obj.Trans
        if not pdfa.why_not_native(pdf):
            pdfa.finish(pdf, title=title, author=author, producer="", creator=CREATOR)
            out = io.BytesIO()
            pdf.save(out)
            return out.getvalue()
    with tempfile.TemporaryDirectory(prefix="desk-minutes-") as folder:
        plain, converted = Path(folder, "plain.pdf"), Path(folder, "pdfa.pdf")
        plain.write_bytes(data)
        if not pdfa.ghostscript(plain, converted):
            raise MeetingError("Không chuyển được biên bản sang PDF/A; xin thử lại.")
        return converted.read_bytes()


def minutes_pdf(meeting: Meeting) -> bytes:
    regular, bold = register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=13, leading=17, spaceAfter=4)
    head = ParagraphStyle("head", parent=body, fontName=bold, spaceBefore=8)
    title = ParagraphStyle("title", parent=head, alignment=TA_CENTER, fontSize=14)
    centre = ParagraphStyle("centre", parent=body, alignment=TA_CENTER)
    centre_bold = ParagraphStyle("centre_bold", parent=centre, fontName=bold)
    quorum = selectors.quorum(meeting)
    start = timezone.localtime(meeting.opened_at or meeting.starts_at)
    end = timezone.localtime(meeting.closed_at) if meeting.closed_at else None
    story: list[Any] = [
        _p((meeting.unit.name if meeting.unit else "").upper(), centre_bold),
        Spacer(1, 4 * mm),
        _p("BIÊN BẢN", title),
        _p(meeting.title, centre_bold),
        Spacer(1, 4 * mm),
        _p(
            f"Thời gian: bắt đầu {start:%H giờ %M, ngày %d/%m/%Y}"
            + (f"; kết thúc {end:%H giờ %M}" if end else "")
            + (f". Địa điểm: {meeting.place}" if meeting.place else "")
            + ".",
            body,
        ),
        _p(f"Chủ trì: {meeting.chair.full_name}. Thư ký: {meeting.secretary.full_name}.", body),
        _p("I. THÀNH PHẦN THAM DỰ", head),
        _p(
            f"Số được mời: {quorum.invited}; có mặt: {quorum.present} ({quorum.percent}%); "
            f"đến muộn: {quorum.late}; "
            + ("đủ" if quorum.met else "không đủ")
            + " số lượng cần thiết để tiến hành.",
            body,
        ),
    ]
    for p in Participant.objects.filter(meeting=meeting).select_related("user"):
        if p.checked_in_at:
            state = "có mặt" + (" (đến muộn)" if p.late else "")
        elif p.rsvp == Rsvp.NO:
            state = "vắng mặt" + (f", lý do: {p.absence_reason}" if p.absence_reason else "")
        else:
            state = "vắng mặt không có lý do"
        story.append(_p(f"- {p.user.full_name}: {state}.", body))
    story.append(_p("II. NỘI DUNG", head))
    for item in selectors.items_of(meeting):
        presenter = f" (trình bày: {item.presenter.full_name})" if item.presenter else ""
        story.append(_p(f"{item.order}. {item.title}{presenter}", head))
        docs = [d.title for d in item.documents.all() if not d.removed]
        if docs:
            story.append(_p("Tài liệu: " + "; ".join(docs) + ".", body))
        for opinion in item.opinions.all():
            story.append(_p(f"Ý kiến của {opinion.author.full_name}: {opinion.text}", body))
        for vote in item.votes.all():
            result = selectors.vote_result(vote)
            counts = "; ".join(f"{k}: {v}" for k, v in result.counts.items())
            story.append(
                _p(
                    f"Biểu quyết ({vote.get_mode_display().lower()}): {vote.question}. "
                    f"Số người biểu quyết: {result.voters}. {counts}.",
                    body,
                )
            )
            for name, choice in result.named:
                story.append(_p(f"  {name}: {choice}", body))
        for conclusion in item.conclusions.all():
            extra = []
            if conclusion.owner:
                extra.append(f"giao {conclusion.owner.full_name}")
            if conclusion.deadline:
                extra.append(f"hạn {conclusion.deadline:%d/%m/%Y}")
            tail = f" ({', '.join(extra)})" if extra else ""
            story.append(_p(f"Kết luận: {conclusion.text}{tail}", body))
    if meeting.evaluation:
        story += [_p("III. ĐÁNH GIÁ", head), _p(meeting.evaluation, body)]
    if meeting.resolution:
        story += [_p("IV. NGHỊ QUYẾT, KẾT LUẬN CHUNG", head), _p(meeting.resolution, body)]
    story.append(Spacer(1, 8 * mm))
    signature = Table(
        [
            [_p("THƯ KÝ", centre_bold), _p("CHỦ TRÌ", centre_bold)],
            ["", ""],
            [
                _p(meeting.secretary.full_name, centre_bold),
                _p(meeting.chair.full_name, centre_bold),
            ],
        ],
        colWidths=[80 * mm, 80 * mm],
        rowHeights=[None, 28 * mm, None],
    )
    signature.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), regular)])
    )
    story.append(signature)
    buffer = io.BytesIO()
    title_text = f"Biên bản: {meeting.title}"
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=30 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title_text,
        author=meeting.secretary.full_name,
        initialFontName=regular,  # else every page names an unembedded Helvetica
    ).build(story)
    return to_pdfa(buffer.getvalue(), title=title_text, author=meeting.secretary.full_name)


@transaction.atomic
def minutes_generate(*, actor: User, meeting: Meeting) -> Meeting:
    """Write the minutes PDF/A of a closed meeting (again, as long as nobody signed it)."""
    if not selectors.can_manage(actor, meeting):
        raise MeetingError("Chỉ chủ trì hoặc thư ký cuộc họp được lập biên bản.")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.is_closed:
        raise MeetingError("Biên bản được lập sau khi kết thúc cuộc họp.")
    if meeting.minutes_signed_by_id:
        raise MeetingError("Biên bản đã được ký số; không lập lại.")
    data = minutes_pdf(meeting)
    meeting.minutes_file = store(
        data=data, name=f"bien-ban-hop-{meeting.pk}.pdf", content_type=PDF, user=actor
    )
    meeting.save(update_fields=["minutes_file"])
    audit_record(actor=actor, action="meeting.minutes", obj=meeting)
    return meeting


@transaction.atomic
def minutes_sign(*, actor: User, meeting: Meeting, passphrase: str) -> Meeting:
    """The chair signs the minutes with the signing app (personal certificate, box under
    "CHỦ TRÌ"); the signed file replaces the unsigned one."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("minutes_file")
        .get(pk=meeting.pk)
    )
    if actor.pk != meeting.chair_id:
        raise MeetingError("Chủ trì cuộc họp ký biên bản.")
    if meeting.minutes_file is None:
        raise MeetingError("Chưa lập biên bản.")
    if meeting.minutes_signed_by_id:
        raise MeetingError("Biên bản đã được ký số.")
    try:
        signed = sign_pdf(
            pdf=read(meeting.minutes_file),
            signer=actor,
            kind="personal",
            passphrase=passphrase,
            title="CHỦ TRÌ",
            reason="Ký biên bản cuộc họp",
            audit_object=meeting,
        )
    except SigningError as exc:
        raise MeetingError(str(exc)) from exc
    meeting.minutes_file = store(
        data=signed, name=f"bien-ban-hop-{meeting.pk}-da-ky.pdf", content_type=PDF, user=actor
    )
    meeting.minutes_signed_by = actor
    meeting.save(update_fields=["minutes_file", "minutes_signed_by"])
    audit_record(actor=actor, action="meeting.minutes_sign", obj=meeting)
    publish(f"meeting:{meeting.pk}", "meeting-minutes", {"signed": True})
    return meeting
