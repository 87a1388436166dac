"""Write-side services for accounts and organisation. Every write is audited."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from digitaldesk.accounts.models import Delegation, Position, Role, Unit, User
from digitaldesk.accounts.selectors import effective_roles, led_units
from digitaldesk.audit.services import audit_record


class LoginRefused(Exception):
    """Raised with a Vietnamese message the login page shows as is."""


def _require_admin(actor: User) -> None:
    if Role.ADMIN not in effective_roles(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được thực hiện thao tác này.")


# --- Login ----------------------------------------------------------------------
def login_refused_message() -> str:
    """The one message of every refused password step, whatever the reason.

    An unknown user name, a wrong password and a locked account (whatever the password)
    look the same, so the login page tells nobody which user names exist or are locked.
    """
    return (
        f"Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa. Sau "
        f"{settings.DESK_LOCKOUT_ATTEMPTS} lần nhập sai liên tiếp, tài khoản bị tạm khóa "
        f"{settings.DESK_LOCKOUT_MINUTES} phút; nếu cần, hãy liên hệ quản trị hệ thống."
    )


def _password_work(password: str) -> None:
    """Hash `password` once with the configured hasher (Argon2) and throw the result away: the
    same work as checking a real password, for the paths that check none."""
    User().set_password(password)


def login_check_password(*, username: str, password: str, ip: str | None) -> User:
    """Check a password, counting failures; lock the account after too many.

    1. Every path hashes the password once (a real check or the same work on a dummy), so
       the time taken does not tell a known user name from an unknown one.
    2. An unknown user name, a wrong password and a locked account give one message
       (login_refused_message); a locked account is refused whatever the password, so a
       guess made during the lockout learns nothing.
    3. The N-th consecutive failure locks the account for DESK_LOCKOUT_MINUTES.
    4. A disabled account is named as such only to someone who gave its right password.
    """
    from django.contrib.auth import authenticate
    from django.contrib.auth.hashers import check_password

    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        authenticate(username=username, password=password)  # hashes a dummy (DeskBackend)
        audit_record(
            actor=None, action="auth.login_failed", detail={"username": username[:80]}, ip=ip
        )
        raise LoginRefused(login_refused_message())
    if user.is_locked:
        _password_work(password)
        audit_record(actor=user, action="auth.login_refused_locked", obj=user, ip=ip)
        raise LoginRefused(login_refused_message())
    if not user.is_active:
        if check_password(password, user.password):
            raise LoginRefused("Tài khoản đã bị vô hiệu hóa. Vui lòng liên hệ quản trị hệ thống.")
        register_login_failure(user, ip=ip, reason="password")
        raise LoginRefused(login_refused_message())
    authenticated = authenticate(username=username, password=password)
    if authenticated is None:
        register_login_failure(user, ip=ip, reason="password")
        raise LoginRefused(login_refused_message())
    return authenticated


@transaction.atomic
def register_login_failure(user: User, *, ip: str | None, reason: str) -> None:
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.failed_logins += 1
    fields = ["failed_logins"]
    if locked.failed_logins >= settings.DESK_LOCKOUT_ATTEMPTS:
        locked.locked_until = timezone.now() + dt.timedelta(minutes=settings.DESK_LOCKOUT_MINUTES)
        locked.failed_logins = 0
        fields.append("locked_until")
        audit_record(
            actor=locked, action="auth.locked", obj=locked, ip=ip, detail={"reason": reason}
        )
    locked.save(update_fields=fields)
    audit_record(
        actor=locked, action="auth.login_failed", obj=locked, ip=ip, detail={"reason": reason}
    )


def register_login_success(user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


# --- TOTP two-factor authentication ---------------------------------------------
class SecondFactorRefused(Exception):
    """A refused TOTP code, with the Vietnamese message the page shows as is."""


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_verify(
    *, user: User, device: TOTPDevice, token: str, ip: str | None, reason: str = "totp"
) -> None:
    """Check a code from `device`, under the same rules wherever the desk asks for one (the
    code page after the password, an external login, confirming an enrolment, proving the
    current device before replacing it). Raises SecondFactorRefused.

    1. A locked account is refused without looking at the code.
    2. django-otp's throttle: after a wrong code the device refuses every code for 1, 2, 4, …
       seconds; the message says how many seconds are left.
    3. A wrong code counts as a failed login: the lockout of login_check_password applies.
    Not atomic: the failure count and the device's throttle must survive the refusal.
    """
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    if user.is_locked:
        raise SecondFactorRefused(_locked_message(user))
    allowed, data = device.verify_is_allowed()
    if not allowed:
        raise SecondFactorRefused(_throttled_message((data or {}).get("locked_until")))
    if device.verify_token(token.replace(" ", "").strip()):
        return
    register_login_failure(user, ip=ip, reason=reason)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    if user.is_locked:
        raise SecondFactorRefused(_locked_message(user))
    raise SecondFactorRefused(
        "Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã mới nhất trên ứng dụng."
    )


def _locked_message(user: User) -> str:
    # Only shown after the password was given: the account's state is no secret to its owner.
    locked_until = user.locked_until
    assert locked_until is not None  # only called for a locked account
    remaining = (locked_until - timezone.now()).total_seconds()
    minutes = max(1, math.ceil(remaining / 60))
    return (
        f"Tài khoản đang tạm khóa do nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút "
        "hoặc liên hệ quản trị hệ thống."
    )


def _throttled_message(until: dt.datetime | None) -> str:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1
    return (
        f"Bạn vừa nhập sai mã. Vui lòng chờ {seconds} giây rồi nhập mã mới nhất "
        "trên ứng dụng xác thực."
    )


def totp_start_enrolment(user: User) -> TOTPDevice:
    """A fresh unconfirmed device; it only counts once a code from it is verified."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)


def totp_confirm(
    *, user: User, device: TOTPDevice, token: str, replacing: TOTPDevice | None, ip: str | None
) -> None:
    """Confirm an enrolment with a code from the new device. Raises SecondFactorRefused.

    1. `replacing` is the confirmed device the caller has seen proven in this session (its
       current code given, views.totp_setup), or None for a first enrolment. A confirmed
       device other than `replacing` refuses the enrolment: an enrolment nobody proved
       never removes a working second factor.
    2. The code is checked by totp_verify (lockout, throttle, failures counted).
    3. The new device is confirmed and every other confirmed device removed, audited.
    """
    existing = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
    proven = replacing.pk if replacing is not None else None
    if existing.exclude(pk=proven).exists():
        raise SecondFactorRefused(
            "Tài khoản đã có thiết bị xác thực hai lớp. Để thay thiết bị, "
            "hãy đăng nhập đầy đủ rồi nhập mã của thiết bị hiện tại "
            "trong trang Tài khoản."
        )
    totp_verify(user=user, device=device, token=token, ip=ip, reason="totp_enrol")
    _totp_replace(user=user, device=device, replaced=proven is not None, ip=ip)


@transaction.atomic
def _totp_replace(*, user: User, device: TOTPDevice, replaced: bool, ip: str | None) -> None:
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        actor=user, action="auth.2fa_enrolled", obj=user, ip=ip, detail={"replaced": replaced}
    )


@transaction.atomic
def totp_reset(*, actor: User, user: User) -> None:
    _require_admin(actor)
    TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="accounts.2fa_reset", obj=user)


# --- Passwords --------------------------------------------------------------------
@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError("Mật khẩu hiện tại không đúng.")
    if old_password == new_password:
        raise ValidationError("Mật khẩu mới phải khác mật khẩu hiện tại.")
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(actor=user, action="auth.password_changed", obj=user)


@transaction.atomic
def password_reset_by_admin(*, actor: User, user: User, temporary_password: str) -> None:
    """The administrator sets a temporary password; the user must change it at next login."""
    _require_admin(actor)
    validate_password(temporary_password, user)
    user.set_password(temporary_password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "must_change_password", "failed_logins", "locked_until"])
    audit_record(actor=actor, action="accounts.password_reset", obj=user)


# --- Users, units, roles ------------------------------------------------------------
@dataclass
class UserData:
    username: str
    full_name: str
    unit: Unit | None
    position: Position | None
    email: str = ""
    phone: str = ""
    extra_roles: tuple[str, ...] = ()


@transaction.atomic
def user_create(*, actor: User | None, data: UserData, password: str) -> User:
    if actor is not None:
        _require_admin(actor)
    if User.objects.filter(username__iexact=data.username).exists():
        raise ValidationError(f"Tên đăng nhập “{data.username}” đã được dùng.")
    user = User(
        username=data.username,
        full_name=data.full_name,
        unit=data.unit,
        position=data.position,
        email=data.email,
        phone=data.phone,
        extra_roles=sorted(set(data.extra_roles)),
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="accounts.user_created",
        obj=user,
        detail={
            "unit": data.unit.pk if data.unit else None,
            "position": data.position.code if data.position else None,
            "extra_roles": list(data.extra_roles),
        },
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    unit: Unit | None,
    position: Position | None,
    extra_roles: list[str],
    is_active: bool,
    full_name: str,
    email: str,
) -> User:
    """Change a user's placement and roles; role changes are audited as permission changes."""
    _require_admin(actor)
    before = {
        "unit": user.unit_id,
        "position": user.position_id,
        "extra_roles": sorted(user.extra_roles),
        "is_active": user.is_active,
    }
    valid_roles = {choice.value for choice in Role}
    unknown = set(extra_roles) - valid_roles
    if unknown:
        raise ValidationError(f"Vai trò không hợp lệ: {', '.join(sorted(unknown))}.")
    if (
        user.pk == actor.pk
        and Role.ADMIN not in extra_roles
        and Role.ADMIN in (user.extra_roles or [])
    ):
        raise ValidationError("Bạn không thể tự bỏ vai trò quản trị của chính mình.")
    user.unit, user.position, user.extra_roles = unit, position, sorted(set(extra_roles))
    user.is_active, user.full_name, user.email = is_active, full_name, email
    user.family_name = user.middle_name = user.given_name = ""
    user.save()
    after = {
        "unit": user.unit_id,
        "position": user.position_id,
        "extra_roles": user.extra_roles,
        "is_active": user.is_active,
    }
    if before != after:
        audit_record(
            actor=actor,
            action="accounts.permissions_changed",
            obj=user,
            detail={"before": before, "after": after},
        )
    return user


@transaction.atomic
def unit_create(
    *,
    actor: User | None,
    name: str,
    kind: str,
    parent: Unit | None,
    symbol: str = "",
    short_name: str = "",
    require_2fa: bool = False,
    order: int = 0,
) -> Unit:
    if actor is not None:
        _require_admin(actor)
    unit = Unit.objects.create(
        name=name,
        kind=kind,
        parent=parent,
        symbol=symbol,
        short_name=short_name,
        require_2fa=require_2fa,
        order=order,
    )
    unit.rebuild_path()
    unit.save(update_fields=["path", "depth", "sort_key"])
    audit_record(actor=actor, action="accounts.unit_created", obj=unit, unit_id=unit.pk)
    return unit


@transaction.atomic
def unit_update(
    *, actor: User, unit: Unit, name: str, symbol: str, short_name: str, require_2fa: bool
) -> Unit:
    _require_admin(actor)
    changed = (
        {"require_2fa": [unit.require_2fa, require_2fa]} if unit.require_2fa != require_2fa else {}
    )
    unit.name, unit.symbol, unit.short_name, unit.require_2fa = (
        name,
        symbol,
        short_name,
        require_2fa,
    )
    unit.rebuild_path()
    unit.save()
    audit_record(
        actor=actor, action="accounts.unit_updated", obj=unit, unit_id=unit.pk, detail=changed
    )
    return unit


# --- Delegation (ủy quyền) --------------------------------------------------------------
@transaction.atomic
def delegation_create(
    *,
    actor: User,
    grantee: User,
    starts_on: dt.date,
    ends_on: dt.date,
    scope: str,
    document_ref: str = "",
) -> Delegation:
    """A leader delegates their authority over their unit for a date range.

    NĐ 30/2020 Điều 13.3: written, limited in time and scope, no sub-delegation.
    """
    if ends_on < starts_on:
        raise ValidationError("Ngày kết thúc ủy quyền phải sau hoặc bằng ngày bắt đầu.")
    if not scope.strip():
        raise ValidationError("Phải ghi rõ phạm vi ủy quyền (Nghị định 30/2020, Điều 13).")
    own_leadership = bool(
        actor.position_id and actor.position and actor.position.is_leader and actor.unit_id
    )
    if not own_leadership:
        raise PermissionDenied(
            "Chỉ lãnh đạo đơn vị mới được ủy quyền; người được ủy quyền "
            "không được ủy quyền lại (Nghị định 30/2020, Điều 13, khoản 3)."
        )
    if grantee.pk == actor.pk:
        raise ValidationError("Không thể tự ủy quyền cho chính mình.")
    unit = actor.unit
    assert unit is not None
    grantee_unit = grantee.unit if grantee.unit_id else None
    if grantee_unit is None or not grantee_unit.is_within(unit):
        raise ValidationError("Người được ủy quyền phải thuộc đơn vị do bạn lãnh đạo.")
    delegation = Delegation.objects.create(
        grantor=actor,
        grantee=grantee,
        unit=unit,
        starts_on=starts_on,
        ends_on=ends_on,
        scope=scope.strip(),
        document_ref=document_ref,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="accounts.delegation_created",
        obj=delegation,
        unit_id=unit.pk,
        detail={"grantee": grantee.pk, "from": str(starts_on), "to": str(ends_on), "scope": scope},
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor: User, delegation: Delegation) -> None:
    if delegation.grantor_id != actor.pk and Role.ADMIN not in effective_roles(actor):
        raise PermissionDenied("Chỉ người ủy quyền hoặc quản trị hệ thống được thu hồi ủy quyền.")
    delegation.revoked_at = timezone.now()
    delegation.revoked_by = actor
    delegation.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=actor,
        action="accounts.delegation_revoked",
        obj=delegation,
        unit_id=delegation.unit_id,
    )


def can_lead(user: User, unit_id: int | None) -> bool:
    """True if `user` leads (directly or by delegation) the unit `unit_id` or one above it."""
    if unit_id is None:
        return False
    unit = Unit.objects.filter(pk=unit_id).first()
    return bool(unit and any(unit.is_within(led) for led in led_units(user)))
