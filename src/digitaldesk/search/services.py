"""The ONE full-text search of the desk (documents, cases, case-file pages).

    from digitaldesk.search import services as search

    search.index("document", str(doc.pk), title=doc.title, body=text,
                 acl=[f"unit:{doc.unit_id}", f"user:{doc.owner_id}"],
                 fields={"date": doc.date, "case_id": doc.case_id}, unit_id=doc.unit_id)
    search.remove("document", str(doc.pk))
    results = search.search('"quyết định" khởi tố', acl=search.acl_tokens_for(user),
                            kinds=["document"], filters={"case_id": 77, "date_from": d1})

`index` and `remove` write a row in the caller's transaction (so the index never
disagrees with the data after a rollback) and schedule the `search.sync` job on
commit. `search` first brings this machine's index up to date with the change
log when it can do so quickly, then queries tantivy. See docs/search.md.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import tantivy
from django.db import transaction
from django.db.models import Max
from django.utils.safestring import SafeString

from digitaldesk.search import query as q
from digitaldesk.search.engine import (
    GAP_SECONDS,
    IndexDoc,
    LockBusy,
    SearchIndex,
    date_number,
    facet_token,
    get_index,
    uid,
)
from digitaldesk.search.models import SearchChange, SearchEntry

log = logging.getLogger(__name__)

# How many changes a search applies inline before it answers from the older index.
INLINE_SYNC_LIMIT = 500
SYNC_BATCH = 5000


@dataclass
class SearchHit:
    kind: str
    key: str
    title: str
    snippet: SafeString
    score: float
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int
    query: q.ParsedQuery
    stale: bool = False  # True when this machine's index was still catching up

    def __iter__(self) -> Iterator[SearchHit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)


# --- writing ----------------------------------------------------------------------
def _jsonable(fields: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in (fields or {}).items():
        if isinstance(value, datetime | date):
            out[name] = (
                value.isoformat()[:10]
                if isinstance(value, date) and not isinstance(value, datetime)
                else value.date().isoformat()
            )
        elif isinstance(value, str | int | float | bool) or value is None:
            out[name] = value
        else:
            out[name] = str(value)
    return out


@transaction.atomic
def index(
    kind: str,
    key: str,
    *,
    title: str,
    body: str,
    acl: list[str],
    fields: dict[str, Any] | None = None,
    unit_id: int | None = None,
) -> None:
    """Add or replace the item (kind, key). `acl` lists the tokens that may see it."""
    key = str(key)
    SearchEntry.objects.update_or_create(
        kind=kind,
        key=key,
        defaults={
            "title": title[:500],
            "body": body,
            "acl": sorted(set(acl)),
            "fields": _jsonable(fields),
            "unit_id": unit_id,
        },
    )
    SearchChange.objects.create(kind=kind, key=key)
    _schedule_sync()


def index_many(items: Iterable[dict[str, Any]]) -> int:
    """`index` for many items in one transaction (each item: the kwargs of `index`)."""
    count = 0
    with transaction.atomic():
        for item in items:
            index(**item)
            count += 1
    return count


@transaction.atomic
def remove(kind: str, key: str) -> None:
    key = str(key)
    deleted, _ = SearchEntry.objects.filter(kind=kind, key=key).delete()
    if deleted:
        SearchChange.objects.create(kind=kind, key=key)
        _schedule_sync()


def _schedule_sync() -> None:
    """One pending `search.sync` job is enough: it applies every change there is."""
    conn = transaction.get_connection()
    # Already scheduled in this transaction? (Django keeps the pending callbacks.)
    if any(getattr(entry[1], "_desk_search_sync", False) for entry in conn.run_on_commit):
        return

    def submit() -> None:
        from digitaldesk.jobs.models import Job, JobState
        from digitaldesk.jobs.services import enqueue

        if Job.objects.filter(name="search.sync", state=JobState.QUEUED).exists():
            return
        with transaction.atomic():
            enqueue("search.sync", label="Cập nhật chỉ mục tìm kiếm")

    submit._desk_search_sync = True  # type: ignore[attr-defined]  # marker read back above
    transaction.on_commit(submit)


# --- applying the change log to this machine's index ---------------------------
@dataclass
class SyncResult:
    applied: int
    cursor: int
    pending: int
    busy: bool = False


def sync(
    *, limit: int | None = None, wait_seconds: float = 0.0, search_index: SearchIndex | None = None
) -> SyncResult:
    """Apply the change log to this machine's index, in id order.

    1. Check that the change at the cursor is still the one the index applied
       (same id, item and time). If not, the database is not the one this index
       followed (restored from a backup, a test database rolled back): empty the
       index and apply the whole log again.
    2. Read the changes after the cursor (at most `limit`).
    3. Note holes in their ids: on PostgreSQL a hole is a transaction that took an
       id and has not committed yet (or rolled back). Each hole is looked up again
       on later syncs and applied once it commits; after GAP_SECONDS it is taken
       for a rollback and forgotten.
    4. Replace every changed item by its current row (or delete it), commit.
    5. Move the cursor (a small JSON file beside the index).
    """
    idx = search_index or get_index()
    latest = SearchChange.objects.aggregate(m=Max("id"))["m"] or 0
    state = idx.state()
    if latest == state["cursor"] and not state.get("gaps") and _mark_ok(state):
        return SyncResult(0, state["cursor"], 0)
    applied = 0
    try:
        with idx.writer(wait_seconds=wait_seconds) as writer:
            state = idx.state()  # re-read under the lock: another process may have moved it
            if not _mark_ok(state):
                log.warning(
                    "search index %s does not follow this database: rebuilding it", idx.path
                )
                writer.delete_all_documents()
                state = {"cursor": 0, "gaps": {}}
            budget = limit if limit is not None else 10**12
            now = time.time()
            gaps: dict[str, float] = dict(state.get("gaps", {}))
            # Holes seen before: still open?
            for gap_id in list(gaps):
                if SearchChange.objects.filter(id=int(gap_id)).exists():
                    change = SearchChange.objects.get(id=int(gap_id))
                    _apply(idx, writer, [(change.kind, change.key)])
                    gaps.pop(gap_id)
                elif now - gaps[gap_id] > GAP_SECONDS:
                    gaps.pop(gap_id)
            cursor = state["cursor"]
            while budget > 0:
                batch = list(
                    SearchChange.objects.filter(id__gt=cursor)
                    .order_by("id")
                    .values_list("id", "kind", "key")[: min(SYNC_BATCH, budget)]
                )
                if not batch:
                    break
                expected = cursor + 1
                for change_id, _, _ in batch:
                    for missing in range(expected, change_id):
                        gaps.setdefault(str(missing), now)
                    expected = change_id + 1
                applied += _apply(idx, writer, [(kind, key) for _, kind, key in batch])
                cursor = batch[-1][0]
                budget -= len(batch)
            writer.commit()
            idx.save_state({"cursor": cursor, "gaps": gaps, "mark": _mark(cursor)})
    except LockBusy:
        state = idx.state()
        return SyncResult(0, state["cursor"], max(0, latest - state["cursor"]), busy=True)
    return SyncResult(applied, cursor, max(0, latest - cursor))


def _mark(change_id: int) -> str:
    """A fingerprint of the change at the cursor (id, item, time to the microsecond)."""
    if not change_id:
        return ""
    row = SearchChange.objects.filter(id=change_id).values_list("kind", "key", "at").first()
    if row is None:
        return "missing"
    return f"{change_id}|{row[0]}|{row[1]}|{row[2].isoformat()}"


def _mark_ok(state: dict[str, Any]) -> bool:
    return bool(_mark(int(state.get("cursor", 0))) == state.get("mark", ""))


def _apply(idx: SearchIndex, writer: tantivy.IndexWriter, changes: list[tuple[str, str]]) -> int:
    wanted = list(dict.fromkeys(changes))
    rows: dict[tuple[str, str], SearchEntry] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        kinds = {k for k, _ in chunk}
        keys = {key for _, key in chunk}
        for entry in SearchEntry.objects.filter(kind__in=kinds, key__in=keys):
            rows[(entry.kind, entry.key)] = entry
    upserts = []
    deletes: list[str] = []
    for kind, key in wanted:
        found = rows.get((kind, key))
        if found is None:
            deletes.append(uid(kind, key))
        else:
            upserts.append(_doc(found))
    return idx.write(writer, upserts, deletes) + len(deletes)


def _doc(entry: SearchEntry) -> IndexDoc:
    return IndexDoc(
        kind=entry.kind,
        key=entry.key,
        title=entry.title,
        body=entry.body,
        acl=list(entry.acl),
        fields=dict(entry.fields or {}),
        unit_id=entry.unit_id,
    )


def reindex(*, progress: Any = None, kinds: list[str] | None = None) -> int:
    """Rebuild this machine's index from the SearchEntry table (`desk search-reindex`)."""
    idx = get_index()
    latest = SearchChange.objects.aggregate(m=Max("id"))["m"] or 0
    entries = SearchEntry.objects.order_by("id")
    if kinds:
        entries = entries.filter(kind__in=kinds)
    total = entries.count()
    done = 0
    with idx.writer(wait_seconds=60) as writer:
        if kinds:
            for kind in kinds:
                writer.delete_documents_by_term("kind", kind)
        else:
            writer.delete_all_documents()
        last_id = 0
        while True:
            batch = list(entries.filter(id__gt=last_id)[:2000])
            if not batch:
                break
            idx.write(writer, (_doc(e) for e in batch), [], replace=bool(kinds))
            done += len(batch)
            last_id = batch[-1].id
            if progress:
                progress(done, total, f"{done}/{total} mục")
        writer.commit()
        if not kinds:
            # A partial rebuild leaves the cursor alone: pending changes of other
            # kinds are still applied by the next sync.
            idx.save_state({"cursor": latest, "gaps": {}, "mark": _mark(latest)})
    return done


# --- searching ----------------------------------------------------------------------
def acl_tokens_for(user: Any) -> list[str]:
    """The ACL tokens of a user: the user, and their unit and the units they lead.

    Apps that protect items by other rules (a case's assignees) add their own
    tokens, e.g. "case:77", computed from their own selectors.
    """
    tokens = [f"user:{user.pk}"]
    if getattr(user, "unit_id", None):
        tokens.append(f"unit:{user.unit_id}")
    try:
        from digitaldesk.accounts.selectors import led_units

        tokens.extend(f"unit:{u.pk}" for u in led_units(user))
    except Exception:  # pragma: no cover - accounts may not be ready in odd contexts
        log.exception("led_units failed")
    return list(dict.fromkeys(tokens))


def build_query(
    idx: SearchIndex,
    parsed: q.ParsedQuery,
    *,
    acl: list[str],
    kinds: list[str] | None,
    filters: dict[str, Any] | None,
) -> tantivy.Query:
    schema = idx.schema
    must: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for term in parsed.terms:
        must.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.boolean_query(
                    [
                        (
                            tantivy.Occur.Should,
                            tantivy.Query.boost_query(
                                tantivy.Query.term_query(schema, "title_f", term), 2.0
                            ),
                        ),
                        (tantivy.Occur.Should, tantivy.Query.term_query(schema, "body_f", term)),
                    ]
                ),
            )
        )
    for phrase in parsed.phrases:
        must.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.boolean_query(
                    [
                        (
                            tantivy.Occur.Should,
                            tantivy.Query.boost_query(
                                tantivy.Query.phrase_query(schema, "title_f", list(phrase)), 2.0
                            ),
                        ),
                        (
                            tantivy.Occur.Should,
                            tantivy.Query.phrase_query(schema, "body_f", list(phrase)),
                        ),
                    ]
                ),
            )
        )
    for term in parsed.excluded:
        must.append((tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "body_f", term)))
        must.append((tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "title_f", term)))
    # Permission: the item must carry one of the caller's tokens.
    must.append(
        (
            tantivy.Occur.Must,
            tantivy.Query.const_score_query(
                tantivy.Query.term_set_query(schema, "acl", list(acl)), 0.0
            ),
        )
    )
    if kinds:
        must.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.const_score_query(
                    tantivy.Query.term_set_query(schema, "kind", list(kinds)), 0.0
                ),
            )
        )
    for name, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if name in ("date_from", "date_to"):
            number = date_number(value)
            if number is None:
                continue
            lo, hi = (number, None) if name == "date_from" else (None, number)
            must.append(
                (
                    tantivy.Occur.Must,
                    tantivy.Query.range_query(schema, "date", tantivy.FieldType.Integer, lo, hi),
                )
            )
            continue
        values = value if isinstance(value, list | tuple | set) else [value]
        must.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.const_score_query(
                    tantivy.Query.term_set_query(
                        schema, "facet", [facet_token(name, v) for v in values]
                    ),
                    0.0,
                ),
            )
        )
    return tantivy.Query.boolean_query(must)


def search(
    query: str,
    *,
    acl: list[str],
    kinds: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Ranked (BM25) search over what the caller may see.

    `acl`: the caller's tokens (see `acl_tokens_for`); an item is returned only if
    it carries one of them. `filters`: equality on the `fields` given at indexing
    ({"case_id": 77}, a list means any of), plus "date_from"/"date_to" on the
    field "date". An empty query with filters lists the filtered items.
    """
    parsed = q.parse(query)
    if not acl or (parsed.is_empty and not filters):
        return SearchResults([], 0, parsed)
    idx = get_index()
    # Wait a moment for the writer if a job holds it, so fresh changes are found.
    result = sync(limit=INLINE_SYNC_LIMIT, wait_seconds=1.0)
    stale = result.pending > 0
    tq = build_query(idx, parsed, acl=acl, kinds=kinds, filters=filters)
    searcher = idx.searcher()
    found = searcher.search(tq, limit=max(1, min(limit, 200)), count=True, offset=max(0, offset))
    hits = []
    for score, address in found.hits:
        doc = searcher.doc(address)
        body = bytes(doc.get_first("body") or b"").decode()
        hits.append(
            SearchHit(
                kind=doc.get_first("kind") or "",
                key=doc.get_first("key") or "",
                title=bytes(doc.get_first("title") or b"").decode(),
                snippet=q.snippet(body, parsed),
                score=float(score),
                fields=json.loads(bytes(doc.get_first("fields") or b"{}")),
            )
        )
    # `count` is set because the search asked for it (count=True); the stubs do not declare it.
    return SearchResults(hits, int(getattr(found, "count", 0) or 0), parsed, stale=stale)


def status() -> dict[str, Any]:
    """For the operator: how far this machine's index is behind the change log."""
    idx = get_index()
    latest = SearchChange.objects.aggregate(m=Max("id"))["m"] or 0
    state = idx.state()
    return {
        "path": str(idx.path),
        "cursor": state["cursor"],
        "latest_change": latest,
        "pending": max(0, latest - state["cursor"]),
        "open_gaps": len(state.get("gaps", {})),
        "documents": idx.searcher().num_docs,
        "entries": SearchEntry.objects.count(),
    }
