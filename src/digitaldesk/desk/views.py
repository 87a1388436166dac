from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.desk.registry import prepare_widgets


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """ "Bàn làm việc": the widgets that apply to this user, in their registered order."""
    return render(request, "desk/home.html", {"widgets": prepare_widgets(request)})
