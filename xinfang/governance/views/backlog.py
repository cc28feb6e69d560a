"""/governance/backlog/: the backlog register, the leader's own list, one entry's page with its actions,
the stock-and-flow table and the rules.

Thin views: a form is validated and one service called; an ``ApplicationError`` goes back onto the form
next to its fields (400/409), keeping what was typed. Entries come through ``backlog_entry_access`` (the
case gateway: 404 outside the user's scope, accusations hidden from the accused unit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.access import cases_visible_to
from xinfang.core.errors import InvalidTransition, NotFound, ValidationFailed
from xinfang.core.pages import form_add_service_errors, staff_page
from xinfang.governance import services
from xinfang.governance.forms import (
    AfterCareDoneForm,
    AfterCareForm,
    BacklogFilterForm,
    BacklogRegisterForm,
    CloseForm,
    FileForm,
    LeaderForm,
    MilestoneDoneForm,
    MilestoneForm,
    NoteForm,
    PlanForm,
    RuleForm,
    StockFlowForm,
    TakeChargeForm,
    TeamForm,
)
from xinfang.governance.models import AfterCareTask, BacklogEntry, BacklogMilestone
from xinfang.governance.selectors import (
    LEAD_BACKLOG,
    REGISTER_BACKLOG,
    VIEW_BACKLOG,
    backlog_attachments,
    backlog_entry_access,
    backlog_entry_detail,
    backlog_is_team,
    backlog_leader_candidates,
    backlog_list,
    backlog_rules,
    backlog_stock_flow,
    backlog_team_candidates,
)

PAGE_SIZE = 50
RULES_VIEW = "governance.view_backlogrule"
RULES_CHANGE = "governance.change_backlogrule"


# --- Lists -------------------------------------------------------------------------------------------------

def page_query(request: HttpRequest) -> str:
    """The list's query string without the page number (the pager adds its own)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _list_page(request: HttpRequest, *, mine: bool) -> HttpResponse:
    form = BacklogFilterForm(request.GET or None)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    if mine and not request.GET:
        outcome = BacklogEntry.Outcome.OPEN
        form = BacklogFilterForm(initial={"outcome": outcome})
    rows = backlog_list(user=request.user, outcome=outcome, mine=mine)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/backlog_list.html", {
        "form": form, "page": page, "mine": mine, "tab": "mine" if mine else "backlog",
        "today": timezone.localdate(), "query": page_query(request),
    })


@require_GET
@staff_page(VIEW_BACKLOG)
def backlog(request: HttpRequest) -> HttpResponse:
    """GET /governance/backlog/: the register (台账), newest first, filtered by outcome."""
    return _list_page(request, mine=False)


@require_GET
@staff_page(LEAD_BACKLOG)
def backlog_mine(request: HttpRequest) -> HttpResponse:
    """GET /governance/backlog/mine/: 我包案的积案 — the entries the signed-in leader is in charge of."""
    return _list_page(request, mine=True)


@staff_page(REGISTER_BACKLOG)
@require_http_methods(["GET", "POST"])
def backlog_new(request: HttpRequest) -> HttpResponse:
    """An officer enters a case by decision, with the reason (``?number=`` fills in the case)."""
    if request.method == "GET":
        form = BacklogRegisterForm(initial={"number": request.GET.get("number", "")[:20]})
        return render(request, "governance/backlog_new.html", {"form": form, "tab": "backlog"})
    form = BacklogRegisterForm(request.POST)
    status = 400
    if form.is_valid():
        # The case by its number, through the gateway: a case outside the officer's scope is "not found".
        case = cases_visible_to(request.user).filter(number=form.cleaned_data["number"].strip()).first()
        if case is None:
            form.add_error("number", _("未找到该编号的事项。"))
        else:
            try:
                entry = services.backlog_register(case=case, actor=request.user, reason=form.cleaned_data["reason"])
            except (ValidationFailed, InvalidTransition) as exc:
                form_add_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, _("已列入积案台账，请确定包案领导。"))
                return redirect("governance:backlog_entry", pk=entry.pk)
    return render(request, "governance/backlog_new.html", {"form": form, "tab": "backlog"}, status=status)


# --- One entry ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EntryAction:
    """One action of the entry page: its form, who is offered it, the service it calls, what it says."""

    name: str
    label: Any
    form_class: type[forms.Form]
    offered: Callable[[BacklogEntry, Any, bool], bool]
    perform: Callable[[BacklogEntry, Any, dict[str, Any]], Any]
    done: Any
    danger: bool = False
    multipart: bool = False

    @property
    def url_name(self) -> str:
        return f"governance:backlog_{self.name}"


def _is_leader(entry: BacklogEntry, user: Any) -> bool:
    return entry.leader_id == user.pk and user.has_perm(LEAD_BACKLOG)


ENTRY_ACTIONS: dict[str, EntryAction] = {
    action.name: action
    for action in (
        EntryAction("take", gettext_lazy("由我包案"), TakeChargeForm,
                    lambda e, u, team: e.is_open and e.leader_id is None and u.has_perm(LEAD_BACKLOG),
                    lambda e, u, d: services.backlog_leader_assign(entry=e, leader=u, actor=u, note=d["note"]),
                    gettext_lazy("您已成为该积案的包案领导。")),
        EntryAction("leader", gettext_lazy("指定包案领导"), LeaderForm,
                    lambda e, u, team: e.is_open and u.has_perm(REGISTER_BACKLOG),
                    lambda e, u, d: services.backlog_leader_assign(entry=e, leader=d["leader"], actor=u,
                                                                   note=d["note"]),
                    gettext_lazy("包案领导已确定。")),
        EntryAction("team", gettext_lazy("组建专班"), TeamForm,
                    lambda e, u, team: e.is_open and _is_leader(e, u),
                    lambda e, u, d: services.backlog_team_set(entry=e, members=list(d["members"]), actor=u),
                    gettext_lazy("专班成员已更新。")),
        EntryAction("plan", gettext_lazy("化解方案"), PlanForm,
                    lambda e, u, team: e.is_open and _is_leader(e, u),
                    lambda e, u, d: services.backlog_plan_update(entry=e, actor=u, plan=d["plan"]),
                    gettext_lazy("化解方案已保存。")),
        EntryAction("milestone", gettext_lazy("增加工作节点"), MilestoneForm,
                    lambda e, u, team: e.is_open and _is_leader(e, u),
                    lambda e, u, d: services.backlog_milestone_add(entry=e, actor=u, title=d["title"],
                                                                   due_date=d["due_date"]),
                    gettext_lazy("工作节点已增加。")),
        EntryAction("note", gettext_lazy("记录进展、会商或听证"), NoteForm,
                    lambda e, u, team: e.is_open and team,
                    lambda e, u, d: services.backlog_note_add(entry=e, actor=u, kind=d["kind"], text=d["text"],
                                                              held_on=d["held_on"], participants=d["participants"]),
                    gettext_lazy("记录已保存。")),
        EntryAction("file", gettext_lazy("上传材料"), FileForm,
                    lambda e, u, team: team,
                    lambda e, u, d: services.backlog_file_add(entry=e, actor=u, files=d["attachments"]),
                    gettext_lazy("材料已归档。"), multipart=True),
        EntryAction("aftercare", gettext_lazy("安排疏导帮扶救助"), AfterCareForm,
                    lambda e, u, team: team,
                    lambda e, u, d: services.aftercare_add(entry=e, actor=u, kind=d["kind"], text=d["text"],
                                                           assignee=d["assignee"], due_date=d["due_date"]),
                    gettext_lazy("帮扶任务已安排。")),
        EntryAction("close", gettext_lazy("化解办结"), CloseForm,
                    lambda e, u, team: e.is_open and _is_leader(e, u),
                    lambda e, u, d: services.backlog_close(entry=e, actor=u, outcome=d["outcome"],
                                                           summary=d["summary"]),
                    gettext_lazy("积案已化解办结。"), danger=True),
    )
}


def _action_form(action: EntryAction, entry: BacklogEntry, data: Any = None, files: Any = None) -> forms.Form:
    kwargs: dict[str, Any] = {"prefix": action.name}
    if action.form_class is LeaderForm:
        kwargs["candidates"] = backlog_leader_candidates(entry=entry)
    elif action.form_class in (TeamForm, AfterCareForm):
        candidates = backlog_team_candidates(entry=entry)
        if action.form_class is TeamForm:
            kwargs["initial"] = {"members": [m.user_id for m in entry.team_members.all()]}
        elif entry.leader is not None:
            candidates = [entry.leader, *candidates]
        kwargs["candidates"] = candidates
    elif action.form_class is PlanForm:
        kwargs["initial"] = {"plan": entry.plan}
    return action.form_class(data, files, **kwargs)


def _entry_page(request: HttpRequest, entry: BacklogEntry, *, bound: dict[str, forms.Form] | None = None,
                status: int = 200) -> HttpResponse:
    user: Any = request.user
    entry = backlog_entry_detail(entry=entry)
    bound = bound or {}
    team = backlog_is_team(entry=entry, user=user)
    offered = [a for a in ENTRY_ACTIONS.values() if a.offered(entry, user, team)]
    for name, form in bound.items():
        if name not in {a.name for a in offered}:
            for error in form.non_field_errors():
                messages.error(request, str(error))
    action_forms = [{"action": a, "form": bound.get(a.name) or _action_form(a, entry), "open": a.name in bound}
                    for a in offered]
    today = timezone.localdate()
    aftercare = list(entry.aftercare.all())
    return render(request, "governance/backlog_entry.html", {
        "entry": entry, "case": entry.case, "tab": "backlog", "today": today, "is_team": team,
        "team": [m.user for m in entry.team_members.all()],
        "milestones": list(entry.milestones.all()), "notes": list(entry.notes.all()),
        "aftercare": aftercare, "attachments": backlog_attachments(entry=entry),
        "action_forms": action_forms,
        "can_done_milestone": team and entry.is_open,
        "aftercare_done_for": {t.pk for t in aftercare
                               if t.status == AfterCareTask.Status.OPEN and (team or t.assignee_id == user.pk)},
        "milestone_done_form": MilestoneDoneForm(prefix="done"),
        "aftercare_done_form": AfterCareDoneForm(prefix="done"),
    }, status=status)


@require_GET
@staff_page(VIEW_BACKLOG)
def backlog_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /governance/backlog/<pk>/: one backlog case — leader, team, plan and milestones, notes, the file,
    after-care and the outcome — with the actions the user may take."""
    entry = backlog_entry_access(user=request.user, entry_id=pk)
    return _entry_page(request, entry)


@staff_page(VIEW_BACKLOG)
def backlog_entry_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """POST /governance/backlog/<pk>/<action>/: one step through its service."""
    spec = ENTRY_ACTIONS.get(action)
    if spec is None:
        raise Http404
    if request.method != "POST":
        return redirect("governance:backlog_entry", pk=pk)
    entry = backlog_entry_access(user=request.user, entry_id=pk, action="backlog.update")
    form = _action_form(spec, entry, data=request.POST, files=request.FILES)
    status = 400
    if form.is_valid():
        try:
            spec.perform(entry, request.user, form.cleaned_data)
        except (ValidationFailed, InvalidTransition) as exc:
            form_add_service_errors(form, exc)
            status = exc.status_code
        else:
            messages.success(request, str(spec.done))
            return redirect("governance:backlog_entry", pk=entry.pk)
    return _entry_page(request, entry, bound={spec.name: form}, status=status)


def _item_done(request: HttpRequest, entry: BacklogEntry, form: forms.Form,
               perform: Callable[[dict[str, Any]], Any], done: str) -> HttpResponse:
    if form.is_valid():
        try:
            perform(form.cleaned_data)
        except (ValidationFailed, InvalidTransition) as exc:
            messages.error(request, str(exc.message))
            for errors in exc.errors.values():
                for error in errors:
                    if str(error) != str(exc.message):
                        messages.error(request, str(error))
        else:
            messages.success(request, done)
    else:
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, str(error))
    return redirect("governance:backlog_entry", pk=entry.pk)


@require_POST
@staff_page(VIEW_BACKLOG)
def milestone_done(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    entry = backlog_entry_access(user=request.user, entry_id=pk, action="backlog.update")
    milestone = BacklogMilestone.objects.filter(pk=item, entry=entry).select_related("entry").first() \
        if item <= 2**63 - 1 else None
    if milestone is None:
        raise NotFound()
    return _item_done(request, entry, MilestoneDoneForm(request.POST, prefix="done"),
                      lambda d: services.backlog_milestone_done(milestone=milestone, actor=request.user,
                                                                note=d["note"]),
                      _("工作节点已完成。"))


@require_POST
@staff_page(VIEW_BACKLOG)
def aftercare_done(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    entry = backlog_entry_access(user=request.user, entry_id=pk, action="backlog.update")
    task = AfterCareTask.objects.filter(pk=item, entry=entry).select_related("entry").first() \
        if item <= 2**63 - 1 else None
    if task is None:
        raise NotFound()
    return _item_done(request, entry, AfterCareDoneForm(request.POST, prefix="done"),
                      lambda d: services.aftercare_done(task=task, actor=request.user, note=d["note"]),
                      _("帮扶任务已完成。"))


# --- Stock and flow, rules ------------------------------------------------------------------------------

@require_GET
@staff_page(VIEW_BACKLOG)
def backlog_stats(request: HttpRequest) -> HttpResponse:
    """GET /governance/backlog/stats/: 控制增量、化解存量 — backlog at the start of the period, added,
    closed and remaining, by unit (the user's scope)."""
    form = StockFlowForm(request.GET or None, initial=StockFlowForm.default_period())
    status = 200
    if request.GET:
        if form.is_valid():
            period = {"date_from": form.cleaned_data["date_from"], "date_to": form.cleaned_data["date_to"]}
        else:
            period, status = None, 400
    else:
        period = StockFlowForm.default_period()
    figures = backlog_stock_flow(user=request.user, start=period["date_from"], end=period["date_to"]) \
        if period else None
    return render(request, "governance/stock_flow.html", {"form": form, "figures": figures, "tab": "stats"},
                  status=status)


@staff_page(RULES_VIEW)
@require_http_methods(["GET", "POST"])
def backlog_rules_page(request: HttpRequest) -> HttpResponse:
    """/governance/rules/: the rules of the register, each with its threshold and switch (officers)."""
    rules = backlog_rules()
    bound: dict[str, forms.Form] = {}
    status = 200
    if request.method == "POST":
        if not request.user.has_perm(RULES_CHANGE):
            raise PermissionDenied
        kind = request.POST.get("kind", "")
        if kind not in {r.kind for r in rules}:
            raise Http404
        form = RuleForm(request.POST, prefix=kind)
        if form.is_valid():
            try:
                services.backlog_rule_update(kind=kind, threshold=form.cleaned_data["threshold"],
                                             active=form.cleaned_data["active"], actor=request.user)
            except ValidationFailed as exc:
                form_add_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, _("规则已保存，将在下次扫描时生效。"))
                return redirect("governance:rules")
        else:
            status = 400
        bound[kind] = form
    rows = [{"rule": r, "form": bound.get(r.kind) or RuleForm(prefix=r.kind, initial={
        "threshold": r.threshold, "active": r.active})} for r in rules]
    return render(request, "governance/rules.html", {"rows": rows, "tab": "rules",
                                                     "can_change": request.user.has_perm(RULES_CHANGE)},
                  status=status)


urlpatterns: list[URLPattern] = [
    path("backlog/", backlog, name="backlog"),
    path("backlog/mine/", backlog_mine, name="backlog_mine"),
    path("backlog/new/", backlog_new, name="backlog_new"),
    path("backlog/stats/", backlog_stats, name="backlog_stats"),
    path("backlog/<int:pk>/", backlog_entry, name="backlog_entry"),
    path("backlog/<int:pk>/milestones/<int:item>/done/", milestone_done, name="milestone_done"),
    path("backlog/<int:pk>/aftercare/<int:item>/done/", aftercare_done, name="aftercare_done"),
    *[path(f"backlog/<int:pk>/{name}/", backlog_entry_action, {"action": name}, name=f"backlog_{name}")
      for name in ENTRY_ACTIONS],
    path("rules/", backlog_rules_page, name="rules"),
]
