"""Procedural time limits of BLTTHS 2015, computed from the events of a case.

Pure and fast: no database, no file access. `compute_deadlines` takes the crime
category, the events and a `WorkCalendar`, and returns every limit (running or not)
with the article and clause it comes from. See docs/deadlines.md for the tables and
the counting choices; docs/domain.md §3 for the sources.

The text of the Code used is BLTTHS 2015 as amended in 2021. The amending laws of
2024–2025 (Luật 99/2025/QH15 among others) are NOT consolidated: where a limit may
have changed, the deadline carries `UNCONSOLIDATED_NOTE`.

Modules:
- `model`: `Event`, `EventKind`, `Deadline`, `DeadlineKind`, `DeadlineRuleError`;
- `tables`: the limits of the Code, article by article;
- `counting`: how days and months are counted (BLTTHS Điều 134) — the one place where
  the questions the Code leaves open are decided;
- `engine`: the replay (`compute_deadlines`, `validate_event`).

Steps of `compute_deadlines`:
1. Sort the events by date, then by the procedural order of their kinds.
2. Replay them: each event opens, extends, suspends or closes "tracks" (one per limit
   and subject — the case, or one accused).
3. Turn each track into a `Deadline`; a violation met on the way (an extension beyond
   the Code, an order longer than allowed) is kept as a note with `needs_review`.
`validate_event` replays the same way and raises `DeadlineRuleError` for a violation
caused by the new event.
"""

from __future__ import annotations

from digitaldesk.law.deadlines.counting import (
    DAY_LIMIT_COUNTS_FIRST_DAY,
    DAY_LIMIT_ROLLS_OVER_DAYS_OFF,
    DETENTION_MONTH_DAYS,
    add_months,
    day_limit_end,
    detention_end,
    format_days,
)
from digitaldesk.law.deadlines.engine import (
    compute_deadlines,
    running_deadlines,
    validate_event,
)
from digitaldesk.law.deadlines.model import (
    EVENT_LABELS,
    UNCONSOLIDATED_NOTE,
    Deadline,
    DeadlineKind,
    DeadlineRuleError,
    Event,
    EventKind,
)

__all__ = [
    "DAY_LIMIT_COUNTS_FIRST_DAY",
    "DAY_LIMIT_ROLLS_OVER_DAYS_OFF",
    "DETENTION_MONTH_DAYS",
    "EVENT_LABELS",
    "UNCONSOLIDATED_NOTE",
    "Deadline",
    "DeadlineKind",
    "DeadlineRuleError",
    "Event",
    "EventKind",
    "add_months",
    "compute_deadlines",
    "day_limit_end",
    "detention_end",
    "format_days",
    "running_deadlines",
    "validate_event",
]
