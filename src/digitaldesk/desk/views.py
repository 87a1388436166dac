from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from digitaldesk.desk.registry import render_widgets


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/home.html", {"widgets": render_widgets(request)})
