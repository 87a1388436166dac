"""REST API of documents (/api/v1/documents/…): the same gates and services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import Unit, UnitKind, User
from digitaldesk.api.errors import request_data
from digitaldesk.documents import files, selectors, services
from digitaldesk.documents.api_serializers import (
    CorrectionSerializer,
    DirectionSerializer,
    FollowUpQuerySerializer,
    FollowUpRowSerializer,
    IncomingCreateSerializer,
    IncomingDetailSerializer,
    IncomingEditSerializer,
    IncomingSerializer,
    OutgoingDetailSerializer,
    OutgoingEditSerializer,
    OutgoingSerializer,
    RecallSerializer,
)
from digitaldesk.documents.docgen import TEMPLATE_KINDS
from digitaldesk.documents.models import (
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
)


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

    def get_queryset(self) -> QuerySet[IncomingDocument]:
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
            document = services.incoming_register(
                actor=user_of(request),
                data=services.IncomingData.from_cleaned(data),
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
        summary="Sửa thông tin vào sổ văn bản đến (văn thư, lãnh đạo cơ quan; lý do bắt buộc, lưu "
        "lịch sử, ghi nhật ký; số đến không đổi)",
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
            change_due=data["change_due"],
            change_reason=data["change_reason"],
        )
        try:
            if selectors.can_direct(user_of(request), document):
                document = services.incoming_direct(
                    actor=user_of(request), document=document, direction=direction
                )
            else:
                document = services.incoming_forward(
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
            document = services.incoming_close(
                actor=user_of(request),
                document=document,
                result=str(request_data(request).get("result", "")),
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return Response(_incoming_out(request, document))


class OutgoingList(generics.ListAPIView[Any]):
    serializer_class = OutgoingSerializer

    def get_queryset(self) -> QuerySet[OutgoingDocument]:
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
        summary="Sửa thông tin vào sổ văn bản đi đã phát hành (văn thư, người ký; trích yếu, số "
        "lượng bản, ghi chú; lý do bắt buộc, lưu lịch sử)",
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
        document = services.incoming_edit(actor=user, document=document, change=change)
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
        document = services.outgoing_edit(
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


NOT_ISSUED = "Văn bản chưa phát hành hoặc đã được thu hồi."


class OutgoingRecall(APIView):
    """Thu hồi: recipients' entries are marked recalled and their electronic copies deleted; the
    number
    stays used. The issuing agency's clerks, its leaders and the signer (as on the page)."""

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
                "Chỉ văn thư, người ký hoặc lãnh đạo cơ quan ban hành được thu hồi văn bản đã "
                "phát hành."
            )
        payload = RecallSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            document = services.outgoing_recall(
                actor=user, document=document, reason=payload.validated_data["reason"]
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return Response(OutgoingDetailSerializer(document).data)


class OutgoingCorrections(APIView):
    """Start the correcting or replacing document of an issued document; it then follows the normal
    flow (review, approval, signature, number) and, once issued, is linked on both sides."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=CorrectionSerializer,
        responses={201: OutgoingDetailSerializer},
        summary="Soạn văn bản đính chính hoặc thay thế văn bản đã phát hành (Nghị định "
        "30/2020/NĐ-CP, Điều 18)",
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
            document = services.outgoing_create(
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


class FollowUpList(generics.ListAPIView[Any]):
    """Sổ theo dõi giải quyết văn bản đến of the caller's agency: incoming documents with a
    deadline,
    received in the period, in register order (clerks and agency leaders, as the page)."""

    serializer_class = FollowUpRowSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self) -> QuerySet[IncomingDocument]:
        user = user_of(self.request)
        agency = selectors.user_agency(user)
        if agency is None or not selectors.can_follow_up(user, agency):
            raise exceptions.PermissionDenied(
                "Chỉ văn thư và lãnh đạo cơ quan được xem sổ theo dõi giải quyết văn bản đến."
            )
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
