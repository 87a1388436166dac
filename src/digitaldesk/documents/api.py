"""REST API of documents (/api/v1/documents/…): the same gates and services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import Unit, UnitKind, User
from digitaldesk.api.errors import request_data
from digitaldesk.api.messages import VietnameseErrors
from digitaldesk.documents import export, files, selectors, services
from digitaldesk.documents.docgen import TEMPLATE_KINDS
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
    label = serializers.CharField(help_text="tên trường như sổ ghi")  # type: ignore[assignment]
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
    return EntryEditSerializer(document.edits.select_related("actor"), many=True).data  # type: ignore[return-value]


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
        return CorrectionLinkSerializer(rows, many=True).data  # type: ignore[return-value]


def _translate(exc: Exception) -> exceptions.APIException:
    if isinstance(exc, Http404):
        return exceptions.NotFound("Không tìm thấy văn bản.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, services.NeedsConfirmation):
        return exceptions.ValidationError(
            {
                "detail": exc.messages,
                "code": "needs_confirmation",
                "flags": [f.as_dict() for f in exc.flags],
            }
        )
    if isinstance(exc, services.DuplicateWarning):
        detail: dict[str, Any] = {
            "detail": exc.messages,
            "code": "duplicate",
            "duplicates": [d.pk for d in exc.duplicates],
        }
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError({"detail": exc.messages})
    if isinstance(exc, files.FileRefused):
        return exceptions.ValidationError({"file": [str(exc)]})
    if isinstance(exc, files.ConversionFailed):
        return exceptions.ValidationError({"file": [str(exc)]})
    raise exc


def _incoming_out(request: Request, document: IncomingDocument) -> dict[str, Any]:
    return IncomingDetailSerializer(document, context={"user": request.user}).data


def _gate_incoming(request: Request, pk: int) -> IncomingDocument:
    try:
        return selectors.incoming_for_user(user_of(request), pk)
    except Http404 as exc:
        raise exceptions.NotFound("Không tìm thấy văn bản.") from exc


class IncomingList(generics.ListAPIView[Any]):
    """Incoming documents the caller may see, newest first (?q=, ?status=)."""

    serializer_class = IncomingSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        rows = selectors.filter_incoming(
            selectors.incoming_visible_to(user_of(self.request)),
            query=params.get("q", ""),
            status=params.get("status", ""),
        )
        return rows.select_related("unit").order_by("-year", "-arrival_number")

    @extend_schema(
        request=IncomingCreateSerializer,
        responses={201: IncomingDetailSerializer},
        summary="Vào sổ văn bản đến (văn thư)",
    )
    def post(self, request: Request) -> Response:
        payload = IncomingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            upload = None
            if data["file"] is not None:
                if data["file"].size > files.max_upload_bytes():
                    raise files.FileRefused(files.too_large_message(data["file"].size))
                upload = files.inspect_upload(data["file"].name, data["file"].read())
            document = services.register_incoming(
                actor=user_of(request),
                data=services.IncomingData(
                    sender=data["sender"],
                    subject=data["subject"],
                    doc_type=data["doc_type"],
                    code_notation=data["code_notation"],
                    issued_date=data["issued_date"],
                    signer_name=data["signer_name"],
                    urgency=data["urgency"],
                    secrecy=data["secrecy"],
                    due_date=data["due_date"],
                    channel=data["channel"],
                    notes=data["notes"],
                ),
                upload=upload,
                confirm_sensitive=data["confirm_sensitive"],
                allow_duplicate=data["allow_duplicate"],
            )
        except Exception as exc:  # translated to the HTTP meaning, or re-raised
            raise _translate(exc) from exc
        return Response(_incoming_out(request, document), status=status.HTTP_201_CREATED)


class IncomingDetail(APIView):
    @extend_schema(responses=IncomingDetailSerializer, summary="Một văn bản đến (ghi nhật ký)")
    def get(self, request: Request, pk: int) -> Response:
        document = _gate_incoming(request, pk)
        services.record_view(actor=user_of(request), document=document)
        return Response(_incoming_out(request, document))


class IncomingEdit(APIView):
    """Only the fields sent change (a POST action like direct/close, so that the schema can say the
    reason is required: a PATCH body is all-optional in OpenAPI)."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=IncomingEditSerializer,
        responses=IncomingDetailSerializer,
        summary=(
            "Sửa thông tin vào sổ văn bản đến (văn thư, lãnh đạo cơ quan; lý do bắt buộc, lưu "
            "lịch sử, ghi nhật ký; số đến không đổi)"
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        return _incoming_edit(request, pk)


class IncomingDirect(APIView):
    """Bút phê (agency leaders) or forward (handlers): the same rules as the page."""

    @extend_schema(
        request=DirectionSerializer,
        responses=IncomingDetailSerializer,
        summary="Bút phê, phân công hoặc chuyển xử lý",
    )
    def post(self, request: Request, pk: int) -> Response:
        document = _gate_incoming(request, pk)
        payload = DirectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        users = {
            u.pk: u
            for u in User.objects.filter(
                pk__in=data["lead_users"] + data["support_users"] + data["info_users"]
            )
        }
        units = {
            u.pk: u
            for u in Unit.objects.filter(
                pk__in=data["lead_units"] + data["support_units"] + data["info_units"]
            )
        }

        def pick(ids: list[int], pool: dict[int, Any]) -> list[Any]:
            missing = [i for i in ids if i not in pool]
            if missing:
                raise exceptions.ValidationError(
                    {"detail": [f"Không có cán bộ/đơn vị mã {missing[0]}."]}
                )
            return [pool[i] for i in ids]

        direction = services.Direction(
            note=data["note"],
            lead_users=pick(data["lead_users"], users),
            lead_units=pick(data["lead_units"], units),
            support_users=pick(data["support_users"], users),
            support_units=pick(data["support_units"], units),
            info_users=pick(data["info_users"], users),
            info_units=pick(data["info_units"], units),
            due_date=data["due_date"],
        )
        try:
            if selectors.can_direct(user_of(request), document):
                document = services.direct(
                    actor=user_of(request), document=document, direction=direction
                )
            else:
                document = services.forward(
                    actor=user_of(request),
                    document=document,
                    direction=direction,
                    hand_over=data["hand_over"],
                )
        except Exception as exc:
            raise _translate(exc) from exc
        return Response(_incoming_out(request, document))


class IncomingClose(APIView):
    @extend_schema(
        request=None, responses=IncomingDetailSerializer, summary="Hoàn thành xử lý (kèm kết quả)"
    )
    def post(self, request: Request, pk: int) -> Response:
        document = _gate_incoming(request, pk)
        try:
            document = services.close(
                actor=user_of(request),
                document=document,
                result=str(request_data(request).get("result", "")),
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return Response(_incoming_out(request, document))


class OutgoingList(generics.ListAPIView[Any]):
    serializer_class = OutgoingSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        rows = selectors.outgoing_visible_to(user_of(self.request))
        status_filter = self.request.query_params.get("status", "")
        if status_filter:
            rows = rows.filter(status=status_filter)
        return rows.order_by("-created_at")


class OutgoingDetail(APIView):
    @extend_schema(responses=OutgoingDetailSerializer, summary="Một văn bản đi (ghi nhật ký)")
    def get(self, request: Request, pk: int) -> Response:
        document = _outgoing_gate(request, pk)
        services.record_view(actor=user_of(request), document=document)
        return Response(OutgoingDetailSerializer(document).data)


class OutgoingEdit(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=OutgoingEditSerializer,
        responses=OutgoingDetailSerializer,
        summary=(
            "Sửa thông tin vào sổ văn bản đi đã phát hành (văn thư, người ký; trích yếu, số "
            "lượng bản, ghi chú; lý do bắt buộc, lưu lịch sử)"
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        return _outgoing_edit(request, pk)


def _incoming_edit(request: Request, pk: int) -> Response:
    document = _gate_incoming(request, pk)
    user = user_of(request)
    if not selectors.can_edit_incoming(user, document):
        raise exceptions.PermissionDenied(
            "Chỉ văn thư và lãnh đạo cơ quan được sửa thông tin vào sổ văn bản đến."
        )
    payload = IncomingEditSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    change = services.EntryChange(
        values={k: data[k] for k in services.INCOMING_EDITABLE if k in data},
        reason=data["reason"],
        confirm_sensitive=data["confirm_sensitive"],
        allow_duplicate=data["allow_duplicate"],
        secret_summary_allowed=data["secret_summary_allowed"],
    )
    try:
        document = services.edit_incoming(actor=user, document=document, change=change)
    except Exception as exc:
        raise _translate(exc) from exc
    return Response(_incoming_out(request, document))


def _outgoing_gate(request: Request, pk: int) -> OutgoingDocument:
    try:
        return selectors.outgoing_for_user(user_of(request), pk)
    except Http404 as exc:
        raise exceptions.NotFound("Không tìm thấy văn bản.") from exc


def _outgoing_edit(request: Request, pk: int) -> Response:
    document = _outgoing_gate(request, pk)
    user = user_of(request)
    if not selectors.can_edit_outgoing(user, document):
        raise exceptions.PermissionDenied(
            "Chỉ văn thư của cơ quan và người ký được sửa thông tin vào sổ văn bản đi đã phát hành."
        )
    payload = OutgoingEditSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    try:
        document = services.edit_outgoing(
            actor=user,
            document=document,
            change=services.EntryChange(
                values={k: data[k] for k in services.OUTGOING_EDITABLE if k in data},
                reason=data["reason"],
                confirm_sensitive=data["confirm_sensitive"],
            ),
        )
    except Exception as exc:
        raise _translate(exc) from exc
    return Response(OutgoingDetailSerializer(document).data)


# --- Recall, correction and replacement (NĐ 30/2020 Điều 18)
# -----------------------------------------
class RecallSerializer(VietnameseErrors):
    reason = serializers.CharField(
        error_messages={
            "required": "Vui lòng ghi lý do thu hồi văn bản.",
            "blank": "Vui lòng ghi lý do thu hồi văn bản.",
        }
    )


NOT_ISSUED = "Văn bản chưa phát hành hoặc đã được thu hồi."


class OutgoingRecall(APIView):
    """Thu hồi: recipients' entries are marked recalled and their electronic copies deleted; the
    number stays used. The issuing agency's clerks, its leaders and the signer (as on the page)."""

    @extend_schema(
        request=RecallSerializer,
        responses=OutgoingDetailSerializer,
        summary="Thu hồi văn bản đã phát hành (Nghị định 30/2020/NĐ-CP, Điều 18)",
    )
    def post(self, request: Request, pk: int) -> Response:
        document = _outgoing_gate(request, pk)
        user = user_of(request)
        if document.status != OutgoingStatus.ISSUED or document.recalled_at is not None:
            raise exceptions.ValidationError({"detail": [NOT_ISSUED]})
        if not selectors.can_recall(user, document):
            raise exceptions.PermissionDenied(
                "Chỉ văn thư, người ký hoặc lãnh đạo cơ quan ban hành được thu hồi văn "
                "bản đã phát hành."
            )
        payload = RecallSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            document = services.recall(
                actor=user, document=document, reason=payload.validated_data["reason"]
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return Response(OutgoingDetailSerializer(document).data)


class ExternalRecipientSerializer(VietnameseErrors):
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    email = serializers.EmailField(error_messages={"invalid": "Địa chỉ thư điện tử không hợp lệ."})


CHOOSE_RELATION = (
    "Chọn quan hệ với văn bản đã ban hành: dinh_chinh (đính chính) hoặc thay_the (thay thế)."
)


class CorrectionSerializer(VietnameseErrors):
    """A correcting (đính chính: a công văn) or replacing (thay thế: the original's form) draft.
    Fields left out start from the original: its recipients, addressee, place, urgency; the summary
    "Đính chính <type> số … ngày …" or the original's; the type công văn or the original's. Without
    a file the Decree-30 template is rendered (LibreOffice), so `body` is needed."""

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


class OutgoingCorrections(APIView):
    """Start the correcting or replacing document of an issued document; it then follows the normal
    flow (review, approval, signature, number) and, once issued, is linked on both sides."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=CorrectionSerializer,
        responses={201: OutgoingDetailSerializer},
        summary=(
            "Soạn văn bản đính chính hoặc thay thế văn bản đã phát hành (Nghị định "
            "30/2020/NĐ-CP, Điều 18)"
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        original = _outgoing_gate(request, pk)
        user = user_of(request)
        if original.status != OutgoingStatus.ISSUED:
            raise exceptions.ValidationError(
                {"detail": ["Chỉ đính chính, thay thế văn bản đã phát hành."]}
            )
        if original.recalled_at is not None:
            raise exceptions.ValidationError(
                {"detail": ["Văn bản đã bị thu hồi nên không đính chính, thay thế."]}
            )
        if not selectors.can_correct(user, original):
            raise exceptions.PermissionDenied(
                "Chỉ cán bộ của cơ quan ban hành được soạn văn bản đính chính, thay thế."
            )
        payload = CorrectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        defaults = services.correction_defaults(original, data["relation"])
        value = {
            name: data.get(name, defaults.get(name, ""))
            for name in ("doc_type", "subject", "body", "addressee", "place", "urgency")
        }
        signer = None
        if data.get("signer") is not None:
            signer = selectors.possible_signers(user).filter(pk=data["signer"]).first()
            if signer is None:
                raise exceptions.ValidationError(
                    {"signer": ["Người ký phải là lãnh đạo đơn vị hoặc cơ quan của bạn."]}
                )
        internal = defaults["recipients_internal"]
        if "recipients_internal" in data:
            wanted = list(dict.fromkeys(data["recipients_internal"]))
            units = {
                u.pk: u
                for u in Unit.objects.exclude(kind=UnitKind.OFFICE).filter(
                    is_active=True, pk__in=wanted
                )
            }
            missing = [i for i in wanted if i not in units]
            if missing:
                raise exceptions.ValidationError(
                    {
                        "recipients_internal": [
                            f"Không có cơ quan nhận mã {missing[0]} trên Bàn làm việc số."
                        ]
                    }
                )
            internal = [units[i] for i in wanted]
        external = defaults["recipients_external"]
        if "recipients_external" in data:
            external = [(r["name"] or r["email"], r["email"]) for r in data["recipients_external"]]
        try:
            upload = None
            if data.get("file") is not None:
                if data["file"].size > files.max_upload_bytes():
                    raise files.FileRefused(files.too_large_message(data["file"].size))
                upload = files.inspect_upload(data["file"].name, data["file"].read())
            elif value["doc_type"] not in TEMPLATE_KINDS:
                raise exceptions.ValidationError(
                    {
                        "doc_type": [
                            "Chưa có mẫu cho loại văn bản này; vui lòng gửi kèm tệp dự thảo (file)."
                        ]
                    }
                )
            document = services.create_draft(
                actor=user,
                upload=upload,
                confirm_sensitive=data["confirm_sensitive"],
                data=services.DraftData(
                    doc_type=value["doc_type"],
                    subject=value["subject"],
                    addressee=value["addressee"],
                    body=value["body"],
                    place=value["place"],
                    urgency=value["urgency"],
                    signer=signer,
                    signer_authority=data.get("signer_authority") or "",
                    recipients_internal=internal,
                    recipients_external=external,
                    related_to=original,
                    relation=data["relation"],
                ),
            )
        except exceptions.APIException:
            raise
        except Exception as exc:
            raise _translate(exc) from exc
        return Response(OutgoingDetailSerializer(document).data, status=status.HTTP_201_CREATED)


# --- Follow-up register (sổ theo dõi giải quyết văn bản đến)
# --------------------------------------------
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


class FollowUpList(generics.ListAPIView[Any]):
    """Sổ theo dõi giải quyết văn bản đến of the caller's agency: incoming documents with a
    deadline, received in the period, in register order (clerks and agency leaders, as the page)."""

    serializer_class = FollowUpRowSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self):  # type: ignore[no-untyped-def]
        user: User = self.request.user  # type: ignore[assignment]
        agency = selectors.user_agency(user)
        if not selectors.can_follow_up(user, agency):
            raise exceptions.PermissionDenied(
                "Chỉ văn thư và lãnh đạo cơ quan được xem sổ theo dõi giải quyết văn bản đến."
            )
        assert agency is not None
        query = FollowUpQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        lead_unit = None
        if params.get("lead_unit") is not None:
            lead_unit = selectors.followup_units(agency).filter(pk=params["lead_unit"]).first()
            if lead_unit is None:
                raise exceptions.ValidationError(
                    {
                        "lead_unit": [
                            f"Không có đơn vị mã {params['lead_unit']} trong {agency.name}."
                        ]
                    }
                )
        today = timezone.localdate()
        rows = selectors.followup_rows(
            agency=agency,
            today=today,
            date_from=params.get("date_from") or today.replace(month=1, day=1),
            date_to=params.get("date_to") or today,
            status=params.get("status", ""),
            lead_unit=lead_unit,
            overdue_only=params["overdue"],
        )
        return rows.select_related("closed_by").prefetch_related(
            "assignments__user", "assignments__unit"
        )

    @extend_schema(
        parameters=[FollowUpQuerySerializer],
        summary="Sổ theo dõi giải quyết văn bản đến (văn thư, "
        "lãnh đạo cơ quan; lọc theo thời gian, trạng thái, đơn vị chủ trì, quá hạn)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
