"""The objects the security matrix acts on: one of each kind in Phòng 2 of the province (the
personas' own unit), a restricted case, and a case of another procuracy (VKSND khu vực 1), all
made through the real services. `World.variants(kind)` gives, per object, the values of every
URL keyword argument an endpoint on that object may need."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from digitaldesk.core.demo import DemoOrg

MISSING_ID = 987654321  # an id no table reaches in the test database
MISSING_UUID = uuid.UUID("00000000-0000-4000-8000-00000000dead")


@dataclass
class World:
    org: DemoOrg
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> label -> object
    # kind -> label -> URL keyword arguments
    kwargs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def add(self, kind: str, label: str, obj: Any, **kwargs: Any) -> None:
        self.objects.setdefault(kind, {})[label] = obj
        self.kwargs.setdefault(kind, {})[label] = kwargs


def _pdf(pages: int) -> bytes:
    from PIL import Image, ImageDraw

    images = []
    for number in range(pages):
        image = Image.new("L", (400, 560), 255)
        ImageDraw.Draw(image).text((40, 40), f"Trang so {number + 1}", fill=0)
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=72, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _cases(world: World) -> None:
    from digitaldesk.cases import events, services
    from digitaldesk.cases.models import AssignmentRole, ParticipantRole, SourceKind

    org = world.org
    minh, kv1 = org.people["minh"], org.people["kv1_ksv"]
    today = timezone.localdate()
    received = today - dt.timedelta(days=10)

    def register(actor: Any, unit: str, name: str, **extra: Any) -> Any:
        return services.case_register(
            actor=actor,
            data=services.IntakeData(
                unit=org.units[unit],
                source=SourceKind.DENUNCIATION,
                name=name,
                received_on=received,
                **extra,
            ),
        )

    own = register(
        minh, "tinh_p2", "Vụ A (Phòng 2)", assignees=[(minh, AssignmentRole.LEAD_PROSECUTOR)]
    )
    secret = register(
        minh,
        "tinh_p2",
        "Vụ B (Phòng 2, hạn chế)",
        restricted=True,
        leader_in_charge=org.people["pvt"],
    )
    regional = register(
        kv1, "kv1", "Vụ C (khu vực 1)", assignees=[(kv1, AssignmentRole.LEAD_PROSECUTOR)]
    )
    for label, case, actor in (
        ("own", own, minh),
        ("secret", secret, minh),
        ("regional", regional, kv1),
    ):
        accused = services.accused_add(
            actor=actor, case=case, data=services.AccusedData(full_name=f"Bị can của {case.name}")
        )
        participant = services.participant_add(
            actor=actor, case=case, role=ParticipantRole.values[0], full_name="Người làm chứng"
        )
        charge = services.charge_add(
            actor=actor, case=case, article="173", clause=1, accused=accused
        )
        event = events.event_record(
            actor=actor,
            case=case,
            data=events.EventData(kind="khoi_to_vu_an", on=received, accused=None),
        )
        world.add(
            "case",
            label,
            case,
            pk=case.pk,
            case_id=case.pk,
            accused_id=accused.pk,
            participant_id=participant.pk,
            charge_id=charge.pk,
            event_id=event.pk,
            exchange_id=MISSING_ID,
            name="goi.zip",
            fmt="svg",
        )


def _casefiles(world: World) -> None:
    from digitaldesk.casefiles import processing, services
    from digitaldesk.cases.models import Case

    org = world.org
    minh = org.people["minh"]
    for label, actor in (("own", minh), ("secret", minh), ("regional", org.people["kv1_ksv"])):
        case: Case = world.objects["case"][label]
        casefile = services.casefile_create(actor=actor, case=case, title=f"Hồ sơ {case.name}")
        data = _pdf(2)
        upload = services.upload_file(
            actor=actor,
            casefile=casefile,
            volume=None,
            fileobj=io.BytesIO(data),
            name="ban-quet.pdf",
            size=len(data),
        )
        processing.prepare(upload.pk)
        document = casefile.documents.first() if hasattr(casefile, "documents") else None
        playlist = services.playlist_create(
            actor=actor, casefile=casefile, title="Chứng cứ", but_luc=[1]
        )
        presentation = services.presentation_start(
            actor=actor, casefile=casefile, playlist=playlist
        )
        world.add(
            "casefile",
            label,
            casefile,
            casefile_id=casefile.pk,
            upload_id=upload.pk,
            which="goc",
            document_id=document.pk if document else MISSING_ID,
            but_luc=1,
        )
        world.add("presentation", label, presentation, presentation_id=presentation.pk)
        world.objects.setdefault("job", {})


def _documents(world: World) -> None:
    from digitaldesk.documents import files, services
    from tests.documents.conftest import NOTICE_93, make_pdf

    org = world.org
    pdf = make_pdf(NOTICE_93)
    incoming = services.incoming_register(
        actor=org.people["lan"],
        upload=files.inspect_upload("93.pdf", pdf),
        data=services.IncomingData(
            sender="Viện kiểm sát nhân dân tối cao",
            code_notation="93/TB-VKSTC",
            doc_type="thong_bao",
            subject="Kết luận của Viện trưởng về chuyển đổi số",
        ),
    )
    services.incoming_direct(
        actor=org.people["huong"],
        document=incoming,
        direction=services.Direction(
            note="Phòng 2 chủ trì",
            lead_units=[org.units["tinh_p2"]],
            lead_users=[org.people["minh"]],
        ),
    )
    world.add("incoming", "routed", incoming, pk=incoming.pk, which="goc")
    outgoing = services.outgoing_create(
        actor=org.people["minh"],
        upload=files.inspect_upload(
            "du-thao.pdf", make_pdf(["Kế hoạch kiểm tra công tác số hóa hồ sơ vụ án năm 2026."])
        ),
        data=services.DraftData(
            doc_type="ke_hoach", subject="Kế hoạch kiểm tra số hóa", signer=org.people["huong"]
        ),
    )
    world.add("outgoing", "draft", outgoing, pk=outgoing.pk, which="v1-pdf")


def _accounts(world: World) -> None:
    from digitaldesk.accounts.services import delegation_create
    from digitaldesk.notifications.services import notify

    org = world.org
    today = timezone.localdate()
    delegation = delegation_create(
        actor=org.people["huong"],
        grantee=org.people["pvt"],
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        scope="Điều hành Viện khi Viện trưởng đi công tác",
    )
    world.add("delegation", "huong", delegation, delegation_id=delegation.pk)
    note = notify(users=[org.people["minh"]], title="Có văn bản mới", url="/van-ban/")[0]
    world.add("notification", "minh", note, notification_id=note.pk)
    minh = org.people["minh"]
    world.add("user", "minh", minh, user_id=minh.pk)
    unit = org.units["tinh_p2"]
    world.add("unit", "tinh_p2", unit, unit_id=unit.pk)


def _signing_and_jobs(world: World) -> None:
    from digitaldesk.holidays.models import DayOverride
    from digitaldesk.jobs.models import Job
    from digitaldesk.signing import services
    from tests.documents.conftest import make_pdf

    org = world.org
    minh = org.people["minh"]
    services.demo_ca()
    credential = services.demo_issue_credential(actor=None, pin="123456", user=minh)
    world.add("credential", "minh", credential, credential_id=credential.pk)
    image = services.signature_image_for(minh)
    world.add("image", "minh", image, image_id=image.pk)
    _, record = services.verify_and_audit(
        actor=minh,
        data=make_pdf(["Tệp kiểm tra"]),
        filename="kiem-tra.pdf",
        keep=True,
        keep_file=True,
    )
    world.add("record", "minh", record, record_id=record.pk)
    job = Job.objects.filter(created_by=minh).order_by("created_at").first()
    world.add("job", "minh", job, job_id=job.pk if job else None)
    override = DayOverride.objects.order_by("pk").first()
    world.add("holiday", "first", override, pk=override.pk)
    world.add("amending_law", "draft", _amending_law(org), pk=_amending_law(org).pk)


def _amending_law(org: Any) -> Any:
    """A draft import (uploaded by the administrator dung), read from the test amending law."""
    from digitaldesk.lawadmin.models import AmendingLawImport

    found = AmendingLawImport.objects.order_by("pk").first()
    if found is not None:
        return found
    from digitaldesk.lawadmin import services
    from tests.lawadmin.conftest import fixture_docx

    return services.amending_law_upload(
        actor=org.people["dung"], file_name="luat-thu-nghiem.docx", data=fixture_docx()
    )


def _schedule(world: World) -> None:
    import datetime as _dt

    from digitaldesk.schedule import services

    org = world.org
    start = timezone.now() + _dt.timedelta(days=2)
    for label, publish in (("published", True), ("draft", False)):
        event = services.event_create(
            actor=org.people["lan"],
            data=services.EventData(
                unit=org.units["tinh"],
                title=f"Lịch kiểm tra {label}",
                starts_at=start,
                ends_at=start + _dt.timedelta(hours=1),
                room=None,
                place="Hội trường",
                online_url="",
                chair=org.people["huong"],
                participants=[org.people["minh"]],
                participant_units=[],
                preparing_unit=None,
                notes="",
            ),
        )
        if publish:
            services.event_approve(actor=org.people["lan"], event_id=event.pk)
            services.week_publish(
                actor=org.people["lan"],
                unit=org.units["tinh"],
                first=timezone.localtime(start).date(),
            )
            event.refresh_from_db()
        world.add("calendar_event", label, event, pk=event.pk, attachment_id=MISSING_ID)


def _meetings_and_party(world: World) -> None:
    """A meeting run by anh Minh (secretary) and chaired by the Viện trưởng, chị Mai invited; the
    cell of Phòng 2 with anh Minh on its committee and chị Mai's record."""
    from digitaldesk.meetings import services
    from digitaldesk.party.models import OrganisationKind, PartyMember, PartyOrganisation

    org = world.org
    minh, mai, huong = org.people["minh"], org.people["mai"], org.people["huong"]
    meeting = services.meeting_create(
        actor=minh,
        title="Giao ban Phòng 2",
        starts_at=timezone.now(),
        chair=huong,
        secretary=minh,
        participants=[mai],
    )
    item = services.item_add(actor=minh, meeting=meeting, title="Kế hoạch tuần")
    document = services.document_upload(actor=minh, item=item, name="ke-hoach.pdf", data=_pdf(1))
    world.add("meeting", "p2", meeting, meeting_id=meeting.pk, document_id=document.pk)
    cell = PartyOrganisation.objects.create(name="Chi bộ Phòng 2", kind=OrganisationKind.CHI_BO)
    PartyMember.objects.create(
        user=minh, organisation=cell, joined_on=dt.date(2012, 3, 26), committee=True
    )
    record = PartyMember.objects.create(user=mai, organisation=cell, joined_on=dt.date(2019, 1, 1))
    world.add("party_org", "p2", cell, organisation_id=cell.pk)
    world.add("party_member", "mai", record, member_id=record.pk)


def build_world(org: DemoOrg) -> World:
    world = World(org=org)
    _cases(world)
    _casefiles(world)
    _documents(world)
    _accounts(world)
    _signing_and_jobs(world)
    _schedule(world)
    _meetings_and_party(world)
    return world
