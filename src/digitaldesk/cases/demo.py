"""Demo cases (fictional) for the personas minh, ksvcc and kv1_ksv, dated relative to today so
the deadline board always shows custody, detention and investigation limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from digitaldesk.cases import events, services
from digitaldesk.cases.models import AssignmentRole, Case, ParticipantRole, SourceKind
from digitaldesk.core.demo import DemoOrg, demo_step
from digitaldesk.law.deadlines import EventKind as E

INVESTIGATOR = "Cơ quan Cảnh sát điều tra Công an tỉnh Thăng Hoa"


def _ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _event(
    actor: Any, case: Case, kind: str, days_ago: int, accused: Any = None, **extra: Any
) -> None:
    events.event_record(
        actor=actor,
        case=case,
        data=events.EventData(kind=kind, on=_ago(days_ago), accused=accused, **extra),
    )


def _person(
    actor: Any, case: Case, name: str, born: dt.date, gender: str, address: str, job: str
) -> Any:
    return services.accused_add(
        actor=actor,
        case=case,
        data=services.AccusedData(
            full_name=name,
            birth_date=born,
            gender=gender,
            address=address,
            occupation=job,
            id_number=f"0382{born:%y%m%d}{len(name):04d}"[:12],
        ),
    )


@transaction.atomic
def build_cases(org: DemoOrg, stdout: Any) -> int:
    minh, ksvcc, kv1_ksv = org.people["minh"], org.people["ksvcc"], org.people["kv1_ksv"]
    if Case.objects.filter(name__startswith="Lừa đảo chiếm đoạt tài sản qua mạng").exists():
        return 0
    created = 0

    # 1. A denunciation that became a case: fraud (BLHS 174 khoản 2 → nghiêm trọng), two accused,
    #    one in detention ending within the week, one in custody.
    case = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.DENUNCIATION,
            name="Lừa đảo chiếm đoạt tài sản qua mạng xã hội tại phường Hòa Bình",
            received_on=_ago(70),
            reporter="Bà Trần Thị Hạnh, phường Hòa Bình",
            reporter_doc="Đơn tố giác ngày " + _ago(70).strftime("%d/%m/%Y"),
            investigating_body=INVESTIGATOR,
            investigator="Đại úy Phạm Văn Tâm",
            leader_in_charge=org.people["tp2"],
            summary=(
                "Các đối tượng giả danh nhân viên ngân hàng, chiếm đoạt 180.000.000 đồng của bị "
                "hại."
            ),
            assignees=[
                (minh, AssignmentRole.LEAD_PROSECUTOR),
                (org.people["ktv"], AssignmentRole.INSPECTOR),
            ],
        ),
    )
    services.participant_add(
        actor=minh,
        case=case,
        role=ParticipantRole.VICTIM,
        full_name="Trần Thị Hạnh",
        details="Sinh năm 1961, phường Hòa Bình",
    )
    _event(minh, case, E.KHOI_TO_VU_AN, 62, number="21/QĐ-CSĐT")
    a1 = _person(
        minh,
        case,
        "Nguyễn Văn Thành",
        dt.date(1990, 5, 14),
        "nam",
        "Phường Đông Sơn, TP Thăng Hoa",
        "Lao động tự do",
    )
    a2 = _person(
        minh,
        case,
        "Lê Thị Kim Oanh",
        dt.date(1996, 11, 2),
        "nu",
        "Xã Tân Phú, huyện Hòa Vang",
        "Nhân viên bán hàng",
    )
    services.charge_add(actor=minh, case=case, article="174", clause=2, points="c", accused=None)
    services.charge_add(actor=minh, case=case, article="174", clause=2, points="a,c", accused=a1)
    services.charge_add(actor=minh, case=case, article="174", clause=2, points="a,c", accused=a2)
    _event(minh, case, E.KHOI_TO_BI_CAN, 61, accused=a1, number="35/QĐ-CSĐT")
    _event(minh, case, E.PHE_CHUAN_KHOI_TO_BI_CAN, 60, accused=a1, number="12/QĐ-VKS-P2")
    _event(minh, case, E.TAM_GIAM, 57, accused=a1, months=2, number="08/LTG-CSĐT")
    _event(minh, case, E.TAM_GIU, 1, accused=a2, days=3, number="19/QĐTG-CSĐT")
    created += 1

    # 2. A case received already opened: theft (BLHS 173 khoản 1 → ít nghiêm trọng), bail.
    case = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.CASE,
            name="Trộm cắp tài sản tại chợ Trung tâm",
            received_on=_ago(20),
            opened_on=_ago(21),
            opening_number="44/QĐ-CSĐT",
            investigating_body=INVESTIGATOR,
            leader_in_charge=org.people["ptp2"],
        ),
    )
    a3 = _person(
        minh,
        case,
        "Đỗ Minh Khôi",
        dt.date(2001, 3, 9),
        "nam",
        "Phường Trung Tâm",
        "Không nghề nghiệp",
    )
    services.charge_add(actor=minh, case=case, article="173", clause=1, accused=a3)
    _event(minh, case, E.KHOI_TO_BI_CAN, 19, accused=a3, number="50/QĐ-CSĐT")
    _event(minh, case, E.PHE_CHUAN_KHOI_TO_BI_CAN, 18, accused=a3, number="21/QĐ-VKS-P2")
    _event(minh, case, events.RegisterKind.BAO_LINH, 18, accused=a3, number="03/QĐ-CSĐT")
    created += 1

    # 3. Drugs (BLHS 251 khoản 2 → rất nghiêm trọng), Phòng 1, detention at the prosecution stage.
    case = services.case_register(
        actor=ksvcc,
        data=services.IntakeData(
            unit=org.units["tinh_p1"],
            source=SourceKind.CASE,
            name="Mua bán trái phép chất ma túy tại bến xe phía Bắc",
            received_on=_ago(150),
            opened_on=_ago(150),
            opening_number="07/QĐ-CSMT",
            investigating_body=(
                "Cơ quan Cảnh sát điều tra (Phòng Cảnh sát ma túy) Công an tỉnh Thăng Hoa"
            ),
        ),
    )
    a4 = _person(
        ksvcc, case, "Vương Đức Long", dt.date(1985, 8, 30), "nam", "Thị trấn Bắc Hà", "Lái xe"
    )
    services.charge_add(actor=ksvcc, case=case, article="251", clause=2, points="b", accused=a4)
    _event(ksvcc, case, E.KHOI_TO_BI_CAN, 149, accused=a4, number="11/QĐ-CSMT")
    _event(ksvcc, case, E.PHE_CHUAN_KHOI_TO_BI_CAN, 148, accused=a4, number="05/QĐ-VKS-P1")
    _event(ksvcc, case, E.TAM_GIAM, 148, accused=a4, months=4, number="03/LTG-CSMT")
    _event(ksvcc, case, E.GIA_HAN_TAM_GIAM, 40, accused=a4, months=3, number="14/QĐ-VKS-P1")
    _event(ksvcc, case, E.KET_THUC_DIEU_TRA, 28, number="02/KLĐT")
    _event(ksvcc, case, E.VKS_NHAN_HO_SO, 26)
    created += 1

    # 4. A report being verified at the regional procuracy (kiến nghị khởi tố), no accused yet.
    case = services.case_register(
        actor=kv1_ksv,
        data=services.IntakeData(
            unit=org.units["kv1"],
            source=SourceKind.RECOMMENDATION,
            name="Kiến nghị khởi tố vụ vi phạm quy định về khai thác tài nguyên tại xã Sơn Thủy",
            received_on=_ago(16),
            reporter="Thanh tra Sở Tài nguyên và Môi trường",
            reporter_doc="Công văn số 215/TTr",
            investigating_body="Cơ quan Cảnh sát điều tra Công an tỉnh Thăng Hoa",
        ),
    )
    created += 1

    # 5. Injury (BLHS 134 khoản 1 → ít nghiêm trọng... khoản 2 → nghiêm trọng), regional unit,
    # custody.
    case = services.case_register(
        actor=kv1_ksv,
        data=services.IntakeData(
            unit=org.units["kv1"],
            source=SourceKind.REPORT,
            name="Cố ý gây thương tích tại quán karaoke Hoa Sen",
            received_on=_ago(9),
            reporter="Công an xã Sơn Thủy",
            reporter_doc="Tin báo số 31/TB-CAX",
            investigating_body="Cơ quan Cảnh sát điều tra Công an tỉnh Thăng Hoa",
        ),
    )
    _event(kv1_ksv, case, E.KHOI_TO_VU_AN, 6, number="62/QĐ-CSĐT")
    a5 = _person(
        kv1_ksv, case, "Hà Văn Tuấn", dt.date(1998, 1, 25), "nam", "Xã Sơn Thủy", "Thợ xây"
    )
    services.charge_add(actor=kv1_ksv, case=case, article="134", clause=2, points="a", accused=a5)
    _event(kv1_ksv, case, E.KHOI_TO_BI_CAN, 5, accused=a5, number="70/QĐ-CSĐT")
    _event(kv1_ksv, case, E.PHE_CHUAN_KHOI_TO_BI_CAN, 4, accused=a5, number="09/QĐ-VKSKV1")
    _event(kv1_ksv, case, E.TAM_GIAM, 4, accused=a5, months=2, number="15/LTG-CSĐT")
    created += 1
    stdout.write(f"Đã tạo {created} vụ án mẫu (Phòng 1, Phòng 2, VKSND khu vực 1).")
    return created


@demo_step(order=40)
def demo_cases(org: DemoOrg, stdout: Any) -> None:
    build_cases(org, stdout)


TRIAL_CASE = "Cướp giật tài sản tại đường Trần Phú, phường Hòa Bình"


@transaction.atomic
def build_trial(org: DemoOrg, stdout: Any) -> Case | None:
    """A case of minh's at trial whose hearing is today (the desk's "Lịch hôm nay"): the court
    decided to bring it to trial on the first day of the 15-day limit to open the hearing (BLTTHS
    2015 Điều 277 khoản 3, counted by the engine), so that limit ends today; the case file's
    presentation playlist for the hearing (casefiles/demo.py) carries today's date. None when
    already loaded or when the personas are missing."""
    from digitaldesk.law.deadlines.counting import day_limit_end
    from digitaldesk.law.deadlines.tables import HEARING_DAYS

    minh, tp2, unit = org.people.get("minh"), org.people.get("tp2"), org.units.get("tinh_p2")
    if minh is None or tp2 is None or unit is None or Case.objects.filter(name=TRIAL_CASE).exists():
        return None
    today = timezone.localdate()
    decided = (
        day_limit_end(today, HEARING_DAYS) - today
    ).days  # days ago: the limit's last day is today
    case = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=unit,
            source=SourceKind.CASE,
            name=TRIAL_CASE,
            received_on=_ago(110),
            opened_on=_ago(110),
            opening_number="38/QĐ-CSĐT",
            investigating_body=INVESTIGATOR,
            investigator="Thượng úy Lê Quang Vinh",
            leader_in_charge=tp2,
            assignees=[(minh, AssignmentRole.LEAD_PROSECUTOR)],
            summary=(
                "Bị can đi xe máy giật túi xách của người đi đường, chiếm đoạt 12.500.000 đồng "
                "và một điện thoại."
            ),
        ),
    )
    services.participant_add(
        actor=minh,
        case=case,
        role=ParticipantRole.VICTIM,
        full_name="Phan Thị Ngọc Ánh",
        details="Sinh năm 1979, phường Hòa Bình",
    )
    accused = _person(
        minh,
        case,
        "Trần Văn Lực",
        dt.date(1999, 6, 21),
        "nam",
        "Phường Bắc Sơn, TP Thăng Hoa",
        "Lao động tự do",
    )
    services.charge_add(actor=minh, case=case, article="171", clause=1, accused=accused)
    _event(minh, case, E.KHOI_TO_BI_CAN, 108, accused=accused, number="41/QĐ-CSĐT")
    _event(minh, case, E.PHE_CHUAN_KHOI_TO_BI_CAN, 107, accused=accused, number="16/QĐ-VKS-P2")
    _event(minh, case, events.RegisterKind.BAO_LINH, 107, accused=accused, number="05/QĐ-CSĐT")
    _event(minh, case, E.KET_THUC_DIEU_TRA, 80, number="09/KLĐT")
    _event(minh, case, E.VKS_NHAN_HO_SO, 79)
    _event(minh, case, E.CAO_TRANG, 65, number="27/CT-VKS-P2")
    _event(minh, case, E.GIAO_CAO_TRANG, 64, accused=None)
    _event(minh, case, E.TOA_THU_LY, 40, number="52/TLST-HS")
    _event(
        minh,
        case,
        E.DUA_VU_AN_RA_XET_XU,
        decided,
        number="61/QĐXXST-HS",
        issuer="Tòa án nhân dân tỉnh Thăng Hoa",
    )
    stdout.write(f"Vụ án mẫu đưa ra xét xử hôm nay: {TRIAL_CASE} (Kiểm sát viên Hoàng Văn Minh).")
    return case


@demo_step(order=41)
def demo_trial_today(org: DemoOrg, stdout: Any) -> None:
    build_trial(org, stdout)
