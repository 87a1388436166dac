"""The register's rows (the Jinja2 fragment `cases/jinja2/cases/register_rows.html`, drawn by
`cases_tags.register_rows` from the plain tuples of `selectors.with_list_details`) are byte for
byte what the Django row template fed with model instances wrote: that one is kept here as the
reference and compared over a varied page
(restricted case, more than three accused, measures, a clause 0, an overridden category, a unit
without a short name, HTML in names, deadlines overdue / today / soon / later / none)."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template

from digitaldesk.cases import selectors, services
from digitaldesk.cases.models import (
    Accused,
    AssignmentRole,
    CaseAssignment,
    Charge,
    ComputedDeadline,
    SourceKind,
)
from digitaldesk.law.deadlines import EventKind as E

from .conftest import add_accused, ago, record

pytestmark = pytest.mark.django_db

# The template rows as they were (register.html before `with_list_details`), with the
# category badge explained (issue 13).
OLD_ROWS = Template(
    "{% load cases_tags %}{% for case in cases %}\n"
    "    <tr>\n"
    '      <td class="nowrap"><a href="{% url \'cases:detail\' case.pk %}">'
    '{{ case.register_label }}</a><br><span class="muted small">'
    '{{ case.received_on|date:"d/m/Y" }}</span>'
    '{% if case.restricted %} <span class="badge warn">Hạn chế</span>'
    "{% endif %}</td>\n"
    "      <td><a href=\"{% url 'cases:detail' case.pk %}\">{{ case.name }}</a>"
    '<br><span class="muted small">'
    "{{ case.unit.short_name|default:case.unit.name }}</span></td>\n"
    '      <td>{% for a in case.list_accused|slice:":3" %}{{ a.full_name }}'
    '{% if a.measure %} <span class="badge">{{ a.measure|measure_label }}'
    "</span>{% endif %}{% if not forloop.last %}, {% endif %}{% endfor %}"
    "{% if case.list_accused|length > 3 %}"
    ' và {{ case.list_accused|length|add:"-3" }} người khác{% endif %}'
    "</td>\n"
    '      <td>{% for c in case.list_charges|slice:":3" %}Đ.{{ c.article }}'
    "{% if c.clause %} k.{{ c.clause }}{% endif %}"
    "{% if not forloop.last %}; {% endif %}{% endfor %}"
    '{% if case.effective_category %}<br><abbr class="badge" title="'
    '{{ case.effective_category|category_label }} (BLHS 2015 Điều 9)">'
    "{{ case.effective_category|category_abbr }}</abbr>{% endif %}</td>\n"
    "      <td>{{ case.stage|stage_label }}</td>\n"
    "      <td>{% for u in case.list_prosecutors %}{{ u.full_name }}"
    "{% if not forloop.last %}, {% endif %}{% endfor %}</td>\n"
    "      <td>{% if case.next_deadline %}"
    '<span class="{{ case.next_deadline.end|urgency:today }}">'
    '{{ case.next_deadline.end|date:"d/m/Y" }} — <span class="dl-left">'
    "{% days_left case.next_deadline.end today %}</span></span><br>"
    '<span class="muted small">{{ case.next_deadline.label }}</span>'
    "{% endif %}</td>\n"
    "    </tr>\n"
    "  {% empty %}\n"
    '    <tr><td colspan="7">Không có hồ sơ nào phù hợp.</td></tr>\n'
    "  {% endfor %}"
)
NEW_ROWS = Template("{% load cases_tags %}{% register_rows cases today %}")


def same_entities(html: str) -> str:
    """Jinja2 (markupsafe) writes `"` and `'` as &#34; and &#39;, Django as &quot; and &#x27;."""
    return html.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")


def old_details(cases: list[Any]) -> list[Any]:
    """`with_list_details` as it was: model instances, the template reads their attributes."""
    ids = [c.pk for c in cases]
    by_case: dict[int, dict[str, list[Any]]] = {
        pk: {"accused": [], "prosecutors": [], "charges": [], "deadlines": []} for pk in ids
    }
    for person in (
        Accused.objects.filter(case_id__in=ids)
        .only("case_id", "full_name", "measure")
        .order_by("order", "pk")
    ):
        by_case[person.case_id]["accused"].append(person)
    for assignment in (
        CaseAssignment.objects.filter(case_id__in=ids, ended_on__isnull=True)
        .select_related("user")
        .order_by("role", "pk")
    ):
        by_case[assignment.case_id]["prosecutors"].append(assignment.user)
    for charge in Charge.objects.filter(case_id__in=ids).only(
        "case_id", "article", "clause", "points"
    ):
        by_case[charge.case_id]["charges"].append(charge)
    for deadline in ComputedDeadline.objects.filter(case_id__in=ids, running=True).order_by(
        "end", "pk"
    ):
        if not by_case[deadline.case_id]["deadlines"]:
            by_case[deadline.case_id]["deadlines"].append(deadline)
    for case in cases:
        extra = by_case[case.pk]
        case.list_accused = extra["accused"]
        case.list_prosecutors = extra["prosecutors"]
        case.list_charges = extra["charges"]
        case.next_deadline = extra["deadlines"][0] if extra["deadlines"] else None
    return cases


@pytest.fixture
def varied(org, make_case):
    minh, pvt = org.people["minh"], org.people["pvt"]
    many = make_case("minh", name='Lừa đảo "qua mạng" & <chiếm đoạt>', received=70)
    record(minh, many, E.KHOI_TO_VU_AN, 60)
    people = [
        add_accused(minh, many, name)
        for name in ("Nguyễn Văn A", "Trần <Thị> B", "Lê C", "Phạm D", "Võ E")
    ]
    for person in people[:2]:
        record(minh, many, E.KHOI_TO_BI_CAN, 59, accused=person)
        record(minh, many, E.TAM_GIAM, 58, accused=person, months=2)
    for article, clause in (("174", 2), ("181", 0), ("173", 1), ("134", 1)):
        services.charge_add(actor=minh, case=many, article=article, clause=clause)
    services.assignment_add(
        actor=pvt, case=many, user=org.people["mai"], role=AssignmentRole.PROSECUTOR
    )
    overridden = make_case("minh", name="Vụ có loại tội điều chỉnh", received=25)
    services.charge_add(actor=minh, case=overridden, article="173", clause=1)
    services.category_override_set(
        actor=pvt, case=overridden, category="rat_nghiem_trong", reason="Theo chỉ đạo"
    )
    secret = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.DENUNCIATION,
            name="Vụ hạn chế",
            received_on=ago(19),
            restricted=True,
            leader_in_charge=org.people["huong"],
        ),
    )
    today_case = make_case("minh", name="Hết hạn hôm nay", received=20)  # 20-day limit: ends today
    soon = make_case("minh", name="Sắp hết hạn", received=15)
    regional = services.case_register(
        actor=org.people["kv1_ksv"],
        data=services.IntakeData(
            unit=org.units["kv1"],
            source=SourceKind.CASE,
            name="Vụ ở khu vực",
            received_on=ago(3),
            opened_on=ago(3),
        ),
    )
    overdue = make_case("minh", name="Quá hạn", received=200)
    closed = make_case("minh", name="Không khởi tố", received=40)
    record(minh, closed, E.KHONG_KHOI_TO_VU_AN, 30)
    return [many, overridden, secret, today_case, soon, regional, overdue, closed]


def test_rows_equal_the_template_rows(org, varied):
    from django.utils import timezone

    unit = org.units["kv1"]
    unit.short_name = ""  # the unit's full name is shown then
    unit.save(update_fields=["short_name"])
    today = timezone.localdate()
    rows = selectors.register_list(org.people["huong"])
    page = selectors.RegisterPage(rows, 1)
    assert len(page.object_list) == len(varied)
    new_cases = selectors.with_list_details(list(page.object_list))
    old_cases = old_details(list(selectors.RegisterPage(rows, 1).object_list))
    new = same_entities(NEW_ROWS.render(Context({"cases": new_cases, "today": today})))
    old = OLD_ROWS.render(Context({"cases": old_cases, "today": today}))
    assert new == old
    for text in (
        "và 2 người khác",
        "Đ.181;",
        "Hạn chế",
        "&quot;qua mạng&quot; &amp; &lt;chiếm đoạt&gt;",
        "Trần &lt;Thị&gt; B",
        "hết hạn hôm nay",
        "quá hạn",
        "Tạm giam",
        org.units["kv1"].name,
    ):
        assert text in new, text
    assert NEW_ROWS.render(Context({"cases": [], "today": today})) == OLD_ROWS.render(
        Context({"cases": [], "today": today})
    )


def test_the_register_page_shows_the_rows(org, varied, as_user):
    page = as_user("huong").get("/an-hinh-su/").content.decode()
    assert "8 hồ sơ." in page and page.count('<tr>\n      <td class="nowrap">') == 8
    assert f'href="/an-hinh-su/{varied[0].pk}/"' in page
