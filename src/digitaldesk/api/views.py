"""REST API v1: thin views over the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import Role, Unit, User
from digitaldesk.accounts.selectors import effective_roles, units_visible_to, users_visible_to
from digitaldesk.api import serializers
from digitaldesk.api.errors import NotFoundWithReason
from digitaldesk.audit.models import AuditEvent
from digitaldesk.audit.selectors import audit_search
from digitaldesk.jobs.views import job_for_user
from digitaldesk.notifications import services as notification_services
from digitaldesk.notifications.models import Notification

_MESSAGES = {
    exceptions.NotAuthenticated: "Bạn chưa đăng nhập hoặc mã truy cập không hợp lệ.",
    exceptions.AuthenticationFailed: "Xác thực không thành công.",
    exceptions.PermissionDenied: "Bạn không có quyền thực hiện thao tác này.",
    exceptions.NotFound: "Không tìm thấy.",
    exceptions.MethodNotAllowed: "Phương thức không được hỗ trợ.",
    exceptions.Throttled: "Quá nhiều yêu cầu, vui lòng thử lại sau.",
    exceptions.UnsupportedMediaType: "Định dạng dữ liệu không được hỗ trợ.",
    exceptions.ParseError: "Dữ liệu gửi lên không đúng định dạng JSON.",
}

# The API's answer to a write through the browser session without a valid CSRF token.
CSRF_MESSAGE = (
    "Yêu cầu bị từ chối vì thiếu hoặc sai mã chống giả mạo (CSRF) của phiên "
    "đăng nhập. Hãy tải lại trang rồi thử lại, hoặc gọi API bằng mã truy cập "
    "(Authorization: Token ...); dữ liệu chưa được lưu."
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Vietnamese messages; Django's own errors mapped to their HTTP meaning."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # DRF's session authentication words a missing or wrong CSRF token in English.
        exc = exceptions.PermissionDenied(CSRF_MESSAGE)
    response = drf_exception_handler(exc, context)
    if response is not None and not isinstance(
        exc, (exceptions.ValidationError, NotFoundWithReason)
    ):
        for kind, message in _MESSAGES.items():
            if isinstance(exc, kind) and (
                not isinstance(exc, exceptions.PermissionDenied)
                or str(exc.detail) == exceptions.PermissionDenied.default_detail
            ):
                response.data = {"detail": message}
                break
    return response


class MeView(APIView):
    @extend_schema(responses=serializers.MeSerializer, summary="Tài khoản đang đăng nhập")
    def get(self, request: Request) -> Response:
        return Response(serializers.MeSerializer(request.user).data)


class UnitList(generics.ListAPIView[Any]):
    """Units the caller may see (leaders: their subtree; administrators: all)."""

    serializer_class = serializers.UnitSerializer

    def get_queryset(self) -> QuerySet[Unit]:
        return units_visible_to(user_of(self.request)).order_by("path")


class UserList(generics.ListAPIView[Any]):
    serializer_class = serializers.UserSerializer

    def get_queryset(self) -> QuerySet[User]:
        return users_visible_to(user_of(self.request))


class NotificationList(generics.ListAPIView[Any]):
    serializer_class = serializers.NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.filter(user=user_of(self.request))


class NotificationsRead(APIView):
    @extend_schema(request=None, responses={200: dict}, summary="Đánh dấu mọi thông báo là đã đọc")
    def post(self, request: Request) -> Response:
        return Response({"marked": notification_services.mark_read(user=request.user)})


class JobDetail(APIView):
    @extend_schema(responses=serializers.JobSerializer, summary="Tiến độ một công việc nền")
    def get(self, request: Request, job_id: str) -> Response:
        from django.http import Http404

        try:
            record = job_for_user(user_of(request), job_id)
        except Http404 as exc:
            raise exceptions.NotFound from exc
        return Response(serializers.JobSerializer(record).data)


class AuditList(generics.ListAPIView[Any]):
    serializer_class = serializers.AuditEventSerializer

    def get_queryset(self) -> QuerySet[AuditEvent]:
        roles = effective_roles(user_of(self.request))
        if Role.AUDITOR not in roles and Role.ADMIN not in roles:
            raise exceptions.PermissionDenied(
                "Chỉ cán bộ thanh tra hoặc quản trị được xem nhật ký kiểm toán."
            )
        params = self.request.query_params
        return audit_search(
            actor_query=params.get("actor", ""),
            action=params.get("action", ""),
            object_type=params.get("object_type", ""),
            object_id=params.get("object_id", ""),
        )


class HealthView(APIView):
    permission_classes: list[Any] = []

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"}, status=status.HTTP_200_OK)


def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI from the vendored sidecar assets; its start-up script is a static file (CSP)."""
    return render(request, "api/docs.html")
