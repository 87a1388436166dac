"""Documents and direction (quản lý văn bản và điều hành), Nghị định 30/2020/NĐ-CP.

See docs/documents.md. Two registers per agency (cơ quan): incoming (văn bản đến)
and outgoing (văn bản đi); each register entry keeps every column of the Decree's
register forms (Phụ lục IV) and the routing history (TraceHeaderList, Phụ lục VI).
Derived columns (`search_folded`, `code_folded`) are filled by the services, never
by `save()`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Secrecy(models.TextChoices):
    # Luật Bảo vệ bí mật nhà nước 2018, Điều 8 (three levels of secrets).
    NORMAL = "thuong", "Thường"
    MAT = "mat", "Mật"
    TOI_MAT = "toi_mat", "Tối mật"
    TUYET_MAT = "tuyet_mat", "Tuyệt mật"


class Urgency(models.TextChoices):
    # NĐ 30/2020, Điều 4, khoản 2, điểm c: Hỏa tốc, Thượng khẩn, Khẩn.
    NORMAL = "thuong", "Thường"
    KHAN = "khan", "Khẩn"
    THUONG_KHAN = "thuong_khan", "Thượng khẩn"
    HOA_TOC = "hoa_toc", "Hỏa tốc"


# NĐ 30/2020, Điều 7 (the 29 types); abbreviations from Phụ lục III [S] (docs/domain.md §1.1).
DOC_TYPES: list[tuple[str, str, str]] = [
    ("nghi_quyet", "Nghị quyết", "NQ"),
    ("quyet_dinh", "Quyết định", "QĐ"),
    ("chi_thi", "Chỉ thị", "CT"),
    ("quy_che", "Quy chế", "QC"),
    ("quy_dinh", "Quy định", "QyĐ"),
    ("thong_cao", "Thông cáo", "TC"),
    ("thong_bao", "Thông báo", "TB"),
    ("huong_dan", "Hướng dẫn", "HD"),
    ("chuong_trinh", "Chương trình", "CTr"),
    ("ke_hoach", "Kế hoạch", "KH"),
    ("phuong_an", "Phương án", "PA"),
    ("de_an", "Đề án", "ĐA"),
    ("du_an", "Dự án", "DA"),
    ("bao_cao", "Báo cáo", "BC"),
    ("bien_ban", "Biên bản", "BB"),
    ("to_trinh", "Tờ trình", "TTr"),
    ("hop_dong", "Hợp đồng", "HĐ"),
    ("cong_van", "Công văn", ""),
    ("cong_dien", "Công điện", "CĐ"),
    ("ban_ghi_nho", "Bản ghi nhớ", "BGN"),
    ("ban_thoa_thuan", "Bản thỏa thuận", "BTT"),
    ("giay_uy_quyen", "Giấy ủy quyền", "GUQ"),
    ("giay_moi", "Giấy mời", "GM"),
    ("giay_gioi_thieu", "Giấy giới thiệu", "GGT"),
    ("giay_nghi_phep", "Giấy nghỉ phép", "GNP"),
    ("phieu_gui", "Phiếu gửi", "PG"),
    ("phieu_chuyen", "Phiếu chuyển", "PC"),
    ("phieu_bao", "Phiếu báo", "PB"),
    ("thu_cong", "Thư công", ""),
    # Outside the 29 administrative types: procedural documents (BLTTHS 2015, Điều 132) and others.
    ("van_ban_to_tung", "Văn bản tố tụng", ""),
    ("khac", "Văn bản khác", ""),
]
DOC_TYPE_CHOICES = [(code, name) for code, name, _ in DOC_TYPES]
DOC_TYPE_ABBR = {code: abbr for code, _, abbr in DOC_TYPES}
DOC_TYPE_NAME = {code: name for code, name, _ in DOC_TYPES}


class Channel(models.TextChoices):
    PAPER = "giay", "Bản giấy (quét)"
    UPLOAD = "dien_tu", "Văn bản điện tử (tải lên)"
    INTERNAL = "lien_thong", "Liên thông nội bộ trên Bàn làm việc số"
    EMAIL = "thu_dien_tu", "Thư điện tử"


class IncomingStatus(models.TextChoices):
    REGISTERED = "cho_phan_cong", "Chờ bút phê, phân công"
    IN_PROGRESS = "dang_xu_ly", "Đang xử lý"
    DONE = "da_xong", "Đã giải quyết"


class Register(models.TextChoices):
    # Separate series for state secrets: NĐ 30/2020, Điều 15 khoản 2, Điều 22 khoản 4.
    INCOMING = "den", "Sổ văn bản đến"
    INCOMING_SECRET = "den_mat", "Sổ văn bản mật đến"
    OUTGOING = "di", "Sổ văn bản đi"


class RegisterCounter(models.Model):
    """Last number issued in one register of one agency for one year.

    NĐ 30/2020, Điều 15 khoản 1 (outgoing) and Điều 22 khoản 2 (số đến): numbers run
    from 01 on 1 January to 31 December, in order of issue. The row is locked while
    a number is taken, inside the transaction that writes the register entry, so a
    number is never reused and a rolled-back entry leaves no gap.
    """

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    register = models.CharField(max_length=10, choices=Register.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "register", "year"], name="register_counter_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.register}/{self.year}: {self.last}"


class StoredFile(models.Model):
    """A file kept byte for byte (content-addressed by SHA-256); never rewritten."""

    sha256 = models.CharField(max_length=64, db_index=True)
    name = models.CharField("tên tệp", max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.BigIntegerField()
    file = models.FileField(upload_to="documents/", max_length=300)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "tệp văn bản"
        verbose_name_plural = "tệp văn bản"

    def __str__(self) -> str:
        return self.name

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class IncomingDocument(models.Model):
    """One entry of the incoming register (Sổ đăng ký văn bản đến, NĐ 30/2020 Phụ lục IV)."""

    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="incoming_documents",
        verbose_name="cơ quan nhận",
    )
    register = models.CharField(max_length=10, choices=Register.choices, default=Register.INCOMING)
    year = models.PositiveSmallIntegerField()
    arrival_number = models.PositiveIntegerField("số đến")
    arrived_at = models.DateTimeField("ngày đến")
    sender = models.CharField("tác giả (cơ quan ban hành)", max_length=300)
    sender_unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code_notation = models.CharField("số, ký hiệu", max_length=80, blank=True)
    code_folded = models.CharField(max_length=80, blank=True, db_index=True, editable=False)
    issued_date = models.DateField("ngày tháng văn bản", null=True, blank=True)
    doc_type = models.CharField(
        "tên loại", max_length=30, choices=DOC_TYPE_CHOICES, default="cong_van"
    )
    subject = models.TextField("trích yếu nội dung", blank=True)
    signer_name = models.CharField("người ký", max_length=200, blank=True)
    urgency = models.CharField(
        "độ khẩn", max_length=12, choices=Urgency.choices, default=Urgency.NORMAL
    )
    secrecy = models.CharField(
        "độ mật", max_length=12, choices=Secrecy.choices, default=Secrecy.NORMAL
    )
    due_date = models.DateField("hạn giải quyết", null=True, blank=True, db_index=True)
    page_amount = models.PositiveIntegerField("số trang", null=True, blank=True)
    channel = models.CharField(
        "hình thức nhận", max_length=12, choices=Channel.choices, default=Channel.UPLOAD
    )
    notes = models.TextField("ghi chú", blank=True)
    status = models.CharField(
        "trạng thái",
        max_length=16,
        choices=IncomingStatus.choices,
        default=IncomingStatus.REGISTERED,
        db_index=True,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    original = models.ForeignKey(
        StoredFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="bản gốc",
    )
    rendition = models.ForeignKey(
        StoredFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="PDF dùng để đọc khi bản gốc là DOCX.",
    )
    archive_copy = models.ForeignKey(
        StoredFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Bản lưu có dấu ĐẾN và số trang.",
    )
    text = models.TextField("nội dung văn bản (nhận dạng)", blank=True)
    text_source = models.CharField(max_length=20, blank=True)  # "pdf", "docx", "ocr", ""
    search_folded = models.TextField(blank=True, editable=False)
    sensitivity_flags = models.JSONField(default=list, blank=True)
    sensitivity_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sensitivity_confirmed_at = models.DateTimeField(null=True, blank=True)
    signature_report = models.JSONField(null=True, blank=True)
    signature_summary = models.CharField("kết quả kiểm tra chữ ký số", max_length=500, blank=True)
    signature_ok = models.BooleanField(null=True, blank=True)
    source_outgoing = models.ForeignKey(
        "OutgoingDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    result = models.TextField("kết quả giải quyết", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # NĐ 30/2020, Điều 18 (docs/domain.md §1.5): the issuer recalled the document; the entry and its
    # số đến stay in the register, the electronic copy is deleted.
    recalled_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)

    class Meta:
        verbose_name = "văn bản đến"
        verbose_name_plural = "văn bản đến"
        ordering = ["-year", "-arrival_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "register", "year", "arrival_number"], name="incoming_number_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "register", "-year", "-arrival_number"],
                name="incoming_register_idx",
            ),
            models.Index(fields=["unit", "code_folded"], name="incoming_dedupe_idx"),
            models.Index(fields=["status", "due_date"], name="incoming_due_idx"),
            # Lists across registers (a handler's documents) read in register order and stop at a
            # page.
            models.Index(fields=["-year", "-arrival_number"], name="incoming_order_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"Văn bản đến số {self.arrival_number}/{self.year}: "
            f"{self.code_notation or self.get_doc_type_display()}"
        )

    @property
    def is_secret(self) -> bool:
        return self.secrecy != Secrecy.NORMAL

    @property
    def readable_file(self) -> StoredFile | None:
        if self.original and self.original.is_pdf:
            return self.original
        return self.rendition


class AssignmentRole(models.TextChoices):
    # NĐ 30/2020, Điều 23 khoản 2: the direction names the lead unit, the supporting units and the
    # deadline.
    LEAD = "chu_tri", "Chủ trì"
    SUPPORT = "phoi_hop", "Phối hợp"
    INFO = "de_biet", "Để biết"


class Assignment(models.Model):
    """Who handles an incoming document: a unit (its leaders) or a named official."""

    document = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(max_length=10, choices=AssignmentRole.choices)
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_assignments",
    )
    # Path of the unit (or of the user's unit): leaders of any unit above it see the document.
    unit_path = models.CharField(max_length=255, db_index=True, default="")
    due_date = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at"]
        indexes = [models.Index(fields=["user", "active"], name="assignment_user_idx")]

    def __str__(self) -> str:
        who = self.user or self.unit
        return f"{self.get_role_display()}: {who}"

    @property
    def assignee_label(self) -> str:
        return str(self.user) if self.user_id else str(self.unit)


class ActionKind(models.TextChoices):
    REGISTERED = "dang_ky", "Vào sổ"
    DIRECTED = "but_phe", "Bút phê, phân công"
    FORWARDED = "chuyen", "Chuyển xử lý"
    REPORTED = "bao_cao", "Báo cáo tiến độ"
    CLOSED = "hoan_thanh", "Hoàn thành"
    REOPENED = "mo_lai", "Mở lại"
    SENSITIVITY = "xac_nhan_mat", "Xác nhận không chứa bí mật nhà nước"
    SIGNATURE = "kiem_tra_chu_ky", "Kiểm tra chữ ký số"
    DEADLINE = "gia_han", "Đổi hạn giải quyết"
    EDITED = "sua_thong_tin", "Sửa thông tin vào sổ"
    RECALLED = "thu_hoi", "Văn bản bị thu hồi"
    RELATED = "lien_quan", "Văn bản đính chính, thay thế"


class DocumentAction(models.Model):
    """The processing history of an incoming document (TraceHeaderList, Phụ lục VI)."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.actor}"


class OutgoingStatus(models.TextChoices):
    DRAFT = "du_thao", "Dự thảo"
    REVIEW = "cho_duyet", "Chờ duyệt"
    APPROVED = "cho_ky", "Đã duyệt, chờ ký số"
    SIGNED = "cho_cap_so", "Đã ký, chờ cấp số và phát hành"
    ISSUED = "da_phat_hanh", "Đã phát hành"


class SignerAuthority(models.TextChoices):
    # NĐ 30/2020, Điều 13: signing on behalf (TM.), deputy (KT.), acting (Q.), by order (TL.), by
    # authorisation (TUQ.).
    NONE = "", "Ký trực tiếp"
    TM = "TM.", "TM. (thay mặt tập thể)"
    KT = "KT.", "KT. (ký thay người đứng đầu)"
    Q = "Q.", "Q. (quyền)"
    TL = "TL.", "TL. (thừa lệnh)"
    TUQ = "TUQ.", "TUQ. (thừa ủy quyền)"


class Relation(models.TextChoices):
    # NĐ 30/2020, Điều 18 (docs/domain.md §1.5): content errors → a replacing document of equivalent
    # form; format or procedure errors → a correcting công văn (đính chính).
    NONE = "", "—"
    CORRECTS = "dinh_chinh", "Đính chính"
    REPLACES = "thay_the", "Thay thế"


class OutgoingDocument(models.Model):
    """A document drafted on the desk and issued through the outgoing register."""

    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="outgoing_documents",
        verbose_name="cơ quan ban hành",
    )
    drafting_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị soạn thảo"
    )
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người soạn thảo",
    )
    doc_type = models.CharField(
        "tên loại", max_length=30, choices=DOC_TYPE_CHOICES, default="cong_van"
    )
    subject = models.TextField("trích yếu nội dung")
    addressee = models.CharField("kính gửi", max_length=500, blank=True)
    body = models.TextField("nội dung (mẫu)", blank=True)
    place = models.CharField("địa danh", max_length=80, blank=True)
    from_template = models.BooleanField(default=False)
    urgency = models.CharField(
        "độ khẩn", max_length=12, choices=Urgency.choices, default=Urgency.NORMAL
    )
    secrecy = models.CharField(
        "độ mật", max_length=12, choices=Secrecy.choices, default=Secrecy.NORMAL
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người ký",
    )
    signer_authority = models.CharField(
        "thẩm quyền ký", max_length=6, choices=SignerAuthority.choices, blank=True, default=""
    )
    signer_title = models.CharField("chức vụ người ký", max_length=120, blank=True)
    status = models.CharField(
        max_length=16, choices=OutgoingStatus.choices, default=OutgoingStatus.DRAFT, db_index=True
    )
    current = models.ForeignKey(
        "DraftVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    signed_file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.PositiveIntegerField("số", null=True, blank=True)
    code_notation = models.CharField("số, ký hiệu", max_length=80, blank=True, db_index=True)
    issued_date = models.DateField("ngày ban hành", null=True, blank=True)
    issued_file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    copies = models.PositiveIntegerField("số lượng bản", default=1)
    notes = models.TextField("ghi chú", blank=True)
    search_folded = models.TextField(blank=True, editable=False)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Recall (thu hồi) and correction / replacement (đính chính / thay thế), NĐ 30/2020 Điều 18.
    recalled_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recall_reason = models.TextField("lý do thu hồi", blank=True)
    relation = models.CharField(
        "quan hệ với văn bản đã ban hành",
        max_length=12,
        choices=Relation.choices,
        blank=True,
        default="",
    )
    related_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name="văn bản được đính chính, thay thế",
    )

    class Meta:
        verbose_name = "văn bản đi"
        verbose_name_plural = "văn bản đi"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "number"],
                condition=models.Q(number__isnull=False),
                name="outgoing_number_once",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "-year", "-number"], name="outgoing_register_idx"),
            models.Index(fields=["drafter", "status"], name="outgoing_drafter_idx"),
        ]

    def __str__(self) -> str:
        return self.code_notation or f"Dự thảo: {self.subject[:80]}"

    @property
    def is_secret(self) -> bool:
        # Same rule as IncomingDocument.is_secret: the mail bridge asks it of either kind.
        return self.secrecy != Secrecy.NORMAL


class DraftVersion(models.Model):
    """One version of a draft (versions are kept; góp ý refer to a version)."""

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    source = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    pdf = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conversion_error = models.CharField(max_length=500, blank=True)
    note = models.CharField("ghi chú phiên bản", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="draft_version_once")
        ]

    def __str__(self) -> str:
        return f"Phiên bản {self.number}"


class ReviewComment(models.Model):
    """Góp ý on a draft, and the decisions (duyệt, trả lại) with their reasons."""

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="comments"
    )
    version = models.ForeignKey(
        DraftVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("nội dung")
    kind = models.CharField(
        max_length=20, default="gop_y"
    )  # gop_y, trinh, duyet, tra_lai, ky, phat_hanh
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class EntryEdit(models.Model):
    """One correction of a saved register entry (incoming or outgoing): who, when, why, and
    every changed field with its previous and new value. The register number never changes."""

    incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="edits"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="edits"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("lý do sửa")
    # [{"field": "subject", "label": "Trích yếu", "old": "…", "new": "…"}]
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(incoming__isnull=False, outgoing__isnull=True)
                | models.Q(incoming__isnull=True, outgoing__isnull=False),
                name="entry_edit_one_entry",
            )
        ]

    def __str__(self) -> str:
        return f"Sửa {len(self.changes)} trường — {self.actor}"


class RecipientKind(models.TextChoices):
    INTERNAL = "noi_bo", "Đơn vị trên Bàn làm việc số"
    EXTERNAL = "ben_ngoai", "Cơ quan ngoài (thư điện tử)"
    ARCHIVE = "luu", "Lưu"


class Recipient(models.Model):
    """One line of "Nơi nhận"; internal recipients get the document in their incoming register."""

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="recipients"
    )
    kind = models.CharField(max_length=12, choices=RecipientKind.choices)
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("tên", max_length=300, blank=True)
    email = models.EmailField(blank=True)
    for_action = models.BooleanField("để thực hiện", default=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=500, blank=True)
    delivered_incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recall_notified_at = models.DateTimeField(
        null=True, blank=True
    )  # external: recall notice e-mailed

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.kind == RecipientKind.INTERNAL and self.unit_id:
            return self.name or str(self.unit)
        return self.name or self.email


class IntakeStatus(models.TextChoices):
    PENDING = "cho_vao_so", "Chờ vào sổ"
    REGISTERED = "da_vao_so", "Đã vào sổ"
    REFUSED = "tu_choi", "Tệp bị từ chối"
    DISCARDED = "bo_qua", "Bỏ qua"


class MailIntake(models.Model):
    """An attachment received in the agency's e-mail inbox (IMAP), waiting for the clerk.

    NĐ 30/2020, Điều 22: an unregistered document creates no duty to act, so mail is
    never registered automatically; the clerk checks and registers it (one click,
    fields pre-filled)."""

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=300)
    part = models.PositiveSmallIntegerField(default=0)
    from_name = models.CharField(max_length=300, blank=True)
    from_email = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField()
    body = models.TextField(blank=True)
    filename = models.CharField(max_length=255, blank=True)
    file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=12, choices=IntakeStatus.choices, default=IntakeStatus.PENDING, db_index=True
    )
    incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "part"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "message_id", "part"], name="mail_intake_once")
        ]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject[:80]}"
