"""Neighbourhood service points (家门口服务点): the list, and each point's page with its intake (the
petitions registered there, through the case gateway), its disputes and its mediations. A point's staff
see only their own point; a street's staff the points of their street; the bureau all of them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from xinfang.cases.forms.detail import RevealForm
from xinfang.core.errors import ValidationFailed
from xinfang.core.pages import form_add_service_errors, staff_page
from xinfang.grassroots import services
from xinfang.grassroots.models import Dispute, Mediation
from xinfang.grassroots.selectors import (
    access_party,
    access_service_point,
    dispute_list,
    mediation_list,
    service_point_intake,
    service_point_list,
    service_point_street,
)
from xinfang.grassroots.views import htmx

VIEW = "grassroots.view_grassroots"
# Rows of each list on a point's page (the full lists are one click away).
POINT_ROWS = 20


@require_GET
@staff_page(VIEW)
def points(request: HttpRequest) -> HttpResponse:
    """GET /grassroots/points/: the service points the user sees, with their open work counted."""
    return render(request, "grassroots/points.html", {"points": list(service_point_list(user=request.user))})


@require_GET
@staff_page(VIEW)
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /grassroots/points/<pk>/: the point's intake, disputes and mediations."""
    point = access_service_point(user=request.user, pk=pk)
    intake = service_point_intake(user=request.user, point=point)
    disputes = dispute_list(user=request.user).filter(unit=point)
    mediations = mediation_list(user=request.user).filter(unit=point)
    context = {
        "point": point, "street": service_point_street(point),
        "intake": list(intake[:POINT_ROWS]), "intake_count": intake.count(),
        "disputes": list(disputes[:POINT_ROWS]),
        "open_disputes": disputes.filter(status__in=[Dispute.Status.OPEN, Dispute.Status.MEDIATING]).count(),
        "mediations": list(mediations[:POINT_ROWS]),
        "ongoing_mediations": mediations.filter(status=Mediation.Status.ONGOING).count(),
    }
    return render(request, "grassroots/point_detail.html", context)


@require_POST
@staff_page(VIEW)
def party_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /grassroots/parties/<pk>/reveal/: a party's full ID and phone numbers, for a user with
    ``cases.reveal_personal_data`` and a stated reason; audited (SECURITY.md 6). Shown in this answer only."""
    party = access_party(user=request.user, pk=pk, action="party.reveal")
    form = RevealForm(request.POST, prefix=f"reveal{party.pk}")
    revealed = None
    status = 200
    if form.is_valid():
        try:
            revealed = services.party_reveal(actor=request.user, party=party, reason=form.cleaned_data["reason"])
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
            status = exc.status_code
    else:
        status = 400
    context = {"party": party, "form": form, "revealed": revealed}
    if htmx(request):
        return render(request, "grassroots/_party_reveal.html", context)
    return render(request, "grassroots/party_reveal.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("points/", points, name="points"),
    path("points/<int:pk>/", point_detail, name="point_detail"),
    path("parties/<int:pk>/reveal/", party_reveal, name="party_reveal"),
]
