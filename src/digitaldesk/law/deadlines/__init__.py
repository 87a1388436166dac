"""Procedural time limits of BLTTHS 2015, computed from the events of a case.

Pure and fast: no database, no file access. `compute_deadlines` takes the crime
category, the events and a `WorkCalendar`, and returns every limit (running or not)
with the article and clause it comes from. See docs/deadlines.md for the tables and
the counting choices; docs/domain.md §3 for the sources.

Each limit cites the provision of the text in force on the date of the act that opened or
extended it (`law.versions.cite_in_force`). What the 2024–2025 amending laws change in the
rules, as far as known, is in `amended`: a row says "cần đối chiếu" only where it depends on a
text not held; the rest is said once per page (`page_notes`).

Modules:
- `model`: `Event`, `EventKind`, `Deadline`, `DeadlineKind`, `DeadlineRuleError`;
- `tables`: the limits of the Code, article by article;
- `counting`: how days and months are counted (BLTTHS Điều 134) — the one place where
  the questions the Code leaves open are decided;
- `replay`: the state of a replay and its helpers; `stages` (reports, investigation),
  `trial` (prosecution to appeal), `custody` (custody, charging, detention): the event handlers;
- `amended`: the known effects of the 2024–2025 amending laws on the rules (`page_notes`);
- `preconditions`: what each event presupposes (stage, facts), article by article;
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

from digitaldesk.law.deadlines.amended import page_notes
from digitaldesk.law.deadlines.counting import (
    DAY_LIMIT_COUNTS_FIRST_DAY,
    DAY_LIMIT_ROLLS_OVER_DAYS_OFF,
    DETENTION_MONTH_DAYS,
    add_months,
    day_limit_end,
    detention_end,
    format_days,
    split_counting_notes,
)
from digitaldesk.law.deadlines.engine import (
    compute_deadlines,
    running_deadlines,
    validate_event,
)
from digitaldesk.law.deadlines.model import (
    EVENT_LABELS,
    Deadline,
    DeadlineKind,
    DeadlineRuleError,
    Event,
    EventKind,
)
from digitaldesk.law.deadlines.preconditions import (
    PRECONDITIONS,
    check_preconditions,
    unmet_requirement,
)

__all__ = [
    "DAY_LIMIT_COUNTS_FIRST_DAY",
    "DAY_LIMIT_ROLLS_OVER_DAYS_OFF",
    "DETENTION_MONTH_DAYS",
    "EVENT_LABELS",
    "PRECONDITIONS",
    "Deadline",
    "DeadlineKind",
    "DeadlineRuleError",
    "Event",
    "EventKind",
    "add_months",
    "check_preconditions",
    "compute_deadlines",
    "day_limit_end",
    "detention_end",
    "format_days",
    "page_notes",
    "running_deadlines",
    "split_counting_notes",
    "unmet_requirement",
    "validate_event",
]
