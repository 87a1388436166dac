"""Serializers of the documents REST API (input checks and output shapes); `api.py` holds the
endpoints."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from digitaldesk.api.messages import VietnameseErrors
from digitaldesk.documents import export, selectors
from digitaldesk.documents.models import (
    DOC_TYPE_CHOICES,
    Channel,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
    Relation,
    Secrecy,
    SignerAuthority,
    Urgency,
)


class AssignmentSerializer(serializers.Serializer[Any]):
    role = serializers.CharField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    assignee = serializers.CharField(source="assignee_label")
    due_date = serializers.DateField(allow_null=True)
    active = serializers.BooleanField()


class ChangeSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(
        help_text="tên trường (subject, code_notation, …; files: tệp đã xóa)"
    )
    # `label` is the published name of the field; it shadows DRF's `Field.label` attribute.
    label = serializers.CharField(help_text="tên trường như sổ ghi")  # type: ignore[assignment]  # above
    old = serializers.CharField(help_text="giá trị trước khi sửa, như sổ hiển thị")
    new = serializers.CharField(help_text="giá trị sau khi sửa")


class EntryEditSerializer(serializers.Serializer[Any]):
    """One correction of a saved register entry (lịch sử sửa thông tin vào sổ)."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.full_name")
    reason = serializers.CharField()
    changes = ChangeSerializer(many=True)


def _edits(document: IncomingDocument | OutgoingDocument) -> list[dict[str, Any]]:
    rows = EntryEditSerializer(document.edits.select_related("actor"), many=True).data
    return list(rows)


class RelatedEntrySerializer(serializers.Serializer[Any]):
    text = serializers.CharField(
        help_text="e.g. “Được đính chính bởi văn bản số 02/VKSTH-P2 ngày …”"
    )
    relation = serializers.ChoiceField(choices=Relation.choices)
    direction = serializers.ChoiceField(
        choices=["original", "correction"],
        help_text="original: this entry corrects/replaces that one; "
        "correction: that one corrects/replaces this entry",
    )
    entry = serializers.IntegerField(
        allow_null=True,
        help_text="the agency's incoming entry of the related "
        "document (null: not sent here, or not visible)",
    )


class IncomingSerializer(serializers.ModelSerializer[Any]):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = IncomingDocument
        fields = [
            "id",
            "unit",
            "unit_name",
            "register",
            "year",
            "arrival_number",
            "arrived_at",
            "sender",
            "code_notation",
            "issued_date",
            "doc_type",
            "subject",
            "signer_name",
            "urgency",
            "secrecy",
            "due_date",
            "page_amount",
            "channel",
            "status",
            "signature_ok",
            "signature_summary",
            "result",
            "closed_at",
            "recalled_at",
            "has_file",
        ]

    def get_has_file(self, obj: IncomingDocument) -> bool:
        return obj.original_id is not None


class IncomingDetailSerializer(IncomingSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    edits = serializers.SerializerMethodField()
    related = serializers.SerializerMethodField()

    class Meta(IncomingSerializer.Meta):
        fields = [
            *IncomingSerializer.Meta.fields,
            "notes",
            "assignments",
            "sensitivity_flags",
            "edits",
            "related",
        ]

    @extend_schema_field(EntryEditSerializer(many=True))
    def get_edits(self, obj: IncomingDocument) -> list[dict[str, Any]]:
        return _edits(obj)

    @extend_schema_field(RelatedEntrySerializer(many=True))
    def get_related(self, obj: IncomingDocument) -> list[dict[str, Any]]:
        user = self.context.get("user")
        if user is None:
            return []
        return [
            {**link, "entry": link["entry"].pk if link["entry"] is not None else None}
            for link in selectors.incoming_related(user, obj)
        ]


class IncomingCreateSerializer(serializers.Serializer[Any]):
    sender = serializers.CharField(max_length=300)
    subject = serializers.CharField(required=False, allow_blank=True, default="")
    doc_type = serializers.ChoiceField(choices=DOC_TYPE_CHOICES, default="cong_van")
    code_notation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=80
    )
    issued_date = serializers.DateField(required=False, allow_null=True, default=None)
    signer_name = serializers.CharField(required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = serializers.ChoiceField(choices=Secrecy.choices, default=Secrecy.NORMAL)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(
        choices=[Channel.PAPER, Channel.UPLOAD, Channel.EMAIL], default=Channel.UPLOAD
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)
    confirm_sensitive = serializers.BooleanField(default=False)
    allow_duplicate = serializers.BooleanField(default=False)


class DirectionSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lead_users = serializers.ListField(child=serializers.IntegerField(), default=list)
    lead_units = serializers.ListField(child=serializers.IntegerField(), default=list)
    support_users = serializers.ListField(child=serializers.IntegerField(), default=list)
    support_units = serializers.ListField(child=serializers.IntegerField(), default=list)
    info_users = serializers.ListField(child=serializers.IntegerField(), default=list)
    info_units = serializers.ListField(child=serializers.IntegerField(), default=list)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    # Bút phê: a deadline other than the registered one needs change_due; replacing a direction
    # already given needs change_reason (docs/documents.md, "Incoming flow").
    change_due = serializers.BooleanField(default=False)
    change_reason = serializers.CharField(required=False, allow_blank=True, default="")
    hand_over = serializers.BooleanField(default=False)


# --- Input of register-entry corrections (the same services as /van-ban/…/sua/) ----------------
class IncomingEditSerializer(VietnameseErrors):
    """Only the fields sent are changed; the số đến, its year and series never change."""

    arrived_at = serializers.DateTimeField(required=False, help_text="ngày đến (trong năm của sổ)")
    sender = serializers.CharField(required=False, allow_blank=True, max_length=300)
    code_notation = serializers.CharField(required=False, allow_blank=True, max_length=80)
    issued_date = serializers.DateField(required=False, allow_null=True)
    doc_type = serializers.ChoiceField(choices=DOC_TYPE_CHOICES, required=False)
    subject = serializers.CharField(required=False, allow_blank=True)
    signer_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    secrecy = serializers.ChoiceField(
        choices=Secrecy.choices,
        required=False,
        help_text="raising it to Mật or above removes the file and content",
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    page_amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=100000
    )
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(
        error_messages={
            "required": "Vui lòng ghi lý do sửa thông tin vào sổ.",
            "blank": "Vui lòng ghi lý do sửa thông tin vào sổ.",
        }
    )
    confirm_sensitive = serializers.BooleanField(
        default=False,
        help_text="explicit, audited confirmation that "
        "a summary flagged as looking secret is not a state secret",
    )
    allow_duplicate = serializers.BooleanField(default=False)
    secret_summary_allowed = serializers.BooleanField(
        default=False,
        help_text="Tuyệt mật only: the classifier agreed to keep the summary (NĐ 26/2020 Điều 4)",
    )


class OutgoingEditSerializer(VietnameseErrors):
    """Register fields of an issued document; number, symbol, date and files never change."""

    subject = serializers.CharField(required=False, allow_blank=True)
    copies = serializers.IntegerField(required=False, min_value=1, max_value=100000)
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(
        error_messages={
            "required": "Vui lòng ghi lý do sửa thông tin vào sổ.",
            "blank": "Vui lòng ghi lý do sửa thông tin vào sổ.",
        }
    )
    confirm_sensitive = serializers.BooleanField(default=False)


class OutgoingSerializer(serializers.ModelSerializer[Any]):
    class Meta:
        model = OutgoingDocument
        fields = [
            "id",
            "unit",
            "drafting_unit",
            "drafter",
            "doc_type",
            "subject",
            "status",
            "signer",
            "signer_authority",
            "code_notation",
            "number",
            "year",
            "issued_date",
            "urgency",
            "secrecy",
            "copies",
            "recalled_at",
            "recall_reason",
            "relation",
            "related_to",
        ]


class CorrectionLinkSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    relation = serializers.ChoiceField(choices=Relation.choices)
    code_notation = serializers.CharField()
    issued_date = serializers.DateField()


class OutgoingDetailSerializer(OutgoingSerializer):
    edits = serializers.SerializerMethodField()
    corrections = serializers.SerializerMethodField()

    class Meta(OutgoingSerializer.Meta):
        fields = [*OutgoingSerializer.Meta.fields, "notes", "edits", "corrections"]

    @extend_schema_field(EntryEditSerializer(many=True))
    def get_edits(self, obj: OutgoingDocument) -> list[dict[str, Any]]:
        return _edits(obj)

    @extend_schema_field(
        CorrectionLinkSerializer(
            many=True, help_text="issued documents correcting or replacing this one (Điều 18)"
        )
    )
    def get_corrections(self, obj: OutgoingDocument) -> list[dict[str, Any]]:
        rows = obj.corrections.filter(status=OutgoingStatus.ISSUED).order_by("issued_at")
        return list(CorrectionLinkSerializer(rows, many=True).data)


class RecallSerializer(VietnameseErrors):
    reason = serializers.CharField(
        error_messages={
            "required": "Vui lòng ghi lý do thu hồi văn bản.",
            "blank": "Vui lòng ghi lý do thu hồi văn bản.",
        }
    )


class ExternalRecipientSerializer(VietnameseErrors):
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    email = serializers.EmailField(error_messages={"invalid": "Địa chỉ thư điện tử không hợp lệ."})


CHOOSE_RELATION = (
    "Chọn quan hệ với văn bản đã ban hành: dinh_chinh (đính chính) hoặc thay_the (thay thế)."
)


class CorrectionSerializer(VietnameseErrors):
    """A correcting (đính chính: a công văn) or replacing (thay thế: the original's form) draft.
    Fields
    left out start from the original: its recipients, addressee, place, urgency; the summary
    "Đính chính <type> số … ngày …" or the original's; the type công văn or the original's. Without
    a
    file the Decree-30 template is rendered (LibreOffice), so `body` is needed."""

    relation = serializers.ChoiceField(
        choices=Relation.choices,
        help_text="dinh_chinh or thay_the",
        error_messages={"required": CHOOSE_RELATION, "invalid_choice": CHOOSE_RELATION},
    )
    doc_type = serializers.ChoiceField(choices=DOC_TYPE_CHOICES, required=False)
    subject = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    addressee = serializers.CharField(required=False, allow_blank=True, max_length=500)
    place = serializers.CharField(required=False, allow_blank=True, max_length=80)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    signer = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="a leader of the drafter's unit or agency (the same choice as the page's)",
    )
    signer_authority = serializers.ChoiceField(
        choices=SignerAuthority.choices, required=False, allow_blank=True
    )
    recipients_internal = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="ids of units on the desk (default: the original's)",
    )
    recipients_external = ExternalRecipientSerializer(
        many=True, required=False, help_text="default: the original's external recipients"
    )
    file = serializers.FileField(
        required=False, allow_null=True, help_text="DOCX or PDF draft (multipart)"
    )
    confirm_sensitive = serializers.BooleanField(default=False)

    def validate_relation(self, value: str) -> str:
        if value not in (Relation.CORRECTS, Relation.REPLACES):
            raise serializers.ValidationError(CHOOSE_RELATION)
        return value


class FollowUpQuerySerializer(VietnameseErrors):
    date_from = serializers.DateField(
        required=False, help_text="ngày đến từ (mặc định: 1/1 năm nay)"
    )
    date_to = serializers.DateField(required=False, help_text="ngày đến tới (mặc định: hôm nay)")
    status = serializers.ChoiceField(choices=IncomingStatus.choices, required=False)
    lead_unit = serializers.IntegerField(
        required=False,
        help_text="đơn vị chủ trì: a phòng of the agency (the unit or officials below it)",
    )
    overdue = serializers.BooleanField(
        required=False,
        default=False,
        help_text="only documents still open after their deadline, or closed after it",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_from"] > attrs["date_to"]
        ):
            raise serializers.ValidationError(
                {"date_to": ["“Đến ngày” phải sau hoặc bằng “từ ngày”."]}
            )
        return attrs


class FollowUpRowSerializer(serializers.Serializer[Any]):
    """One line of the follow-up register (the columns of the page and of its exports)."""

    id = serializers.IntegerField()
    arrival_number = serializers.IntegerField(help_text="số đến")
    arrived_on = serializers.DateField(help_text="ngày đến")
    document = serializers.CharField(help_text="tên loại, số ký hiệu, ngày, tác giả và trích yếu")
    lead = serializers.CharField(help_text="đơn vị, người chủ trì")
    due_date = serializers.DateField(help_text="thời hạn giải quyết")
    status = serializers.ChoiceField(choices=IncomingStatus.choices)
    progress = serializers.CharField(
        help_text="tiến độ as the register shows it (“Đã bị thu hồi” when recalled)"
    )
    result = serializers.CharField(help_text="kết quả giải quyết")
    closed_on = serializers.DateField(allow_null=True, help_text="ngày hoàn thành")
    overdue = serializers.CharField(help_text="“Quá hạn n ngày”, “Hoàn thành chậm n ngày” or empty")
    late_days = serializers.IntegerField(help_text="ngày quá hạn (0: đúng hạn)")
    recalled = serializers.BooleanField(help_text="the issuer recalled the document (Điều 18)")
    notes = serializers.CharField()

    def to_representation(self, instance: IncomingDocument) -> dict[str, Any]:
        line = export.followup_line(instance, self.context["today"])
        return {
            "id": instance.pk,
            "arrival_number": instance.arrival_number,
            "arrived_on": timezone.localtime(instance.arrived_at).date().isoformat(),
            "document": line["document"],
            "lead": line["lead"],
            "due_date": instance.due_date.isoformat() if instance.due_date else None,
            "status": instance.status,
            "progress": line["status"],
            "result": instance.result,
            "closed_on": timezone.localtime(instance.closed_at).date().isoformat()
            if instance.closed_at
            else None,
            "overdue": line["overdue"],
            "late_days": line["late_days"],
            "recalled": instance.recalled_at is not None,
            "notes": instance.notes,
        }
