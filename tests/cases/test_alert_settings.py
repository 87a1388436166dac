"""Deadline alerts (issue #4): the days before expiry come from DESK_CASES_ALERT_DAYS, and each
alert goes to the assigned prosecutor and the leader in charge in the desk AND by e-mail (one
e-mail job per new notification, through the notifications app's real queue)."""

from __future__ import annotations

import pytest

from digitaldesk.cases.deadlines import deadline_alerts
from digitaldesk.cases.models import ComputedDeadline
from digitaldesk.jobs.models import Job
from digitaldesk.notifications.models import Notification

from .conftest import ago
from .test_events_deadlines import detained  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_alert_days_follow_the_setting_and_alerts_are_emailed(org, detained, settings):  # noqa: F811
    case, _ = detained
    detention = ComputedDeadline.objects.filter(case=case, kind="tam_giam")
    detention.update(end=ago(-7))  # seven days left
    settings.DESK_CASES_ALERT_DAYS = "5,3"
    assert deadline_alerts() == 0  # seven days left is before the first threshold (5)
    settings.DESK_CASES_ALERT_DAYS = "7"
    assert deadline_alerts() >= 2
    alerts = Notification.objects.filter(
        kind="cases.deadline", title__startswith="Còn 7 ngày: Thời hạn tạm giam"
    )
    assert set(alerts.values_list("user__username", flat=True)) == {"minh.ksv", "son.tp2"}
    emails = Job.objects.filter(name="notifications.send_email")
    assert set(emails.values_list("kwargs__notification_id", flat=True)) >= set(
        alerts.values_list("pk", flat=True)
    )
    # A malformed setting falls back to the default thresholds (10, 5, 2, 1) instead of breaking the
    # job.
    settings.DESK_CASES_ALERT_DAYS = "mười, năm"
    detention.update(end=ago(-1))
    assert deadline_alerts() >= 2
    assert (
        Notification.objects.filter(title__startswith="Còn 1 ngày: Thời hạn tạm giam").count() == 2
    )
