"""The criminal case register (sổ thụ lý án hình sự) and case records.

See docs/cases.md. Every write goes through `cases.services`; reads of protected
rows go through the gates in `cases.selectors` (`case_for_user`, `cases_visible_to`).
The legal rules (Penal Code, crime categories, deadlines) live in the pure package
`law`; this module only stores what the users record and what the engine computed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from digitaldesk.core.text import fold


class SourceKind(models.TextChoices):
    """Where a matter comes from (BLTTHS 2015, Điều 144)."""

    DENUNCIATION = "to_giac", "Tố giác về tội phạm"
    REPORT = "tin_bao", "Tin báo về tội phạm"
    RECOMMENDATION = "kien_nghi", "Kiến nghị khởi tố"
    SURRENDER = "tu_thu", "Tự thú, đầu thú"
    OWN_FINDING = "truc_tiep", "Cơ quan có thẩm quyền trực tiếp phát hiện"
    CASE = "vu_an", "Thụ lý vụ án (đã khởi tố)"


class Stage(models.TextChoices):
    """Stages as seen from the procuracy (docs/domain.md §4.1)."""

    REPORT = "nguon_tin", "Giải quyết nguồn tin"
    REPORT_SUSPENDED = "nguon_tin_tdc", "Tạm đình chỉ giải quyết nguồn tin"
    NOT_PROSECUTED = "khong_khoi_to", "Không khởi tố vụ án"
    INVESTIGATION = "dieu_tra", "Điều tra"
    INVESTIGATION_SUSPENDED = "tam_dinh_chi_dt", "Tạm đình chỉ điều tra"
    PROSECUTION = "truy_to", "Truy tố"
    PROSECUTION_SUSPENDED = "tam_dinh_chi_tt", "Tạm đình chỉ vụ án (truy tố)"
    TRIAL = "so_tham", "Xét xử sơ thẩm"
    APPEAL = "phuc_tham", "Phúc thẩm"
    CLOSED = "dinh_chi", "Đình chỉ"
    JUDGED = "da_xet_xu", "Đã xét xử, bản án có hiệu lực"


CLOSED_STAGES = (Stage.NOT_PROSECUTED, Stage.CLOSED, Stage.JUDGED)
# A crime report not (or not yet) prosecuted: no case, no accused (BLTTHS 2015 Điều 147, 179).
REPORT_STAGES = (Stage.REPORT, Stage.REPORT_SUSPENDED, Stage.NOT_PROSECUTED)


class Category(models.TextChoices):
    """Crime categories (BLHS 2015, Điều 9, as amended by Luật 12/2017/QH14).

    Values are those of `law.categories.Category`.
    """

    LESS_SERIOUS = "it_nghiem_trong", "Ít nghiêm trọng"
    SERIOUS = "nghiem_trong", "Nghiêm trọng"
    VERY_SERIOUS = "rat_nghiem_trong", "Rất nghiêm trọng"
    ESPECIALLY_SERIOUS = "dac_biet_nghiem_trong", "Đặc biệt nghiêm trọng"


CATEGORY_RANK = {
    Category.LESS_SERIOUS: 1,
    Category.SERIOUS: 2,
    Category.VERY_SERIOUS: 3,
    Category.ESPECIALLY_SERIOUS: 4,
}


class Register(models.TextChoices):
    REPORTS = "nguon_tin", "Sổ tiếp nhận nguồn tin về tội phạm"
    CASES = "vu_an", "Sổ thụ lý án hình sự"


class RegisterCounter(models.Model):
    """The last number issued in one register of one unit in one year."""

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    register = models.CharField(max_length=20, choices=Register.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "register", "year"], name="cases_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.year}: {self.last_number}"


class Case(models.Model):
    """One matter in the register: a crime report that may become a case, or a case.

    A report (tin báo, tố giác, kiến nghị khởi tố) gets a number in the unit's
    report register; when a case is opened (or a case is received directly) it
    also gets a number in the unit's case register. Both numbers run from 1 each
    year per unit.
    """

    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name="đơn vị thụ lý",
    )
    source = models.CharField("nguồn", max_length=20, choices=SourceKind.choices)
    name = models.CharField("tên vụ án / nội dung nguồn tin", max_length=300)
    name_folded = models.CharField(max_length=300, editable=False, default="", db_index=True)
    summary = models.TextField("tóm tắt", blank=True)

    report_no = models.PositiveIntegerField("số tiếp nhận nguồn tin", null=True, blank=True)
    report_year = models.PositiveSmallIntegerField(null=True, blank=True)
    received_on = models.DateField("ngày tiếp nhận")
    reporter = models.CharField(
        "người tố giác / cơ quan báo tin, kiến nghị", max_length=300, blank=True
    )
    reporter_doc = models.CharField(
        "số, ngày văn bản kiến nghị / tin báo", max_length=120, blank=True
    )

    case_no = models.PositiveIntegerField("số thụ lý án", null=True, blank=True)
    case_year = models.PositiveSmallIntegerField(null=True, blank=True)
    opened_on = models.DateField("ngày thụ lý án", null=True, blank=True)

    investigating_body = models.CharField("cơ quan điều tra", max_length=300, blank=True)
    investigator = models.CharField("điều tra viên", max_length=200, blank=True)
    leader_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_led",
        verbose_name="lãnh đạo phụ trách",
    )
    restricted = models.BooleanField(
        "hạn chế tiếp cận",
        default=False,
        help_text=(
            "Chỉ kiểm sát viên được phân công, lãnh đạo phụ trách và người, đơn vị được cấp "
            "quyền mới xem được."
        ),
    )
    national_security = models.BooleanField("tội xâm phạm an ninh quốc gia", default=False)

    stage = models.CharField(
        "giai đoạn", max_length=20, choices=Stage.choices, default=Stage.REPORT, db_index=True
    )
    category = models.CharField(
        "loại tội phạm (tính theo khung)", max_length=30, choices=Category.choices, blank=True
    )
    category_override = models.CharField(
        "loại tội phạm điều chỉnh", max_length=30, choices=Category.choices, blank=True
    )
    category_override_reason = models.TextField("lý do điều chỉnh loại tội phạm", blank=True)
    closed_on = models.DateField("ngày kết thúc", null=True, blank=True, db_index=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "vụ án / nguồn tin"
        verbose_name_plural = "vụ án / nguồn tin"
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "report_year", "report_no"],
                name="cases_report_no_unique",
                condition=models.Q(report_no__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["unit", "case_year", "case_no"],
                name="cases_case_no_unique",
                condition=models.Q(case_no__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "received_on"], name="cases_unit_received"),
            models.Index(fields=["unit", "stage"], name="cases_unit_stage"),
            models.Index(fields=["-received_on", "-id"], name="cases_received_desc"),
            # The register's filters (benchmarks/cases.py): a number typed in the search box, and
            # a stage listed in register order.
            models.Index(fields=["case_no"], name="cases_case_no"),
            models.Index(fields=["report_no"], name="cases_report_no"),
            models.Index(fields=["stage", "-received_on", "-id"], name="cases_stage_received"),
            # "Sổ vụ án" of one year in register order: without it a past year was found by walking
            # every newer case of the register-order index (47 ms → 1 ms on 100,000 cases).
            models.Index(
                fields=["case_year", "-received_on", "-id"], name="cases_case_year_received"
            ),
            # The open cases, which the nightly recompute reads by id ranges (a third of the
            # register).
            models.Index(
                fields=["id"],
                name="cases_case_open",
                condition=models.Q(closed_on__isnull=True) & ~models.Q(stage__in=CLOSED_STAGES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.register_label} — {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived column only: the folded name for diacritic-insensitive filtering.
        self.name_folded = fold(self.name)[:300]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = set(update_fields) | {"name_folded"}
        super().save(*args, **kwargs)

    @property
    def is_case(self) -> bool:
        return self.case_no is not None

    @property
    def register_label(self) -> str:
        if self.case_no is not None:
            return f"Án số {self.case_no:02d}/{self.case_year}"
        if self.report_no is not None:
            return f"Nguồn tin số {self.report_no:02d}/{self.report_year}"
        return f"Hồ sơ #{self.pk}"

    @property
    def effective_category(self) -> str:
        return self.category_override or self.category

    @property
    def is_closed(self) -> bool:
        return self.stage in CLOSED_STAGES


class AssignmentRole(models.TextChoices):
    LEAD_PROSECUTOR = "ksv_chinh", "Kiểm sát viên thụ lý chính"
    PROSECUTOR = "ksv", "Kiểm sát viên"
    INSPECTOR = "ktv", "Kiểm tra viên"


class CaseAssignment(models.Model):
    """A prosecutor or inspector assigned to the case (quyết định phân công)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments"
    )
    role = models.CharField(
        "vai trò", max_length=20, choices=AssignmentRole.choices, default=AssignmentRole.PROSECUTOR
    )
    decision_number = models.CharField("số quyết định phân công", max_length=60, blank=True)
    assigned_on = models.DateField("ngày phân công", default=timezone.localdate)
    ended_on = models.DateField("ngày thôi phân công", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="cases_assignment_unique")
        ]
        indexes = [models.Index(fields=["user", "case"], name="cases_assign_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class CaseGrant(models.Model):
    """Explicit authorisation to see a case: one user or one unit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="case_grants",
    )
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField("căn cứ cấp quyền", max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(unit__isnull=False),
                name="cases_grant_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.unit}: {self.reason}"


class Gender(models.TextChoices):
    MALE = "nam", "Nam"
    FEMALE = "nu", "Nữ"
    OTHER = "khac", "Khác"


class Measure(models.TextChoices):
    """Preventive measures (biện pháp ngăn chặn, BLTTHS 2015 Điều 109)."""

    NONE = "", "Không áp dụng"
    EMERGENCY_HOLD = "giu_khan_cap", "Giữ người trong trường hợp khẩn cấp"
    CUSTODY = "tam_giu", "Tạm giữ"
    DETENTION = "tam_giam", "Tạm giam"
    BAIL = "bao_linh", "Bảo lĩnh"
    DEPOSIT = "dat_tien", "Đặt tiền để bảo đảm"
    RESIDENCE_BAN = "cam_di_khoi_noi_cu_tru", "Cấm đi khỏi nơi cư trú"
    EXIT_BAN = "tam_hoan_xuat_canh", "Tạm hoãn xuất cảnh"


class Accused(models.Model):
    """A suspect or accused (người bị tố giác / bị can / bị cáo) of the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accused")
    full_name = models.CharField("họ và tên", max_length=120)
    name_folded = models.CharField(max_length=120, editable=False, default="", db_index=True)
    other_names = models.CharField("tên gọi khác", max_length=120, blank=True)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField("năm sinh", null=True, blank=True)
    gender = models.CharField("giới tính", max_length=5, choices=Gender.choices, blank=True)
    id_number = models.CharField("số định danh cá nhân / CCCD", max_length=20, blank=True)
    nationality = models.CharField("quốc tịch", max_length=60, default="Việt Nam", blank=True)
    address = models.CharField("nơi cư trú", max_length=300, blank=True)
    occupation = models.CharField("nghề nghiệp", max_length=120, blank=True)
    charged_on = models.DateField("ngày khởi tố bị can", null=True, blank=True)
    measure = models.CharField(
        "biện pháp ngăn chặn hiện tại",
        max_length=30,
        choices=Measure.choices,
        blank=True,
        default="",
        db_index=True,
    )
    measure_since = models.DateField("áp dụng từ", null=True, blank=True)
    measure_until = models.DateField("đến hết ngày", null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "bị can"
        verbose_name_plural = "bị can"
        ordering = ["case", "order", "pk"]
        indexes = [
            # The register's "in custody or detention" filter: a small index of the cases concerned.
            models.Index(
                fields=["case"],
                name="cases_accused_detained",
                condition=models.Q(measure__in=["giu_khan_cap", "tam_giu", "tam_giam"]),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.full_name)[:120]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = set(update_fields) | {"name_folded"}
        super().save(*args, **kwargs)

    @property
    def subject_key(self) -> str:
        """The key the deadline engine uses for this person's limits."""
        return f"a{self.pk}"

    @property
    def born(self) -> str:
        if self.birth_date:
            return self.birth_date.strftime("%d/%m/%Y")
        return str(self.birth_year) if self.birth_year else ""


_Removable = TypeVar("_Removable", bound=models.Model)


class ActiveManager(models.Manager[_Removable]):
    """The rows in force of a charge or a participant: one removed by mistake (`removed_at`) is
    left out of every count, filter and export; the case page reads `with_removed` to show it."""

    def get_queryset(self) -> models.QuerySet[_Removable]:
        return super().get_queryset().filter(removed_at__isnull=True)


class ParticipantRole(models.TextChoices):
    """Other participants (BLTTHS 2015, Điều 55)."""

    VICTIM = "bi_hai", "Bị hại"
    CIVIL_PLAINTIFF = "nguyen_don_dan_su", "Nguyên đơn dân sự"
    CIVIL_DEFENDANT = "bi_don_dan_su", "Bị đơn dân sự"
    RELATED = "nguoi_lien_quan", "Người có quyền lợi, nghĩa vụ liên quan"
    WITNESS = "nguoi_lam_chung", "Người làm chứng"
    DEFENCE = "nguoi_bao_chua", "Người bào chữa"
    REPRESENTATIVE = "nguoi_dai_dien", "Người đại diện"
    REPORTER = "nguoi_to_giac", "Người tố giác, báo tin"
    OTHER = "khac", "Người tham gia tố tụng khác"


class Participant(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(
        "tư cách tham gia tố tụng", max_length=30, choices=ParticipantRole.choices
    )
    full_name = models.CharField("họ và tên / tên tổ chức", max_length=200)
    details = models.CharField("thông tin thêm (năm sinh, địa chỉ...)", max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Removed by mistake: kept (struck through on the case page with who, when and why), left
    # out of `objects`; `with_removed` reads it too (issue 13, like a cancelled event).
    removed_at = models.DateTimeField("xóa lúc", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người xóa",
    )
    remove_reason = models.TextField("lý do xóa", blank=True)

    objects = ActiveManager["Participant"]()
    with_removed: models.Manager[Participant] = models.Manager()  # noqa: DJ012  (a manager)

    class Meta:
        base_manager_name = "with_removed"
        ordering = ["case", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"


class Charge(models.Model):
    """A charge: Penal Code article, clause (khoản) and points (điểm) chosen from the code."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="charges")
    accused = models.ForeignKey(
        Accused,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="charges",
        help_text="Để trống nếu là tội danh khởi tố vụ án.",
    )
    article = models.CharField("điều", max_length=8)  # article label, e.g. "174" or "217a"
    clause = models.PositiveSmallIntegerField("khoản")
    points = models.CharField("điểm", max_length=40, blank=True)  # e.g. "a,c"
    title = models.CharField("tội danh", max_length=300)
    chapter = models.CharField("chương", max_length=300, blank=True)
    category = models.CharField("loại tội phạm", max_length=30, choices=Category.choices)
    # BLHS Điều 7: the offence date picks the text in force; None: today's text was used.
    offence_on = models.DateField("ngày thực hiện hành vi phạm tội", null=True, blank=True)
    bracket = models.CharField("khung hình phạt áp dụng", max_length=200, blank=True)
    law_rule = models.CharField("quy định chuyển tiếp áp dụng", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # Removed by mistake: kept (struck through on the case page with who, when and why), left
    # out of `objects`; `with_removed` reads it too (issue 13, like a cancelled event).
    removed_at = models.DateTimeField("xóa lúc", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người xóa",
    )
    remove_reason = models.TextField("lý do xóa", blank=True)

    objects = ActiveManager["Charge"]()
    with_removed: models.Manager[Charge] = models.Manager()  # noqa: DJ012  (a manager)

    class Meta:
        base_manager_name = "with_removed"
        ordering = ["case", "pk"]
        # (article, case): the register's article filter reads the case ids from the index alone.
        indexes = [models.Index(fields=["article", "case"], name="cases_charge_article_case")]

    def __str__(self) -> str:
        return self.citation

    @property
    def citation(self) -> str:
        points = f"điểm {self.points.replace(',', ', ')} " if self.points else ""
        clause = f"khoản {self.clause} " if self.clause else ""
        return f"{points}{clause}Điều {self.article} BLHS — {self.title}"


class ActiveEventManager(models.Manager["ProceduralEvent"]):
    """The events in force: a cancelled recording (`cancelled_at`) is left out of every replay,
    count and export; the timeline reads `ProceduralEvent.with_cancelled` to show it struck."""

    def get_queryset(self) -> models.QuerySet[ProceduralEvent]:
        return super().get_queryset().filter(cancelled_at__isnull=True)


class ProceduralEvent(models.Model):
    """A procedural act or decision (khởi tố, phê chuẩn, gia hạn, tạm giam, cáo trạng...).

    `kind` holds a `law.deadlines.EventKind` value; months/days/until carry
    the length of an order or extension as written in the decision. A recording made by mistake
    is cancelled, not deleted: it stays on the timeline with who, when and why
    (`cancelled_at/by`, `cancel_reason`), and `objects` (the default manager) leaves it out.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("loại quyết định / hành vi", max_length=40)
    on = models.DateField("ngày")
    at = models.DateTimeField("thời điểm (nếu tính theo giờ)", null=True, blank=True)
    accused = models.ForeignKey(
        Accused, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    months = models.PositiveSmallIntegerField("số tháng", null=True, blank=True)
    days = models.PositiveSmallIntegerField("số ngày", null=True, blank=True)
    until = models.DateField("đến hết ngày", null=True, blank=True)
    received_on = models.DateField(
        "ngày nhận (nếu thời hạn tính từ ngày nhận)", null=True, blank=True
    )
    number = models.CharField("số quyết định / văn bản", max_length=60, blank=True)
    issuer = models.CharField("cơ quan, người ban hành", max_length=200, blank=True)
    note = models.TextField("ghi chú", blank=True)
    attachment = models.FileField(
        "văn bản kèm theo (PDF)", upload_to="cases/events/%Y/%m/", blank=True
    )
    # The decision as registered in the documents app (at most one of the two). PROTECT: the
    # timeline is a legal record, so a document it cites may not disappear under it (documents
    # are register entries and are never deleted by the desk anyway); SET_NULL would silently
    # turn a cited decision into an uncited one.
    incoming_document = models.ForeignKey(
        "documents.IncomingDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_events",
        verbose_name="văn bản đến liên kết",
    )
    outgoing_document = models.ForeignKey(
        "documents.OutgoingDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_events",
        verbose_name="văn bản đi liên kết",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField("hủy ghi nhận lúc", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người hủy ghi nhận",
    )
    cancel_reason = models.TextField("lý do hủy ghi nhận", blank=True)

    objects = ActiveEventManager()
    with_cancelled = models.Manager()  # noqa: DJ012  (a manager, not a field)

    class Meta:
        base_manager_name = "with_cancelled"
        ordering = ["case", "on", "pk"]
        indexes = [
            models.Index(fields=["case", "on"], name="cases_event_case_on"),
            models.Index(fields=["kind", "on"], name="cases_event_kind_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(incoming_document__isnull=True)
                | models.Q(outgoing_document__isnull=True),
                name="cases_event_one_document",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on:%d/%m/%Y}"

    @property
    def linked_document(self) -> models.Model | None:
        """The linked document of the documents app (incoming or outgoing), if any."""
        return self.incoming_document or self.outgoing_document


class ComputedDeadline(models.Model):
    """One running (or finished) time limit as last computed by the engine.

    Rows are replaced by `services.deadlines_recompute` whenever the case's events
    change and nightly for every running case, so the board and alerts are plain queries.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.CASCADE, related_name="+"
    )  # denormalised for boards
    key = models.CharField(max_length=80)
    kind = models.CharField(max_length=40)
    label = models.CharField(max_length=300)
    subject = models.CharField(max_length=40, default="case")
    accused = models.ForeignKey(
        Accused, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    start = models.DateField()
    end = models.DateField(db_index=True)
    end_at = models.DateTimeField(
        null=True, blank=True
    )  # limits counted in hours (custody approvals)
    extension_request_by = models.DateField(null=True, blank=True)  # Điều 172/173 khoản 2
    basis = models.CharField(max_length=200)
    extensions_used = models.PositiveSmallIntegerField(default=0)
    extensions_max = models.PositiveSmallIntegerField(null=True, blank=True)
    max_end = models.DateField(null=True, blank=True)
    running = models.BooleanField(default=True)
    note = models.TextField(blank=True)
    needs_review = models.BooleanField(default=False)
    digest = models.CharField(
        max_length=16, default=""
    )  # fingerprint of the engine's output (deadlines.py)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["end", "pk"]
        indexes = [
            models.Index(fields=["unit", "running", "end"], name="cases_deadline_board"),
            models.Index(fields=["running", "end"], name="cases_deadline_running"),
            # Running limits by case: the register's "nearest deadline" of a page, and the
            # nightly check that closed cases have none left (a scan of every row otherwise).
            models.Index(
                fields=["case", "end"],
                name="cases_deadline_running_case",
                condition=models.Q(running=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.end:%d/%m/%Y}"


class ExchangeKey(models.Model):
    """A key that signs exchange packages (Ed25519).

    Local keys (one per unit of this installation) hold their private key, sealed with a
    key derived from the installation's SECRET_KEY; keys of other units or agencies are
    public only and must be marked trusted by an administrator before their packages
    are accepted (`desk cases-exchange-key trust`).
    """

    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField("tên đơn vị, cơ quan ký", max_length=300)
    fingerprint = models.CharField(max_length=64, unique=True)
    public_pem = models.TextField()
    private_sealed = models.BinaryField(null=True, blank=True, editable=False)
    trusted = models.BooleanField("tin cậy", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(private_sealed__isnull=False),
                name="cases_one_local_key_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.fingerprint[:16]})"


class ExchangeDirection(models.TextChoices):
    EXPORT = "xuat", "Xuất gói"
    IMPORT = "nhap", "Nhập gói"


class CaseExchange(models.Model):
    """One exported or imported exchange package, with the import report."""

    direction = models.CharField(max_length=10, choices=ExchangeDirection.choices)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="exchanges"
    )
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    package_sha256 = models.CharField(max_length=64)
    signer = models.CharField(max_length=300, blank=True)
    accepted = models.BooleanField(default=False)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.package_sha256[:12]}"
