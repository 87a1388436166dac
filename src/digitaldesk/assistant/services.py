"""Writes of the assistant: a question asked (audited like a search), feedback given."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from digitaldesk.assistant import answers, llm, sources
from digitaldesk.assistant.citations import resolve
from digitaldesk.assistant.engine import default_engine
from digitaldesk.assistant.models import AssistantFeedback, AssistantQuery
from digitaldesk.assistant.selectors import feedback_questions
from digitaldesk.audit.services import audit_record
from digitaldesk.law import LegalRuleError

MAX_QUESTION = 2000  # characters read of a question; longer text is cut, with a notice


@dataclass
class Asked:
    query: AssistantQuery
    answer: answers.Answer
    internal: list[dict[str, Any]]


def clean_question(text: str) -> tuple[str, list[str]]:
    notices: list[str] = []
    text = " ".join((text or "").split())
    if len(text) > MAX_QUESTION:
        text = text[:MAX_QUESTION]
        notices.append(
            f"Câu hỏi dài hơn {MAX_QUESTION} ký tự: trợ lý chỉ đọc {MAX_QUESTION} ký tự đầu."
        )
    return text, notices


def answer_for(user: Any, question: str) -> tuple[answers.Answer, list[dict[str, Any]]]:
    engine = default_engine()
    answer = answers.build(engine, engine.search(question))
    internal = sources.internal_hits(user, question)
    if settings.DESK_ASSISTANT_LLM_URL:
        answer.llm_configured = True
        phrased = llm.phrase(
            question,
            [q.passage for q in answer.quotes],
            url=settings.DESK_ASSISTANT_LLM_URL,
            model=settings.DESK_ASSISTANT_LLM_MODEL,
            timeout_ms=settings.DESK_ASSISTANT_LLM_TIMEOUT_MS,
        )
        answer.phrased = phrased.text
        if phrased.notice:
            answer.notices.append(phrased.notice)
    return answer, internal


@transaction.atomic
def question_ask(*, actor: Any, question: str) -> Asked:
    """Answer `question` for `actor`, keep it in their history and audit it."""
    text, notices = clean_question(question)
    if not text:
        raise LegalRuleError("Hãy nhập câu hỏi.")
    start = time.perf_counter()
    answer, internal = answer_for(actor, text)
    answer.notices[:0] = notices
    duration = int((time.perf_counter() - start) * 1000)
    shown = [q.passage.article_key for q in answer.quotes]
    query = AssistantQuery.objects.create(
        user=actor,
        question=text,
        intent=str(answer.intent),
        articles=list(dict.fromkeys(shown)),
        internal_hits=len(internal),
        answered=answer.answered or bool(internal),
        duration_ms=duration,
    )
    audit_record(
        actor=actor,
        action="assistant.asked",
        obj=query,
        detail={
            "q": text[:200],
            "articles": query.articles[:10],
            "internal": [
                f"{row['kind']}:{row['doc'].pk if 'doc' in row else row['hit'].key}"
                for row in internal
            ],
        },
    )
    return Asked(query, answer, internal)


@transaction.atomic
def feedback_give(
    *, actor: Any, query: AssistantQuery, correct: bool, right_article: str = ""
) -> AssistantFeedback:
    """Record the user's verdict on an answer (their own question only: the caller gates)."""

    right = ""
    if right_article.strip():
        refs = resolve(right_article)
        if not refs:
            raise LegalRuleError(
                "Không đọc được điều luật đúng: hãy ghi như “Điều 173 BLHS” hoặc “Điều 172 BLTTHS”."
            )
        right = refs[0].key
        if right not in default_engine().articles:
            raise LegalRuleError(f"Không có {right.replace(':', ' Điều ')} trong dữ liệu.")
    feedback = AssistantFeedback.objects.create(
        query=query, user=actor, correct=correct, right_article=right
    )
    audit_record(
        actor=actor,
        action="assistant.feedback",
        obj=feedback,
        detail={"query": query.pk, "correct": correct, "right": right},
    )
    return feedback


@transaction.atomic
def feedback_export(*, actor: Any | None = None, channel: str = "command") -> tuple[str, int]:
    """Feedback "chưa đúng" as evaluation questions (selectors.feedback_questions), written as
    `kind<TAB>question<TAB>article` lines, the columns of `benchmarks/assistant/late.tsv`: the one
    export of both `desk assistant-feedback-export` and the administrator page's download.
    Returns the text and its number of rows, with the audit row of the export (who, how, how
    many): the questions may name parties."""

    rows = feedback_questions()
    text = "".join(f"{kind}\t{question}\t{article}\n" for kind, question, article in rows)
    audit_record(
        actor=actor,
        action="assistant.feedback_exported",
        object_type="assistant.feedback",
        detail={"rows": len(rows), "channel": channel},
    )
    return text, len(rows)
