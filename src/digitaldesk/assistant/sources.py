"""The desk's own documents and case-file pages as sources of an answer.

The permission filter runs INSIDE the retrieval: each owning app's search function asks the
search engine with the asking user's ACL tokens (docs/search.md) and then passes the hits
through its gate, so a stale index never shows a document the user may not open. Nothing is
filtered after the fact here.
"""

from __future__ import annotations

from typing import Any

from digitaldesk.assistant.textproc import FUNCTION_WORDS, syllables
from digitaldesk.casefiles import selectors as casefiles
from digitaldesk.documents.search_section import search_documents_section

# The words of a citation say nothing about a document's content.
_STOP = FUNCTION_WORDS | {"toi", "dieu", "khoan", "diem"}


def content_words(question: str, limit: int = 4) -> list[str]:
    """The longest distinct content syllables of the question: the search engine requires every
    word, so a whole sentence would match nothing."""
    words = [w for w in dict.fromkeys(syllables(question)) if w not in _STOP and len(w) > 2]
    return sorted(words, key=len, reverse=True)[:limit]


def internal_hits(user: Any, question: str, *, limit: int = 3) -> list[dict[str, Any]]:

    words = content_words(question)
    out: list[dict[str, Any]] = []
    # Every word is required by the engine: the longest words first, then fewer, then pairs,
    # until something matches (at most 9 look-ups, each filtered by the user's tokens).
    tries = [words[:size] for size in range(len(words), 2, -1)]
    tries += [[a, b] for i, a in enumerate(words) for b in words[i + 1 :]]
    for chosen in tries:
        query = " ".join(chosen)
        docs = search_documents_section(user, query, limit=limit, offset=0)
        out.extend({"kind": "document", **row} for row in docs["hits"])
        pages = casefiles.casefile_search(user, query, limit=limit)
        out.extend({"kind": "page", "hit": hit} for hit in pages.hits)
        if out:
            break
    return out
