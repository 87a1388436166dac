"""The tantivy index of one machine (docs/search.md explains the design).

The database tables `SearchEntry` (what is indexed) and `SearchChange` (an
append-only log of changes) are the truth shared by every machine. Each machine
keeps a tantivy index in DESK_SEARCH_INDEX_DIR and applies the change log to it
in id order; the processes of one machine share that directory, and tantivy's
writer lock lets only one of them write at a time. Readers never wait for the
writer: a search that finds its index behind catches up inline when it can take
the writer lock, and otherwise searches the slightly older index.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings

from digitaldesk.search.query import search_fold

SCHEMA_VERSION = 2
# A hole in the change-log ids (a transaction that took an id but has not
# committed yet, on PostgreSQL) is waited for this long before it is taken for
# a rolled-back transaction and skipped.
GAP_SECONDS = 600


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("uid", stored=True, tokenizer_name="raw")
    builder.add_text_field("kind", stored=True, tokenizer_name="raw")
    builder.add_text_field("key", stored=True)
    builder.add_text_field("acl", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("facet", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("title_f")
    builder.add_text_field("body_f")
    # Stored only (bytes fields can be left out of the inverted index): for snippets
    # and result lists, so a search needs no database round trip per hit.
    builder.add_bytes_field("title", stored=True, indexed=False)
    builder.add_bytes_field("body", stored=True, indexed=False)
    builder.add_bytes_field("fields", stored=True, indexed=False)
    builder.add_integer_field("date", indexed=True, fast=True)
    builder.add_integer_field("unit_id", indexed=True, fast=True)
    return builder.build()


@dataclass(frozen=True)
class IndexDoc:
    kind: str
    key: str
    title: str
    body: str
    acl: list[str]
    fields: dict[str, Any]
    unit_id: int | None


def uid(kind: str, key: str) -> str:
    return f"{kind}\x1f{key}"


def date_number(value: Any) -> int | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.year * 10000 + value.month * 100 + value.day
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date_number(date.fromisoformat(value[:10]))
        except ValueError:
            return None
    return None


def facet_token(name: str, value: Any) -> str:
    if isinstance(value, datetime | date):
        value = value.isoformat()[:10]
    return f"{name}={value}"


def _jsonable_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in fields.items()}


def make_document(doc: IndexDoc) -> tantivy.Document:
    title = doc.title or ""
    body = doc.body or ""
    fields = _jsonable_fields(doc.fields or {})
    facets = [
        facet_token(k, v)
        for k, v in fields.items()
        if v is not None and not isinstance(v, list | dict)
    ]
    facets.append(f"kind={doc.kind}")
    if doc.unit_id is not None:
        facets.append(f"unit_id={doc.unit_id}")
    values: dict[str, Any] = {
        "uid": [uid(doc.kind, doc.key)],
        "kind": [doc.kind],
        "key": [doc.key],
        "acl": list(doc.acl) or ["none:"],
        "facet": facets,
        "title_f": [search_fold(title)],
        "body_f": [search_fold(body)],
        "title": [title[:500].encode()],
        "body": [body.encode()],
        "fields": [json.dumps(fields, ensure_ascii=False).encode()],
    }
    number = date_number(fields.get("date"))
    if number is not None:
        values["date"] = [number]
    if doc.unit_id is not None:
        values["unit_id"] = [int(doc.unit_id)]
    return tantivy.Document(**values)


class LockBusy(Exception):
    """Another process of this machine holds the index writer."""


class SearchIndex:
    """A tantivy index in one directory, with the change-log cursor beside it."""

    def __init__(self, path: Path):
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)
        self._check_version()
        self.schema = _schema()
        self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        self._lock = threading.Lock()

    # --- versioning and cursor ------------------------------------------------
    def _check_version(self) -> None:
        marker = self.path / "desk-schema.json"
        if marker.exists():
            try:
                version = json.loads(marker.read_text(encoding="utf-8")).get("version")
            except (OSError, ValueError):
                version = None
            if version == SCHEMA_VERSION:
                return
        # A new or changed schema: start from an empty directory; the change log
        # cursor goes back to zero so the whole log is applied again.
        for child in self.path.iterdir():
            if child.is_file():
                child.unlink()
        marker.write_text(json.dumps({"version": SCHEMA_VERSION}), encoding="utf-8")

    @property
    def _state_file(self) -> Path:
        return self.path / "desk-sync.json"

    def state(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads(self._state_file.read_text(encoding="utf-8"))
            return state
        except (OSError, ValueError):
            return {"cursor": 0, "gaps": {}}

    def save_state(self, state: dict[str, Any]) -> None:
        tmp = self.path / f"desk-sync.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(self._state_file)

    # --- writing ------------------------------------------------------------
    @contextlib.contextmanager
    def writer(
        self, *, wait_seconds: float = 0.0, heap_mb: int | None = None, threads: int | None = None
    ) -> Iterator[tantivy.IndexWriter]:
        """The machine-wide single writer; LockBusy if another process holds it."""
        deadline = time.monotonic() + wait_seconds
        heap = heap_mb * 1024 * 1024 if heap_mb else heap_size()
        with self._lock:
            while True:
                try:
                    writer = self.index.writer(heap, num_threads=threads or writer_threads())
                    break
                except ValueError as exc:
                    if "lock" not in str(exc).lower() and "busy" not in str(exc).lower():
                        raise
                    if time.monotonic() >= deadline:
                        raise LockBusy(str(exc)) from exc
                    time.sleep(0.2)
            try:
                yield writer
            except BaseException:
                writer.rollback()
                raise
            finally:
                # Releases tantivy's lock file (the Python object would keep it
                # until garbage-collected otherwise).
                writer.wait_merging_threads()

    def write(
        self,
        writer: tantivy.IndexWriter,
        upserts: Iterable[IndexDoc],
        deletes: Iterable[str],
        *,
        replace: bool = True,
    ) -> int:
        """Add documents (replacing any with the same kind and key unless `replace`
        is False, for a bulk load into an empty index) and delete others."""
        count = 0
        for doc_uid in deletes:
            writer.delete_documents_by_term("uid", doc_uid)
        for doc in upserts:
            if replace:
                writer.delete_documents_by_term("uid", uid(doc.kind, doc.key))
            writer.add_document(make_document(doc))
            count += 1
        return count

    # --- reading ------------------------------------------------------------
    def searcher(self) -> tantivy.Searcher:
        self.index.reload()
        return self.index.searcher()


def heap_size() -> int:
    return int(getattr(settings, "SEARCH_WRITER_HEAP_MB", 64)) * 1024 * 1024


def writer_threads() -> int:
    return int(getattr(settings, "SEARCH_WRITER_THREADS", 1))


_INDEXES: dict[tuple[int, str], SearchIndex] = {}
_INDEXES_LOCK = threading.Lock()


def index_dir() -> Path:
    return Path(getattr(settings, "SEARCH_INDEX_DIR", settings.DATA_DIR / "search-index"))


def get_index(path: Path | None = None) -> SearchIndex:
    """This process's handle on the machine's index (re-opened after a fork)."""
    target = path or index_dir()
    key = (os.getpid(), str(target))
    with _INDEXES_LOCK:
        found = _INDEXES.get(key)
        if found is None:
            found = SearchIndex(target)
            _INDEXES[key] = found
        return found


def forget_indexes() -> None:
    """Drop the cached handles (tests that point DESK_SEARCH_INDEX_DIR elsewhere)."""
    with _INDEXES_LOCK:
        _INDEXES.clear()
