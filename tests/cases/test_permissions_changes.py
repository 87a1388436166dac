"""Who changes a case, for the three cases of the permission matrix (test_permissions.py): one of
the persona's own unit, a restricted one shared with Vụ 5 by a grant (grantees only read), and one
of another procuracy (VKSND khu vực 1). Through the HTTP interface: a page form, the access page,
the package export and the API; forbidden and missing look the same (404)."""

from __future__ import annotations

import pytest

from tests.conftest import login_client

from .test_permissions import EVERYONE, SEES, cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

# Assignees, the leader in charge and the leaders of the case's unit (and of the units above it).
EDITS = {
    "own": {"minh", "tp2", "ptp2", "huong", "pvt"},
    "secret": {"minh", "pvt"},  # restricted: the unit's other leaders do not even see it
    "regional": {"kv1_vt", "kv1_ksv", "huong", "pvt"},
}
MANAGES = {
    "own": {"tp2", "ptp2", "huong", "pvt"},
    "secret": {"pvt"},
    "regional": {"kv1_vt", "huong", "pvt"},
}


@pytest.mark.parametrize("key", ["secret", "regional"])
def test_change_matrix_on_restricted_and_other_unit_cases(org, cases, key):  # noqa: F811
    case = cases[key]
    for person in EVERYONE:
        client = login_client(org.people[person])
        sees = person in SEES[key]
        response = client.post(
            f"/an-hinh-su/{case.pk}/bi-can/", {"acc-full_name": f"Bị can của {person}"}
        )
        expected = 302 if person in EDITS[key] else 403 if sees else 404
        assert response.status_code == expected, (key, person, "page")
        access = client.get(f"/an-hinh-su/{case.pk}/phan-cong/")
        assert access.status_code == (200 if person in MANAGES[key] else 403 if sees else 404), (
            key,
            person,
        )
        export = client.post(f"/an-hinh-su/{case.pk}/xuat-goi/")
        assert export.status_code == (200 if person in EDITS[key] else 403 if sees else 404), (
            key,
            person,
        )
        api = client.post(
            f"/api/v1/cases/{case.pk}/accused",
            {"full_name": "Qua API"},
            content_type="application/json",
        )
        assert api.status_code == (201 if person in EDITS[key] else 403 if sees else 404), (
            key,
            person,
            "api",
        )
    names = set(case.accused.values_list("full_name", flat=True))
    assert names >= {f"Bị can của {p}" for p in EDITS[key]}
    assert not names & {f"Bị can của {p}" for p in set(EVERYONE) - EDITS[key]}
