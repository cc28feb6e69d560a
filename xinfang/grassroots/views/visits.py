"""Visits (上门办信, 领导下访, 走访) with their findings, and the leaders' reception days (领导接访) with the
people received. A finding or a reception becomes a case in one step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.access import access_case, cases_visible_to
from xinfang.core.errors import ValidationFailed
from xinfang.core.pages import form_add_service_errors, staff_page
from xinfang.grassroots import services
from xinfang.grassroots.forms import (
    CancelForm,
    ConvertForm,
    FindingForm,
    PartyFormSet,
    PersonFormSet,
    ReceptionDayFilterForm,
    ReceptionDayForm,
    ReceptionForm,
    ReceptionRegisterForm,
    VisitFilterForm,
    VisitForm,
    party_inputs,
)
from xinfang.grassroots.models import ReceptionDay, Visit, VisitFinding
from xinfang.grassroots.selectors import (
    access_finding,
    access_reception,
    access_reception_day,
    access_visit,
    reception_day_list,
    reception_day_receptions_allowed,
    visit_list,
)
from xinfang.grassroots.views import converted, paginate, record_action, record_page, record_read, saved

VIEW = "grassroots.view_grassroots"
RECORD_VISIT = "grassroots.record_visit"
SCHEDULE = "grassroots.schedule_reception"
RECORD_RECEPTION = "grassroots.record_reception"


# --- Visits ------------------------------------------------------------------------------------------

@require_GET
@staff_page(VIEW)
def visits(request: HttpRequest) -> HttpResponse:
    """GET /grassroots/visits/: the visits of the user's area, newest first."""
    form = VisitFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page, links = paginate(request, visit_list(user=request.user, kind=data.get("kind", "")))
    return render(request, "grassroots/visits.html", {"form": form, "page": page, "links": links, "tab": "visits"})


@require_http_methods(["GET", "POST"])
@staff_page(RECORD_VISIT)
def visit_new(request: HttpRequest) -> HttpResponse:
    """GET/POST /grassroots/visits/new/ (``?case=<id>`` for 上门办信 from the case page): record a visit."""
    initial: dict[str, Any] = {}
    if request.GET.get("case"):
        case = access_case(user=request.user, case_id=request.GET["case"])
        initial = {"kind": Visit.Kind.HOME, "case_number": case.number}
    data = request.POST if request.method == "POST" else None
    form = VisitForm(data, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            case = None
            if d["case_number"]:
                case = cases_visible_to(request.user).filter(number=d["case_number"]).first()
                if case is None:
                    form.add_error("case_number", _("未找到该信访事项。"))
            if not form.errors:
                try:
                    visit = services.visit_record(
                        actor=request.user, kind=d["kind"], visited_at=d["visited_at"], place=d["place"],
                        visitors=d["visitors"], summary=d["summary"], unit=d["unit"], street=d["street"], case=case)
                except ValidationFailed as exc:
                    form_add_service_errors(form, exc)
                else:
                    messages.success(request, _("走访已登记。"))
                    return redirect("grassroots:visit_detail", pk=visit.pk)
    return render(request, "grassroots/visit_form.html", {"form": form}, status=status)


def _visit_page(request: HttpRequest, visit: Visit, *, finding_form: forms.Form | None = None,
                finding_parties: Any = None, convert: dict[int, forms.Form] | None = None,
                status: int = 200) -> HttpResponse:
    user: Any = request.user
    may = user.has_perm(RECORD_VISIT)
    convert = convert or {}
    findings = []
    for finding in visit.findings.select_related("category", "case").prefetch_related("parties"):
        form = convert.get(finding.pk)
        if form is None and may and user.has_perm("cases.register_case") and \
                finding.status == VisitFinding.Status.OPEN:
            form = ConvertForm(prefix=f"convert{finding.pk}", initial={"title": finding.title})
        findings.append({"finding": finding, "convert_form": form})
    context = {
        "visit": visit, "findings": findings, "tab": "visits",
        "finding_form": finding_form or (FindingForm(prefix="finding") if may else None),
        "finding_parties": finding_parties or (PartyFormSet(prefix="parties") if may else None),
    }
    return record_page(request, "grassroots/visit_detail.html", context, status=status)


@require_GET
@staff_page(VIEW)
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_page(request, record_read(request, access_visit, pk, action="visit.read"))


@require_POST
@staff_page(RECORD_VISIT)
def visit_finding(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: add a problem found on the visit, with the residents who raised it."""
    visit = access_visit(user=request.user, pk=pk, action="visit.update")
    form = FindingForm(request.POST, prefix="finding")
    parties = PartyFormSet(request.POST, prefix="parties")
    return record_action(
        form=form, formsets={"parties": parties},
        perform=lambda d: services.visit_finding_add(actor=request.user, visit=visit, title=d["title"],
                                                     description=d["description"], category=d["category"],
                                                     parties=party_inputs(parties)),
        done=lambda _result: saved(request, _("走访发现的问题已登记。"), "grassroots:visit_detail", visit.pk),
        page=lambda status: _visit_page(request, visit, finding_form=form, finding_parties=parties, status=status))


@require_POST
@staff_page(RECORD_VISIT)
def finding_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: turn a finding into a case in one step, then go to the case page."""
    finding = access_finding(user=request.user, pk=pk, action="finding.update")
    form = ConvertForm(request.POST, prefix=f"convert{finding.pk}")
    return record_action(
        form=form,
        perform=lambda d: services.finding_convert(actor=request.user, finding=finding, matter_type=d["matter_type"],
                                                   channel=d["channel"], title=d["title"], content=d["content"]),
        done=lambda result: converted(request, result),
        page=lambda status: _visit_page(request, finding.visit, convert={finding.pk: form}, status=status))


# --- Reception days ----------------------------------------------------------------------------------

@require_GET
@staff_page(VIEW)
def reception_days(request: HttpRequest) -> HttpResponse:
    """GET /grassroots/visits/receptions/: the schedule of leaders' reception days (from a month ago)."""
    form = ReceptionDayFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start = data.get("start") or timezone.localdate() - timedelta(days=30)
    rows = reception_day_list(user=request.user, start=start, status=data.get("status", ""))
    page, links = paginate(request, rows)
    return render(request, "grassroots/reception_days.html",
                  {"form": form, "page": page, "links": links, "start": start, "tab": "receptions"})


@require_http_methods(["GET", "POST"])
@staff_page(SCHEDULE)
def reception_day_new(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = ReceptionDayForm(data)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                day = services.reception_day_schedule(
                    actor=request.user, leader=d["leader"], day=d["date"], starts_at=d["starts_at"],
                    ends_at=d["ends_at"], place=d["place"], unit=d["unit"], topic=d["topic"],
                    joint_units=list(d["joint_units"]))
            except ValidationFailed as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("接访日已安排。"))
                return redirect("grassroots:reception_day_detail", pk=day.pk)
    return render(request, "grassroots/reception_day_form.html", {"form": form, "tab": "receptions"}, status=status)


def _day_page(request: HttpRequest, day: ReceptionDay, *, bound: dict[str, Any] | None = None,
              status: int = 200) -> HttpResponse:
    user: Any = request.user
    bound = bound or {}
    allowed = reception_day_receptions_allowed(user=user, day=day)
    receptions = []
    if allowed:
        for reception in day.receptions.select_related("case").prefetch_related("parties"):
            form = bound.get(f"register{reception.pk}")
            if form is None and reception.case_id is None and user.has_perm(RECORD_RECEPTION) \
                    and user.has_perm("cases.register_case"):
                form = ReceptionRegisterForm(prefix=f"register{reception.pk}",
                                             initial={"title": reception.matter.strip().splitlines()[0][:50]})
            receptions.append({"reception": reception, "register_form": form})
    may_record = allowed and user.has_perm(RECORD_RECEPTION) and day.status != ReceptionDay.Status.CANCELLED \
        and day.date <= timezone.localdate()
    context = {
        "day": day, "joint_units": list(day.joint_units.all()), "allowed": allowed, "receptions": receptions,
        "tab": "receptions",
        "record_form": bound.get("record") or (ReceptionForm(prefix="record") if may_record else None),
        "persons": bound.get("persons") or (PersonFormSet(prefix="persons") if may_record else None),
        "cancel_form": bound.get("cancel") or (
            CancelForm(prefix="cancel") if user.has_perm(SCHEDULE) and day.status == ReceptionDay.Status.SCHEDULED
            else None),
    }
    return record_page(request, "grassroots/reception_day_detail.html", context, status=status)


@require_GET
@staff_page(VIEW)
def reception_day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _day_page(request, record_read(request, access_reception_day, pk, action="reception_day.read"))


@require_POST
@staff_page(SCHEDULE)
def reception_day_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    day = access_reception_day(user=request.user, pk=pk)
    form = CancelForm(request.POST, prefix="cancel")
    return record_action(
        form=form,
        perform=lambda d: services.reception_day_cancel(actor=request.user, day=day, reason=d["reason"]),
        done=lambda _result: saved(request, _("接访日已取消。"), "grassroots:reception_day_detail", day.pk),
        page=lambda status: _day_page(request, day, bound={"cancel": form}, status=status))


@require_POST
@staff_page(RECORD_RECEPTION)
def reception_record(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: record the people received and what they raised."""
    day = access_reception_day(user=request.user, pk=pk)
    form = ReceptionForm(request.POST, prefix="record")
    persons = PersonFormSet(request.POST, prefix="persons")
    return record_action(
        form=form, formsets={"parties": persons},
        perform=lambda d: services.reception_record(actor=request.user, day=day, matter=d["matter"],
                                                    response=d["response"], received_at=d["received_at"],
                                                    persons=party_inputs(persons)),
        done=lambda _result: saved(request, _("接访情况已登记。"), "grassroots:reception_day_detail", day.pk),
        page=lambda status: _day_page(request, day, bound={"record": form, "persons": persons}, status=status))


@require_POST
@staff_page(RECORD_RECEPTION)
def reception_register(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: register what was raised at a reception as a case in one step."""
    reception = access_reception(user=request.user, pk=pk, action="reception.update")
    form = ReceptionRegisterForm(request.POST, prefix=f"register{reception.pk}")
    return record_action(
        form=form,
        perform=lambda d: services.reception_register_case(actor=request.user, reception=reception,
                                                           matter_type=d["matter_type"], title=d["title"],
                                                           category=d["category"]),
        done=lambda result: converted(request, result),
        page=lambda status: _day_page(request, reception.day, bound={f"register{reception.pk}": form}, status=status))


urlpatterns: list[URLPattern] = [
    path("visits/", visits, name="visits"),
    path("visits/new/", visit_new, name="visit_new"),
    path("visits/<int:pk>/", visit_detail, name="visit_detail"),
    path("visits/<int:pk>/findings/", visit_finding, name="visit_finding"),
    path("visits/findings/<int:pk>/convert/", finding_convert, name="finding_convert"),
    path("visits/receptions/", reception_days, name="reception_days"),
    path("visits/receptions/new/", reception_day_new, name="reception_day_new"),
    path("visits/receptions/<int:pk>/", reception_day_detail, name="reception_day_detail"),
    path("visits/receptions/<int:pk>/cancel/", reception_day_cancel, name="reception_day_cancel"),
    path("visits/receptions/<int:pk>/record/", reception_record, name="reception_record"),
    path("visits/received/<int:pk>/register/", reception_register, name="reception_register"),
]
