"""The register list written for the indexes gives the same rows as the plain permission rule:
literal id lists and their sub-query fallback, name search through accused, numbers, and the
page counted up to a cap (exact below it, "more than" above it, next pages still reachable)."""

from __future__ import annotations

import pytest

from digitaldesk.cases import selectors, services
from digitaldesk.cases.models import AssignmentRole, Case, SourceKind

from .conftest import add_accused, ago
from .test_permissions import EVERYONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(org, make_case):
    minh, kv1 = org.people["minh"], org.people["kv1_ksv"]
    own = make_case("minh", name="Lừa đảo qua mạng")
    add_accused(minh, own, "Nguyễn Văn Tám")
    secret = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.DENUNCIATION,
            name="Vụ hạn chế",
            received_on=ago(9),
            restricted=True,
            leader_in_charge=org.people["pvt"],
        ),
    )
    add_accused(minh, secret, "Trần Văn Tám")
    services.grant_add(
        actor=org.people["pvt"], case=secret, unit=org.units["v5"], reason="Vụ 5 theo dõi"
    )
    regional = services.case_register(
        actor=kv1,
        data=services.IntakeData(
            unit=org.units["kv1"],
            source=SourceKind.REPORT,
            name="Trộm cắp ở khu vực",
            received_on=ago(8),
            assignees=[(kv1, AssignmentRole.LEAD_PROSECUTOR), (minh, AssignmentRole.PROSECUTOR)],
        ),
    )
    add_accused(kv1, regional, "Lê Thị Tám")
    direct = make_case(
        "mai", source=SourceKind.CASE, name="Vụ án thụ lý trực tiếp", opened_on=ago(7), received=7
    )
    return {"own": own, "secret": secret, "regional": regional, "direct": direct}


def ids(rows):
    return sorted(rows.values_list("pk", flat=True))


@pytest.mark.parametrize(("literal_max", "prune_from"), [(5000, 100), (5000, 0), (0, 0)])
def test_register_rows_equal_the_permission_rule(
    org, register, monkeypatch, literal_max, prune_from
):
    monkeypatch.setattr(selectors, "LITERAL_IDS_MAX", literal_max)  # 0: the sub-query fallback
    # 0: every id list is pruned of the cases the unit branch already selects
    monkeypatch.setattr(selectors, "LITERAL_PRUNE_FROM", prune_from)
    for person in EVERYONE:
        user = org.people[person]
        plain = Case.objects.filter(selectors.visibility_condition(user))
        assert ids(selectors.register_list(user)) == ids(plain), person
        for q in ("tam", "Tám", "lừa đảo", "khu vuc", "không có ai"):
            expected = plain.filter(
                pk__in=[
                    c.pk
                    for c in register.values()
                    if selectors.fold(q) in selectors.fold(c.name)
                    or c.accused.filter(name_folded__contains=selectors.fold(q)).exists()
                ]
            )
            assert ids(selectors.register_list(user, q=q)) == ids(expected), (person, q)
    minh = org.people["minh"]  # assigned to a case of another unit: sees it through the id list
    assert register["regional"].pk in ids(selectors.register_list(minh, q="tam"))
    number = register["direct"].case_no
    tp2 = org.people["tp2"]
    assert ids(selectors.register_list(tp2, q=str(number))) == ids(
        Case.objects.filter(selectors.visibility_condition(tp2)).filter(
            pk__in=[c.pk for c in register.values() if number in (c.case_no, c.report_no)]
        )
    )


def test_page_count_is_exact_below_the_cap_and_capped_above(org, register):
    rows = selectors.register_list(
        org.people["huong"]
    )  # the province head: every case but the restricted one
    assert rows.count() == 3
    page = selectors.RegisterPage(rows, "1", size=2, cap=10)
    assert (page.count, page.count_capped, page.num_pages, page.has_next) == (3, False, 2, True)
    assert [c.pk for c in page.object_list] == list(rows.values_list("pk", flat=True)[:2])
    last = selectors.RegisterPage(rows, "99", size=2, cap=10)  # out of range: the last page
    assert (last.number, len(last.object_list), last.has_next, last.has_previous) == (
        2,
        1,
        False,
        True,
    )
    capped = selectors.RegisterPage(rows, "2", size=1, cap=2)
    assert (capped.count_capped, capped.num_pages, capped.number, capped.has_next) == (
        True,
        None,
        2,
        True,
    )
    beyond = selectors.RegisterPage(rows, "3", size=1, cap=2)  # pages past the cap stay reachable
    assert beyond.number == 3 and beyond.has_next is False and len(beyond.object_list) == 1
    assert selectors.RegisterPage(rows, "abc").number == 1


def test_register_page_says_more_than_the_cap(org, register, as_user, monkeypatch):
    client = as_user("huong")
    assert "3 hồ sơ." in client.get("/an-hinh-su/").content.decode()
    monkeypatch.setattr(selectors.RegisterPage, "COUNT_CAP", 2)
    monkeypatch.setattr(selectors.RegisterPage, "SIZE", 1)
    page = client.get("/an-hinh-su/", {"trang": "2"}).content.decode()
    assert "Hơn 2 hồ sơ" in page and "Trang 2<" in page and "trang=3" in page and "trang=1" in page


def test_filter_form_keeps_the_chosen_filters(org):
    """Bound with values, the filter form shows them again: the chosen prosecutor selected among
    the user's prosecutors, the box checked, the text escaped; bad values are errors."""
    from digitaldesk.cases.forms import RegisterFilterForm
    from digitaldesk.cases.templatetags.cases_tags import select_html

    pros = selectors.register_prosecutors(org.people["huong"])
    assert pros and all(isinstance(pk, int) for pk, _ in pros)
    data = {"q": "Nguyễn <b>", "detained": "on", "prosecutor": str(pros[0][0])}
    form = RegisterFilterForm(data, prosecutors=pros)
    assert form.is_valid(), form.errors
    select = str(select_html(form["prosecutor"]))  # as the register page draws it
    assert f'<option value="{pros[0][0]}" selected>' in select
    assert select.count("<option") == len(pros) + 1 and select.count(" selected") == 1
    assert "checked" in str(form["detained"]) and "checked" not in str(form["mine"])
    assert 'value="Nguyễn &lt;b&gt;"' in str(form["q"])
    unknown = str(max(pk for pk, _ in pros) + 1)  # not one of the user's prosecutors
    bad = RegisterFilterForm(
        {"year": "1800", "stage": "không có", "prosecutor": unknown}, prosecutors=pros
    )
    assert not bad.is_valid() and set(bad.errors) == {"year", "stage", "prosecutor"}


@pytest.mark.parametrize("value", [None, "", "2", "99", "abc"])
def test_prosecutor_select_is_the_widget_html(value):
    """The register draws the prosecutor <select> in one loop (cases/select.html): byte for byte
    what Django's Select widget draws, unbound, chosen, unknown and invalid (aria-invalid), with
    names escaped."""
    from digitaldesk.cases.forms import RegisterFilterForm
    from digitaldesk.cases.templatetags.cases_tags import select_html

    pros = [(1, 'Lê <b> & "Văn"'), (2, "Trần Thị Bé"), (3, "Nguyễn Minh")]
    data = None if value is None else {"prosecutor": value}
    form = RegisterFilterForm(data, prosecutors=pros)
    assert form.is_bound == (value is not None) and (value != "abc" or not form.is_valid())
    assert str(select_html(form["prosecutor"])) == str(form["prosecutor"])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("stage", None),
        ("stage", "dieu_tra"),
        ("stage", "không có"),
        ("category", "nghiem_trong"),
        ("category", ""),
        ("register", "vu_an"),
        ("register", "x"),
    ],
)
def test_every_filter_select_is_the_widget_html(name, value):
    """The register draws every <select> of its filters with select_html: byte for byte what
    Django's Select widget draws for the stage, category and register filters too."""
    from digitaldesk.cases.forms import RegisterFilterForm
    from digitaldesk.cases.templatetags.cases_tags import select_html

    form = RegisterFilterForm(None if value is None else {name: value}, prosecutors=[])
    assert form[name].widget_type == "select"
    assert str(select_html(form[name])) == str(form[name])


def test_api_list_is_paginated_like_drf_and_capped_like_the_page(
    org, register, as_user, monkeypatch
):
    from digitaldesk.audit.models import AuditEvent
    from digitaldesk.cases.api import RegisterPagination

    client = as_user("huong")
    plain = ids(selectors.register_list(org.people["huong"]))
    body = client.get("/api/v1/cases/").json()
    assert (body["count"], body["count_capped"], body["next"], body["previous"]) == (
        3,
        False,
        None,
        None,
    )
    assert sorted(row["id"] for row in body["results"]) == plain
    seen = AuditEvent.objects.filter(
        action="cases.register_viewed", actor=org.people["huong"]
    ).latest("id")
    assert seen.detail["api"] is True and sorted(seen.detail["cases"]) == plain

    monkeypatch.setattr(RegisterPagination, "page_size", 1)
    first = client.get("/api/v1/cases/", {"stage": ""}).json()
    assert first["count"] == 3 and "page=2" in first["next"] and "stage=" in first["next"]
    assert first["previous"] is None
    second = client.get("/api/v1/cases/", {"page": "2"}).json()
    assert second["previous"].endswith("/api/v1/cases/") and second["next"].endswith("page=3")
    last = client.get("/api/v1/cases/", {"page": "last"}).json()
    assert last["next"] is None and last["results"][0]["id"] == min(
        plain, key=lambda pk: (selectors.Case.objects.get(pk=pk).received_on, pk)
    )
    for bad, reason in (
        ("0", "không có trang 0"),
        ("4", "không có trang 4"),
        ("abc", "“abc” không phải số trang"),
    ):
        response = client.get("/api/v1/cases/", {"page": bad})
        assert response.status_code == 404, (
            bad
        )  # with the reason in Vietnamese, not a bare "not found"
        assert response.json() == {"detail": f"Trang không hợp lệ: {reason}."}
    assert client.get("/api/v1/cases/999999999").json() == {
        "detail": "Không tìm thấy."
    }  # a plain 404 stays plain

    monkeypatch.setattr(selectors.RegisterPage, "COUNT_CAP", 2)
    capped = client.get("/api/v1/cases/", {"page": "2"}).json()
    assert (capped["count"], capped["count_capped"]) == (2, True) and capped["next"].endswith(
        "page=3"
    )
    beyond = client.get("/api/v1/cases/", {"page": "3"}).json()  # past the cap, still reachable
    assert beyond["next"] is None and len(beyond["results"]) == 1
    assert client.get("/api/v1/cases/", {"page": "4"}).status_code == 404
    too_many = client.get("/api/v1/cases/", {"page": "last"})
    assert too_many.status_code == 404 and "không xác định trang cuối" in too_many.json()["detail"]


def test_api_schema_documents_the_capped_count(as_user):
    document = as_user("huong").get("/api/v1/openapi.json").json()
    page = document["components"]["schemas"]["PaginatedCaseList"]
    assert (
        "count_capped" in page["required"]
        and page["properties"]["count_capped"]["type"] == "boolean"
    )
    assert "1.000" in page["properties"]["count"]["description"]
