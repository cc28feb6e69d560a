"""The public pages (no login): submit, track by query code, rate, ask for review (issue 3).

The query code is a secret (80 bits, stored only as a keyed hash). It never travels in a URL: it is typed
into a POST form, carried to the actions in a hidden POST field, and every answer that shows it is
rendered directly on the POST response (``Cache-Control: no-store`` from the middleware). There is no
redirect after these POSTs, because a redirect would need the code in the URL or in the session (whose
row in the database would hold it in clear).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.cases import services
from xinfang.cases.models import Case
from xinfang.cases.selectors import case_find_by_query_code_hash
from xinfang.cases.services.registration import query_code_format, query_code_normalize
from xinfang.core.errors import ApplicationError, InvalidTransition, NotFound, RateLimited
from xinfang.core.middleware import request_client_ip
from xinfang.core.pages import form_add_service_errors
from xinfang.portal.apis import portal_case_data
from xinfang.portal.forms import PETITION, SUGGESTION, RateForm, ReasonForm, SubmitForm, TrackForm
from xinfang.portal.services import portal_case_by_code
from xinfang.portal.submission import portal_submission_refuse, portal_submission_register


def home(request: HttpRequest) -> HttpResponse:
    """Two ways in: submit a petition or a suggestion; track a matter with its query code."""
    return render(request, "portal/home.html")


def _limited(request: HttpRequest, exc: RateLimited, *, retry_after: int) -> HttpResponse:
    response = render(request, "portal/limited.html", {"message": exc.message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _code_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return _limited(request, exc, retry_after=settings.XINFANG["PORTAL_WINDOW_SECONDS"])


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, kind: str) -> HttpResponse:
    """Submit an online petition (信访工作条例 Art. 17, 21) or suggestion (人民建议征集). The query code is
    shown once, on the answer to this POST."""
    if kind not in (PETITION, SUGGESTION):
        raise Http404
    if request.method == "POST":
        form = SubmitForm(request.POST, kind=kind)
        if form.is_valid():
            ip = request_client_ip(request)
            if form.is_bot:
                portal_submission_refuse(ip=ip, reason="honeypot")
                form.add_error(None, _("提交未成功，请检查填写的内容后重新提交。"))
            else:
                try:
                    result = portal_submission_register(submission=form.submission(), ip=ip)
                except RateLimited as exc:
                    return _limited(request, exc, retry_after=3600)
                except ApplicationError as exc:
                    form_add_service_errors(form, exc)
                else:
                    return render(request, "portal/submitted.html", {
                        "kind": kind, "case": result.case, "linked": result.linked_to is not None,
                        "warnings": result.warnings, "query_code": query_code_format(result.query_code),
                    })
    else:
        form = SubmitForm(kind=kind)
    return render(request, "portal/submit.html", {"form": form, "kind": kind})


def _window_open(day: str | None) -> str | None:
    """The last day of a request window if it has not passed yet (the service checks again)."""
    if day and date.fromisoformat(day) >= timezone.localdate():
        return day
    return None


def _case_page(request: HttpRequest, case: Case, code: str, *, notice: str = "", status: int = 200,
               bound: dict[str, forms.Form] | None = None) -> HttpResponse:
    """The tracked case: only what portal_case_data publishes, and the actions allowed now, each form
    carrying the code in a hidden field. ``bound`` replaces an action's form (to show its errors)."""
    bound = bound or {}
    data = portal_case_data(case)
    code = query_code_format(query_code_normalize(code))
    review_by = _window_open(data["review_request_by"])
    re_review_by = _window_open(data["re_review_request_by"])
    initial = {"query_code": code}
    context: dict[str, Any] = {
        "data": data,
        "matter_type": case.get_matter_type_display(),
        "notice": notice,
        "review_by": review_by,
        "re_review_by": re_review_by,
        "rate_form": bound.get("rate_form")
        or (RateForm(initial=initial, auto_id="rate_form_%s") if data["can_rate"] else None),
        "review_form": bound.get("review_form")
        or (ReasonForm(initial=initial, auto_id="review_form_%s") if review_by else None),
        "re_review_form": bound.get("re_review_form")
        or (ReasonForm(initial=initial, auto_id="re_review_form_%s") if re_review_by else None),
    }
    return render(request, "portal/case.html", context, status=status)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Type the query code (POST), see the matter. Wrong codes count against the address
    (portal_case_by_code); too many of them answer 429."""
    form = TrackForm(request.POST) if request.method == "POST" else TrackForm()
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["query_code"]
        try:
            case = portal_case_by_code(query_code=code, ip=request_client_ip(request))
        except RateLimited as exc:
            return _code_limited(request, exc)
        except NotFound as exc:
            form.add_error("query_code", str(exc.message))
        else:
            return _case_page(request, case, code)
    return render(request, "portal/track.html", {"form": form})


def _case_action(request: HttpRequest, *, form_class: type[forms.Form], slot: str,
                 run: Callable[[Case, dict[str, Any]], Any], done: str) -> HttpResponse:
    """Check the code again (it may have been tampered with; wrong ones are rate-limited like on the
    track page), validate the form, run one service, show the case again."""
    form = form_class(request.POST, auto_id=f"{slot}_%s")
    code = request.POST.get("query_code", "")
    try:
        case = portal_case_by_code(query_code=code, ip=request_client_ip(request))
    except RateLimited as exc:
        return _code_limited(request, exc)
    except NotFound as exc:
        track_form = TrackForm({"query_code": code})
        if track_form.is_valid():
            track_form.add_error("query_code", str(exc.message))
        return render(request, "portal/track.html", {"form": track_form})
    if not form.is_valid():
        return _case_page(request, case, code, bound={slot: form})
    try:
        run(case, form.cleaned_data)
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        fresh = case_find_by_query_code_hash(case.query_code_hash) or case
        status = exc.status_code if isinstance(exc, InvalidTransition) else 200
        return _case_page(request, fresh, code, status=status, bound={slot: form})
    fresh = case_find_by_query_code_hash(case.query_code_hash) or case
    return _case_page(request, fresh, code, notice=done)


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """Rate the latest answer once (满意 / 基本满意 / 不满意)."""
    return _case_action(
        request, form_class=RateForm, slot="rate_form", done=_("感谢您的评价，已记录。"),
        run=lambda case, data: services.case_rate(case=case, rating=data["rating"], actor=AnonymousUser()),
    )


@require_POST
def review(request: HttpRequest) -> HttpResponse:
    """Ask for review within 30 days of the written reply (信访工作条例 Art. 35)."""
    return _case_action(
        request, form_class=ReasonForm, slot="review_form", done=_("复查申请已提交，复查机关将在30日内作出复查意见。"),
        run=lambda case, data: services.case_review_request(case=case, reason=data["reason"], actor=AnonymousUser()),
    )


@require_POST
def re_review(request: HttpRequest) -> HttpResponse:
    """Ask for re-review within 30 days of the review opinion (信访工作条例 Art. 36)."""
    return _case_action(
        request, form_class=ReasonForm, slot="re_review_form", done=_("复核申请已提交，复核机关将在30日内作出复核意见。"),
        run=lambda case, data: services.case_re_review_request(case=case, reason=data["reason"],
                                                               actor=AnonymousUser()),
    )
