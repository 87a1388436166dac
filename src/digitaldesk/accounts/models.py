"""Organisation (units tree, positions, roles) and accounts of officials."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from digitaldesk.core.roles import Role as Role  # re-exported: the role names live in core
from digitaldesk.core.text import collation_key, fold, name_sort_key


class UnitKind(models.TextChoices):
    """Kinds of unit. Since 01/7/2025 the procuracy has three levels (Luật 82/2025/QH15;
    docs/domain.md §5.1): VKSND tối cao (with its Vụ/Cục/Viện, among them the three "Viện Công tố
    và Kiểm sát xét xử phúc thẩm" at Hà Nội, Đà Nẵng and TP.HCM that took over the appellate
    role), VKSND tỉnh, VKSND khu vực. HIGH is kept only for the records of the former VKSND cấp
    cao (to 30/6/2025): documents, cases and accounts registered under them keep their unit."""

    SUPREME = "toi_cao", "VKSND tối cao"
    DEPARTMENT = "vu_cuc", "Vụ / Cục / Viện thuộc VKSND tối cao"
    HIGH = "cap_cao", "VKSND cấp cao (đến 30/6/2025)"
    PROVINCE = "tinh", "VKSND tỉnh, thành phố"
    REGIONAL = "khu_vuc", "VKSND khu vực"
    OFFICE = "phong", "Phòng"


class Unit(models.Model):
    """A unit of the procuracy. Units form a tree; `path` holds the ids from the root."""

    name = models.CharField("tên đơn vị", max_length=200)
    short_name = models.CharField("tên viết tắt", max_length=60, blank=True)
    symbol = models.CharField(
        "ký hiệu trên văn bản",
        max_length=30,
        blank=True,
        help_text="Ví dụ: VKSTC, V5, C2, VKS — dùng trong số, ký hiệu văn bản.",
    )
    kind = models.CharField(
        "loại đơn vị",
        max_length=20,
        choices=UnitKind.choices,
        help_text=(
            "Từ 01/7/2025 (Luật 82/2025/QH15) không còn VKSND cấp cao; chức năng phúc thẩm do "
            "các Viện Công tố và Kiểm sát xét xử phúc thẩm thuộc VKSND tối cao đảm nhiệm. Loại "
            "“VKSND cấp cao” chỉ giữ cho hồ sơ, văn bản của các đơn vị trước ngày đó."
        ),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="đơn vị cấp trên",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    order = models.PositiveIntegerField("thứ tự", default=0)
    require_2fa = models.BooleanField("bắt buộc xác thực hai lớp", default=False)
    sort_key = models.CharField(max_length=600, editable=False, default="", db_index=True)
    is_active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def rebuild_path(self) -> None:
        """Recompute path/depth from the parent; called by services after save."""
        parent = self.parent if self.parent_id else None
        self.path = f"{parent.path if parent else ''}{self.pk:06d}."
        self.depth = parent.depth + 1 if parent else 0
        self.sort_key = collation_key(self.name)

    def is_within(self, other: Unit) -> bool:
        """True if this unit is `other` or lies below it in the tree."""
        return self.path.startswith(other.path)

    @property
    def ancestors_and_self(self) -> list[int]:
        return [int(part) for part in self.path.split(".") if part]


class Position(models.Model):
    """A position (chức vụ / chức danh). Roles are derived from it."""

    code = models.SlugField("mã", max_length=40, unique=True)
    name = models.CharField("tên chức vụ", max_length=120)
    rank = models.PositiveSmallIntegerField("thứ bậc", default=100, help_text="Nhỏ hơn là cao hơn.")
    roles = models.JSONField("vai trò", default=list)
    is_leader = models.BooleanField("là lãnh đạo", default=False)

    class Meta:
        verbose_name = "chức vụ"
        verbose_name_plural = "chức vụ"
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields: object) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save()
        return user

    def create_superuser(
        self, username: str, password: str | None = None, **fields: object
    ) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("full_name", username)
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One account per official."""

    username = models.CharField("tên đăng nhập", max_length=80, unique=True)
    full_name = models.CharField("họ và tên", max_length=120)
    family_name = models.CharField("họ", max_length=40, blank=True)
    middle_name = models.CharField("tên đệm", max_length=60, blank=True)
    given_name = models.CharField("tên", max_length=40, blank=True)
    name_sort_key = models.CharField(max_length=600, editable=False, default="", db_index=True)
    name_folded = models.CharField(max_length=120, editable=False, default="", db_index=True)
    email = models.EmailField("thư điện tử", blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="đơn vị",
    )
    position = models.ForeignKey(
        Position,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holders",
        verbose_name="chức vụ",
    )
    extra_roles = models.JSONField("vai trò bổ sung", default=list, blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)
    is_staff = models.BooleanField("vào trang quản trị kỹ thuật", default=False)
    must_change_password = models.BooleanField("phải đổi mật khẩu khi đăng nhập", default=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    external_subject = models.CharField(max_length=255, blank=True, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "cán bộ"
        verbose_name_plural = "cán bộ"
        ordering = ["name_sort_key"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived columns only (no business logic): the Vietnamese sort key and folded name.
        if self.full_name and not (self.family_name or self.given_name):
            parts = self.full_name.split()
            self.family_name = parts[0] if len(parts) > 1 else ""
            self.given_name = parts[-1]
            self.middle_name = " ".join(parts[1:-1])
        self.name_sort_key = name_sort_key(self.family_name, self.middle_name, self.given_name)
        self.name_folded = fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = set(update_fields) | {
                "family_name",
                "middle_name",
                "given_name",
                "name_sort_key",
                "name_folded",
            }
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.given_name or self.full_name

    # Roles ---------------------------------------------------------------
    def own_roles(self) -> set[str]:
        roles = set(self.position.roles) if self.position_id and self.position else set()
        roles.update(self.extra_roles or [])
        if self.is_superuser:
            roles.add(Role.ADMIN)
        return roles

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())


class Delegation(models.Model):
    """Temporary delegation of a leader's authority (ủy quyền) for a date range.

    NĐ 30/2020 Điều 13.3: authorisation must be written, limited in time and
    scope, and cannot be delegated again; `services.delegation_create` refuses
    a delegate who only holds authority by delegation.
    """

    grantor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="delegations_given",
        verbose_name="người ủy quyền",
    )
    grantee = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name="người được ủy quyền",
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="đơn vị")
    starts_on = models.DateField("từ ngày")
    ends_on = models.DateField("đến hết ngày")
    scope = models.CharField("phạm vi ủy quyền", max_length=500)
    document_ref = models.CharField("văn bản ủy quyền", max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "ủy quyền"
        verbose_name_plural = "ủy quyền"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="delegation_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.grantor} → {self.grantee} ({self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y})"
        )

    def is_active_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on
