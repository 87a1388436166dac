"""Login with password and TOTP, lockout, first-login password change, idle timeout."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from digitaldesk.accounts.models import User
from digitaldesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def totp_code(device: TOTPDevice, offset: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:06d}"


def post_login(client: Client, username: str, password: str, **extra: str):
    return client.post("/dang-nhap/", {"username": username, "password": password, **extra})


def test_prosecutor_without_2fa_logs_in_with_password_and_lands_on_the_desk(org, password):
    client = Client()
    response = post_login(client, "minh.ksv", password)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Bàn làm việc" in home.content.decode()
    assert AuditEvent.objects.filter(action="auth.login", actor=org.people["minh"]).exists()


def test_user_with_totp_must_enter_the_code(org, password):
    client = Client()
    response = post_login(client, "dung.c2", password)
    assert response["Location"] == "/dang-nhap/xac-thuc/"
    assert client.get("/").status_code == 302  # not logged in yet
    device = TOTPDevice.objects.get(user=org.people["dung"])
    wrong = client.post(
        "/dang-nhap/xac-thuc/", {"token": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert "Mã xác thực không đúng" in wrong.content.decode()
    too_soon = client.post("/dang-nhap/xac-thuc/", {"token": totp_code(device)})
    # django-otp throttles after a wrong code; the page says for how long.
    assert "Vui lòng chờ 1 giây" in too_soon.content.decode()
    time.sleep(1.1)
    ok = client.post("/dang-nhap/xac-thuc/", {"token": totp_code(device)})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.filter(action="auth.login", actor=org.people["dung"]).latest("id")
    assert event.detail["method"] == "password+totp"


def test_unit_requiring_2fa_forces_enrolment_at_login(org, password):
    # Cục 2 requires 2FA; Phòng 1 of Cục 2 inherits the requirement from its parent unit.
    from digitaldesk.accounts.models import Position

    user = User.objects.create(
        username="moi.c2",
        full_name="Trần Văn Mới",
        unit=org.units["c2_p1"],
        position=Position.objects.get(code="chuyen-vien"),
        must_change_password=False,
    )
    user.set_password(password)
    user.save()
    client = Client()
    response = post_login(client, "moi.c2", password)
    assert response["Location"] == "/dang-nhap/thiet-lap-xac-thuc/"
    page = client.get("/dang-nhap/thiet-lap-xac-thuc/")
    assert "<svg" in page.content.decode()  # QR code rendered inline, no external service
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/dang-nhap/thiet-lap-xac-thuc/", {"token": totp_code(device)})
    assert done.status_code == 302 and done["Location"] == "/"
    assert TOTPDevice.objects.get(user=user).confirmed
    assert AuditEvent.objects.filter(action="auth.2fa_enrolled", actor=user).exists()


def refusal(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The login page's error messages (the form's non-field errors)."""
    assert response.status_code == 200
    return list(response.context["form"].non_field_errors())


@override_settings(DESK_LOCKOUT_ATTEMPTS=3, DESK_LOCKOUT_MINUTES=15)
def test_refusals_look_the_same_for_unknown_known_and_locked_logins(org, password):
    """Issue 11, finding 8: the login page must not tell which user names exist or are locked.

    An unknown name, a wrong password, the failure that locks the account, a locked account
    with a wrong password and with the right one, an unknown name tried as often: one message."""
    answers = {
        "wrong password": refusal(post_login(Client(), "minh.ksv", "sai-mat-khau-123")),
        "unknown name": refusal(post_login(Client(), "khong.ton.tai", "sai-mat-khau-123")),
    }
    answers["locking failure"] = refusal(post_login(Client(), "minh.ksv", "sai-mat-khau-123"))
    assert not User.objects.get(username="minh.ksv").is_locked
    answers["locking failure"] = refusal(post_login(Client(), "minh.ksv", "sai-mat-khau-123"))
    assert User.objects.get(username="minh.ksv").is_locked
    answers["locked, wrong password"] = refusal(post_login(Client(), "minh.ksv", "sai-mat-khau-4"))
    answers["locked, right password"] = refusal(post_login(Client(), "minh.ksv", password))
    for _ in range(3):
        answers["unknown name, fourth try"] = refusal(
            post_login(Client(), "khong.ton.tai", "sai-mat-khau-123")
        )
    expected = answers["unknown name"]
    assert len(expected) == 1 and "15 phút" in expected[0]
    differing = {case: answer for case, answer in answers.items() if answer != expected}
    assert not differing, differing


@override_settings(DESK_LOCKOUT_ATTEMPTS=3, DESK_LOCKOUT_MINUTES=15)
def test_account_locks_after_repeated_failures_even_with_the_right_password(org, password):
    client = Client()
    for _ in range(3):
        post_login(client, "minh.ksv", "sai-mat-khau-123")
    assert User.objects.get(username="minh.ksv").is_locked
    refused = post_login(client, "minh.ksv", password)
    assert refused.status_code == 200 and "tạm khóa 15 phút" in refused.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.locked", actor=org.people["minh"]).count() == 1
    assert (
        AuditEvent.objects.filter(
            action="auth.login_refused_locked", actor=org.people["minh"]
        ).count()
        == 1
    )


def test_a_disabled_account_is_named_only_to_whoever_gives_its_password(org, password):
    User.objects.filter(username="minh.ksv").update(is_active=False)
    right = refusal(post_login(Client(), "minh.ksv", password))
    assert right == ["Tài khoản đã bị vô hiệu hóa. Vui lòng liên hệ quản trị hệ thống."]
    assert refusal(post_login(Client(), "minh.ksv", "sai-mat-khau-123")) == refusal(
        post_login(Client(), "khong.ton.tai", "sai-mat-khau-123")
    )


def test_first_login_forces_a_password_change(org, password):
    minh = org.people["minh"]
    User.objects.filter(pk=minh.pk).update(must_change_password=True)
    client = Client()
    post_login(client, "minh.ksv", password)
    assert client.get("/")["Location"] == "/tai-khoan/doi-mat-khau/"
    assert client.get("/to-chuc/")["Location"] == "/tai-khoan/doi-mat-khau/"
    too_short = client.post(
        "/tai-khoan/doi-mat-khau/",
        {"old_password": password, "new_password": "123", "new_password2": "123"},
    )
    assert too_short.status_code == 200
    new = "Kiem-sat-2026-moi"
    changed = client.post(
        "/tai-khoan/doi-mat-khau/",
        {"old_password": password, "new_password": new, "new_password2": new},
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200  # still logged in after the change
    minh.refresh_from_db()
    assert not minh.must_change_password and minh.check_password(new)
    assert minh.password.startswith("argon2")


@override_settings(DESK_IDLE_TIMEOUT_MINUTES=30)
def test_idle_session_expires_but_background_polling_does_not_keep_it_alive(org, password):
    client = Client()
    post_login(client, "minh.ksv", password)
    session = client.session
    session["last_activity"] = time.time() - 29 * 60
    session.save()
    # The bell polls in the background: answered, but it does not count as activity.
    assert client.get("/thong-bao/chuong/", HTTP_X_DESK_BACKGROUND="1").status_code == 200
    session = client.session
    session["last_activity"] -= 2 * 60  # now 31 minutes idle
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    follow = client.get(response["Location"])
    assert "Phiên làm việc đã hết hạn" in follow.content.decode()


def test_logout_needs_post_and_ends_the_session(org, as_user):
    client = as_user("minh")
    assert client.get("/dang-xuat/").status_code == 405
    assert client.post("/dang-xuat/").status_code == 302
    assert client.get("/").status_code == 302


def test_open_redirect_after_login_is_refused(org, password):
    client = Client()
    response = client.post(
        "/dang-nhap/?next=https://evil.example/",
        {"username": "minh.ksv", "password": password, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_double_submission_of_login_is_harmless(org, password):
    client = Client()
    first = post_login(client, "minh.ksv", password)
    second = post_login(client, "minh.ksv", password)
    assert first.status_code == 302 and second.status_code == 302
    assert client.get("/").status_code == 200


def test_an_expired_second_step_keeps_where_the_user_was_going(org, password):
    client = Client()
    client.post(
        "/dang-nhap/?next=/o/authorize/%3Fclient_id%3Dx",
        {"username": "dung.c2", "password": password, "next": "/o/authorize/?client_id=x"},
    )
    session = client.session
    session["pending_login"]["at"] -= 600  # the 5-minute window has passed
    session.save()
    response = client.get("/dang-nhap/xac-thuc/")
    assert response.status_code == 302
    assert response["Location"] == "/dang-nhap/?next=%2Fo%2Fauthorize%2F%3Fclient_id%3Dx"


def test_django_admin_is_not_served_to_anyone(org, password):
    """Issue 11, finding 8: Django's admin login counted no failures and asked no TOTP, and its
    pages wrote rows past the audited services. It is off: no login form, no pages, for an
    anonymous browser and for a superuser signed in with both factors alike."""
    from tests.accounts.test_sso_provider import login

    User.objects.filter(username="dung.c2").update(is_staff=True, is_superuser=True)
    superuser = Client()
    login(superuser, "dung.c2", totp_offset=0)
    failures = []
    for who, client in (("anonymous", Client()), ("superuser", superuser)):
        for path in (
            "/quan-tri-ky-thuat/",
            "/quan-tri-ky-thuat/login/",
            "/admin/",
            "/admin/login/",
        ):
            status = client.get(path).status_code
            posted = client.post(path, {"username": "dung.c2", "password": password}).status_code
            if (status, posted) != (404, 404):
                failures.append(f"{who} {path}: GET {status}, POST {posted}")
    assert not failures, failures
