"""Pages of the repeat index: the intake panel (htmx), the case page's similar cases (htmx), clusters.

Thin views: read the request, call one selector, render. Every case shown comes through the gateway
(``cases_visible_to`` inside the selectors, ``access_case`` for the case page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.access import access_case
from xinfang.cases.forms.intake import DATETIME_LOCAL_FORMAT, MAX_PETITIONERS
from xinfang.core.audit import audit_record
from xinfang.core.idnumber import InvalidIdNumber, id_number_validate, phone_normalize
from xinfang.core.pages import staff_page
from xinfang.deadlines.rules import MAX_REPRESENTATIVES
from xinfang.repeats.clusters import CLUSTER_DAYS, repeat_clusters
from xinfang.repeats.selectors import PersonKeys, case_repeat_candidates, repeat_candidates

CLUSTER_DAY_CHOICES = (7, 14, 30, 90)


def _pk(value: Any) -> int | None:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return None
    return pk if pk > 0 else None


def _person(name: str, id_number: str, phone: str, address: str) -> PersonKeys | None:
    """The keys of one person as typed; an invalid ID or phone number is left out (the form says why)."""
    try:
        id_number = id_number_validate(id_number) if id_number.strip() else ""
    except InvalidIdNumber:
        id_number = ""
    try:
        phone = phone_normalize(phone) if phone.strip() else ""
    except ValueError:
        phone = ""
    person = PersonKeys.from_input(name=name, id_number=id_number, phone=phone, address=address)
    return person if (person.name or person.id_hash or person.phone_hash) else None


def _people(data: Any) -> list[PersonKeys]:
    """Everyone named on the intake form: the look-up keys, the petitioners and the representatives."""
    people = []
    looked_up = _person(data.get("lookup-name", ""), data.get("lookup-id_number", ""), data.get("lookup-phone", ""), "")
    if looked_up is not None:
        people.append(looked_up)
    for prefix, limit in (("petitioners", MAX_PETITIONERS), ("representatives", MAX_REPRESENTATIVES)):
        for index in range(limit):
            key = f"{prefix}-{index}-"
            person = _person(*(str(data.get(key + name, "")) for name in ("name", "id_number", "phone", "address")))
            if person is not None:
                people.append(person)
    return people


def _received_at(value: str) -> datetime | None:
    try:
        parsed = datetime.strptime(value.strip(), DATETIME_LOCAL_FORMAT)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(parsed)


@staff_page("cases.register_case")
@sensitive_post_parameters()
@require_POST
def intake_candidates(request: HttpRequest) -> HttpResponse:
    """The "可能重复/相似信访" panel of the intake page (an htmx fragment), from what is typed so far. POST
    only: ID and phone numbers travel in the body, never in a URL; they are hashed at once and the
    look-up by them is audited (without them)."""
    data = request.POST
    people = _people(data)
    title, content = str(data.get("title", "")), str(data.get("content", ""))
    searched = bool(people or title.strip() or content.strip())
    candidates = repeat_candidates(
        user=request.user, title=title, content=content, people=people, street_id=_pk(data.get("street")),
        category_id=_pk(data.get("category")), received_at=_received_at(str(data.get("received_at", "")))) \
        if searched else []
    keys = sorted({k for p in people for k, given in (("id_number", p.id_hash), ("phone", p.phone_hash)) if given})
    if keys:
        audit_record(actor=request.user, action="repeats.lookup", object_type="cases.case",
                     detail={"by": keys, "found": len(candidates)})
    return render(request, "repeats/_candidates.html", {"candidates": candidates, "searched": searched})


def _session_untouched(request: HttpRequest) -> None:
    """Leave the session as it was: the fragment is fired by the case page itself (``hx-trigger="load"``),
    not by the officer, so it is no activity for the idle timeout, and it must not write the session.

    Why it matters: the idle-timeout middleware (xinfang.accounts.middleware) marks every request's session
    modified (``last_seen``), and Django saves a modified session after the view. This fragment is the slow
    request that is still running when the officer signs out or in, in this tab or another, or when the
    session is otherwise deleted; saving a session deleted meanwhile raises ``SessionInterrupted``, which
    Django answers with HTTP 400 — the intermittent 400 from ``/repeats/cases/<id>/similar/``. Not saving
    it removes the race; the page load that fired the fragment has just refreshed ``last_seen``."""
    session = getattr(request, "session", None)
    if session is not None:
        session.modified = False


@staff_page("cases.view_case")
@require_GET
def case_similar(request: HttpRequest, pk: int) -> HttpResponse:
    """Similar and possibly repeated cases of one case (htmx fragment of the case page; a small page of
    its own without htmx). 404 outside the caller's scope, like the case page."""
    case = access_case(user=request.user, case_id=pk)
    candidates = case_repeat_candidates(user=request.user, case=case)
    context = {"case": case, "candidates": candidates, "searched": True}
    if request.headers.get("HX-Request"):
        _session_untouched(request)
        return render(request, "repeats/_candidates.html", context)
    return render(request, "repeats/case_similar.html", context)


@staff_page("cases.view_case")
@require_GET
def clusters(request: HttpRequest) -> HttpResponse:
    """Clusters of similar recent petitions from different people (early warning)."""
    days = _pk(request.GET.get("days")) or CLUSTER_DAYS
    if days not in CLUSTER_DAY_CHOICES:
        days = CLUSTER_DAYS
    context = {"clusters": repeat_clusters(user=request.user, days=days), "days": days,
               "day_choices": CLUSTER_DAY_CHOICES}
    return render(request, "repeats/clusters.html", context)


urlpatterns: list[URLPattern] = [
    path("intake/", intake_candidates, name="intake_candidates"),
    path("cases/<int:pk>/similar/", case_similar, name="case_similar"),
    path("clusters/", clusters, name="clusters"),
]
