"""Which version applies: the time rules of BLHS and the transition provisions of the
2024–2025 amending laws, each with its citation (docs/law.md, "Transition rules").

Only provisions whose words are in ../shared/data/legal/amendments-2024-2025/ are written as
rules; a provision whose text was cut is a rule with `complete` False, and the desk says
"cần đối chiếu" where a result depends on it.

- Procedure: a procedural act follows the BLTTHS text in force on the act's date
  (`PROCEDURE_ON_ACT_DATE`); Luật 99/2025/QH15's own transition provision (its Điều 2) was not
  recovered, so for a case pending on 01/07/2025 the rule is marked incomplete.
- Juvenile cases pending on 01/01/2026 (Luật 59/2024/QH15 Điều 179 khoản 1): the time limits of
  BLTTHS keep applying (`JUVENILE_PENDING_FIRST_INSTANCE`).
- Penalties: the law in force when the offence was committed (BLHS Điều 7 khoản 1); a later
  provision that is more favourable applies backwards (Điều 7 khoản 3; Luật 86/2025/QH15 Điều 4
  khoản 1 điểm b for the articles it names), a harsher one does not (Điều 7 khoản 2; Luật
  86/2025/QH15 Điều 4 khoản 1 điểm c, cut).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from digitaldesk.law.citation import Citation, blhs

_D = dt.date
AMENDMENTS_2025 = _D(2025, 7, 1)
JUVENILE_JUSTICE_LAW = _D(2026, 1, 1)


@dataclass(frozen=True, slots=True)
class TransitionRule:
    key: str
    citation: Citation
    effective_from: dt.date
    rule: str  # Vietnamese, close to the provision's words
    complete: bool = True  # False: the provision's text was cut; results depending on it are
    # marked "cần đối chiếu"
    articles: frozenset[str] | None = None  # the articles it names, when it names some

    @property
    def text(self) -> str:
        check = "" if self.complete else " Văn bản quy định này chưa đầy đủ: cần đối chiếu."
        return f"{self.rule} ({self.citation}).{check}"


def _law(
    number: str, article: str, clause: int | None = None, point: str | None = None
) -> Citation:
    return Citation(f"Luật số {number}", article, clause, point)


OFFENCE_DATE_LAW = TransitionRule(
    "blhs_7_1",
    blhs("7", 1),
    _D(2018, 1, 1),
    "Điều luật áp dụng đối với hành vi phạm tội là điều luật đang có hiệu lực tại thời điểm "
    "hành vi phạm tội được thực hiện",
)
HARSHER_NOT_BACKWARDS = TransitionRule(
    "blhs_7_2",
    blhs("7", 2),
    _D(2018, 1, 1),
    "Điều luật quy định một tội phạm mới, một hình phạt nặng hơn hoặc quy định khác không có "
    "lợi cho người phạm tội không được áp dụng đối với hành vi phạm tội đã thực hiện trước khi "
    "điều luật đó có hiệu lực",
)
FAVOURABLE_BACKWARDS = TransitionRule(
    "blhs_7_3",
    blhs("7", 3),
    _D(2018, 1, 1),
    "Điều luật xóa bỏ một tội phạm, một hình phạt, quy định một hình phạt nhẹ hơn hoặc quy định "
    "khác có lợi cho người phạm tội được áp dụng đối với hành vi phạm tội đã thực hiện trước khi "
    "điều luật đó có hiệu lực",
)
AMENDED_BLHS_FROM_2025 = TransitionRule(
    "86_2025_4_1_a",
    _law("86/2025/QH15", "4", 1, "a"),
    AMENDMENTS_2025,
    "Các quy định tại Điều 1 Luật số 86/2025/QH15 được áp dụng đối với người thực hiện hành vi "
    "phạm tội từ 0 giờ 00 phút ngày 01/07/2025",
)
FAVOURABLE_86_2025 = TransitionRule(
    "86_2025_4_1_b",
    _law("86/2025/QH15", "4", 1, "b"),
    AMENDMENTS_2025,
    "Quy định có lợi cho người phạm tội tại các điều 40, 63, 109, 110, 114, 194, 248, 250, 251, "
    "353, 354 và 421 BLHS được sửa đổi bởi Luật số 86/2025/QH15 và các quy định khác có lợi cho "
    "người phạm tội được áp dụng đối với cả hành vi phạm tội xảy ra trước 0 giờ 00 phút ngày "
    "01/07/2025 mà sau thời điểm đó mới bị phát hiện hoặc đang bị điều tra, truy tố, xét xử",
    articles=frozenset(  # as listed in the provision
        {"40", "63", "109", "110", "114", "194", "248", "250", "251", "353", "354", "421"}
    ),
)
HARSHER_86_2025 = TransitionRule(
    "86_2025_4_1_c",
    _law("86/2025/QH15", "4", 1, "c"),
    AMENDMENTS_2025,
    "Quy định không có lợi cho người phạm tội tại các điều 63, 192–195, 235–246, 248–252, 255, "
    "317, 353–358 … BLHS (danh sách bị cắt) được sửa đổi bởi Luật số 86/2025/QH15 không áp dụng "
    "đối với hành vi phạm tội xảy ra trước ngày 01/07/2025",
    complete=False,
)
PROCEDURE_ON_ACT_DATE = TransitionRule(
    "99_2025_pending",
    _law("99/2025/QH15", "2"),
    AMENDMENTS_2025,
    "Hoạt động tố tụng được tiến hành theo văn bản BLTTHS có hiệu lực vào ngày tiến hành; quy "
    "định chuyển tiếp của Luật số 99/2025/QH15 đối với vụ án đang giải quyết ngày 01/07/2025 "
    "chưa có văn bản",
    complete=False,
)
JUVENILE_PENDING_FIRST_INSTANCE = TransitionRule(
    "59_2024_179_1_a",
    _law("59/2024/QH15", "179", 1, "a"),
    JUVENILE_JUSTICE_LAW,
    "Vụ án người chưa thành niên đang giải quyết (đến xét xử sơ thẩm) chưa kết thúc ngày "
    "01/01/2026 áp dụng Luật Tư pháp người chưa thành niên, trừ thời hạn điều tra, thời hạn quyết "
    "định việc truy tố, thời hạn chuẩn bị xét xử sơ thẩm, thời hạn tạm giữ, thời hạn tạm giam và "
    "việc tách vụ án, được thực hiện theo BLTTHS",
)
JUVENILE_PENDING_APPEAL = TransitionRule(
    "59_2024_179_1_b",
    _law("59/2024/QH15", "179", 1, "b"),
    JUVENILE_JUSTICE_LAW,
    "Vụ án người chưa thành niên đang xét xử phúc thẩm chưa kết thúc ngày 01/01/2026 tiếp tục "
    "giải quyết theo Luật Tư pháp người chưa thành niên, trừ thời hạn chuẩn bị xét xử phúc thẩm, "
    "thời hạn tạm giam (phần còn lại của điểm b bị cắt)",
    complete=False,
)

RULES: tuple[TransitionRule, ...] = (
    OFFENCE_DATE_LAW,
    HARSHER_NOT_BACKWARDS,
    FAVOURABLE_BACKWARDS,
    AMENDED_BLHS_FROM_2025,
    FAVOURABLE_86_2025,
    HARSHER_86_2025,
    PROCEDURE_ON_ACT_DATE,
    JUVENILE_PENDING_FIRST_INSTANCE,
    JUVENILE_PENDING_APPEAL,
)


@dataclass(frozen=True, slots=True)
class KnownPenaltyChange:
    """A change to a bracket known from the amending law without its new wording."""

    article: str
    clause: int
    effective_from: dt.date
    amending_law: str
    removes_death: bool
    source: str  # where it is known from (Vietnamese)


_DEATH_SOURCE = (
    "Điều 4 khoản 1 điểm b Luật số 86/2025/QH15 liệt kê điều này là quy định có lợi; báo chí và "
    "Nghị quyết 03/2025/NQ-HĐTP xác nhận bỏ hình phạt tử hình; văn bản mới của khung chưa có"
)
# Death penalty removed on 01/07/2025 (shared README, "Death penalty abolished for 8 of 18
# crimes"): the bracket keeps its other penalties (tù chung thân replaces death, per every source).
DEATH_PENALTY_REMOVED: dict[tuple[str, int], KnownPenaltyChange] = {
    (label, clause): KnownPenaltyChange(
        label, clause, AMENDMENTS_2025, "86/2025/QH15", True, _DEATH_SOURCE
    )
    for label, clause in (
        ("109", 1),
        ("110", 1),
        ("114", 1),
        ("194", 4),
        ("250", 4),
        ("353", 4),
        ("354", 4),
        ("421", 1),
    )
}


def juvenile_time_limits_rule(pending_on: dt.date) -> TransitionRule | None:
    """The rule for a juvenile case pending on `pending_on`: from 01/01/2026, its time limits
    stay those of BLTTHS (None before that date: no transition applies)."""
    return JUVENILE_PENDING_FIRST_INSTANCE if pending_on >= JUVENILE_JUSTICE_LAW else None
