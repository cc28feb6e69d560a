"""The case page (issue 3): facts, timeline, deadlines, masked petitioners with an audited reveal,
documents, related cases, ratings, and the workflow actions the user may take now.

Views stay thin: each action validates its form and calls one service (``xinfang.cases.services``); an
``ApplicationError`` goes back onto the form next to its fields, keeping what was typed. Every case reaches
these views through ``access_case`` (404 outside the user's scope, accusations hidden from the accused).
The forms work without JavaScript (POST, redirect back with a message); with htmx a form is swapped in
place and a success reloads the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from xinfang.accounts.access import access_case, cases_visible_to
from xinfang.cases import services
from xinfang.cases.documents import (
    ISSUED_KINDS,
    decision_draft,
    document_content_disposition,
    document_number,
    reply_draft,
)
from xinfang.cases.forms.detail import (
    AcceptForm,
    DecisionForm,
    ExtendForm,
    NewFactsForm,
    ObjectForm,
    RefuseForm,
    ReplyForm,
    RevealForm,
    RouteForm,
)
from xinfang.cases.models import Case, CaseDeadline, CaseDocument
from xinfang.cases.selectors_actions import case_actions_allowed, case_related_visible
from xinfang.cases.selectors_documents import (
    attachment_download_name,
    attachment_open,
    case_attachment,
    case_document_issued,
    document_print,
)
from xinfang.cases.services.handling import LEGAL_CHANNELS
from xinfang.core.audit import audit_record
from xinfang.core.errors import InvalidTransition, ValidationFailed
from xinfang.core.pages import form_add_service_errors, staff_page
from xinfang.deadlines.rules import KINDS, RULES
from xinfang.governance.selectors import case_governance
from xinfang.grassroots.selectors import case_grassroots
from xinfang.nlp.services import suggestion_record

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Deadlines this close are shown as "due soon".
SOON_DAYS = 3

# The timeline's words for the event codes the services write.
EVENT_LABELS: dict[str, Any] = {
    "registered": gettext_lazy("登记"),
    "routed": gettext_lazy("转送交办"),
    "accepted": gettext_lazy("受理"),
    "refused": gettext_lazy("不予受理"),
    "objected": gettext_lazy("提出异议（退回）"),
    "extended": gettext_lazy("延期"),
    "replied": gettext_lazy("答复"),
    "review_requested": gettext_lazy("申请复查"),
    "review_decided": gettext_lazy("作出复查意见"),
    "re_review_requested": gettext_lazy("申请复核"),
    "re_review_decided": gettext_lazy("作出复核意见"),
    "closed": gettext_lazy("办结"),
    "rated": gettext_lazy("评价"),
    "linked": gettext_lazy("并入正在办理的事项"),
    "repeat_received": gettext_lazy("收到重复信访"),
    "repeat_of": gettext_lazy("重复信访"),
    "not_accepted_again": gettext_lazy("不再受理"),
    # The override of Art. 36 ¶3 (services/new_facts.py): on the petition, and on the re-reviewed matter.
    "accepted_new_facts": gettext_lazy("因新的事实和理由作为新事项受理"),
    "new_facts_case": gettext_lazy("新的事实和理由另立新事项"),
    "deadline_overdue": gettext_lazy("期限超期"),
    # Case links set by a bureau officer (xinfang/petitioners).
    "case_link": gettext_lazy("关联事项"),
    "case_unlink": gettext_lazy("取消关联"),
    # Governance (xinfang/governance): the backlog register and supervision.
    "backlog_registered": gettext_lazy("列入积案台账"),
    "backlog_leader_assigned": gettext_lazy("确定包案领导"),
    "backlog_team_changed": gettext_lazy("调整化解专班"),
    "backlog_plan_updated": gettext_lazy("制定化解方案"),
    "backlog_milestone_added": gettext_lazy("增加工作节点"),
    "backlog_milestone_done": gettext_lazy("完成工作节点"),
    "backlog_progress": gettext_lazy("化解进展"),
    "backlog_meeting": gettext_lazy("会商协调"),
    "backlog_hearing": gettext_lazy("听证"),
    "backlog_closed": gettext_lazy("积案化解办结"),
    "aftercare_added": gettext_lazy("安排疏导帮扶救助"),
    "aftercare_done": gettext_lazy("疏导帮扶救助落实"),
    "supervision_issued": gettext_lazy("督办"),
    "supervision_replied": gettext_lazy("督办回复"),
    "supervision_closed": gettext_lazy("督办办结"),
    "supervision_returned": gettext_lazy("督办回复被退回"),
    "supervision_listed": gettext_lazy("挂牌督办"),
    "supervision_overdue": gettext_lazy("督办逾期未回复"),
    # Mediation and grassroots work (xinfang/grassroots).
    "grassroots_origin": gettext_lazy("由基层工作转入"),
    "grassroots_visit": gettext_lazy("走访"),
    "mediation_opened": gettext_lazy("开始调解"),
    "mediation_concluded": gettext_lazy("调解终结"),
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Actions -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseAction:
    """One workflow action of the case page: its form, the service it calls and what it says."""

    name: str
    label: Any
    form_class: type[forms.Form]
    perform: Callable[[Case, Any, dict[str, Any]], Any]
    done: Any
    submit: Any = ""
    danger: bool = False
    # "reply" / "review" / "re_review": the text is drafted from a template per outcome.
    drafted: str = ""

    @property
    def url_name(self) -> str:
        return f"cases:case_{self.name}"


def _route(case: Case, user: Any, data: dict[str, Any]) -> Case:
    """转送交办, then record whether the officer kept the suggested unit or corrected it (the feedback
    of xinfang/nlp, written beside the case; the case is changed by ``case_route`` alone)."""
    routed = services.case_route(case=case, unit=data["unit"], mode=data["mode"], actor=user, note=data["note"],
                                 report_days=data.get("report_days"))
    suggestion_record(case=routed, actor=user, unit=data.get("suggestion"), chosen_unit=data["unit"])
    return routed


ACTIONS: dict[str, CaseAction] = {
    action.name: action
    for action in (
        CaseAction("route", gettext_lazy("转送交办"), RouteForm, _route,
                   gettext_lazy("已转送交办。"), submit=gettext_lazy("转送交办")),
        CaseAction("accept", gettext_lazy("受理"), AcceptForm,
                   lambda case, user, d: services.case_accept(case=case, actor=user, note=d["note"]),
                   gettext_lazy("已受理，受理告知书已生成。"), submit=gettext_lazy("受理并出具受理告知书")),
        CaseAction("refuse", gettext_lazy("不予受理"), RefuseForm,
                   lambda case, user, d: services.case_refuse(case=case, actor=user, reason=d["reason"],
                                                              legal_channel=d["legal_channel"]),
                   gettext_lazy("已作出不予受理决定，不予受理告知书已生成。"),
                   submit=gettext_lazy("不予受理并出具告知书"), danger=True),
        CaseAction("object", gettext_lazy("提出异议（退回）"), ObjectForm,
                   lambda case, user, d: services.case_object(case=case, actor=user, reason=d["reason"]),
                   gettext_lazy("已提出异议，事项退回区信访办。"), submit=gettext_lazy("退回区信访办"),
                   danger=True),
        CaseAction("extend", gettext_lazy("延期"), ExtendForm,
                   lambda case, user, d: services.case_extend(case=case, actor=user, days=d["days"],
                                                              reason=d["reason"]),
                   gettext_lazy("办理期限已延长，延期告知书已生成。"), submit=gettext_lazy("批准延期并出具延期告知书")),
        CaseAction("reply", gettext_lazy("答复（签发处理意见书）"), ReplyForm,
                   lambda case, user, d: services.case_reply(case=case, actor=user, outcome=d["outcome"],
                                                             text=d["text"]),
                   gettext_lazy("处理意见书已签发。"), submit=gettext_lazy("签发处理意见书"), drafted="reply"),
        CaseAction("review_decide", gettext_lazy("作出复查意见"), DecisionForm,
                   lambda case, user, d: services.case_review_decide(case=case, actor=user, outcome=d["outcome"],
                                                                     text=d["text"]),
                   gettext_lazy("复查意见书已签发。"), submit=gettext_lazy("签发复查意见书"),
                   drafted="review"),
        CaseAction("re_review_decide", gettext_lazy("作出复核意见"), DecisionForm,
                   lambda case, user, d: services.case_re_review_decide(case=case, actor=user,
                                                                        outcome=d["outcome"], text=d["text"]),
                   gettext_lazy("复核意见书已签发，事项办结。"), submit=gettext_lazy("签发复核意见书"),
                   drafted="re_review"),
        CaseAction("accept_new_facts", gettext_lazy("因新的事实和理由作为新事项受理"), NewFactsForm,
                   lambda case, user, d: services.case_accept_new_facts(case=case, actor=user,
                                                                        statement=d["statement"]),
                   gettext_lazy("已作为新的信访事项受理，请在15日内转送交办。"),
                   submit=gettext_lazy("作为新事项受理")),
    )
}


def _draft(action: CaseAction, case: Case, outcome: str) -> str:
    if action.drafted == "reply":
        return reply_draft(case=case, outcome=outcome)
    return decision_draft(case=case, outcome=outcome, stage=action.drafted)


def _action_form(action: CaseAction, case: Case, data: Any = None, initial: dict[str, Any] | None = None) -> forms.Form:
    kwargs: dict[str, Any] = {"prefix": action.name, "initial": initial or {}}
    if action.form_class is RouteForm:
        kwargs["case"] = case
    if data is None and action.drafted and not kwargs["initial"]:
        outcome = Case.Outcome.SUPPORT if action.drafted == "reply" else Case.ReviewOutcome.UPHOLD
        kwargs["initial"] = {"outcome": outcome, "text": _draft(action, case, outcome)}
    return action.form_class(data, **kwargs)


# --- The page ----------------------------------------------------------------------------------------


def _deadline_rows(case: Case, today: date) -> list[dict[str, Any]]:
    rows = []
    for deadline in sorted(case.deadlines.all(), key=lambda d: KINDS.index(d.kind) if d.kind in KINDS else 99):
        if deadline.cancelled:
            continue
        rule = RULES.get(deadline.kind)
        days_left = (deadline.due_date - today).days
        if deadline.met_at is not None:
            state = "met"
        elif days_left < 0:
            # A window for the petitioner or an optional act lapses; a duty is overdue.
            state = "lapsed" if rule is not None and rule.lapses else "overdue"
        elif days_left <= SOON_DAYS:
            state = "soon"
        else:
            state = "open"
        rows.append({
            "label": CaseDeadline.Kind(deadline.kind).label if deadline.kind in CaseDeadline.Kind.values
            else deadline.kind,
            "due_date": deadline.due_date, "provisional": deadline.provisional, "met_at": deadline.met_at,
            "state": state, "days_left": days_left, "days_late": -days_left, "article": rule.article if rule else "",
            "on_petitioner": deadline.on_petitioner, "year": deadline.due_date.year,
        })
    return rows


def _timeline(case: Case) -> list[dict[str, Any]]:
    statuses = dict(Case.Status.choices)
    return [
        {"at": event.at, "actor": event.actor_name or _("系统"), "action": EVENT_LABELS.get(event.action, event.action),
         "from": statuses.get(event.from_status, event.from_status), "to": statuses.get(event.to_status, event.to_status),
         "note": event.note}
        for event in case.events.all()
    ]


def _render_page(request: HttpRequest, case: Case, *, bound: dict[str, forms.Form] | None = None,
                 status: int = 200) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    bound = bound or {}
    action_forms = []
    allowed = case_actions_allowed(user=user, case=case, today=today)
    for name, form in bound.items():
        if name not in allowed:
            # The action is no longer possible (someone else acted first: 409): its form is gone from
            # the page, so its message goes on top.
            for error in form.non_field_errors():
                messages.error(request, str(error))
    new_facts_item = None
    for name in allowed:
        action = ACTIONS[name]
        item = {"action": action, "form": bound.get(name) or _action_form(action, case), "open": name in bound}
        if name == "accept_new_facts":
            # Shown with the refusal it overrides (Art. 36 ¶3), not among the steps of the workflow.
            new_facts_item = item
        else:
            action_forms.append(item)
    petitioners = [{"link": link, "reveal_form": RevealForm(prefix=f"reveal{link.petitioner_id}")}
                   for link in case.case_petitioners.all()]
    documents = list(case.documents.all())
    context = {
        "case": case,
        "doc_number": document_number(case),
        "today": today,
        "petitioners": petitioners,
        "accused": list(case.accused.all()),
        "timeline": _timeline(case),
        "deadlines": _deadline_rows(case, today),
        "issued": [d for d in documents if d.kind in ISSUED_KINDS],
        "attachments": [d for d in documents if d.kind == CaseDocument.Kind.ATTACHMENT],
        "related": case_related_visible(user=user, case=case),
        "ratings": list(case.ratings.all()),
        "action_forms": action_forms,
        "new_facts_item": new_facts_item,
        "can_reveal": user.has_perm("cases.reveal_personal_data"),
        "legal_channel": LEGAL_CHANNELS.get(case.legal_channel or "", ""),
        # The backlog entry and supervision orders of the case (xinfang/governance): one query.
        "governance": case_governance(user=user, case=case),
        # Its disputes, mediations, visits and receptions (xinfang/grassroots): one query.
        "grassroots": case_grassroots(user=user, case=case),
    }
    return render(request, "cases/detail/page.html", context, status=status)


@require_GET
@staff_page("cases.view_case")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /cases/<pk>/: the case page. Every read is audited (SECURITY.md 8), like the API's."""
    case = access_case(user=request.user, case_id=pk, detail=True)
    audit_record(actor=request.user, action="case.read", obj=case)
    return _render_page(request, case)


def _after_success(request: HttpRequest, case: Case) -> HttpResponse:
    # The action may have taken the case out of the user's scope (an objection sends it back to the
    # bureau): then go to the workbench rather than to a page that now answers 404.
    if cases_visible_to(request.user).filter(pk=case.pk).exists():
        target = reverse("cases:detail", args=[case.pk])
    else:
        messages.info(request, _("该事项已不在您的办理范围内。"))
        try:
            target = reverse("cases:inbox")
        except NoReverseMatch:
            target = "/"
    if _is_htmx(request):
        return HttpResponseClientRedirect(target)
    return redirect(target)


@staff_page("cases.view_case")
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """POST /cases/<pk>/<action>/: one workflow step through its service. A ``draft`` submit fills the
    text from the template of the chosen outcome instead (nothing is saved)."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if request.method != "POST":
        return redirect("cases:detail", pk=pk)
    case = access_case(user=request.user, case_id=pk, action="case.update", detail=True)
    form = _action_form(spec, case, data=request.POST)
    status = 200
    if spec.drafted and request.POST.get("draft"):
        outcome = request.POST.get(f"{spec.name}-outcome", "")
        form = _action_form(spec, case, initial={"outcome": outcome, "text": _draft(spec, case, outcome)})
    elif form.is_valid():
        try:
            spec.perform(case, request.user, form.cleaned_data)
        except (ValidationFailed, InvalidTransition) as exc:
            form_add_service_errors(form, exc)
            status = exc.status_code
        else:
            messages.success(request, str(spec.done))
            return _after_success(request, case)
    else:
        status = 400
    if _is_htmx(request):
        # htmx 2 does not swap 4xx answers: the form with its errors comes back as 200.
        return render(request, "cases/detail/_action.html",
                      {"case": case, "item": {"action": spec, "form": form, "open": True}})
    return _render_page(request, case, bound={spec.name: form}, status=status)


@require_POST
@staff_page("cases.view_case")
def petitioner_reveal(request: HttpRequest, pk: int, petitioner_id: int) -> HttpResponse:
    """POST: the full ID and phone numbers of a petitioner of the case, for a user with
    ``cases.reveal_personal_data`` and a stated reason; audited by ``petitioner_reveal`` (SECURITY.md 6,
    PIPL Art. 51). The numbers appear in this response only."""
    case = access_case(user=request.user, case_id=pk, action="petitioner.reveal")
    link = case.case_petitioners.select_related("petitioner").filter(petitioner_id=petitioner_id).first()
    if link is None:
        raise Http404
    form = RevealForm(request.POST, prefix=f"reveal{petitioner_id}")
    revealed: dict[str, str] | None = None
    status = 200
    if form.is_valid():
        try:
            revealed = services.petitioner_reveal(actor=request.user, petitioner=link.petitioner,
                                                  reason=form.cleaned_data["reason"], case=case)
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
            status = exc.status_code
    else:
        status = 400
    context = {"case": case, "petitioner": link.petitioner, "form": form, "revealed": revealed}
    if _is_htmx(request):
        return render(request, "cases/detail/_reveal.html", context)
    return render(request, "cases/detail/reveal_page.html", context, status=status)


@require_GET
@staff_page("cases.view_case")
def document_docx(request: HttpRequest, pk: int, doc_id: int) -> HttpResponse:
    """GET /cases/<pk>/documents/<doc_id>.docx: an issued notice or opinion in official-letter layout,
    built from its ``CaseDocument`` row; audited as a print (SECURITY.md 8)."""
    case = access_case(user=request.user, case_id=pk, action="case.print", detail=True)
    document = case_document_issued(case=case, doc_id=doc_id)
    content = document_print(actor=request.user, case=case, document=document)
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = document_content_disposition(case=case, document=document)
    return response


@require_GET
@staff_page("cases.view_case")
def document_file(request: HttpRequest, pk: int, doc_id: int) -> HttpResponse:
    """GET /cases/<pk>/documents/<doc_id>/file: an attachment, as a download under a generated name and
    never rendered inline (SECURITY.md 14); audited."""
    case = access_case(user=request.user, case_id=pk, action="case.document.read")
    document = case_attachment(case=case, doc_id=doc_id)
    response = FileResponse(attachment_open(actor=request.user, case=case, document=document), as_attachment=True,
                            filename=attachment_download_name(case=case, document=document),
                            content_type="application/octet-stream")
    # A streamed response: staff_page's signature speaks of HttpResponse, Django serves both alike.
    return cast(HttpResponse, response)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/", case_detail, name="detail"),
    path("<int:pk>/documents/<int:doc_id>.docx", document_docx, name="document_docx"),
    path("<int:pk>/documents/<int:doc_id>/file", document_file, name="document_file"),
    path("<int:pk>/petitioners/<int:petitioner_id>/reveal/", petitioner_reveal, name="petitioner_reveal"),
    *[path(f"<int:pk>/{name}/", case_action, {"action": name}, name=f"case_{name}") for name in ACTIONS],
]
