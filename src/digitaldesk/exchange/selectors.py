"""Reads of the exchange: the files received with an imported package."""

from __future__ import annotations

from typing import Any

from digitaldesk.cases.models import Case, ExchangeDirection


def received_file(case: Case, exchange_id: int, path: str) -> dict[str, Any] | None:
    """The report entry of a file kept from the package imported as `exchange_id` into `case`
    (a digitised file, a page table, a cited document), or None. An event's document is not
    one of them: it is the event's attachment, served by the case's own page."""
    received = case.exchanges.filter(pk=exchange_id, direction=ExchangeDirection.IMPORT).first()
    files = received.report.get("files", []) if received else []
    return next(
        (
            entry
            for entry in files
            if entry.get("path") == path and entry.get("kind") != "event_document"
        ),
        None,
    )
