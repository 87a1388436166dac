"""The law: the Codes, their versions, citations and the legal engine (docs/law.md).

Pure Python, no Django models; the lowest layer of the desk: every app may import it and it
imports nothing of the desk.

- `registry`: the laws, their versions and effective dates, the amending laws only partly held.
- `citation`: `Citation`, a structured reference (law, article, clause, point, version).
- `code`: the Penal Code (BLHS 2015) and the Criminal Procedure Code (BLTTHS 2015)
  as held: articles, clauses, points and the penalty bracket of each clause.
- `amendments`: amending instructions (recovered, or approved in the database through a
  registered provider) and how each changes an article's text; `amendment_text`: reading an
  amending law as published into instructions.
- `versions`: each article's versions; the text in force on a date and what may still differ.
- `transition`: which version applies (BLHS Điều 7, the transition provisions of 2024–2025).
- `categories`: the crime category of a charged bracket (BLHS Điều 9), per version.
- `lunar`, `calendar`: the Vietnamese lunar calendar, public holidays and working days.
- `deadlines`: the procedural time limits of BLTTHS 2015 computed from case events
  (docs/deadlines.md).
"""

from __future__ import annotations


class LegalRuleError(ValueError):
    """A request the law does not allow or the data cannot answer.

    The message is Vietnamese, names the rule and is meant for the user.
    """
