"""Demo documents: the notice 93/TB-VKSTC and other incoming documents of VKSND tỉnh
Thăng Hoa in several states, a secret register entry without content, and outgoing
drafts (one waiting for the Viện trưởng, one issued and delivered to VKSND khu vực 1).

Texts are excerpts of the seed documents (notice 93/TB-VKSTC, the Cục 2 pilot plan).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

from django.utils import timezone

from digitaldesk.core.demo import DemoOrg, demo_step

log = logging.getLogger(__name__)

NOTICE_93 = [
    "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO",
    "Số: 93/TB-VKSTC — Hà Nội, ngày 14 tháng 5 năm 2024",
    "THÔNG BÁO",
    "Kết luận của Viện trưởng VKSND tối cao tại Hội nghị lần thứ 2 của Ban Chỉ đạo chuyển đổi số "
    "ngành Kiểm sát nhân dân",
    "Ngày 23/04/2024, Viện trưởng Viện kiểm sát nhân dân (VKSND) tối cao đã chủ trì Hội nghị lần "
    "thứ 2 của Ban Chỉ đạo chuyển đổi số ngành Kiểm sát nhân dân. Sau khi nghe Báo cáo tổng hợp "
    "của Cục Thống kê tội phạm và Công nghệ thông tin (Cục 2) VKSND tối cao, các ý kiến phát "
    "biểu, Viện trưởng VKSND tối cao kết luận:",
    "1. Thời gian vừa qua, công tác chuyển đổi số của ngành Kiểm sát nhân dân đã có một số thay "
    "đổi căn bản, bước đầu chuyển biến tích cực nhờ cách đặt đầu bài hợp lý, phương pháp làm việc "
    "khoa học, chuyên nghiệp.",
    "Thủ trưởng các đơn vị trực thuộc VKSND tối cao, Viện trưởng VKSND các cấp cần tiếp tục coi "
    "chuyển đổi số là nhiệm vụ chính trị trọng tâm, đột phá của ngành Kiểm sát nhân dân.",
    "6. VKSND chủ động phối hợp với Sở Thông tin và Truyền thông các tỉnh, thành phố trực thuộc "
    "Trung ương tổ chức ký kết thoả thuận hợp tác về chuyển đổi số giai đoạn 2024-2027.",
    "TL. VIỆN TRƯỞNG — CHÁNH VĂN PHÒNG",
]

PLAN_BODY = (
    "Căn cứ Thông báo số 93/TB-VKSTC ngày 14/5/2024 kết luận của Viện trưởng VKSND tối cao tại "
    "Hội nghị lần thứ 2 của Ban Chỉ đạo chuyển đổi số ngành Kiểm sát nhân dân;\nViện kiểm sát "
    "nhân dân tỉnh Thăng Hoa ban hành Kế hoạch thực hiện thí điểm mô hình chuyển đổi số như "
    "sau:\nI. QUAN ĐIỂM. Chuyển đổi số bắt đầu từ chuyển đổi nhận thức, trước hết là của người "
    "đứng đầu.\nII. NGUYÊN TẮC THỰC HIỆN. Mô hình chuyển đổi số theo nguyên tắc 3-được: hiểu "
    "được, làm được, đánh giá được. Mục đích theo nguyên tắc 3-hơn: làm việc hiệu quả hơn, làm "
    "được nhiều việc hơn, làm xong việc nhanh hơn.\nIII. CHỈ TIÊU. 100% văn bản hành chính không "
    "mật được gửi, nhận qua nền tảng quản lý văn bản và ký số bởi lãnh đạo đơn vị.\nIV. TỔ CHỨC "
    "THỰC HIỆN. Giao Phòng Thống kê tội phạm và chuyển đổi số chủ trì, phối hợp với các phòng "
    "theo dõi, đôn đốc và báo cáo kết quả thực hiện Kế hoạch này."
)


def text_pdf(paragraphs: list[str]) -> bytes:
    """A simple A4 PDF with a text layer (Liberation Serif), for demo content."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from digitaldesk.documents.files import register_fonts

    regular, bold = register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=30 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    body = ParagraphStyle("body", fontName=regular, fontSize=13, leading=18, spaceAfter=6)
    head = ParagraphStyle("head", parent=body, fontName=bold, alignment=1)
    story: list[Any] = []
    for index, text in enumerate(paragraphs):
        story.append(Paragraph(text, head if index in (0, 2) or text.isupper() else body))
        story.append(Spacer(1, 2))
    doc.build(story)
    return out.getvalue()


@demo_step(order=40)
def demo_documents(org: DemoOrg, stdout: Any) -> None:
    from digitaldesk.documents import files, services
    from digitaldesk.documents.models import IncomingDocument, OutgoingDocument

    lan, huong, tp2, minh = (org.people[k] for k in ("lan", "huong", "tp2", "minh"))
    tinh = org.units["tinh"]
    if IncomingDocument.objects.filter(unit=tinh, code_notation="93/TB-VKSTC").exists():
        stdout.write("Văn bản: dữ liệu mẫu đã có, bỏ qua.")
        return
    today = timezone.localdate()
    notice = services.incoming_register(
        actor=lan,
        upload=files.inspect_upload("93-TB-VKSTC.pdf", text_pdf(NOTICE_93)),
        data=services.IncomingData(
            sender="Viện kiểm sát nhân dân tối cao",
            code_notation="93/TB-VKSTC",
            issued_date=dt.date(2024, 5, 14),
            doc_type="thong_bao",
            signer_name="Chánh Văn phòng (TL. Viện trưởng)",
            subject="Kết luận của Viện trưởng VKSND tối cao tại Hội nghị lần thứ 2 của Ban Chỉ "
            "đạo chuyển đổi số ngành Kiểm sát nhân dân",
            due_date=today + dt.timedelta(days=10),
        ),
    )
    services.incoming_direct(
        actor=huong,
        document=notice,
        direction=services.Direction(
            note="Giao Phòng Thống kê tội phạm và chuyển đổi số chủ trì tham mưu kế hoạch thực "
            "hiện; Phòng 2 phối hợp.",
            lead_units=[org.units["tinh_tk"]],
            support_units=[org.units["tinh_p2"]],
            due_date=today + dt.timedelta(days=10),
        ),
    )
    services.incoming_register(
        actor=lan,
        upload=files.inspect_upload(
            "cv-c2.pdf",
            text_pdf(
                [
                    "CỤC THỐNG KÊ TỘI PHẠM VÀ CÔNG NGHỆ THÔNG TIN",
                    "Số: 412/VKSTC-C2",
                    "V/v báo cáo kết quả triển khai nền tảng quản lý văn bản điện tử 6 tháng đầu "
                    "năm",
                    "Đề nghị Viện kiểm sát nhân dân các tỉnh, thành phố báo cáo tỷ lệ văn bản "
                    "hành chính được ký số và gửi qua nền tảng, số văn bản đến được nhận dạng chữ "
                    "và lưu trữ điện tử.",
                ]
            ),
        ),
        data=services.IncomingData(
            sender="Cục Thống kê tội phạm và Công nghệ thông tin (Cục 2)",
            code_notation="412/VKSTC-C2",
            issued_date=today - dt.timedelta(days=2),
            doc_type="cong_van",
            urgency="khan",
            subject="Báo cáo kết quả triển khai nền tảng quản lý văn bản điện tử 6 tháng đầu năm",
            due_date=today + dt.timedelta(days=3),
        ),
    )
    overdue = services.incoming_register(
        actor=lan,
        upload=files.inspect_upload(
            "cv-kv2.pdf",
            text_pdf(
                [
                    "VIỆN KIỂM SÁT NHÂN DÂN KHU VỰC 2 — THĂNG HOA",
                    "Số: 57/VKSKV2",
                    "V/v xin ý kiến về việc áp dụng biện pháp ngăn chặn đối với bị can trong vụ "
                    "án trộm cắp tài sản",
                    "Viện kiểm sát nhân dân khu vực 2 kính đề nghị Viện kiểm sát nhân dân tỉnh "
                    "cho ý kiến.",
                ]
            ),
        ),
        data=services.IncomingData(
            sender="Viện kiểm sát nhân dân khu vực 2 — Thăng Hoa",
            code_notation="57/VKSKV2",
            sender_unit=org.units["kv2"],
            issued_date=today - dt.timedelta(days=12),
            doc_type="cong_van",
            subject="Xin ý kiến về việc áp dụng biện pháp ngăn chặn "
            "đối với bị can trong vụ án trộm cắp tài sản",
            arrived_at=timezone.now() - dt.timedelta(days=10),
        ),
    )
    services.incoming_direct(
        actor=huong,
        document=overdue,
        direction=services.Direction(
            note="Phòng 2 nghiên cứu, trả lời.", lead_units=[org.units["tinh_p2"]]
        ),
    )
    services.incoming_forward(
        actor=tp2,
        document=overdue,
        direction=services.Direction(
            note="Đồng chí Minh dự thảo công văn trả lời.", lead_users=[minh]
        ),
    )
    IncomingDocument.objects.filter(pk=overdue.pk).update(due_date=today - dt.timedelta(days=2))
    services.incoming_register(
        actor=lan,
        data=services.IncomingData(
            sender="Cơ quan Cảnh sát điều tra Công an tỉnh Thăng Hoa",
            code_notation="08/M-CSĐT",
            issued_date=today - dt.timedelta(days=1),
            doc_type="cong_van",
            secrecy="mat",
            subject="(Văn bản mật — chỉ vào sổ, bản giấy do cán bộ bảo mật giữ)",
            channel="giay",
        ),
    )
    draft = services.outgoing_create(
        actor=minh,
        data=services.DraftData(
            doc_type="ke_hoach",
            subject="Thực hiện thí điểm mô hình chuyển đổi số năm 2026",
            body=PLAN_BODY,
            place="Thăng Hoa",
            signer=huong,
            recipients_internal=[org.units["kv1"], org.units["kv2"]],
            recipients_external=[
                ("Sở Khoa học và Công nghệ tỉnh Thăng Hoa", "skhcn@thanghoa.local")
            ],
        ),
        confirm_sensitive=True,
    )
    services.outgoing_submit(
        actor=minh,
        document=draft,
        signer=huong,
        note="Kính trình Viện trưởng xem xét, ký ban hành.",
    )
    issued_note = ""
    try:
        from digitaldesk.signing.demo import DEMO_PIN

        reply = services.outgoing_create(
            actor=minh,
            data=services.DraftData(
                doc_type="cong_van",
                subject="Trả lời về việc áp dụng biện pháp ngăn chặn",
                addressee="Viện kiểm sát nhân dân khu vực 2 — Thăng Hoa",
                body="Trả lời Công văn số 57/VKSKV2, Viện kiểm sát nhân dân tỉnh Thăng Hoa có ý "
                "kiến như sau: đề nghị Viện kiểm sát nhân dân khu vực 2 căn cứ Điều 119 Bộ luật "
                "Tố tụng hình sự 2015 để xem xét, quyết định.",
                place="Thăng Hoa",
                signer=huong,
                recipients_internal=[org.units["kv2"]],
            ),
            confirm_sensitive=True,
        )
        services.outgoing_submit(actor=minh, document=reply, signer=huong)
        services.outgoing_approve(actor=huong, document=reply)
        reply = OutgoingDocument.objects.get(pk=reply.pk)
        services.outgoing_sign(actor=huong, document=reply, passphrase=DEMO_PIN)
        reply = OutgoingDocument.objects.get(pk=reply.pk)
        services.outgoing_issue(actor=lan, document=reply, passphrase=DEMO_PIN)
        issued_note = " Đã ký số, cấp số và phát hành 1 công văn tới VKSND khu vực 2."
    except (
        Exception
    ) as exc:  # signing not set up in this installation: leave the flow before signing
        log.warning("demo documents: signing step skipped: %s", exc)
        issued_note = f" (Bỏ qua bước ký số mẫu: {exc})"
    stdout.write(
        "Văn bản: 4 văn bản đến (1 quá hạn, 1 mật chỉ vào sổ), 1 kế hoạch chờ Viện trưởng duyệt."
        + issued_note
    )


DUE_TODAY_CODE = "1450/CSĐT-Đ2"


@demo_step(order=42)
def demo_document_due_today(org: DemoOrg, stdout: Any) -> None:
    """An urgent letter of the investigating body due today (the desk's "Lịch hôm nay"): directed
    to Phòng 2, which gives it to minh (chủ trì) and mai (phối hợp). Dated from the day the demo
    is loaded, like the rest of the demo."""
    from digitaldesk.documents import files, services
    from digitaldesk.documents.models import IncomingDocument

    found = [org.people.get(k) for k in ("lan", "huong", "tp2", "minh", "mai")]
    people = [p for p in found if p is not None]
    tinh = org.units.get("tinh")
    if (
        len(people) < len(found)
        or tinh is None
        or IncomingDocument.objects.filter(unit=tinh, code_notation=DUE_TODAY_CODE).exists()
    ):
        return
    lan, huong, tp2, minh, mai = people
    today = timezone.localdate()
    subject = (
        "Đề nghị Viện kiểm sát cho ý kiến về việc trưng cầu giám định bổ sung tỷ lệ tổn thương cơ "
        "thể trong vụ án cố ý gây thương tích tại quán karaoke Hoa Sen"
    )
    document = services.incoming_register(
        actor=lan,
        upload=files.inspect_upload(
            "1450-CSDT.pdf",
            text_pdf(
                [
                    "CÔNG AN TỈNH THĂNG HOA — CƠ QUAN CẢNH SÁT ĐIỀU TRA",
                    f"Số: {DUE_TODAY_CODE}",
                    "V/v đề nghị cho ý kiến về việc trưng cầu giám định bổ sung",
                    "Cơ quan Cảnh sát điều tra Công an tỉnh Thăng Hoa đề nghị Viện kiểm sát nhân "
                    "dân tỉnh Thăng Hoa cho ý kiến về việc trưng cầu giám định bổ sung tỷ lệ tổn "
                    f"thương cơ thể của bị hại trước ngày {today:%d/%m/%Y}.",
                ]
            ),
        ),
        data=services.IncomingData(
            sender="Cơ quan Cảnh sát điều tra Công an tỉnh Thăng Hoa",
            code_notation=DUE_TODAY_CODE,
            issued_date=today - dt.timedelta(days=3),
            doc_type="cong_van",
            urgency="khan",
            subject=subject,
            due_date=today,
        ),
    )
    services.incoming_direct(
        actor=huong,
        document=document,
        direction=services.Direction(
            note="Phòng 2 nghiên cứu, trả lời trong ngày.",
            lead_units=[org.units["tinh_p2"]],
            due_date=today,
        ),
    )
    services.incoming_forward(
        actor=tp2,
        document=document,
        direction=services.Direction(
            note="Đồng chí Minh chủ trì, đồng chí Mai phối hợp dự thảo văn bản trả lời.",
            lead_users=[minh],
            support_users=[mai],
        ),
    )
    stdout.write(
        f"Văn bản đến {DUE_TODAY_CODE} hạn giải quyết hôm nay (Hoàng Văn Minh chủ trì, Vũ Thị Mai "
        "phối hợp)."
    )
