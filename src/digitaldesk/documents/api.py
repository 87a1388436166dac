"""REST API of documents (/api/v1/documents/…): the same gates and services as the pages."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from digitaldesk.accounts.models import Unit, User
from digitaldesk.documents import files, selectors, services
from digitaldesk.documents.models import (
    DOC_TYPE_CHOICES,
    Channel,
    IncomingDocument,
    OutgoingDocument,
    Secrecy,
    Urgency,
)


class AssignmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    role = serializers.CharField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    assignee = serializers.CharField(source="assignee_label")
    due_date = serializers.DateField(allow_null=True)
    active = serializers.BooleanField()


class IncomingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = IncomingDocument
        fields = ["id", "unit", "unit_name", "register", "year", "arrival_number", "arrived_at", "sender",
                  "code_notation", "issued_date", "doc_type", "subject", "signer_name", "urgency", "secrecy",
                  "due_date", "page_amount", "channel", "status", "signature_ok", "signature_summary", "result",
                  "closed_at", "has_file"]

    def get_has_file(self, obj: IncomingDocument) -> bool:
        return obj.original_id is not None


class IncomingDetailSerializer(IncomingSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta(IncomingSerializer.Meta):
        fields = [*IncomingSerializer.Meta.fields, "notes", "assignments", "sensitivity_flags"]


class IncomingCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sender = serializers.CharField(max_length=300)
    subject = serializers.CharField(required=False, allow_blank=True, default="")
    doc_type = serializers.ChoiceField(choices=DOC_TYPE_CHOICES, default="cong_van")
    code_notation = serializers.CharField(required=False, allow_blank=True, default="", max_length=80)
    issued_date = serializers.DateField(required=False, allow_null=True, default=None)
    signer_name = serializers.CharField(required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = serializers.ChoiceField(choices=Secrecy.choices, default=Secrecy.NORMAL)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=[Channel.PAPER, Channel.UPLOAD, Channel.EMAIL], default=Channel.UPLOAD)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)
    confirm_sensitive = serializers.BooleanField(default=False)
    allow_duplicate = serializers.BooleanField(default=False)


class DirectionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lead_users = serializers.ListField(child=serializers.IntegerField(), default=list)
    lead_units = serializers.ListField(child=serializers.IntegerField(), default=list)
    support_users = serializers.ListField(child=serializers.IntegerField(), default=list)
    support_units = serializers.ListField(child=serializers.IntegerField(), default=list)
    info_users = serializers.ListField(child=serializers.IntegerField(), default=list)
    info_units = serializers.ListField(child=serializers.IntegerField(), default=list)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    hand_over = serializers.BooleanField(default=False)


class OutgoingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = OutgoingDocument
        fields = ["id", "unit", "drafting_unit", "drafter", "doc_type", "subject", "status", "signer",
                  "signer_authority", "code_notation", "number", "year", "issued_date", "urgency", "secrecy"]


def _translate(exc: Exception) -> exceptions.APIException:
    if isinstance(exc, Http404):
        return exceptions.NotFound("Không tìm thấy văn bản.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, services.NeedsConfirmation):
        return exceptions.ValidationError({"detail": exc.messages, "code": "needs_confirmation",
                                          "flags": [f.as_dict() for f in exc.flags]})
    if isinstance(exc, services.DuplicateWarning):
        return exceptions.ValidationError({"detail": exc.messages, "code": "duplicate",
                                          "duplicates": [d.pk for d in exc.duplicates]})
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError({"detail": exc.messages})
    if isinstance(exc, files.FileRefused):
        return exceptions.ValidationError({"file": [str(exc)]})
    raise exc


def _gate_incoming(request: Request, pk: int) -> IncomingDocument:
    try:
        return selectors.incoming_for_user(request.user, pk)  # type: ignore[arg-type]
    except Http404 as exc:
        raise exceptions.NotFound("Không tìm thấy văn bản.") from exc


class IncomingList(generics.ListAPIView):  # type: ignore[type-arg]
    """Incoming documents the caller may see, newest first (?q=, ?status=)."""

    serializer_class = IncomingSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        rows = selectors._filter_incoming(selectors.incoming_visible_to(self.request.user),  # type: ignore[arg-type]
                                          query=params.get("q", ""), status=params.get("status", ""))
        return rows.select_related("unit").order_by("-year", "-arrival_number")

    @extend_schema(request=IncomingCreateSerializer, responses={201: IncomingDetailSerializer},
                   summary="Vào sổ văn bản đến (văn thư)")
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
                actor=request.user,  # type: ignore[arg-type]
                data=services.IncomingData(sender=data["sender"], subject=data["subject"], doc_type=data["doc_type"],
                                           code_notation=data["code_notation"], issued_date=data["issued_date"],
                                           signer_name=data["signer_name"], urgency=data["urgency"],
                                           secrecy=data["secrecy"], due_date=data["due_date"],
                                           channel=data["channel"], notes=data["notes"]),
                upload=upload, confirm_sensitive=data["confirm_sensitive"], allow_duplicate=data["allow_duplicate"])
        except Exception as exc:  # translated to the HTTP meaning, or re-raised
            raise _translate(exc) from exc
        return Response(IncomingDetailSerializer(document).data, status=status.HTTP_201_CREATED)


class IncomingDetail(APIView):
    @extend_schema(responses=IncomingDetailSerializer, summary="Một văn bản đến (ghi nhật ký)")
    def get(self, request: Request, pk: int) -> Response:
        document = _gate_incoming(request, pk)
        services.record_view(actor=request.user, document=document)  # type: ignore[arg-type]
        return Response(IncomingDetailSerializer(document).data)


class IncomingDirect(APIView):
    """Bút phê (agency leaders) or forward (handlers): the same rules as the page."""

    @extend_schema(request=DirectionSerializer, responses=IncomingDetailSerializer,
                   summary="Bút phê, phân công hoặc chuyển xử lý")
    def post(self, request: Request, pk: int) -> Response:
        document = _gate_incoming(request, pk)
        payload = DirectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        users = {u.pk: u for u in User.objects.filter(pk__in=data["lead_users"] + data["support_users"]
                                                      + data["info_users"])}
        units = {u.pk: u for u in Unit.objects.filter(pk__in=data["lead_units"] + data["support_units"]
                                                      + data["info_units"])}

        def pick(ids: list[int], pool: dict[int, Any]) -> list[Any]:
            missing = [i for i in ids if i not in pool]
            if missing:
                raise exceptions.ValidationError({"detail": [f"Không có cán bộ/đơn vị mã {missing[0]}."]})
            return [pool[i] for i in ids]

        direction = services.Direction(
            note=data["note"], lead_users=pick(data["lead_users"], users), lead_units=pick(data["lead_units"], units),
            support_users=pick(data["support_users"], users), support_units=pick(data["support_units"], units),
            info_users=pick(data["info_users"], users), info_units=pick(data["info_units"], units),
            due_date=data["due_date"])
        try:
            if selectors.can_direct(request.user, document):  # type: ignore[arg-type]
                document = services.direct(actor=request.user, document=document, direction=direction)  # type: ignore[arg-type]
            else:
                document = services.forward(actor=request.user, document=document,  # type: ignore[arg-type]
                                            direction=direction, hand_over=data["hand_over"])
        except Exception as exc:
            raise _translate(exc) from exc
        return Response(IncomingDetailSerializer(document).data)


class IncomingClose(APIView):
    @extend_schema(request=None, responses=IncomingDetailSerializer, summary="Hoàn thành xử lý (kèm kết quả)")
    def post(self, request: Request, pk: int) -> Response:
        document = _gate_incoming(request, pk)
        try:
            document = services.close(actor=request.user, document=document,  # type: ignore[arg-type]
                                      result=str(request.data.get("result", "")))
        except Exception as exc:
            raise _translate(exc) from exc
        return Response(IncomingDetailSerializer(document).data)


class OutgoingList(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = OutgoingSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        rows = selectors.outgoing_visible_to(self.request.user)  # type: ignore[arg-type]
        status_filter = self.request.query_params.get("status", "")
        if status_filter:
            rows = rows.filter(status=status_filter)
        return rows.order_by("-created_at")


class OutgoingDetail(APIView):
    @extend_schema(responses=OutgoingSerializer, summary="Một văn bản đi (ghi nhật ký)")
    def get(self, request: Request, pk: int) -> Response:
        try:
            document = selectors.outgoing_for_user(request.user, pk)  # type: ignore[arg-type]
        except Http404 as exc:
            raise exceptions.NotFound("Không tìm thấy văn bản.") from exc
        services.record_view(actor=request.user, document=document)  # type: ignore[arg-type]
        return Response(OutgoingSerializer(document).data)
