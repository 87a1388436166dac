"""Pages of the assistant: the chat page, feedback, the administrators' quality page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Role
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.assistant import selectors, services
from digitaldesk.assistant.citations import resolve
from digitaldesk.assistant.engine import default_engine
from digitaldesk.law import LegalRuleError


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"question": request.GET.get("q", "")[:2000]}
    if request.GET.get("hoi", "").isdigit():
        # A question of the user's history, put back in the box (their own only).
        context["question"] = selectors.query_for_user(user, request.GET["hoi"]).question
    if request.method == "POST":
        question = request.POST.get("question", "")
        context["question"] = question[:2000]
        try:
            context["asked"] = services.question_ask(actor=user, question=question)
        except LegalRuleError as exc:
            context["error"] = str(exc)
    context["history"] = selectors.history(user)
    return render(request, "assistant/home.html", context)


@login_required
@require_POST
def feedback(request: AuthedRequest) -> HttpResponse:
    pk = request.POST.get("query", "")
    if not pk.isdigit():
        messages.error(request, "Không rõ câu trả lời được đánh giá.")
        return redirect("assistant:home")
    query = selectors.query_for_user(request.user, pk)
    verdict = request.POST.get("correct", "")
    if verdict not in {"1", "0"}:
        messages.error(request, "Hãy chọn “Đúng” hoặc “Chưa đúng”.")
        return redirect("assistant:home")
    try:
        services.feedback_give(
            actor=request.user,
            query=query,
            correct=verdict == "1",
            right_article=request.POST.get("right_article", "")[:100],
        )
    except LegalRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Cảm ơn, đã ghi nhận đánh giá của bạn.")
    return redirect("assistant:home")


def _admin_only(request: AuthedRequest) -> None:
    if Role.ADMIN not in effective_roles(request.user):
        raise PermissionDenied


@login_required
def admin(request: AuthedRequest) -> HttpResponse:
    _admin_only(request)
    return render(
        request,
        "assistant/admin.html",
        {
            "quality": selectors.quality(),
            "recent": selectors.recent_queries(),
            "unanswered": selectors.unanswered_queries(),
            "wrong": selectors.wrong_answers(),
        },
    )


@login_required
@require_GET
def export_feedback(request: AuthedRequest) -> HttpResponse:
    """The "chưa đúng" answers with the right article as evaluation questions: the file of
    `desk assistant-feedback-export` (services.feedback_export), the download audited."""
    _admin_only(request)
    text, _ = services.feedback_export(actor=request.user, channel="admin_page")
    response = HttpResponse(text, content_type="text/tab-separated-values; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cau-hoi-danh-gia.tsv"'
    return response


def home_url() -> str:
    return reverse("assistant:home")


@login_required
@require_GET
def article(request: AuthedRequest) -> HttpResponse:
    """The whole article a passage comes from (`?dieu=BLHS:173#k2`); without `dieu`, a box to
    name one ("Điều 173 BLTTHS")."""

    key = request.GET.get("dieu", "")[:40].strip()
    if not key:
        return render(request, "assistant/article.html", {})
    engine = default_engine()
    if key not in engine.articles and (refs := resolve(key)):
        key = refs[0].key
    item = engine.articles.get(key)
    if item is None:
        return render(
            request,
            "assistant/article.html",
            {"missing": key, "error": "Không có điều luật này trong dữ liệu."},
            status=404,
        )
    code = key.split(":")[0]
    return render(request, "assistant/article.html", {"item": item, "code": code, "key": key})
