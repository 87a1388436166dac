"""The second factor cannot be skipped, replaced or guessed around (issue 11, finding 1).

Everything goes through the real login pages (django test Client): the password step leaves a
half-logged-in session, and only a code from the user's confirmed device completes it. The
enrolment pages are for a user without a device (first login) or for a signed-in user who has
just given the current device's code; every code typed anywhere counts towards the lockout and
is throttled by django-otp.
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from digitaldesk.accounts import services
from digitaldesk.accounts.demo import DEMO_PASSWORD
from digitaldesk.accounts.models import Position, User
from digitaldesk.audit.models import AuditEvent
from tests.accounts.test_sso_provider import login, totp_now

pytestmark = pytest.mark.django_db

ENROL = "/dang-nhap/thiet-lap-xac-thuc/"
CODE_PAGE = "/dang-nhap/xac-thuc/"
SETUP = "/tai-khoan/xac-thuc-hai-lop/"


def code_of(device: TOTPDevice, offset: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:06d}"


def wrong_code(right: str) -> str:
    return "000000" if right != "000000" else "111111"


def password_only(username: str) -> Client:
    """A browser that gave the right password and stopped before the second factor."""
    client = Client()
    response = client.post("/dang-nhap/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def new_official_of_cuc_2() -> User:
    """An official of a unit that requires 2FA (Cục 2's Phòng 1) who has no device yet."""
    user = User.objects.create(
        username="moi.c2",
        full_name="Trần Văn Mới",
        unit=User.objects.get(username="dung.c2").unit.parent,
        position=Position.objects.get(code="chuyen-vien"),
        must_change_password=False,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_password_only_session_cannot_open_the_enrolment_page_of_a_user_with_a_device(org):
    """GIVEN an administrator of Cục 2 (2FA required) with a confirmed device, password given
    WHEN the browser skips the code page and opens the enrolment page, then posts a code
    THEN no new secret is shown, nothing is enrolled, the session stays half-logged-in and the
    real device is kept."""
    dung = org.people["dung"]
    device = TOTPDevice.objects.get(user=dung, confirmed=True)
    client = password_only("dung.c2")
    page = client.get(ENROL)
    assert page.status_code == 302 and page["Location"] == CODE_PAGE
    assert not TOTPDevice.objects.filter(user=dung, confirmed=False).exists()
    posted = client.post(ENROL, {"token": "123456"})
    assert posted.status_code == 302 and posted["Location"] == CODE_PAGE
    assert not signed_in(client)
    assert list(TOTPDevice.objects.filter(user=dung).values_list("pk", "confirmed")) == [
        (device.pk, True)
    ]
    assert not AuditEvent.objects.filter(action="auth.2fa_enrolled").exists()


def test_an_enrolment_nobody_proved_never_removes_a_confirmed_device(org):
    """The service refuses, whoever calls it: a first enrolment (replacing=None) of a user who
    already has a confirmed device is refused before its code is even looked at."""
    dung = org.people["dung"]
    device = services.totp_start_enrolment(dung)
    with pytest.raises(services.SecondFactorRefused, match="đã có thiết bị xác thực"):
        services.totp_confirm(
            user=dung, device=device, token=code_of(device), replacing=None, ip=None
        )
    assert TOTPDevice.objects.filter(user=dung, confirmed=True).count() == 1
    device.refresh_from_db()
    assert not device.confirmed


@override_settings(DESK_LOCKOUT_ATTEMPTS=3, OTP_TOTP_THROTTLE_FACTOR=0)
def test_wrong_codes_on_the_enrolment_page_lock_the_account_like_the_code_page(org):
    """GIVEN a first login that must enrol (no device yet)
    WHEN three wrong codes are confirmed on the enrolment page
    THEN the account is locked and even the right code then does not log in."""
    user = new_official_of_cuc_2()
    client = password_only("moi.c2")
    assert client.get(ENROL).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    for _ in range(3):
        refused = client.post(ENROL, {"token": wrong_code(code_of(device))})
        assert refused.status_code == 200
    assert "đang tạm khóa" in refused.content.decode()
    user.refresh_from_db()
    assert user.is_locked
    late = client.post(ENROL, {"token": code_of(device)})
    assert "đang tạm khóa" in late.content.decode()
    assert not signed_in(client)
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert AuditEvent.objects.filter(
        action="auth.locked", actor=user, detail__reason="totp_enrol"
    ).exists()


def test_enrolment_confirmation_is_throttled_and_says_how_long_to_wait(org):
    """Right after a typo the right code is refused for a few seconds; the page says how many."""
    user = new_official_of_cuc_2()
    client = password_only("moi.c2")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(ENROL, {"token": wrong_code(code_of(device))})
    too_soon = client.post(ENROL, {"token": code_of(device)}).content.decode()
    assert re.search(r"Vui lòng chờ \d+ giây", too_soon), too_soon[:2000]
    assert not signed_in(client)
    time.sleep(1.1)
    done = client.post(ENROL, {"token": code_of(device)})
    assert done.status_code == 302 and signed_in(client)
    assert TOTPDevice.objects.get(user=user).confirmed


def test_code_page_says_how_many_seconds_to_wait_after_a_typo(org):
    """Issue 13, item 15: "vui lòng chờ vài giây" became the number of seconds."""
    client = password_only("dung.c2")
    client.post(CODE_PAGE, {"token": wrong_code(totp_now())})
    too_soon = client.post(CODE_PAGE, {"token": totp_now()}).content.decode()
    assert re.search(r"Vui lòng chờ [12] giây", too_soon), too_soon[:2000]
    assert "vài giây" not in too_soon


def test_signed_in_user_replaces_the_device_only_after_giving_its_current_code(org):
    """GIVEN an administrator signed in with password and TOTP
    WHEN they open the 2FA settings page
    THEN the current code is asked first (no new secret shown); a confirmation posted without
    it changes nothing; a wrong current code counts as a failed login; with the current code
    the new device replaces the old one, audited."""
    dung = org.people["dung"]
    old = TOTPDevice.objects.get(user=dung, confirmed=True)
    client = Client()
    login(client, "dung.c2", totp_offset=0)
    first = client.get(SETUP)
    assert first.status_code == 200
    assert 'id="totp-secret"' not in first.content.decode() and "hiện tại" in first.content.decode()
    assert not TOTPDevice.objects.filter(user=dung, confirmed=False).exists()
    skipped = client.post(SETUP, {"token": "123456"})
    assert skipped.status_code == 302 and skipped["Location"] == SETUP
    wrong = client.post(SETUP, {"current-token": wrong_code(totp_now(1))})
    assert "Mã xác thực không đúng" in wrong.content.decode()
    dung.refresh_from_db()
    assert dung.failed_logins == 1
    time.sleep(1.1)  # django-otp's throttle after the wrong code
    proven = client.post(SETUP, {"current-token": totp_now(1)})
    assert proven.status_code == 302 and proven["Location"] == SETUP
    enrol = client.get(SETUP)
    assert 'id="totp-secret"' in enrol.content.decode()
    new = TOTPDevice.objects.get(user=dung, confirmed=False)
    done = client.post(SETUP, {"token": code_of(new)})
    assert done.status_code == 302 and done["Location"] == "/tai-khoan/"
    assert list(TOTPDevice.objects.filter(user=dung).values_list("pk", "confirmed")) == [
        (new.pk, True)
    ]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    event = AuditEvent.objects.get(action="auth.2fa_enrolled", actor=dung)
    assert event.detail["replaced"] is True


def test_first_enrolment_from_the_settings_page_needs_no_current_code(org, as_user):
    """A user without a device (unit without the 2FA rule) turns it on directly."""
    minh = org.people["minh"]
    client = as_user("minh")
    page = client.get(SETUP)
    assert 'id="totp-secret"' in page.content.decode()
    device = TOTPDevice.objects.get(user=minh, confirmed=False)
    done = client.post(SETUP, {"token": code_of(device)})
    assert done.status_code == 302
    assert TOTPDevice.objects.get(user=minh).confirmed


def test_external_login_half_done_cannot_enrol_over_an_existing_device(org):
    """The same rule after a login through the external IdP: its enrolment page sends a user who
    has a device to the code page. (The half-logged-in state is what the IdP callback leaves in
    the session, views_sso.external_callback; the callback itself is tested in
    test_sso_external.py.)"""
    from digitaldesk.accounts.views_sso import PENDING_EXTERNAL_KEY

    dung = org.people["dung"]
    client = Client()
    session = client.session
    session[PENDING_EXTERNAL_KEY] = {"user": dung.pk, "at": time.time(), "next": None}
    session.save()
    page = client.get("/dang-nhap/ngoai/thiet-lap-xac-thuc/")
    assert page.status_code == 302 and page["Location"] == "/dang-nhap/ngoai/xac-thuc/"
    assert not TOTPDevice.objects.filter(user=dung, confirmed=False).exists()
    assert not signed_in(client)
