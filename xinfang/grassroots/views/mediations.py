"""Mediations (人民调解, 三所联动, 行政调解): the list, opening one (from a dispute, for a case, or on its
own), its page with sessions, outcome, the agreement (.docx) and the follow-up visits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.access import access_case
from xinfang.core.errors import InvalidTransition, NotFound, ValidationFailed
from xinfang.core.pages import staff_page
from xinfang.grassroots import services
from xinfang.grassroots.documents import agreement_content_disposition
from xinfang.grassroots.forms import (
    ConcludeForm,
    FollowUpForm,
    MediationFilterForm,
    MediationForm,
    ParticipantFormSet,
    PartyFormSet,
    SessionForm,
    party_inputs,
)
from xinfang.grassroots.models import Mediation, MediationParticipant
from xinfang.grassroots.selectors import access_dispute, access_mediation, mediation_detail, mediation_list
from xinfang.grassroots.views import (
    add_service_errors,
    paginate,
    record_action,
    record_page,
    record_read,
    saved,
)

VIEW = "grassroots.view_grassroots"
MEDIATE = "grassroots.mediate"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The rows a new mediation's participants start with: a people's mediation committee, and the three of 三所联动.
PARTICIPANT_ROWS = [{"kind": MediationParticipant.Kind.COMMITTEE},
                    {"kind": MediationParticipant.Kind.POLICE_STATION},
                    {"kind": MediationParticipant.Kind.JUDICIAL_OFFICE},
                    {"kind": MediationParticipant.Kind.LAW_FIRM}]


@require_GET
@staff_page(VIEW)
def mediations(request: HttpRequest) -> HttpResponse:
    """GET /grassroots/mediations/: the mediations of the user's area."""
    form = MediationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = mediation_list(user=request.user, status=data.get("status", ""), kind=data.get("kind", ""),
                          outcome=data.get("outcome", ""))
    page, links = paginate(request, rows)
    return render(request, "grassroots/mediations.html", {"form": form, "page": page, "links": links})


def _origin(request: HttpRequest) -> tuple[Any, Any]:
    """The dispute (``?dispute=``) or case (``?case=``) a new mediation starts from: 404 outside the scope."""
    source = request.GET  # the form posts back to the same address, query string included
    dispute = case = None
    if source.get("dispute"):
        dispute = access_dispute(user=request.user, pk=source["dispute"])
    if source.get("case"):
        case = access_case(user=request.user, case_id=source["case"])
    return dispute, case


@require_http_methods(["GET", "POST"])
@staff_page(MEDIATE)
def mediation_new(request: HttpRequest) -> HttpResponse:
    """GET/POST /grassroots/mediations/new/ (``?dispute=<id>`` or ``?case=<id>``): open a mediation."""
    dispute, case = _origin(request)
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    if dispute is not None:
        initial = {"title": dispute.title, "matter": dispute.description}
    elif case is not None:
        initial = {"title": case.title, "matter": case.content}
    form = MediationForm(data, user=request.user, initial=initial)
    parties = PartyFormSet(data, prefix="parties")
    participants = ParticipantFormSet(data, prefix="participants", initial=PARTICIPANT_ROWS)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and parties.is_valid() and participants.is_valid():
            d = form.cleaned_data
            try:
                mediation = services.mediation_open(
                    actor=request.user, kind=d["kind"], title=d["title"], matter=d["matter"],
                    started_on=d["started_on"], parties=party_inputs(parties),
                    participants=[f.to_input() for f in participants.filled_forms()],  # type: ignore[attr-defined]
                    unit=d["unit"], street=d["street"], dispute=dispute, case=case)
            except (ValidationFailed, InvalidTransition) as exc:
                add_service_errors(form, exc, parties=parties, participants=participants)
                status = exc.status_code
            else:
                messages.success(request, _("调解已登记。"))
                return redirect("grassroots:mediation_detail", pk=mediation.pk)
    context = {"form": form, "parties": parties, "participants": participants, "dispute": dispute, "case": case,
               "inherited": list(dispute.parties.all()) if dispute is not None else [],
               "case_petitioners": [link.petitioner.name for link in case.case_petitioners.select_related(
                   "petitioner")] if case is not None else []}
    return render(request, "grassroots/mediation_form.html", context, status=status)


def _page(request: HttpRequest, mediation: Mediation, *, bound: dict[str, forms.Form] | None = None,
          status: int = 200) -> HttpResponse:
    user: Any = request.user
    bound = bound or {}
    ongoing = mediation.status == Mediation.Status.ONGOING
    may = user.has_perm(MEDIATE)
    follow_up_open = (mediation.outcome == Mediation.Outcome.AGREEMENT and mediation.fulfilled_at is None)
    context = {
        "mediation": mediation,
        **mediation_detail(mediation),
        "session_form": bound.get("session") or (SessionForm(prefix="session") if ongoing and may else None),
        "conclude_form": bound.get("conclude") or (ConcludeForm(prefix="conclude") if ongoing and may else None),
        "follow_up_form": bound.get("follow_up") or (
            FollowUpForm(prefix="follow_up") if follow_up_open and may else None),
    }
    return record_page(request, "grassroots/mediation_detail.html", context, status=status)


@require_GET
@staff_page(VIEW)
def mediation_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /grassroots/mediations/<pk>/: parties (masked), participants, sessions, outcome, follow-ups."""
    return _page(request, record_read(request, access_mediation, pk, action="mediation.read"))


def _action(request: HttpRequest, pk: int, name: str, form_class: type[forms.Form], perform: Any,
            done: str) -> HttpResponse:
    mediation = access_mediation(user=request.user, pk=pk, action="mediation.update")
    form = form_class(request.POST, prefix=name)
    return record_action(
        form=form, perform=lambda d: perform(mediation, d),
        done=lambda _result: saved(request, done, "grassroots:mediation_detail", mediation.pk),
        page=lambda status: _page(request, mediation, bound={name: form}, status=status))


@require_POST
@staff_page(MEDIATE)
def mediation_session(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, "session", SessionForm, lambda m, d: services.mediation_session_add(
        actor=request.user, mediation=m, held_at=d["held_at"], place=d["place"], notes=d["notes"]),
        _("调解记录已保存。"))


@require_POST
@staff_page(MEDIATE)
def mediation_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, "conclude", ConcludeForm, lambda m, d: services.mediation_conclude(
        actor=request.user, mediation=m, outcome=d["outcome"], agreement_terms=d["agreement_terms"],
        performance=d["performance"], performance_due=d["performance_due"], referral_note=d["referral_note"]),
        _("调解已终结。"))


@require_POST
@staff_page(MEDIATE)
def mediation_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, "follow_up", FollowUpForm, lambda m, d: services.mediation_follow_up_add(
        actor=request.user, mediation=m, visited_on=d["visited_on"], method=d["method"], result=d["result"],
        notes=d["notes"]), _("回访已记录。"))


@require_GET
@staff_page(VIEW)
def mediation_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /grassroots/mediations/<pk>/agreement.docx: the 人民调解协议书; audited as a print."""
    mediation = access_mediation(user=request.user, pk=pk, action="mediation.print")
    try:
        content = services.mediation_agreement_print(actor=request.user, mediation=mediation)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = agreement_content_disposition(mediation)
    return response


urlpatterns: list[URLPattern] = [
    path("mediations/", mediations, name="mediations"),
    path("mediations/new/", mediation_new, name="mediation_new"),
    path("mediations/<int:pk>/", mediation_detail_view, name="mediation_detail"),
    path("mediations/<int:pk>/sessions/", mediation_session, name="mediation_session"),
    path("mediations/<int:pk>/conclude/", mediation_conclude, name="mediation_conclude"),
    path("mediations/<int:pk>/follow-ups/", mediation_follow_up, name="mediation_follow_up"),
    path("mediations/<int:pk>/agreement.docx", mediation_agreement, name="mediation_agreement"),
]
