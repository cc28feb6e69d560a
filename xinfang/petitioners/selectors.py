"""Reads of the petitioners app: a person's history, the links of a case and the repeat-petition figures —
every case through the gateway (``cases_visible_to``): a case outside the reader's scope, and so an
accusation for the accused unit, is not counted, listed or linked to (SECURITY.md 1–2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, CasePetitioner, Category, Petitioner
from xinfang.core.clock import day_start
from xinfang.core.errors import NotFound
from xinfang.petitioners.models import CaseLink

# Who may link and unlink cases: the bureau officers, who route them.
LINK_PERMISSION = "cases.route_case"
VIEW_PERMISSION = "cases.view_case"

PERIOD_EARLIEST = date(2000, 1, 1)
PERIOD_LATEST = date(2099, 12, 31)
PERIOD_MAX_DAYS = 5 * 366
TOP_PETITIONERS = 10


# --- A petitioner's history --------------------------------------------------------------------------------

@dataclass
class HistoryRow:
    """One matter of the person, as far as the reader may see it."""

    case: Case
    is_repeat: bool
    repeat_of_id: int | None
    repeat_of_number: str  # empty when the original is outside the reader's scope
    is_visit: bool
    ratings: list[Any]
    links: list[dict[str, Any]]


@dataclass
class PetitionerHistory:
    petitioner: Petitioner
    rows: list[HistoryRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def repeats(self) -> int:
        return sum(1 for r in self.rows if r.is_repeat)

    @property
    def visits(self) -> int:
        return sum(1 for r in self.rows if r.is_visit)

    @property
    def open(self) -> int:
        return sum(1 for r in self.rows if r.case.is_open)


def petitioner_history(*, user: Any, petitioner_id: Any) -> PetitionerHistory:
    """All matters of one petitioner that ``user`` may see, oldest first, with their repeats, visits,
    outcomes and ratings. A person none of whose cases the user can see does not exist for them
    (``NotFound``), whether or not the person exists."""
    try:
        pk = int(petitioner_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    visible = cases_visible_to(user)
    cases = list(visible.filter(case_petitioners__petitioner_id=pk).distinct()
                 .select_related("category", "street", "handling_unit")
                 .prefetch_related("ratings").order_by("received_at", "pk"))
    if not cases:
        raise NotFound()
    petitioner = Petitioner.objects.get(pk=pk)
    ids = {c.pk for c in cases}
    originals = {c.repeat_of_id for c in cases if c.repeat_of_id}
    numbers = {c.pk: c.number for c in cases}
    missing = originals - ids
    if missing:
        numbers.update(visible.filter(pk__in=missing).values_list("pk", "number"))
    links_by_case = _links_of(user=user, case_ids=ids)
    rows = [HistoryRow(case=c, is_repeat=c.repeat_of_id is not None, repeat_of_id=c.repeat_of_id,
                       repeat_of_number=numbers.get(c.repeat_of_id, "") if c.repeat_of_id else "",
                       is_visit=c.channel == Case.Channel.VISIT, ratings=list(c.ratings.all()),
                       links=links_by_case.get(c.pk, []))
            for c in cases]
    return PetitionerHistory(petitioner=petitioner, rows=rows)


# --- Links -------------------------------------------------------------------------------------------------

def _links_of(*, user: Any, case_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """The links touching ``case_ids`` whose other end ``user`` may also see, per case: a link never
    names a case outside the reader's scope."""
    if not case_ids:
        return {}
    visible_ids = cases_visible_to(user).values("id")
    links = (CaseLink.objects
             .filter((Q(from_case_id__in=case_ids) & Q(to_case_id__in=visible_ids))
                     | (Q(to_case_id__in=case_ids) & Q(from_case_id__in=visible_ids)))
             .select_related("from_case", "to_case", "created_by").order_by("created_at", "pk"))
    result: dict[int, list[dict[str, Any]]] = {}
    for link in links:
        for here, other, outgoing in ((link.from_case, link.to_case, True), (link.to_case, link.from_case, False)):
            if here.pk in case_ids:
                result.setdefault(here.pk, []).append(
                    {"link": link, "other": other, "outgoing": outgoing, "label": link_label(link.kind, outgoing)})
    return result


def link_label(kind: str, outgoing: bool) -> str:
    """How a link reads from one end: "重复信访，原事项" from the repeat, "有重复信访" from the original."""
    if kind == CaseLink.Kind.REPEAT_OF:
        return str(_("重复信访，原事项") if outgoing else _("有重复信访"))
    if kind == CaseLink.Kind.DUPLICATE_OF:
        return str(_("重复登记，原事项") if outgoing else _("有重复登记"))
    return str(_("相关事项"))


def case_links_visible(*, user: Any, case: Case) -> list[dict[str, Any]]:
    """The links of ``case`` (already fetched through the gateway) that ``user`` may see."""
    return _links_of(user=user, case_ids={case.pk}).get(case.pk, [])


def case_link_access(*, user: Any, case: Case, link_id: Any) -> CaseLink:
    """A link of ``case`` whose other end ``user`` may see; ``NotFound`` otherwise."""
    try:
        pk = int(link_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    for item in case_links_visible(user=user, case=case):
        if item["link"].pk == pk:
            return item["link"]
    raise NotFound()


def case_by_number_visible(*, user: Any, number: str) -> Case | None:
    return cases_visible_to(user).filter(number=(number or "").strip()).first()


# --- Figures -----------------------------------------------------------------------------------------------

@dataclass
class RateRow:
    """Cases registered in the period and how many of them are repeats (``repeat_of`` set)."""

    key: int | None
    name: str
    code: str
    total: int
    repeats: int

    @property
    def rate(self) -> float:
        return round(self.repeats / self.total, 4) if self.total else 0.0

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}%"


@dataclass
class TopPetitioner:
    petitioner_id: int
    name: str
    id_masked: str
    repeats: int
    total: int


@dataclass
class RepeatFigures:
    start: date
    end: date
    total: RateRow
    by_unit: list[RateRow] = field(default_factory=list)
    by_category: list[RateRow] = field(default_factory=list)
    by_street: list[RateRow] = field(default_factory=list)
    top_petitioners: list[TopPetitioner] = field(default_factory=list)


def figures_default_period(today: date | None = None) -> dict[str, date]:
    """This year so far."""
    today = today or timezone.localdate()
    return {"start": today.replace(month=1, day=1), "end": today}


def figures_period_problem(start: date, end: date) -> str | None:
    """Why ``start``–``end`` is not a period the figures can cover, or None."""
    if start > end:
        return str(_("截止日期不能早于起始日期。"))
    if start < PERIOD_EARLIEST or end > PERIOD_LATEST:
        return str(_("统计期间须在%(a)s至%(b)s之间。") % {"a": PERIOD_EARLIEST.isoformat(),
                                                        "b": PERIOD_LATEST.isoformat()})
    if (end - start).days > PERIOD_MAX_DAYS:
        return str(_("统计期间最长五年。"))
    return None


def _rate_rows(cases: Any, key: str, names: dict[int, tuple[str, str]]) -> list[RateRow]:
    rows = []
    for f in cases.values(key).annotate(total=Count("id"), repeats=Count("id", filter=Q(repeat_of__isnull=False))
                                        ).order_by():
        name, code = names.get(f[key], ("", "")) if f[key] else ("", "")
        rows.append(RateRow(key=f[key], name=name, code=code, total=f["total"], repeats=f["repeats"]))
    rows.sort(key=lambda r: (-r.rate, -r.repeats, r.name))
    return rows


def repeat_figures(*, user: Any, start: date, end: date) -> RepeatFigures:
    """The repeat-petition rate — cases received in ``start``–``end`` (both included, local days) that are
    repeats (``repeat_of`` set), over all cases received then — overall and by handling unit, category and
    street; and the petitioners with the most repeats. Only the cases ``user`` may see are counted."""
    cases = cases_visible_to(user).filter(received_at__gte=day_start(start),
                                          received_at__lt=day_start(end + timedelta(days=1)))
    overall = cases.aggregate(total=Count("id"), repeats=Count("id", filter=Q(repeat_of__isnull=False)))
    figures = RepeatFigures(start=start, end=end, total=RateRow(key=None, name=str(_("合计")), code="",
                                                                total=overall["total"], repeats=overall["repeats"]))
    if not overall["total"]:
        return figures
    units = {u.pk: (u.name, u.code) for u in Unit.objects.filter(
        Q(pk__in=cases.values("handling_unit_id")) | Q(pk__in=cases.values("street_id")))}
    categories = {c.pk: (c.name, c.code) for c in Category.objects.filter(pk__in=cases.values("category_id"))}
    figures.by_unit = _rate_rows(cases, "handling_unit_id", units)
    figures.by_category = _rate_rows(cases, "category_id", categories)
    figures.by_street = _rate_rows(cases, "street_id", units)
    top = list(CasePetitioner.objects.filter(case_id__in=cases.filter(repeat_of__isnull=False).values("id"))
               .values("petitioner_id").annotate(repeats=Count("case_id", distinct=True))
               .order_by("-repeats", "petitioner_id")[:TOP_PETITIONERS])
    if top:
        ids = [t["petitioner_id"] for t in top]
        people = Petitioner.objects.in_bulk(ids)
        totals = dict(CasePetitioner.objects.filter(case_id__in=cases.values("id"), petitioner_id__in=ids)
                      .values("petitioner_id").annotate(n=Count("case_id", distinct=True))
                      .values_list("petitioner_id", "n"))
        figures.top_petitioners = [
            TopPetitioner(petitioner_id=t["petitioner_id"], name=people[t["petitioner_id"]].name,
                          id_masked=people[t["petitioner_id"]].id_masked, repeats=t["repeats"],
                          total=totals.get(t["petitioner_id"], t["repeats"]))
            for t in top if t["petitioner_id"] in people]
    return figures
