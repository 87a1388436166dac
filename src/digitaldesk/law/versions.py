"""Versions of each article: the text in force on a date, and what may still differ.

An article's versions (`article_versions`) start from the held consolidated text
(`registry.LawVersion.data_file`: BLHS as amended in 2017, BLTTHS as amended in 2021). Each date
on which an applicable amending instruction (`law.amendments`) took effect makes a new version:
the previous text with the instructions of that date applied, naming the amending laws and the
instructions. `article_in_force(law, label, on)` is the version in force on `on`, with:

- `may_differ`: the amending instructions in force on `on` known to touch this article whose
  wording is not held (cut in every copy, or not recovered at all), each with its reason;
- `gaps`: the amending laws in force on `on` that are only partly held (`Law.pending`), which
  may touch any article (said once per page, not on every rule).

A citation of a clause names the amending law of the version it was read from
(`cite_in_force`: "Điều 154 khoản 2 BLTTHS, sửa đổi bởi Luật số 34/2024/QH15").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from digitaldesk.law import LegalRuleError, amendments
from digitaldesk.law.amendments import Amendment, UnrecoveredAmendment
from digitaldesk.law.citation import Citation
from digitaldesk.law.code import Article, build_article, held_articles
from digitaldesk.law.registry import Law, LawVersion, PendingAmendment
from digitaldesk.law.registry import law as registered_law

_CODES = ("BLHS", "BLTTHS")


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """One text of an article, in force from `effective_from` until the next version."""

    article: Article | None  # None: this text is not held
    effective_from: dt.date
    # The amending laws whose instructions made this version ("" entries never).
    amended_by: tuple[str, ...]
    amendments: tuple[Amendment, ...]  # the instructions applied on `effective_from`
    law_version: LawVersion  # the version of the whole law this text belongs to (or follows)

    def clause_amended_by(self, clause: int | None) -> str:
        """The amending law that wrote `clause` in this version ("" if none did)."""
        for item in reversed(self.amendments):
            if item.touches_clause(clause):
                return item.amending_law
        return ""


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """An amending instruction in force that may make the held text differ."""

    law: str
    article: str
    amending_law: str
    provision: str
    effective_from: dt.date
    reason: str  # Vietnamese

    @property
    def text(self) -> str:
        return (
            f"Điều {self.article} {self.law} có thể đã được sửa đổi bởi {self.provision} "
            f"Luật số {self.amending_law} (từ {self.effective_from:%d/%m/%Y}): {self.reason}"
        )


_REASONS = {
    "law_text_partial": "văn bản sửa đổi chỉ thu thập được một phần (bị cắt); cần đối chiếu.",
    "secondary": "chỉ biết qua nguồn thứ cấp, chưa có văn bản; cần đối chiếu.",
    "inferred": (
        "văn bản đang dùng còn nêu cơ quan không còn tồn tại (cấp huyện, cấp cao) nên đã phải "
        "sửa đổi; chưa có văn bản mới; cần đối chiếu."
    ),
    "inferred_likely": (
        'văn bản đang dùng còn nêu "xã, phường, thị trấn" nên nhiều khả năng đã được sửa đổi; '
        "chưa có văn bản mới; cần đối chiếu."
    ),
    "inferred_mapping": (
        "điều luật thuộc danh sách được sửa đổi (Điều 4 Luật số 86/2025/QH15); chưa có văn bản "
        "mới; cần đối chiếu."
    ),
}
_PART_MISSING = (
    "chỉ có văn bản một phần của điều luật (các khoản đã có được áp dụng); cần đối chiếu."
)
_CUT = "văn bản sửa đổi bị cắt trong mọi bản thu thập được; cần đối chiếu."


@dataclass(frozen=True, slots=True)
class ArticleInForce:
    """An article as in force on `on`, with what may still differ from the official text."""

    article: Article
    law: Law
    version: LawVersion  # the version of the law in force on `on`
    text_version: ArticleVersion  # the version of this article the text is read from
    on: dt.date
    may_differ: tuple[Uncertainty, ...]
    gaps: tuple[PendingAmendment, ...]

    @property
    def exact(self) -> bool:
        """True when nothing known in force on `on` may make the text differ."""
        return not self.may_differ and not self.gaps

    @property
    def amended_by(self) -> tuple[str, ...]:
        return self.text_version.amended_by

    @property
    def caveat(self) -> str:
        """Why the text may differ ("" when it is exact): this article's own uncertainties,
        then the amending laws only partly held."""
        parts = [u.text for u in self.may_differ]
        if self.gaps:
            parts.append(gaps_note(self.law, self.gaps))
        return " ".join(parts)

    def cite(self, clause: int | None = None, point: str | None = None) -> Citation:
        """The clause as cited from this version (pinned to its amending law, if any)."""
        return Citation(
            self.law.code,
            self.article.label,
            clause,
            point,
            self.text_version.clause_amended_by(clause),
        )


def gaps_note(item: Law, gaps: tuple[PendingAmendment, ...]) -> str:
    """The once-per-page note on the amending laws only partly held."""
    laws = "; ".join(
        f"Luật số {p.number} (từ {p.effective_from:%d/%m/%Y}) {p.gap}".rstrip() for p in gaps
    )
    held = item.latest_held.label
    return (
        f"{item.code} áp dụng theo văn bản hợp nhất ({held}) và các quy định sửa đổi đã thu thập "
        f"được: {laws}. Các quy định khác của các luật này chưa được đối chiếu."
    )


def _code_law(law_name: str) -> Law:
    item = registered_law(law_name)
    if item.code not in _CODES:
        raise LegalRuleError(f"Chưa có văn bản {item.title} trong dữ liệu.")
    return item


def _key(label: str | int) -> str:
    return str(label).strip().lower().removeprefix("điều").strip()


@cache
def article_versions(law_name: str, label: str | int) -> tuple[ArticleVersion, ...]:
    """Every version of an article, oldest first (empty if the law never had it)."""
    item = _code_law(law_name)
    key = _key(label)
    versions: list[ArticleVersion] = []
    held_index = max(i for i, v in enumerate(item.versions) if v.data_file)
    held = held_articles(str(item.versions[held_index].data_file)).get(key)
    for index, law_version in enumerate(item.versions[: held_index + 1] if held else ()):
        # An earlier version's text is the held one unless a version since changed the article.
        later = [v.changed for v in item.versions[index + 1 : held_index + 1]]
        unknown = any(c is None or key in c for c in later)
        text = None if unknown else held
        changed_here = law_version.changed is None or key in law_version.changed
        cites = held is not None and _cites(held, law_version)
        amended = law_version.amended_by if changed_here and cites else ()
        versions.append(ArticleVersion(text, law_version.effective_from, amended, (), law_version))
    mine = [
        a
        for a in amendments.all_amendments()
        if a.law == item.code and a.article == key and a.applicable
    ]
    for day in sorted({a.effective_from for a in mine}):
        todays = tuple(a for a in mine if a.effective_from == day)
        previous = versions[-1] if versions else None
        article = _amend(item, key, previous.article if previous else None, todays)
        laws = tuple(dict.fromkeys(a.amending_law for a in todays))
        prior = previous.amended_by if previous else ()
        versions.append(
            ArticleVersion(
                article,
                day,
                tuple(dict.fromkeys(prior + laws)),
                (previous.amendments if previous else ()) + todays,
                item.version_on(day),
            )
        )
    return tuple(versions)


def _cites(article: Article, version: LawVersion) -> bool:
    """True if the held article's source note says `version` amended it."""
    return any(number in article.source_note for number in version.amended_by)


def _amend(
    item: Law, key: str, base: Article | None, todays: tuple[Amendment, ...]
) -> Article | None:
    if base is None:
        creating = [a for a in todays if a.op == "add_article"]
        if not creating:
            return None  # an amendment of a text that is not held
        neighbour = _neighbour(item, key)
        base = build_article(neighbour, label=key, title="", text="")
    title, text = base.title, base.text
    for a in todays:
        title, text = amendments.apply(title, text, a)
    status = "repealed" if any(a.op == "repeal_article" for a in todays) else ""
    note = "; ".join(f"sửa đổi, bổ sung bởi {a.basis}" for a in todays)
    return build_article(base, label=key, title=title, text=text, status=status, source_note=note)


def _neighbour(item: Law, key: str) -> Article:
    """The held article a new one is inserted after (Điều 256 for a new Điều 256a)."""
    held = held_articles(str(item.latest_held.data_file))
    digits = "".join(ch for ch in key if ch.isdigit())
    found = held.get(digits)
    if found is None:
        raise LegalRuleError(f"Không xác định được vị trí của Điều {key} {item.code}.")
    return found


def version_on(law_name: str, label: str | int, on: dt.date) -> ArticleVersion:
    """The version of an article in force on `on` (LegalRuleError when there is none)."""
    item = _code_law(law_name)
    law_version = item.version_on(on)  # refuses a date before the law took effect
    key = _key(label)
    found = None
    for version in article_versions(item.code, key):
        if version.effective_from <= on:
            found = version
    if found is None:
        added = article_versions(item.code, key)
        if added:
            raise LegalRuleError(
                f"Điều {key} {item.code} được bổ sung bởi Luật số {added[0].amended_by[-1]}, có "
                f"hiệu lực từ ngày {added[0].effective_from:%d/%m/%Y}: chưa có hiệu lực vào ngày "
                f"{on:%d/%m/%Y}."
            )
        raise LegalRuleError(f"{item.name} {item.year} không có Điều {key}.")
    if found.article is None:
        later = next(
            v
            for v in item.versions[item.versions.index(law_version) + 1 :]
            if v.changed is None or key in v.changed
        )
        amending = ", ".join(f"Luật số {n}" for n in later.amended_by)
        raise LegalRuleError(
            f"Điều {key} {item.code} được sửa đổi bởi {amending} "
            f"từ ngày {later.effective_from:%d/%m/%Y}: "
            f"văn bản có hiệu lực ngày {on:%d/%m/%Y} chưa có trong dữ liệu."
        )
    return found


def uncertainties(law_name: str, label: str | int, on: dt.date) -> tuple[Uncertainty, ...]:
    """The instructions in force on `on` that touch this article and are not held."""
    item = _code_law(law_name)
    key = _key(label)
    found: list[Uncertainty] = []
    for a in amendments.all_amendments():
        if a.law == item.code and a.article == key and not a.complete and a.effective_from <= on:
            reason = _PART_MISSING if a.applicable else _CUT
            found.append(
                Uncertainty(item.code, key, a.amending_law, a.provision, a.effective_from, reason)
            )
    for u in _unrecovered_for(item.code, key):
        said = any(f.amending_law == u.amending_law and f.provision == u.provision for f in found)
        if u.effective_from <= on and not said:
            reason = _REASONS.get(u.confidence, "chưa có văn bản; cần đối chiếu.")
            found.append(
                Uncertainty(item.code, key, u.amending_law, u.provision, u.effective_from, reason)
            )
    return tuple(found)


def _unrecovered_for(code: str, key: str) -> list[UnrecoveredAmendment]:
    return [
        u
        for u in amendments.unrecovered()
        if u.law == code and u.articles is not None and key in u.articles
    ]


def article_in_force(law_name: str, label: str | int, on: dt.date) -> ArticleInForce:
    """The text of an article in force on `on` ("the text of Điều X on date D").

    1. The version of the law in force on `on` (LegalRuleError before the law took effect).
    2. The article's version in force on `on` (`article_versions`): the held text, or the held
       text with the applicable amending instructions in force on `on` applied. A version whose
       text is not held (BLTTHS before 01/12/2021 for the articles Luật 02/2021/QH15 changed) is
       refused with the amending law named.
    3. What may differ: `uncertainties` (this article) and the laws only partly held (`gaps`).
    """
    item = _code_law(law_name)
    version = version_on(item.code, label, on)
    if version.article is None:  # pragma: no cover - version_on refuses a text that is not held
        raise LegalRuleError(f"Điều {label} {item.code}: văn bản chưa có trong dữ liệu.")
    return ArticleInForce(
        version.article,
        item,
        item.version_on(on),
        version,
        on,
        uncertainties(item.code, label, on),
        item.pending_on(on),
    )


def cite_in_force(citation: Citation, on: dt.date) -> Citation:
    """`citation` pinned to the amending law of the clause's text in force on `on` (unchanged
    when no applicable instruction wrote that clause). Cheap: the engine calls it per limit."""
    index = _index[0] if _index else _build_index()
    entries = index.get(citation.article)
    if entries is None:  # the usual case: one dict lookup
        return citation
    number = ""
    for law, clause, day, amending in entries:  # oldest first
        if day <= on and law == citation.law and clause in (citation.clause, _WHOLE):
            number = amending
    return citation.with_version(number) if number != citation.version else citation


_WHOLE = -1  # the clause of the instructions that rewrite the whole article
_Entry = tuple[str, int | None, dt.date, str]
_index: list[dict[str, tuple[_Entry, ...]]] = []  # built once, dropped when instructions change


def _build_index() -> dict[str, tuple[_Entry, ...]]:
    """article label -> (law, clause, date, amending law) of each applicable instruction."""
    found: dict[str, list[_Entry]] = {}
    for a in amendments.all_amendments():
        if a.applicable:
            clause = _WHOLE if a.touches_clause(_WHOLE) else a.clause
            found.setdefault(a.article, []).append(
                (a.law, clause, a.effective_from, a.amending_law)
            )
    index = {label: tuple(sorted(items, key=lambda e: e[2])) for label, items in found.items()}
    _index[:] = [index]
    return index


def _forget() -> None:
    article_versions.cache_clear()
    _index.clear()


amendments.on_change(_forget)
