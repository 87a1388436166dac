"""Meetings (phòng họp không giấy): agenda, documents, participants, votes, minutes.

One engine for the unit's meetings and the party cells' meetings (the `party` app adds its rules
through `Meeting.min_documents` and its own `CellMeeting` row). docs/meetings.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class MeetingKind(models.TextChoices):
    MEETING = "hop", "Cuộc họp"
    CELL_REGULAR = "chi_bo_dinh_ky", "Sinh hoạt chi bộ định kỳ"
    CELL_THEMATIC = "chi_bo_chuyen_de", "Sinh hoạt chi bộ chuyên đề"


class MeetingState(models.TextChoices):
    SCHEDULED = "du_kien", "Đã lên lịch"
    OPEN = "dang_hop", "Đang họp"
    CLOSED = "ket_thuc", "Đã kết thúc"


class Meeting(models.Model):
    title = models.CharField("tên cuộc họp", max_length=300)
    kind = models.CharField(max_length=20, choices=MeetingKind.choices, default=MeetingKind.MEETING)
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField("thời gian bắt đầu")
    place = models.CharField("địa điểm", max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Rules set by the app that creates the meeting (party cells: 3 documents, see party/rules.py).
    min_documents = models.PositiveSmallIntegerField(default=0)
    quorum_percent = models.PositiveSmallIntegerField(default=50)  # more than this % present
    late_after_minutes = models.PositiveSmallIntegerField(default=15)
    online = models.BooleanField("họp trực tuyến", default=False)
    video_room = models.CharField(max_length=64, default="", blank=True)
    evaluation = models.TextField("đánh giá buổi họp", blank=True)
    resolution = models.TextField("nghị quyết / kết luận chung", blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    minutes_file = models.ForeignKey(
        "documents.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.state == MeetingState.CLOSED

    @property
    def is_open(self) -> bool:
        return self.state == MeetingState.OPEN


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField("nội dung", max_length=300)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes = models.PositiveSmallIntegerField("thời lượng (phút)", default=15)
    conclusion = models.TextField("kết luận", blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class ItemDocument(models.Model):
    """A document of an agenda item: an uploaded PDF/DOCX, or a document of the register (opened
    through the documents app's own gate each time, so a withdrawn permission applies at once)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=300)
    file = models.ForeignKey(
        "documents.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    incoming = models.ForeignKey(
        "documents.IncomingDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    removed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.title


class Rsvp(models.TextChoices):
    PENDING = "cho", "Chưa trả lời"
    YES = "du", "Tham dự"
    NO = "vang", "Vắng mặt"


class Participant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rsvp = models.CharField(max_length=4, choices=Rsvp.choices, default=Rsvp.PENDING)
    absence_reason = models.CharField("lý do vắng mặt", max_length=300, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.CharField(max_length=10, blank=True)  # "qr" | "thu_ky"
    late = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_participant_once")
        ]

    def __str__(self) -> str:
        return str(self.user)


class PrivateNote(models.Model):
    """A participant's own note on an item: shown to its author only, never in the minutes."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "author"], name="meeting_note_once")]

    def __str__(self) -> str:
        return f"Ghi chú riêng #{self.pk}"


class Opinion(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="opinions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Ý kiến #{self.pk}"


class Conclusion(models.Model):
    """A conclusion (kết luận) with an owner and a deadline, for a later work-plan app to track."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="conclusions")
    text = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.text[:80]


class VoteMode(models.TextChoices):
    OPEN = "cong_khai", "Biểu quyết công khai"
    NAMED = "ghi_danh", "Biểu quyết ghi danh"
    SECRET = "bo_phieu_kin", "Bỏ phiếu kín"


class Choice(models.TextChoices):
    FOR = "tan_thanh", "Tán thành"
    AGAINST = "khong_tan_thanh", "Không tán thành"
    ABSTAIN = "khong_y_kien", "Không có ý kiến"


class Vote(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    question = models.CharField("nội dung biểu quyết", max_length=300)
    mode = models.CharField(max_length=14, choices=VoteMode.choices)
    is_open = models.BooleanField(default=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.question


class NamedBallot(models.Model):
    """A ballot of an open or named vote: the voter and the choice together."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="named_ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=16, choices=Choice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter"], name="meeting_named_ballot_once")
        ]

    def __str__(self) -> str:
        return f"Phiếu #{self.pk}"


class SecretVoter(models.Model):
    """Who has voted in a secret ballot (prevents double voting). No choice, no time: see
    docs/meetings.md, "Bỏ phiếu kín". The primary key is random so that ids do not give the
    order in which officials voted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sealed = models.BooleanField(default=False)  # rewritten when the vote closes

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter"], name="meeting_secret_voter_once")
        ]

    def __str__(self) -> str:
        return "Đã bỏ phiếu kín"


class SecretTally(models.Model):
    """The count of one choice of a secret ballot: one row per choice, created when the vote
    opens and incremented by each ballot. No ballot rows exist, so no row order, id or time can
    be matched with SecretVoter."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=16, choices=Choice.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "choice"], name="meeting_secret_tally_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_choice_display()}: {self.count}"
