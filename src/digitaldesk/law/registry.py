"""The laws the desk knows, each with its versions and their effective dates (docs/law.md).

A `Law` is a code as enacted (Bộ luật Hình sự số 100/2015/QH13); a `LawVersion` is its text
from one date on, naming the amending laws consolidated into it. A version may have no text in
the packaged data (`data_file` None): the text of such a version is known only for the
articles no later held version changed (`LawVersion.changed`). Amending laws known to be in
force but not yet consolidated are `PendingAmendment`s: the text of a date after their entry
into force may differ from the held text, and `code.article_in_force` says so.

Sources (data/SOURCES.md):
- BLHS 100/2015/QH13 and its amending law 12/2017/QH14 both took effect on 01/01/2018
  (Luật 12/2017/QH14, Điều 3; Nghị quyết 41/2017/QH14): one version from that day.
- BLTTHS 101/2015/QH13 took effect on 01/01/2018 (Nghị quyết 41/2017/QH14); Luật 02/2021/QH15
  of 12/11/2021, in force 01/12/2021, amended Điều 146, 148, 155, 157, 229 and 247.
- Bộ luật Lao động 45/2019/QH14 (public holidays): in force 01/01/2021 (Điều 220, khoản 1).
- Not consolidated (../shared/data/legal/amendments-2024-2025/README.md): Luật 34/2024/QH15
  (BLTTHS, from 01/01/2025), 86/2025/QH15 (BLHS) and 99/2025/QH15 (BLTTHS), both from
  01/07/2025, 59/2024/QH15 (BLHS and BLTTHS, from 01/01/2026).

Pure data: this module imports nothing of the desk but `LegalRuleError`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from digitaldesk.law import LegalRuleError


@dataclass(frozen=True, slots=True)
class LawVersion:
    """The text of a law in force from `effective_from` until the next version."""

    effective_from: dt.date
    amended_by: tuple[str, ...]  # amending laws consolidated in this version ("12/2017/QH14")
    data_file: str | None  # the packaged JSONL holding this version's text; None if not held
    # Article labels this version changed from the previous one; None when not known.
    changed: frozenset[str] | None = None
    source: str = ""

    @property
    def label(self) -> str:
        """E.g. "sửa đổi, bổ sung bởi Luật số 12/2017/QH14" ("" for the text as enacted)."""
        if not self.amended_by:
            return ""
        return "sửa đổi, bổ sung bởi " + ", ".join(f"Luật số {n}" for n in self.amended_by)


@dataclass(frozen=True, slots=True)
class PendingAmendment:
    """An amending law in force whose changes are not in the held text."""

    number: str  # "99/2025/QH15"
    title: str
    effective_from: dt.date
    # Article labels it changes, when known (None: not known which).
    articles: frozenset[str] | None = None
    # What of it is held (Vietnamese, written once per page where a rule depends on it).
    gap: str = ""


@dataclass(frozen=True, slots=True)
class Law:
    """A code as enacted, with its versions in order of effective date."""

    code: str  # the key citations use: "BLHS", "BLTTHS", "BLLĐ"
    name: str  # "Bộ luật Hình sự"
    year: int  # 2015
    number: str  # "100/2015/QH13"
    versions: tuple[LawVersion, ...]
    pending: tuple[PendingAmendment, ...] = ()
    # The name in a formal citation ("BLHS 2015, Điều 9"); the code and year when empty.
    cited_as: str = ""
    # The name used in `code.Article.law` and the data files ("BLHS 2015").
    data_name: str = ""

    @property
    def title(self) -> str:
        """The name in a formal citation: "BLHS 2015", "Bộ luật Lao động 2019"."""
        return self.cited_as or f"{self.code} {self.year}"

    @property
    def in_force_from(self) -> dt.date:
        return self.versions[0].effective_from

    def version_on(self, on: dt.date) -> LawVersion:
        """The version in force on `on` (LegalRuleError before the law took effect)."""
        found = None
        for version in self.versions:
            if version.effective_from <= on:
                found = version
        if found is None:
            raise LegalRuleError(
                f"{self.name} số {self.number} có hiệu lực từ ngày {self.in_force_from:%d/%m/%Y}: "
                f"chưa có hiệu lực vào ngày {on:%d/%m/%Y}."
            )
        return found

    def version_amended_by(self, number: str) -> LawVersion:
        for version in self.versions:
            if number in version.amended_by:
                return version
        raise LegalRuleError(f"Chưa có phiên bản {self.title} được sửa đổi bởi Luật số {number}.")

    def pending_on(self, on: dt.date) -> tuple[PendingAmendment, ...]:
        """The amending laws in force on `on` whose changes are not in the held text."""
        return tuple(item for item in self.pending if item.effective_from <= on)

    @property
    def latest_held(self) -> LawVersion:
        """The latest version whose text is packaged."""
        return [v for v in self.versions if v.data_file][-1]


_D = dt.date
_PARTIAL = "các quy định sửa đổi thu thập được (data/amendments-2024-2025/, law.versions)"
_PENDING_86_2025 = PendingAmendment(
    "86/2025/QH15",
    "Luật sửa đổi, bổ sung một số điều của Bộ luật Hình sự",
    _D(2025, 7, 1),
    gap=(
        "sửa đổi 39 điều BLHS; dữ liệu mới có văn bản khoản 3 Điều 40 và (theo nguồn thứ cấp) "
        "khoản 1, 2 Điều 251, khoản 1 Điều 256a"
    ),
)
_PENDING_59_2024 = PendingAmendment(
    "59/2024/QH15",
    "Luật Tư pháp người chưa thành niên",
    _D(2026, 1, 1),
    gap="sửa đổi BLHS và BLTTHS (Điều 177); dữ liệu mới có Điều 7 BLTTHS (nguồn thứ cấp)",
)

BLHS = Law(
    code="BLHS",
    name="Bộ luật Hình sự",
    year=2015,
    number="100/2015/QH13",
    data_name="BLHS 2015",
    versions=(
        LawVersion(
            _D(2018, 1, 1),
            ("12/2017/QH14",),
            "blhs-2015.jsonl",
            source="Bộ pháp điển, đề mục 16.1 (data/SOURCES.md)",
        ),
        LawVersion(_D(2025, 7, 1), ("86/2025/QH15",), None, source=_PARTIAL),
        LawVersion(_D(2026, 1, 1), ("59/2024/QH15",), None, source=_PARTIAL),
    ),
    pending=(_PENDING_86_2025, _PENDING_59_2024),
)
BLTTHS = Law(
    code="BLTTHS",
    name="Bộ luật Tố tụng hình sự",
    year=2015,
    number="101/2015/QH13",
    data_name="BLTTHS 2015",
    versions=(
        LawVersion(_D(2018, 1, 1), (), None, source="văn bản gốc (không có trong dữ liệu)"),
        LawVersion(
            _D(2021, 12, 1),
            ("02/2021/QH15",),
            "bltths-2015.jsonl",
            changed=frozenset({"146", "148", "155", "157", "229", "247"}),
            source="Bộ pháp điển, đề mục 37.7 (data/SOURCES.md)",
        ),
        # Held only as far as the instructions were recovered (law.amendments, law.versions).
        LawVersion(_D(2025, 1, 1), ("34/2024/QH15",), None, source=_PARTIAL),
        LawVersion(_D(2025, 7, 1), ("99/2025/QH15",), None, source=_PARTIAL),
        LawVersion(_D(2026, 1, 1), ("59/2024/QH15",), None, source=_PARTIAL),
    ),
    pending=(
        PendingAmendment(
            "34/2024/QH15",
            "Luật Tổ chức Tòa án nhân dân",
            _D(2025, 1, 1),
            gap=(
                "Điều 150 khoản 1 sửa đổi BLTTHS; dữ liệu có điểm a–d (Điều 153, 154, 161, 326), "
                "điểm đ (Điều 467) bị cắt"
            ),
        ),
        PendingAmendment(
            "99/2025/QH15",
            "Luật sửa đổi, bổ sung một số điều của Bộ luật Tố tụng hình sự",
            _D(2025, 7, 1),
            gap="sửa đổi 111 điều BLTTHS; dữ liệu mới có văn bản Điều 4 (Điều 1 khoản 1)",
        ),
        _PENDING_59_2024,
    ),
)
BLLD = Law(
    code="BLLĐ",
    name="Bộ luật Lao động",
    year=2019,
    number="45/2019/QH14",
    cited_as="Bộ luật Lao động 2019",
    versions=(
        LawVersion(_D(2021, 1, 1), (), None, source="Điều 112 được trích trong law/calendar.py"),
    ),
)

LAWS: tuple[Law, ...] = (BLHS, BLTTHS, BLLD)


def _amending(number: str, name: str, signed: dt.date, effective: dt.date, source: str) -> Law:
    """An amending law, registered so that its transition provisions can be cited."""
    return Law(
        code=f"Luật số {number}",
        name=name,
        year=signed.year,
        number=number,
        cited_as=f"Luật số {number}",
        versions=(LawVersion(effective, (), None, source=source),),
    )


_AMENDING_SOURCE = "../shared/data/legal/amendments-2024-2025/ (bản thu thập một phần)"
# The amending laws whose provisions the desk cites (transition rules, amending instructions).
AMENDING_LAWS: tuple[Law, ...] = (
    _amending(
        "34/2024/QH15",
        "Luật Tổ chức Tòa án nhân dân",
        _D(2024, 6, 24),
        _D(2025, 1, 1),
        _AMENDING_SOURCE,
    ),
    _amending(
        "59/2024/QH15",
        "Luật Tư pháp người chưa thành niên",
        _D(2024, 11, 30),
        _D(2026, 1, 1),
        _AMENDING_SOURCE,
    ),
    _amending(
        "86/2025/QH15",
        "Luật sửa đổi, bổ sung một số điều của Bộ luật Hình sự",
        _D(2025, 6, 25),
        _D(2025, 7, 1),
        _AMENDING_SOURCE,
    ),
    _amending(
        "99/2025/QH15",
        "Luật sửa đổi, bổ sung một số điều của Bộ luật Tố tụng hình sự",
        _D(2025, 6, 27),
        _D(2025, 7, 1),
        _AMENDING_SOURCE,
    ),
)


def _fold(text: str) -> str:
    return " ".join(text.replace("Đ", "đ").lower().split())


_ALIASES: dict[str, Law] = {}
for _law in AMENDING_LAWS:
    _ALIASES[_fold(_law.code)] = _law
    _ALIASES[_fold(f"Luật {_law.number}")] = _law
for _law in LAWS:
    for _name in (
        _law.code,
        _law.title,
        _law.name,
        f"{_law.name} {_law.year}",
        _law.data_name,
        f"{_law.name} năm {_law.year}",
    ):
        if _name:
            _ALIASES[_fold(_name)] = _law
_ALIASES[_fold("BLLD")] = BLLD


def law(name: str) -> Law:
    """A law by its code or name: "BLHS", "BLHS 2015", "Bộ luật Tố tụng hình sự", "BLLĐ"."""
    found = _ALIASES.get(_fold(name))
    if found is None:
        raise LegalRuleError(
            f'Không rõ luật "{name}": chỉ trích dẫn được BLHS, BLTTHS, Bộ luật Lao động và các '
            "luật sửa đổi BLHS, BLTTHS năm 2024–2025."
        )
    return found


def laws() -> tuple[Law, ...]:
    return LAWS
