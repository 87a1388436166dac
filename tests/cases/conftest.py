"""Fixtures of the case-register tests: the demo organisation plus helpers that go through
the real services (no rows are faked)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from digitaldesk.cases import events, services
from digitaldesk.cases.models import Case, SourceKind


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def make_case(org: Any):  # type: ignore[no-untyped-def]
    """make_case("minh", unit="tinh_p2", source=..., received=30) -> Case registered by that
    persona."""

    def make(
        person: str = "minh",
        *,
        unit: str = "tinh_p2",
        source: str = SourceKind.DENUNCIATION,
        received: int = 30,
        name: str = "Lừa đảo chiếm đoạt tài sản",
        **extra: Any,
    ) -> Case:
        actor = org.people[person]
        return services.case_register(
            actor=actor,
            data=services.IntakeData(
                unit=org.units[unit], source=source, name=name, received_on=ago(received), **extra
            ),
        )

    return make


def record(
    actor: Any, case: Case, kind: str, days_ago: int, accused: Any = None, **extra: Any
) -> Any:
    return events.event_record(
        actor=actor,
        case=case,
        data=events.EventData(kind=kind, on=ago(days_ago), accused=accused, **extra),
    )


def add_accused(actor: Any, case: Case, name: str = "Nguyễn Văn A", **extra: Any) -> Any:
    return services.accused_add(
        actor=actor, case=case, data=services.AccusedData(full_name=name, **extra)
    )
