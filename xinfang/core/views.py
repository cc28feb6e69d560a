"""The front door: staff go to their workbench, everyone else to the login page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    for perm, name in (("cases.view_case", "cases:inbox"), ("accounts.view_unit", "reference:units"),
                       ("deadlines.change_calendarday", "reference:calendar")):
        if user.has_perm(perm):
            try:
                return redirect(reverse(name))
            except NoReverseMatch:
                continue
    return render(request, "core/home.html")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"status": 403, "message": str(exception or "")}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"status": 404}, status=404)
