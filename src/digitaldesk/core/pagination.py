"""Pages of long lists without COUNT(*) (docs/architecture.md, "core").

    page = LitePage(rows, request.GET.get("trang"))   # page.object_list, page.has_next, ...

The registers of 200,000 rows use it: an exact count costs more than the page itself. The
template API is the subset of Django's `Page` the list templates use.
"""

from __future__ import annotations

from typing import Any

PAGE_SIZE = 50


class LitePage:
    """A page of a register without COUNT(*): on 200,000 rows an exact count costs more
    than the page itself. Reads one row more than the page to know if there is a next one."""

    def __init__(self, rows: Any, number: str | None, size: int = PAGE_SIZE) -> None:
        try:
            self.number = max(1, int(number or 1))
        except ValueError:
            self.number = 1
        start = (self.number - 1) * size
        items = list(rows[start : start + size + 1])
        self.has_next = len(items) > size
        self.object_list = items[:size]
        self.has_previous = self.number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.previous_page_number = self.number - 1
        self.next_page_number = self.number + 1
