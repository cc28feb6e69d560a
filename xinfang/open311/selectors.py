"""What Open311 publishes, and to whom: everyone (the spec's GET methods need no key).

Published per service request: the case number, open/closed, a public status note (the portal's
``PUBLIC_EVENTS`` texts), the category, the handling unit's name and dates. Never published: the title,
the content, the location given at submission, names, ID or phone numbers, staff, internal notes, the
accused — and accusations (检举控告) not at all, not even that they exist (信访工作条例 Art. 30 ¶3,
Art. 46(5)): the public list is no place to tell the accused that someone has reported them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from xinfang.cases.models import Case, CaseDeadline, CaseEvent, Category
from xinfang.core.errors import ValidationFailed
from xinfang.portal.apis import PUBLIC_EVENTS

DEFAULT_DAYS = 90  # spec: without dates, the last 90 days
MAX_RESULTS = 1000  # spec: at most 1000 requests per answer
# The deadline that says when the matter is expected to be done, most relevant first: a review or
# re-review decision under way, the handling decision (Art. 32–34), then acceptance and routing (Art. 22–23).
EXPECTED_KINDS = (CaseDeadline.Kind.RE_REVIEW_DECIDE_BY, CaseDeadline.Kind.REVIEW_DECIDE_BY,
                  CaseDeadline.Kind.DECIDE_BY, CaseDeadline.Kind.ACCEPT_BY, CaseDeadline.Kind.ROUTE_BY)


def w3c(value: datetime | None) -> str | None:
    """A W3C-profile ISO 8601 date-time with the offset, in the district's time zone."""
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else None


def services_active() -> list[Category]:
    return list(Category.objects.filter(active=True).select_related("parent").order_by("sort", "code"))


def service_data(category: Category) -> dict[str, Any]:
    group = category.parent.name if category.parent_id and category.parent else ""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": False,  # no attributes to fetch: services/{code} lists none
        "type": "realtime",  # POST requests answers with the service_request_id at once
        "keywords": ",".join(k for k in (group, category.name) if k),
        "group": group,
    }


def service_definition_data(category: Category) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": []}


def service_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code, active=True).first()


def service_requests_public() -> QuerySet:
    """Every case the public may see as an Open311 service request: all but accusations."""
    return Case.objects.exclude(matter_type=Case.MatterType.ACCUSATION).select_related(
        "category", "handling_unit"
    ).prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.filter(action__in=list(PUBLIC_EVENTS)).order_by("at", "id"),
                 to_attr="public_events"),
        Prefetch("deadlines", queryset=CaseDeadline.objects.filter(
            kind__in=EXPECTED_KINDS, met_at__isnull=True, cancelled=False, on_petitioner=False),
            to_attr="open_deadlines"),
    )


def _parse_when(raw: str, field: str, *, end: bool) -> datetime:
    try:
        value = parse_datetime(raw.replace(" ", "+")) if "T" in raw else None  # "+" arrives as " " in a query
        day = parse_date(raw) if "T" not in raw else None
    except ValueError:  # well formed but impossible: 2026-13-01
        value = day = None
    if value is None:
        if day is None:
            raise ValidationFailed(_("日期时间格式不正确，应为 ISO 8601（例如 2026-10-09T09:00:00+08:00）。"),
                                   errors={field: [_("日期时间格式不正确：%(v)s") % {"v": raw[:40]}]})
        # A bare date covers the whole day, in the district's time zone.
        value = datetime.combine(day, time.max if end else time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def service_requests_filter(queryset: QuerySet, params: Any) -> QuerySet:
    """The spec's filters: ``service_request_id`` (comma list; overrides all others), ``service_code``
    (comma list), ``start_date``/``end_date`` (on the received time; the last 90 days by default),
    ``status`` (``open``, ``closed`` or both); newest first, at most 1000."""
    ids = [v.strip() for v in (params.get("service_request_id") or "").split(",") if v.strip()]
    if ids:
        if len(ids) > MAX_RESULTS:
            raise ValidationFailed(_("一次最多查询1000件。"), errors={"service_request_id": [_("一次最多查询1000件。")]})
        return queryset.filter(number__in=ids).order_by("-received_at", "-id")[:MAX_RESULTS]
    codes = [v.strip() for v in (params.get("service_code") or "").split(",") if v.strip()]
    if codes:
        queryset = queryset.filter(category__code__in=codes)
    now = timezone.now()
    raw_start, raw_end = (params.get("start_date") or "").strip(), (params.get("end_date") or "").strip()
    end = _parse_when(raw_end, "end_date", end=True) if raw_end else now
    start = _parse_when(raw_start, "start_date", end=False) if raw_start else end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise ValidationFailed(_("开始时间不能晚于结束时间。"), errors={"start_date": [_("开始时间不能晚于结束时间。")]})
    queryset = queryset.filter(received_at__gte=start)
    if raw_end:
        queryset = queryset.filter(received_at__lte=end)
    statuses = {v.strip().lower() for v in (params.get("status") or "").split(",") if v.strip()}
    if statuses - {"open", "closed"}:
        raise ValidationFailed(_("状态只能是 open 或 closed。"), errors={"status": [_("状态只能是 open 或 closed。")]})
    if statuses == {"open"}:
        queryset = queryset.filter(status__in=Case.OPEN_STATUSES)
    elif statuses == {"closed"}:
        queryset = queryset.exclude(status__in=Case.OPEN_STATUSES)
    return queryset.order_by("-received_at", "-id")[:MAX_RESULTS]


def _expected(case: Case) -> datetime | None:
    if not case.is_open:
        return None
    by_kind = {d.kind: d for d in case.open_deadlines}  # type: ignore[attr-defined]
    for kind in EXPECTED_KINDS:
        deadline = by_kind.get(kind)
        if deadline is not None:
            # Due "by" that day: the end of the day in the district's time zone.
            return timezone.make_aware(datetime.combine(deadline.due_date, time(23, 59, 59)))
    return None


def service_request_data(case: Case) -> dict[str, Any]:
    """One case as an Open311 service request: public fields only (module docstring)."""
    events: Sequence[CaseEvent] = case.public_events  # type: ignore[attr-defined]
    last = events[-1] if events else None
    return {
        "service_request_id": case.number,
        "status": "open" if case.is_open else "closed",
        "status_notes": str(PUBLIC_EVENTS[last.action]) if last else "",
        "service_name": case.category.name if case.category else None,
        "service_code": case.category.code if case.category else None,
        "agency_responsible": case.handling_unit.name if case.handling_unit else "",
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(last.at if last else case.received_at),
        "expected_datetime": w3c(_expected(case)),
    }
