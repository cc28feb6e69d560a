"""Opening, meeting and recomputing case deadlines; loading the holiday calendar; the overdue sweep."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.core.errors import ValidationFailed
from xinfang.core.workdays import Counting, Due, due_date, span_for
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.rules import RULES
from xinfang.deadlines.selectors import work_calendar_between

logger = logging.getLogger(__name__)


def deadline_compute(*, start: date, days: int, counting: str) -> Due:
    """The due date of a rule started on ``start``, from the calendar in the database."""
    mode = Counting(counting)
    low, high = span_for(start, days, mode)
    calendar = work_calendar_between(start=low, end=high)
    return due_date(start, days, mode, calendar, roll_to_workday=settings.XINFANG["ROLL_TO_WORKDAY"])


def deadline_open(*, case: Any, kind: str, start: date, extra_days: int = 0, days: int | None = None,
                  fresh: bool = False) -> Any:
    """Start (or restart) the deadline ``kind`` of ``case`` counted from ``start``. ``fresh``: the case was
    created in this transaction, so there is no row to restart."""
    from xinfang.cases.models import CaseDeadline

    rule = RULES[kind]
    total = (rule.days if days is None else days) + extra_days
    due = deadline_compute(start=start, days=total, counting=rule.counting)
    values = {"start_date": start, "days": total, "counting": rule.counting.value, "due_date": due.date,
              "provisional": due.provisional, "on_petitioner": rule.on_petitioner, "met_at": None,
              "cancelled": False, "overdue_at": None}
    # Restarting (route_by after an objection) updates the row; the first opening inserts it. The unique
    # constraint (case, kind) stops a second row whatever happens.
    if fresh or not CaseDeadline.objects.filter(case=case, kind=kind).update(**values):
        return CaseDeadline.objects.create(case=case, kind=kind, **values)
    return CaseDeadline(case=case, kind=kind, **values)


def deadline_meet(*, case: Any, kind: str, at: datetime) -> None:
    from xinfang.cases.models import CaseDeadline

    CaseDeadline.objects.filter(case=case, kind=kind, met_at__isnull=True, cancelled=False).update(met_at=at)


def deadline_cancel(*, case: Any, kinds: Iterable[str]) -> None:
    """The deadlines no longer apply (e.g. the objection window once the unit accepted)."""
    from xinfang.cases.models import CaseDeadline

    CaseDeadline.objects.filter(case=case, kind__in=list(kinds), met_at__isnull=True).update(cancelled=True)


def deadline_extend(*, case: Any, kind: str, extra_days: int) -> Any:
    from xinfang.cases.models import CaseDeadline

    deadline = CaseDeadline.objects.get(case=case, kind=kind)
    due = deadline_compute(start=deadline.start_date, days=deadline.days + extra_days, counting=deadline.counting)
    deadline.days += extra_days
    deadline.due_date = due.date
    deadline.provisional = due.provisional
    deadline.overdue_at = None
    deadline.save(update_fields=["days", "due_date", "provisional", "overdue_at"])
    return deadline


def deadlines_recompute_provisional() -> int:
    """Recompute every provisional deadline against the calendar now loaded; returns how many changed."""
    from xinfang.cases.models import CaseDeadline

    changed = 0
    for deadline in CaseDeadline.objects.filter(provisional=True).iterator(chunk_size=2000):
        due = deadline_compute(start=deadline.start_date, days=deadline.days, counting=deadline.counting)
        if (due.date, due.provisional) != (deadline.due_date, deadline.provisional):
            fields = {"due_date": due.date, "provisional": due.provisional}
            if deadline.overdue_at and due.date >= timezone.localdate():
                fields["overdue_at"] = None
            CaseDeadline.objects.filter(pk=deadline.pk).update(**fields)
            changed += 1
    return changed


# --- The holiday calendar ---------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarRow:
    date: date
    kind: str
    name: str


@dataclass(frozen=True)
class CalendarLoadResult:
    years: list[int]
    days: int
    recomputed: int


def calendar_rows_validate(rows: Iterable[CalendarRow]) -> list[CalendarRow]:
    """Check every row; raise one ``ValidationFailed`` naming all bad rows."""
    problems: list[str] = []
    seen: dict[date, CalendarRow] = {}
    checked = []
    for index, row in enumerate(rows, start=1):
        if row.kind not in CalendarDay.Kind.values:
            problems.append(_("第 %(n)d 行：类型必须是 holiday 或 workday。") % {"n": index})
            continue
        if row.kind == CalendarDay.Kind.WORKDAY and row.date.weekday() < 5:
            problems.append(_("第 %(n)d 行：%(d)s 是工作日，不能登记为调休上班日。") % {"n": index, "d": row.date})
            continue
        if row.date in seen:
            problems.append(_("第 %(n)d 行：日期 %(d)s 重复。") % {"n": index, "d": row.date})
            continue
        seen[row.date] = row
        checked.append(row)
    if problems:
        raise ValidationFailed(_("日历文件有错误，未做任何修改。"), errors={"file": problems})
    return checked


def calendar_load(*, rows: Iterable[CalendarRow], years: Iterable[int], source: str) -> CalendarLoadResult:
    """Replace the calendar of ``years`` with ``rows`` in one transaction, mark the years as official, and
    recompute every provisional deadline. Rows outside ``years`` are refused."""
    years = sorted(set(years))
    checked = calendar_rows_validate(rows)
    outside = [r.date for r in checked if r.date.year not in years]
    if outside:
        raise ValidationFailed(_("日历文件中有不属于所载年份的日期：%(d)s") % {"d": outside[0]})
    with transaction.atomic():
        CalendarDay.objects.filter(date__year__in=years).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=r.date, kind=r.kind, name=r.name[:50]) for r in checked], batch_size=500
        )
        for year in years:
            CalendarYear.objects.update_or_create(year=year, defaults={"source": source[:100]})
        recomputed = deadlines_recompute_provisional()
    return CalendarLoadResult(years=years, days=len(checked), recomputed=recomputed)


def calendar_parse_file(path: Path) -> tuple[list[CalendarRow], list[int]]:
    """Read a calendar file: CSV ``date,kind,name`` (header optional) or JSON
    ``{"years": [2027], "days": [{"date": ..., "kind": ..., "name": ...}]}``.

    The years loaded are the JSON ``years`` or, for CSV, every year that appears; a CSV line
    ``#years: 2027`` declares a year even when it has no rows.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_("日历文件必须是 UTF-8 编码。")) from exc
    except OSError as exc:
        raise ValidationFailed(_("无法读取日历文件：%(e)s") % {"e": exc.strerror}) from exc
    rows: list[CalendarRow] = []
    problems: list[str] = []
    years: set[int] = set()
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
            raw_days = data["days"]
            years.update(int(y) for y in data.get("years", []))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationFailed(_("日历 JSON 文件格式不正确。")) from exc
        items = [(i, d.get("date"), d.get("kind"), d.get("name", "")) for i, d in enumerate(raw_days, start=1)]
    else:
        items = []
        for i, line in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not line or not "".join(line).strip():
                continue
            if line[0].startswith("#years:"):
                years.update(int(y) for y in line[0].split(":", 1)[1].split() if y.isdigit())
                continue
            if line[0].strip().lower() == "date":
                continue
            items.append((i, line[0], line[1] if len(line) > 1 else "", line[2] if len(line) > 2 else ""))
    for index, raw_date, kind, name in items:
        try:
            day = date.fromisoformat(str(raw_date).strip())
        except ValueError:
            problems.append(_("第 %(n)d 行：日期 %(d)r 不是 YYYY-MM-DD。") % {"n": index, "d": raw_date})
            continue
        rows.append(CalendarRow(day, str(kind).strip().lower(), str(name).strip()))
        years.add(day.year)
    if problems:
        raise ValidationFailed(_("日历文件有错误，未做任何修改。"), errors={"file": problems})
    if not years:
        raise ValidationFailed(_("日历文件是空的。"))
    return rows, sorted(years)


def calendar_seed_from_package() -> CalendarLoadResult:
    """Load every year that the chinese-calendar package knows (2004–2026 in 1.11)."""
    import chinese_calendar.constants as cc

    rows = [CalendarRow(d, CalendarDay.Kind.HOLIDAY, str(getattr(name, "value", name)))
            for d, name in cc.holidays.items()]
    rows += [CalendarRow(d, CalendarDay.Kind.WORKDAY, str(getattr(name, "value", name)))
             for d, name in cc.workdays.items() if d.weekday() >= 5]
    years = sorted({r.date.year for r in rows})
    version = getattr(__import__("chinese_calendar"), "__version__", "")
    return calendar_load(rows=rows, years=years, source=f"chinese-calendar {version}".strip())


# --- The overdue sweep ------------------------------------------------------------------------

def deadlines_mark_overdue(*, today: date | None = None) -> int:
    """Mark every open deadline of a unit or the bureau whose last day has passed, once.

    Several workers may run this at once: each row is claimed with ``UPDATE … WHERE overdue_at IS NULL``
    and only the worker whose update changed the row writes the event and the notifications
    (the Healthchecks pattern)."""
    from xinfang.cases.models import CaseDeadline
    from xinfang.cases.services.events import case_event_append
    from xinfang.notifications.services import notify_overdue

    today = today or timezone.localdate()
    now = timezone.now()
    marked = 0
    candidates = CaseDeadline.objects.filter(
        Q(met_at__isnull=True) & Q(cancelled=False) & Q(overdue_at__isnull=True) & Q(on_petitioner=False),
        due_date__lt=today,
    ).values_list("id", flat=True)
    for deadline_id in list(candidates.iterator(chunk_size=2000)):
        with transaction.atomic():
            claimed = CaseDeadline.objects.filter(id=deadline_id, overdue_at__isnull=True, met_at__isnull=True,
                                                  cancelled=False).update(overdue_at=now)
            if not claimed:
                continue
            deadline = CaseDeadline.objects.select_related("case").get(id=deadline_id)
            case_event_append(case=deadline.case, actor=None, action="deadline_overdue",
                              note=str(deadline.get_kind_display()),
                              data={"kind": deadline.kind, "due_date": deadline.due_date.isoformat()})
            notify_overdue(case=deadline.case, deadline=deadline)
            marked += 1
    if marked:
        logger.info("marked %d overdue deadlines", marked)
    return marked
