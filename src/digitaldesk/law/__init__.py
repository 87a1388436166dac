"""The legal engine for criminal cases (pure Python, no Django models).

- `code`: the Penal Code (BLHS 2015) and the Criminal Procedure Code (BLTTHS 2015)
  as data: articles, clauses, points and the penalty bracket of each clause.
- `categories`: the crime category of a charged bracket (BLHS Điều 9).
- `lunar`, `calendar`: the Vietnamese lunar calendar, public holidays and working days.
- `deadlines`: the procedural time limits of BLTTHS 2015 computed from case events.

See docs/deadlines.md.
"""
from __future__ import annotations


class LegalRuleError(ValueError):
    """A request the law does not allow or the data cannot answer.

    The message is Vietnamese, names the rule and is meant for the user.
    """
