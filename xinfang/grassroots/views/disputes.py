"""Disputes found by grassroots screening (矛盾纠纷排查): the list, recording one, its page with the
actions open to it (resolve, mediate, turn into a case in one step)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case
from xinfang.core.errors import ValidationFailed
from xinfang.core.pages import staff_page
from xinfang.grassroots import services
from xinfang.grassroots.forms import (
    ConvertForm,
    DisputeFilterForm,
    DisputeForm,
    PartyFormSet,
    ResolveForm,
    party_inputs,
)
from xinfang.grassroots.models import Dispute
from xinfang.grassroots.selectors import access_dispute, dispute_list
from xinfang.grassroots.views import (
    add_service_errors,
    converted,
    paginate,
    record_action,
    record_page,
    record_read,
    saved,
)

VIEW = "grassroots.view_grassroots"


@require_GET
@staff_page(VIEW)
def disputes(request: HttpRequest) -> HttpResponse:
    """GET /grassroots/disputes/: the disputes of the user's area, newest first."""
    form = DisputeFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = dispute_list(user=request.user, status=data.get("status", ""), risk_level=data.get("risk_level", ""),
                        q=str(data.get("q", "")).strip())
    page, links = paginate(request, rows)
    return render(request, "grassroots/disputes.html", {"form": form, "page": page, "links": links})


@require_http_methods(["GET", "POST"])
@staff_page("grassroots.record_dispute")
def dispute_new(request: HttpRequest) -> HttpResponse:
    """GET/POST /grassroots/disputes/new/: record a dispute and its parties."""
    data = request.POST if request.method == "POST" else None
    form = DisputeForm(data, user=request.user)
    parties = PartyFormSet(data, prefix="parties")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and parties.is_valid():
            d = form.cleaned_data
            try:
                dispute = services.dispute_record(
                    actor=request.user, title=d["title"], description=d["description"], risk_level=d["risk_level"],
                    source=d["source"], found_on=d["found_on"], parties=party_inputs(parties), unit=d["unit"],
                    street=d["street"], category=d["category"])
            except ValidationFailed as exc:
                add_service_errors(form, exc, parties=parties)
            else:
                messages.success(request, _("矛盾纠纷已登记。"))
                return redirect("grassroots:dispute_detail", pk=dispute.pk)
    return render(request, "grassroots/dispute_form.html", {"form": form, "parties": parties}, status=status)


def _convert_form(dispute: Dispute, data: Any = None) -> ConvertForm:
    channel = Case.Channel.SERVICE_POINT if dispute.unit.kind == Unit.Kind.SERVICE_POINT else Case.Channel.VISIT
    return ConvertForm(data, prefix="convert", initial={"title": dispute.title, "channel": channel})


def _page(request: HttpRequest, dispute: Dispute, *, bound: dict[str, forms.Form] | None = None,
          status: int = 200) -> HttpResponse:
    user: Any = request.user
    bound = bound or {}
    is_open = dispute.status == Dispute.Status.OPEN
    may_record = user.has_perm("grassroots.record_dispute")
    context = {
        "dispute": dispute,
        "parties": list(dispute.parties.all()),
        "mediations": list(dispute.mediations.select_related("unit")),
        # A form sent back with errors stays on the page even when its action is no longer open (409).
        "resolve_form": bound.get("resolve") or (ResolveForm(prefix="resolve") if is_open and may_record else None),
        "convert_form": bound.get("convert") or (
            _convert_form(dispute) if is_open and may_record and user.has_perm("cases.register_case") else None),
        "can_mediate": is_open and user.has_perm("grassroots.mediate"),
    }
    return record_page(request, "grassroots/dispute_detail.html", context, status=status)


@require_GET
@staff_page(VIEW)
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /grassroots/disputes/<pk>/: the dispute, its parties (masked) and mediations; the read is audited."""
    return _page(request, record_read(request, access_dispute, pk, action="dispute.read"))


@require_POST
@staff_page("grassroots.record_dispute")
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = access_dispute(user=request.user, pk=pk, action="dispute.update")
    form = ResolveForm(request.POST, prefix="resolve")
    return record_action(
        form=form,
        perform=lambda d: services.dispute_resolve(actor=request.user, dispute=dispute, resolution=d["resolution"]),
        done=lambda _result: saved(request, _("已标记为已化解。"), "grassroots:dispute_detail", dispute.pk),
        page=lambda status: _page(request, dispute, bound={"resolve": form}, status=status))


@require_POST
@staff_page("grassroots.record_dispute")
def dispute_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: turn the dispute into a case in one step (``case_register``), then go to the case page."""
    dispute = access_dispute(user=request.user, pk=pk, action="dispute.update")
    form = _convert_form(dispute, request.POST)
    return record_action(
        form=form,
        perform=lambda d: services.dispute_convert(actor=request.user, dispute=dispute, matter_type=d["matter_type"],
                                                   channel=d["channel"], title=d["title"], content=d["content"]),
        done=lambda result: converted(request, result),
        page=lambda status: _page(request, dispute, bound={"convert": form}, status=status))


urlpatterns: list[URLPattern] = [
    path("disputes/", disputes, name="disputes"),
    path("disputes/new/", dispute_new, name="dispute_new"),
    path("disputes/<int:pk>/", dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/resolve/", dispute_resolve, name="dispute_resolve"),
    path("disputes/<int:pk>/convert/", dispute_convert, name="dispute_convert"),
]
