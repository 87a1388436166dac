"""Party handbook (sổ tay đảng viên): organisations, members' records, cell meetings (on the
meetings engine) and the yearly quality rating. docs/party.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OrganisationKind(models.TextChoices):
    DANG_BO = "dang_bo", "Đảng bộ"
    CHI_BO = "chi_bo", "Chi bộ"


class PartyOrganisation(models.Model):
    name = models.CharField("tên tổ chức đảng", max_length=200)
    kind = models.CharField(max_length=10, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """A member's record: visible to the member and to the committee (cấp ủy) of the cell only;
    every read is audited (services.member_record_open)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="party_member"
    )
    organisation = models.ForeignKey(
        PartyOrganisation, on_delete=models.PROTECT, related_name="members"
    )
    joined_on = models.DateField("ngày vào Đảng")
    official_on = models.DateField("ngày chính thức", null=True, blank=True)
    position = models.CharField("chức vụ trong Đảng", max_length=120, blank=True)
    committee = models.BooleanField("thuộc cấp ủy chi bộ", default=False)
    training = models.TextField("đào tạo, bồi dưỡng (lý luận chính trị…)", blank=True)

    def __str__(self) -> str:
        return str(self.user)


class RatingLevel(models.TextChoices):
    EXCELLENT = "xuat_sac", "Hoàn thành xuất sắc nhiệm vụ"
    GOOD = "tot", "Hoàn thành tốt nhiệm vụ"
    DONE = "hoan_thanh", "Hoàn thành nhiệm vụ"
    NOT_DONE = "khong_hoan_thanh", "Không hoàn thành nhiệm vụ"


class RatingState(models.TextChoices):
    SELF = "tu_danh_gia", "Đảng viên tự đánh giá"
    PROPOSED = "chi_uy_de_xuat", "Chi ủy đề xuất"
    FINAL = "da_xep_loai", "Chi bộ đã xếp loại"


class QualityRating(models.Model):
    """The yearly rating (xếp loại chất lượng đảng viên): self-assessment → the committee's
    proposal → the cell's decision (recorded by the committee)."""

    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="ratings")
    year = models.PositiveSmallIntegerField()
    self_level = models.CharField(max_length=20, choices=RatingLevel.choices, blank=True)
    self_comment = models.TextField(blank=True)
    proposed_level = models.CharField(max_length=20, choices=RatingLevel.choices, blank=True)
    final_level = models.CharField(max_length=20, choices=RatingLevel.choices, blank=True)
    state = models.CharField(max_length=20, choices=RatingState.choices, default=RatingState.SELF)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="party_rating_once_a_year")
        ]

    def __str__(self) -> str:
        return f"Xếp loại năm {self.year}"


class CellMeeting(models.Model):
    """A cell meeting: the meeting itself lives in the meetings engine."""

    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.PROTECT, related_name="cell_meeting"
    )
    organisation = models.ForeignKey(
        PartyOrganisation, on_delete=models.PROTECT, related_name="cell_meetings"
    )
    theme = models.CharField("chuyên đề", max_length=300, blank=True)

    def __str__(self) -> str:
        return str(self.meeting_id)
