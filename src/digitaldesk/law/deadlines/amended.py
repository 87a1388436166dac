"""What the 2024–2025 amending laws change in the deadline engine's rules, as far as known.

The limits (`tables.py`) are numbers of days and months; nothing recovered shows a change to any
of them (../shared/data/legal/amendments-2024-2025/README.md, "Changes affecting time limits").
Two things are known to have changed without their new text being held, and a row of the case
page says "cần đối chiếu" only where it depends on them:

- who grants an extension of investigation or of detention for investigation (BLTTHS Điều 172
  khoản 5, Điều 173 khoản 3, and Điều 174 khoản 1 which refers to Điều 172 khoản 5): both name
  the Viện kiểm sát nhân dân cấp huyện, whose definition Luật 99/2025/QH15 repealed on 01/07/2025
  (Điều 1 khoản 1 điểm c, recovered);
- the appeal preparation limits of Điều 346 khoản 1–2, which depend on the Tòa án nhân dân cấp
  cao, abolished on 01/07/2025 (new text not recovered).

Everything else an amending law only partly held may touch is said once per page
(`page_notes`), not on every row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from digitaldesk.law.citation import Citation
from digitaldesk.law.deadlines.tables import ART_172_2, ART_173_2, ART_174_1
from digitaldesk.law.registry import BLTTHS
from digitaldesk.law.versions import gaps_note

# Luật 99/2025/QH15 in force (Điều 1 khoản 1 điểm c: the district-level bodies' definitions
# repealed; the appeal courts reorganised).
AUTHORITY_CHANGED_ON = dt.date(2025, 7, 1)

_AUTHORITY = (
    "{where} BLTTHS ({what}) nêu Viện kiểm sát nhân dân cấp huyện, không còn từ 01/07/2025 "
    "(điểm d khoản 2 Điều 4 BLTTHS bị bãi bỏ bởi Điều 1 khoản 1 điểm c Luật số 99/2025/QH15); "
    "văn bản sửa đổi khoản này chưa có trong dữ liệu: cần đối chiếu Viện kiểm sát có thẩm quyền "
    "gia hạn."
)
EXTENSION_AUTHORITY_NOTES = {
    ART_172_2: _AUTHORITY.format(where="Khoản 5 Điều 172", what="thẩm quyền gia hạn điều tra"),
    ART_174_1: _AUTHORITY.format(
        where="Khoản 5 Điều 172",
        what="thẩm quyền gia hạn điều tra, được khoản 1 Điều 174 dẫn chiếu",
    ),
    ART_173_2: _AUTHORITY.format(where="Khoản 3 Điều 173", what="thẩm quyền gia hạn tạm giam"),
}
APPEAL_PREPARATION_NOTE = (
    "Khoản 1, 2 Điều 346 BLTTHS được sửa đổi bởi Luật số 99/2025/QH15 từ 01/07/2025 (Tòa án nhân "
    "dân cấp cao không còn); văn bản mới chưa có trong dữ liệu: tính theo thời hạn 60 ngày của "
    "Tòa án nhân dân cấp tỉnh trong văn bản trước sửa đổi, cần đối chiếu."
)


def amended_limit_note(citation: Citation) -> str:
    """The note on a limit whose provision an amending law rewrote (an imported law): the engine's
    tables were written for the earlier text, so the number may differ."""
    return (
        f"{citation.short()}: thời hạn được tính theo bảng thời hạn của văn bản trước khi sửa đổi; "
        "cần đối chiếu với văn bản sửa đổi."
    )


def page_notes(starts: Iterable[dt.date]) -> tuple[str, ...]:
    """The notes a page of deadlines shows once: the amending laws in force on the latest date
    a limit started that are only partly held (empty when every limit started before them)."""
    latest = max(starts, default=None)
    if latest is None:
        return ()
    gaps = BLTTHS.pending_on(latest)
    return (gaps_note(BLTTHS, gaps),) if gaps else ()
