"""REST API v1 of the case register (/api/v1/cases/...): the same selectors and services
as the pages; the same gates (a case the caller may not see is a 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import Unit
from digitaldesk.api.errors import NotFoundWithReason, request_data
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import events as case_events
from digitaldesk.cases import selectors, services, stats
from digitaldesk.cases.models import (
    Accused,
    Case,
    Charge,
    ComputedDeadline,
    Participant,
    SourceKind,
)


class AccusedSerializer(serializers.ModelSerializer[Any]):
    class Meta:
        model = Accused
        fields = [
            "id",
            "full_name",
            "other_names",
            "birth_date",
            "birth_year",
            "gender",
            "id_number",
            "nationality",
            "address",
            "occupation",
            "charged_on",
            "measure",
            "measure_since",
            "measure_until",
        ]
        read_only_fields = ["charged_on", "measure", "measure_since", "measure_until"]


class ChargeSerializer(serializers.ModelSerializer[Any]):
    class Meta:
        model = Charge
        fields = [
            "id",
            "accused",
            "article",
            "clause",
            "points",
            "offence_on",
            "title",
            "chapter",
            "category",
            "bracket",
            "law_rule",
        ]
        read_only_fields = ["title", "chapter", "category", "bracket", "law_rule"]


class EventSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(max_length=40)
    kind_label = serializers.SerializerMethodField()
    on = serializers.DateField()
    accused = serializers.IntegerField(required=False, allow_null=True, source="accused_id")
    months = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=60)
    days = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=400)
    until = serializers.DateField(required=False, allow_null=True)
    number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    issuer = serializers.CharField(required=False, allow_blank=True, max_length=200)
    note = serializers.CharField(required=False, allow_blank=True)
    document = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=20,
        help_text='Văn bản liên kết trong hệ thống văn bản: "den-<id>" (văn bản đến) '
        'hoặc "di-<id>" (văn bản đi) mà người gọi được xem.',
    )
    linked_document = serializers.SerializerMethodField()

    def get_kind_label(self, obj: Any) -> str:
        return case_events.kind_label(obj.kind)

    def get_linked_document(self, obj: Any) -> dict[str, Any] | None:
        """Number and date of the cited document for anyone who sees the case; its reference
        (to open it) only when the documents app lets the caller see it — as on the timeline
        (`doc_link`, attached for a whole list of events by `events.timeline_documents`)."""
        link = getattr(obj, "doc_link", None)
        if link is None:
            return None
        return {
            "label": link["label"],
            "ref": case_events.document_ref(obj.linked_document) if link["url"] else None,
        }


class DeadlineSerializer(serializers.ModelSerializer[Any]):
    case_label = serializers.CharField(source="case.register_label", read_only=True)

    class Meta:
        model = ComputedDeadline
        fields = [
            "id",
            "case",
            "case_label",
            "key",
            "kind",
            "label",
            "subject",
            "accused",
            "start",
            "end",
            "basis",
            "extensions_used",
            "extensions_max",
            "max_end",
            "running",
            "note",
            "needs_review",
        ]


class ParticipantSerializer(serializers.ModelSerializer[Any]):
    class Meta:
        model = Participant
        fields = ["id", "role", "full_name", "details"]


class CaseSerializer(serializers.ModelSerializer[Any]):
    register_label = serializers.CharField(read_only=True)
    effective_category = serializers.CharField(read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "register_label",
            "unit",
            "unit_name",
            "source",
            "name",
            "summary",
            "report_no",
            "report_year",
            "received_on",
            "reporter",
            "reporter_doc",
            "case_no",
            "case_year",
            "opened_on",
            "investigating_body",
            "investigator",
            "leader_in_charge",
            "restricted",
            "national_security",
            "stage",
            "category",
            "category_override",
            "category_override_reason",
            "effective_category",
            "closed_on",
        ]


class CaseDetailSerializer(CaseSerializer):
    accused = AccusedSerializer(many=True, read_only=True)
    charges = ChargeSerializer(many=True, read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField()
    deadlines = DeadlineSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "accused",
            "charges",
            "participants",
            "events",
            "deadlines",
        ]

    def get_events(self, obj: Case) -> list[dict[str, Any]]:
        events = selectors.case_timeline(obj)
        case_events.timeline_documents(self.context["user"], events)
        return EventSerializer(events, many=True).data  # type: ignore[return-value]  # many=True: a list, not the stubs' dict


class IntakeSerializer(serializers.Serializer[Any]):
    unit = serializers.IntegerField()
    # `source` is the API's published field name; it shadows DRF's `Field.source` attribute.
    source = serializers.ChoiceField(choices=SourceKind.choices)  # type: ignore[assignment]  # shadows Field.source
    name = serializers.CharField(max_length=300)
    received_on = serializers.DateField()
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    reporter = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    reporter_doc = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=120
    )
    investigating_body = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    investigator = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    restricted = serializers.BooleanField(required=False, default=False)
    national_security = serializers.BooleanField(required=False, default=False)
    number = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)


def _gate(request: Request, case_id: int) -> Case:
    try:
        return selectors.case_for_user(user_of(request), case_id)
    except Http404 as exc:
        raise exceptions.NotFound from exc


def _valid(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class RegisterPagination(PageNumberPagination):
    """DRF's page-number pagination (`?page=N`, 50 per page; `count`, `next`, `previous`,
    `results`) over `selectors.RegisterPage`, so that the API does not count 100,000 rows either.

    `count` is exact up to `RegisterPage.COUNT_CAP` (1,000) matching cases; past it `count` is the
    cap and `count_capped` is true ("more than 1,000"), and `next` still links to the following
    page while there is one. As with DRF, a page that is not a number, below 1 or past the last
    page is a 404 ("Trang không hợp lệ"); `page=last` is only known while the count is exact."""

    invalid = "Trang không hợp lệ: {}."

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        raw = request.query_params.get(self.page_query_param) or "1"
        size = self.get_page_size(request)
        page = selectors.RegisterPage(
            queryset, 1 if raw in self.last_page_strings else raw, size=size
        )
        if raw in self.last_page_strings:
            if page.count_capped:
                raise NotFoundWithReason(
                    self.invalid.format(
                        f"hơn {page.cap_label} hồ sơ, không xác định trang cuối — thu hẹp bộ lọc"
                    )
                )
            page = selectors.RegisterPage(queryset, page.num_pages, size=size)
        else:
            try:
                wanted = int(raw)
            except (TypeError, ValueError) as exc:
                raise NotFoundWithReason(
                    self.invalid.format(f"“{raw}” không phải số trang")
                ) from exc
            if wanted < 1 or wanted != page.number or (wanted > 1 and not page.object_list):
                raise NotFoundWithReason(self.invalid.format(f"không có trang {wanted}"))
        self.register_page = page
        return page.object_list

    def _url(self) -> str:
        assert self.request is not None  # set by paginate_queryset, which DRF calls first
        return self.request.build_absolute_uri()

    def get_next_link(self) -> str | None:
        page = self.register_page
        if not page.has_next:
            return None
        return replace_query_param(self._url(), self.page_query_param, page.next_page_number)

    def get_previous_link(self) -> str | None:
        page = self.register_page
        if not page.has_previous:
            return None
        url = self._url()
        if page.previous_page_number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, page.previous_page_number)

    def get_paginated_response(self, data: Any) -> Response:
        page = self.register_page
        return Response(
            {
                "count": min(page.count, page.cap),
                "count_capped": page.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["required"] = ["count", "count_capped", "results"]
        result["properties"]["count"]["description"] = (
            "Số hồ sơ phù hợp, chính xác đến 1.000; khi count_capped là true: hơn 1.000 "
            "(count = 1000)."
        )
        result["properties"]["count_capped"] = {
            "type": "boolean",
            "example": False,
            "description": (
                "true khi có hơn 1.000 hồ sơ phù hợp (thu hẹp bộ lọc để biết số chính xác)."
            ),
        }
        return result


class CaseList(ListAPIView[Any]):
    """The register: the cases the caller may see, with the page's filters as query parameters.
    Pages of 50 (`?page=N`); `count` is exact up to 1,000 (`count_capped` beyond). Every call is
    audited (one row: filters, page, the cases listed), as the register page is."""

    serializer_class = CaseSerializer
    pagination_class = RegisterPagination

    @extend_schema(summary="Sổ thụ lý: danh sách hồ sơ (ghi nhật ký truy cập)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        paginator = self.paginator
        if not isinstance(paginator, RegisterPagination):
            raise TypeError("the register's pages come from RegisterPagination")
        page = paginator.register_page
        filters = {k: v for k, v in request.query_params.items() if k != "page" and v}
        audit_record(
            actor=user_of(request),
            action="cases.register_viewed",
            unit_id=user_of(request).unit_id,
            detail={
                "filters": filters,
                "page": page.number,
                "api": True,
                "cases": [c.pk for c in page.object_list],
            },
        )
        return response

    def get_queryset(self) -> QuerySet[Case]:
        p = self.request.query_params
        year = p.get("year")
        return selectors.register_list(
            user_of(self.request),
            q=p.get("q", ""),
            stage=p.get("stage", ""),
            category=p.get("category", ""),
            register=p.get("register", ""),
            year=int(year) if year and year.isdigit() else None,
            article=p.get("article", ""),
            detained=p.get("detained") in ("1", "true"),
            open_only=p.get("open_only") in ("1", "true"),
            mine=p.get("mine") in ("1", "true"),
        )

    @extend_schema(
        request=IntakeSerializer,
        responses={201: CaseSerializer},
        summary="Thụ lý nguồn tin / vụ án",
    )
    def post(self, request: Request) -> Response:
        data = _valid(IntakeSerializer(data=request.data))
        unit = Unit.objects.filter(pk=data["unit"]).first()
        if unit is None:
            raise exceptions.ValidationError({"unit": ["Đơn vị không tồn tại."]})
        case = services.case_register(
            actor=user_of(request),
            data=services.IntakeData(
                unit=unit,
                source=data["source"],
                name=data["name"],
                received_on=data["received_on"],
                summary=data["summary"],
                reporter=data["reporter"],
                reporter_doc=data["reporter_doc"],
                investigating_body=data["investigating_body"],
                investigator=data["investigator"],
                restricted=data["restricted"],
                national_security=data["national_security"],
                manual_number=data["number"],
            ),
        )
        return Response(CaseSerializer(case).data, status=201)


class CaseDetail(APIView):
    @extend_schema(responses=CaseDetailSerializer, summary="Hồ sơ vụ án (ghi nhật ký truy cập)")
    def get(self, request: Request, case_id: int) -> Response:
        case = _gate(request, case_id)
        services.record_view(actor=user_of(request), case=case)
        return Response(CaseDetailSerializer(case, context={"user": request.user}).data)


class AccusedCreate(APIView):
    @extend_schema(
        request=AccusedSerializer, responses={201: AccusedSerializer}, summary="Thêm bị can"
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = _gate(request, case_id)
        data = _valid(AccusedSerializer(data=request.data))
        person = services.accused_add(
            actor=user_of(request),
            case=case,
            data=services.AccusedData(
                full_name=data["full_name"],
                birth_date=data.get("birth_date"),
                birth_year=data.get("birth_year"),
                gender=data.get("gender", ""),
                id_number=data.get("id_number", ""),
                nationality=data.get("nationality", "Việt Nam"),
                address=data.get("address", ""),
                occupation=data.get("occupation", ""),
                other_names=data.get("other_names", ""),
            ),
        )
        return Response(AccusedSerializer(person).data, status=201)


class ChargeCreate(APIView):
    @extend_schema(
        request=ChargeSerializer, responses={201: ChargeSerializer}, summary="Thêm tội danh (BLHS)"
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = _gate(request, case_id)
        data = request_data(request)
        accused_id = data.get("accused")
        person = Accused.objects.filter(case=case, pk=accused_id).first() if accused_id else None
        if accused_id and person is None:
            raise exceptions.ValidationError({"accused": ["Bị can không thuộc vụ án này."]})
        try:
            clause = int(data.get("clause", 0))
        except (TypeError, ValueError) as exc:
            raise exceptions.ValidationError({"clause": ["Khoản phải là số."]}) from exc
        offence_on = None
        if data.get("offence_on"):
            try:
                offence_on = dt.date.fromisoformat(str(data["offence_on"]))
            except ValueError as exc:
                raise exceptions.ValidationError(
                    {"offence_on": ["Ngày thực hiện hành vi phạm tội không hợp lệ (YYYY-MM-DD)."]}
                ) from exc
        charge = services.charge_add(
            actor=user_of(request),
            case=case,
            article=str(data.get("article", "")),
            clause=clause,
            points=str(data.get("points", "")),
            accused=person,
            offence_on=offence_on,
        )
        return Response(ChargeSerializer(charge).data, status=201)


class EventCreate(APIView):
    @extend_schema(
        request=EventSerializer,
        responses={201: EventSerializer},
        summary="Ghi nhận quyết định tố tụng (thời hạn được tính lại)",
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = _gate(request, case_id)
        data = _valid(EventSerializer(data=request.data))
        accused_id = data.get("accused_id")
        person = Accused.objects.filter(case=case, pk=accused_id).first() if accused_id else None
        if accused_id and person is None:
            raise exceptions.ValidationError({"accused": ["Bị can không thuộc vụ án này."]})
        # The documents app's gate decides; a reference the caller may not see is a 400 naming the
        # field.
        document = case_events.resolve_document(user_of(request), data.get("document", ""))
        event = case_events.event_record(
            actor=user_of(request),
            case=case,
            data=case_events.EventData(
                kind=data["kind"],
                on=data["on"],
                accused=person,
                months=data.get("months"),
                days=data.get("days"),
                until=data.get("until"),
                number=data.get("number", ""),
                issuer=data.get("issuer", ""),
                note=data.get("note", ""),
                document=document,
            ),
        )
        case_events.timeline_documents(user_of(request), [event])
        return Response(EventSerializer(event).data, status=201)


class DeadlineBoard(ListAPIView[Any]):
    """Running limits ending within `days` days (default 7) or overdue."""

    serializer_class = DeadlineSerializer

    def get_queryset(self) -> QuerySet[ComputedDeadline]:
        raw = self.request.query_params.get("days", "7")
        days = int(raw) if raw.isdigit() else 7
        return selectors.deadline_board(
            user_of(self.request), today=timezone.localdate(), days=min(days, 366)
        )


class ArticleSearch(APIView):
    @extend_schema(responses={200: dict}, summary="Tìm điều luật BLHS theo số hoặc tên tội")
    def get(self, request: Request) -> Response:
        from digitaldesk.law import categories, code

        results = []
        for art in code.find_articles(request.query_params.get("q", ""))[:20]:
            clauses = []
            for clause in art.clauses:
                if clause.penalty is None or str(clause.kind) != "bracket":
                    continue
                try:
                    category = str(categories.category_for(art.label, clause.number or None))
                except Exception:  # noqa: S112  (a clause the classifier refuses is simply not offered)
                    continue
                clauses.append(
                    {
                        "number": clause.number,
                        "maximum": clause.penalty.maximum_label,
                        "category": category,
                        "points": [p.letter for p in clause.points],
                    }
                )
            results.append(
                {
                    "article": art.label,
                    "title": art.title,
                    "chapter": art.chapter,
                    "clauses": clauses,
                }
            )
        return Response({"results": results})


class Statistics(APIView):
    @extend_schema(responses={200: dict}, summary="Thống kê của đơn vị theo kỳ")
    def get(self, request: Request) -> Response:
        user = user_of(request)
        p = request.query_params
        try:
            date_from = dt.date.fromisoformat(p.get("date_from", ""))
            date_to = dt.date.fromisoformat(p.get("date_to", ""))
        except ValueError as exc:
            raise exceptions.ValidationError(
                {"detail": ["date_from, date_to phải theo dạng YYYY-MM-DD."]}
            ) from exc
        unit_id = int(p.get("unit") or user.unit_id or 0)
        allowed = set(selectors.led_unit_ids(user)) | ({user.unit_id} if user.unit_id else set())
        if unit_id not in allowed:
            raise exceptions.NotFound
        result = stats.unit_statistics(
            unit=Unit.objects.get(pk=unit_id), date_from=date_from, date_to=date_to
        )
        return Response(
            {
                "title": result.title,
                "tables": [
                    {"key": t.key, "title": t.title, "headers": t.headers, "rows": t.rows}
                    for t in result.tables
                ],
            }
        )
