"""The desk home gathers the widgets that apps register; one broken widget never breaks the desk."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest

from digitaldesk.core.widgets import widget

pytestmark = pytest.mark.django_db


def test_widgets_appear_in_their_order_and_only_for_whom_they_apply(
    org: Any, as_user: Any, extra_widgets: list[str]
) -> None:
    @widget("test.first", title="Việc cần làm trước", order=1, template="desk/test_widget.html")
    def first(request: HttpRequest) -> dict[str, Any] | None:
        return {"text": f"Xin chào {request.user.full_name}"}  # type: ignore[union-attr]

    @widget(
        "test.leaders", title="Chỉ dành cho lãnh đạo", order=2, template="desk/test_widget.html"
    )
    def leaders_only(request: HttpRequest) -> dict[str, Any] | None:
        from digitaldesk.accounts.models import Role
        from digitaldesk.accounts.selectors import effective_roles

        return (
            {"text": "Tình hình đơn vị"} if Role.LEADER in effective_roles(request.user) else None
        )  # type: ignore[arg-type]

    extra_widgets += ["test.first", "test.leaders"]
    leader = as_user("huong").get("/").content.decode()
    assert (
        leader.index("Việc cần làm trước")
        < leader.index("Chỉ dành cho lãnh đạo")
        < leader.index("Thông báo chưa đọc")
    )  # order 1, 2, then the notifications (order 10)
    assert "Xin chào Nguyễn Thị Hương" in leader
    prosecutor = as_user("minh").get("/").content.decode()
    assert "Việc cần làm trước" in prosecutor and "Chỉ dành cho lãnh đạo" not in prosecutor


def test_a_failing_widget_shows_an_error_box_and_the_rest_of_the_desk(
    org: Any, as_user: Any, extra_widgets: list[str]
) -> None:
    @widget("test.broken", title="Mục bị lỗi", order=1, template="desk/test_widget.html")
    def broken(request: HttpRequest) -> dict[str, Any] | None:
        raise ValueError("dữ liệu hỏng")

    @widget("test.bad_template", title="Mẫu bị lỗi", order=2, template="desk/khong-co-mau-nay.html")
    def bad_template(request: HttpRequest) -> dict[str, Any] | None:
        return {}

    extra_widgets += ["test.broken", "test.bad_template"]
    response = as_user("minh").get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Không tải được mục này") == 2
    assert "Mục bị lỗi" in page and "Mẫu bị lỗi" in page and "Thông báo chưa đọc" in page
    assert "dữ liệu hỏng" not in page


def test_a_widget_for_some_roles_is_not_even_called_for_others(
    org: Any, as_user: Any, extra_widgets: list[str]
) -> None:
    from digitaldesk.accounts.models import Role

    calls: list[str] = []

    @widget(
        "test.clerks",
        title="Sổ văn bản chờ vào sổ",
        order=3,
        template="desk/test_widget.html",
        roles={Role.CLERK},
    )
    def clerks_only(request: HttpRequest) -> dict[str, Any] | None:
        calls.append(request.user.username)  # type: ignore[union-attr]
        return {"text": "3 văn bản chờ vào sổ"}

    extra_widgets.append("test.clerks")
    assert "Sổ văn bản chờ vào sổ" not in as_user("minh").get("/").content.decode()
    assert "3 văn bản chờ vào sổ" in as_user("lan").get("/").content.decode()
    assert calls == ["lan.vthu"]  # the prosecutor's desk never ran it
