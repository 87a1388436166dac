"""The REST API (/api/v1/cases/...) through HTTP, and the demo cases."""

from __future__ import annotations

import pytest

from digitaldesk.cases.models import Case, ComputedDeadline, Measure
from digitaldesk.law.deadlines import EventKind as E

from .conftest import ago

pytestmark = pytest.mark.django_db


def test_api_intake_accused_charge_event_and_board(org, as_user):
    client = as_user("minh")
    created = client.post(
        "/api/v1/cases/",
        {
            "unit": org.units["tinh_p2"].pk,
            "source": "to_giac",
            "name": "Cướp giật tài sản",
            "received_on": ago(12).isoformat(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    assert created.json()["register_label"].startswith("Nguồn tin số 01/")
    opened = client.post(
        f"/api/v1/cases/{case_id}/events",
        {"kind": E.KHOI_TO_VU_AN, "on": ago(10).isoformat()},
        content_type="application/json",
    )
    assert opened.status_code == 201 and opened.json()["kind_label"] == "Khởi tố vụ án"
    person = client.post(
        f"/api/v1/cases/{case_id}/accused",
        {"full_name": "Mạc Văn Dũng", "birth_year": 2000},
        content_type="application/json",
    ).json()
    charge = client.post(
        f"/api/v1/cases/{case_id}/charges",
        {"article": "171", "clause": 1, "accused": person["id"]},
        content_type="application/json",
    )
    assert charge.status_code == 201 and charge.json()["category"] == "nghiem_trong"
    bad = client.post(
        f"/api/v1/cases/{case_id}/charges",
        {"article": "999", "clause": 1},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "Điều 999" in bad.content.decode()
    for kind in (E.KHOI_TO_BI_CAN, E.PHE_CHUAN_KHOI_TO_BI_CAN):
        assert (
            client.post(
                f"/api/v1/cases/{case_id}/events",
                {"kind": kind, "on": ago(9).isoformat(), "accused": person["id"]},
                content_type="application/json",
            ).status_code
            == 201
        )
    detention = client.post(
        f"/api/v1/cases/{case_id}/events",
        {"kind": E.TAM_GIAM, "on": ago(9).isoformat(), "accused": person["id"], "months": 2},
        content_type="application/json",
    )
    assert detention.status_code == 201
    too_long = client.post(
        f"/api/v1/cases/{case_id}/events",
        {
            "kind": E.GIA_HAN_TAM_GIAM,
            "on": ago(1).isoformat(),
            "accused": person["id"],
            "months": 6,
        },
        content_type="application/json",
    )
    assert too_long.status_code == 400 and "Điều 173" in too_long.content.decode()
    detail = client.get(f"/api/v1/cases/{case_id}").json()
    assert {d["kind"] for d in detail["deadlines"] if d["running"]} >= {"tam_giam", "dieu_tra"}
    board = client.get("/api/v1/cases/deadlines", {"days": 90}).json()
    assert any(row["case"] == case_id and row["kind"] == "tam_giam" for row in board["results"])
    listing = client.get("/api/v1/cases/", {"detained": "1"}).json()
    assert [row["id"] for row in listing["results"]] == [case_id]
    articles = client.get("/api/v1/cases/articles", {"q": "cướp giật"}).json()["results"]
    assert articles[0]["article"] == "171" and articles[0]["clauses"][0]["category"]
    stats = client.get(
        "/api/v1/cases/statistics",
        {"date_from": ago(30).isoformat(), "date_to": ago(0).isoformat()},
    )
    assert stats.status_code == 200 and stats.json()["tables"][1]["rows"][0][2] == 1
    assert as_user("ksvcc").get(f"/api/v1/cases/{case_id}").status_code == 404


def test_demo_cases_fill_the_board(org):
    from digitaldesk.cases.demo import build_cases

    class Out:
        lines: list[str] = []

        def write(self, text: str) -> None:
            self.lines.append(text)

    assert build_cases(org, Out()) == 5
    assert build_cases(org, Out()) == 0  # idempotent
    people = {p.full_name: p for p in Case.objects.get(name__startswith="Lừa đảo").accused.all()}
    assert people["Nguyễn Văn Thành"].measure == Measure.DETENTION
    assert people["Lê Thị Kim Oanh"].measure == Measure.CUSTODY
    running = ComputedDeadline.objects.filter(running=True)
    kinds = set(running.values_list("kind", flat=True))
    assert {"tam_giam", "tam_giu", "dieu_tra", "nguon_tin", "truy_to"} <= kinds
    assert running.filter(
        end__lte=ago(-7), case__unit=org.units["tinh_p2"]
    ).exists()  # something this week
    for unit in ("tinh_p1", "tinh_p2", "kv1"):
        assert Case.objects.filter(unit=org.units[unit]).exists()
    assert not running.filter(end__lt=ago(0)).exists()  # nothing overdue in a fresh demo
