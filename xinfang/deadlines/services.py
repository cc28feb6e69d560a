"""Opening, meeting and recomputing case deadlines; loading the holiday calendar; the overdue sweep."""

from __future__ import annotations

import csv
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

from xinfang.core.audit import audit_record
from xinfang.core.db import insert_row
from xinfang.core.errors import ValidationFailed
from xinfang.core.workdays import Counting, Due, due_date, span_for
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.rules import OVERDUE_KINDS, RULES
from xinfang.deadlines.selectors import work_calendar, work_calendar_between, work_calendar_forget

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
        return insert_row(CaseDeadline, case=case, kind=kind, **values)
    return CaseDeadline(case=case, kind=kind, **values)


def deadline_meet(*, case: Any, kind: str, at: datetime) -> None:
    """The act was done at ``at``: the deadline is met (on time or late — ``overdue_at`` says which)."""
    from xinfang.cases.models import CaseDeadline

    CaseDeadline.objects.filter(case=case, kind=kind, met_at__isnull=True, cancelled=False).update(met_at=at)


def deadline_cancel(*, case: Any, kinds: Iterable[str]) -> None:
    """The deadlines no longer apply (e.g. the objection window once the unit accepted)."""
    from xinfang.cases.models import CaseDeadline

    CaseDeadline.objects.filter(case=case, kind__in=list(kinds), met_at__isnull=True).update(cancelled=True)


def deadline_extend(*, case: Any, kind: str, extra_days: int) -> Any:
    """Lengthen a running deadline by ``extra_days`` counted on from its nominal end, i.e. recomputed from
    its start (信访工作条例 Art. 34: the 60 days to decide, extended once by at most 30 days; the caller
    checks the limit and the approval)."""
    from xinfang.cases.models import CaseDeadline

    deadline = CaseDeadline.objects.get(case=case, kind=kind)
    due = deadline_compute(start=deadline.start_date, days=deadline.days + extra_days, counting=deadline.counting)
    deadline.days += extra_days
    deadline.due_date = due.date
    deadline.provisional = due.provisional
    deadline.overdue_at = None
    deadline.save(update_fields=["days", "due_date", "provisional", "overdue_at"])
    return deadline


def deadlines_recompute_provisional(*, years: Iterable[int] = ()) -> int:
    """Recompute deadlines against the calendar now loaded; returns how many changed (date or flag).

    Recomputed: every provisional deadline (it rested on a year with no official calendar), and every
    open deadline (not met, not cancelled) that starts or ends in one of ``years`` — the years just
    loaded: reloading a year corrects it, and a deadline still running must follow the corrected official
    calendar. Deadlines already met keep the date they were judged against unless they were provisional.
    A deadline marked overdue whose corrected last day has not passed is no longer overdue.
    """
    from xinfang.cases.models import CaseDeadline

    years = sorted(set(years))
    touched = Q(provisional=True)
    if years:
        touched |= Q(met_at__isnull=True, cancelled=False) & (Q(start_date__year__in=years)
                                                              | Q(due_date__year__in=years))
    # Materialised first: rows are updated while we go, and SQLite gives no isolation between a cursor
    # still reading a table and updates to it on the same connection.
    rows = list(CaseDeadline.objects.filter(touched).values_list(
        "id", "start_date", "days", "counting", "due_date", "provisional", "overdue_at"))
    if not rows:
        return 0
    calendar = work_calendar()
    roll = settings.XINFANG["ROLL_TO_WORKDAY"]
    today = timezone.localdate()
    changed = 0
    for pk, start, days, counting, old_date, old_provisional, overdue_at in rows:
        due = due_date(start, days, counting, calendar, roll_to_workday=roll)
        if (due.date, due.provisional) == (old_date, old_provisional):
            continue
        fields: dict[str, Any] = {"due_date": due.date, "provisional": due.provisional}
        if overdue_at is not None and due.date >= today:
            fields["overdue_at"] = None
        CaseDeadline.objects.filter(pk=pk).update(**fields)
        changed += 1
    return changed


# --- The holiday calendar ---------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarRow:
    """One day of a calendar file; ``line`` is where it was read (0: not from a file)."""

    date: date
    kind: str
    name: str
    line: int = 0


@dataclass(frozen=True)
class CalendarLoadResult:
    """What ``calendar_load`` did: the years now official, the day rows written, the deadlines changed."""

    years: list[int]
    days: int
    recomputed: int


# Years a calendar may be loaded for: a typo such as 207 or 20277 is refused, not stored.
CALENDAR_YEARS = range(2000, 2101)


def _calendar_row_problems(rows: Iterable[CalendarRow]) -> tuple[list[CalendarRow], list[str]]:
    """The good rows and a message for every bad one (kind, make-up day on a weekday, duplicate date)."""
    problems: list[str] = []
    seen: dict[date, CalendarRow] = {}
    checked = []
    for index, row in enumerate(rows, start=1):
        n = row.line or index
        if row.kind not in CalendarDay.Kind.values:
            problems.append(_("第 %(n)d 行：类型 %(k)r 不对，必须是 holiday 或 workday。") % {"n": n, "k": row.kind})
            continue
        if row.kind == CalendarDay.Kind.WORKDAY and row.date.weekday() < 5:
            problems.append(_("第 %(n)d 行：%(d)s 本来就是工作日，不能登记为调休上班日。") % {"n": n, "d": row.date})
            continue
        if row.date in seen:
            problems.append(_("第 %(n)d 行：日期 %(d)s 重复。") % {"n": n, "d": row.date})
            continue
        seen[row.date] = row
        checked.append(row)
    return checked, problems


def calendar_rows_validate(rows: Iterable[CalendarRow]) -> list[CalendarRow]:
    """Check every row; raise one ``ValidationFailed`` naming all bad rows."""
    checked, problems = _calendar_row_problems(rows)
    if problems:
        raise ValidationFailed(_("日历文件有错误，未做任何修改。"), errors={"file": problems})
    return checked


def calendar_load(*, rows: Iterable[CalendarRow], years: Iterable[int], source: str, actor: Any = None,
                  audit: bool = True) -> CalendarLoadResult:
    """Replace the calendar of ``years`` with ``rows`` in one transaction, mark the years as official,
    recompute the deadlines that depend on them (``deadlines_recompute_provisional``) and write the audit
    row (``audit=False`` only for the seed of a new database, which nobody did). Rows outside ``years`` are
    refused; a refused load changes nothing."""
    years = sorted(set(years))
    if not years:
        raise ValidationFailed(_("没有指定要载入的年份。"))
    bad_years = [y for y in years if y not in CALENDAR_YEARS]
    if bad_years:
        raise ValidationFailed(_("年份不正确：%(y)s") % {"y": ", ".join(map(str, bad_years))},
                               errors={"years": [str(y) for y in bad_years]})
    checked = calendar_rows_validate(rows)
    outside = [r for r in checked if r.date.year not in years]
    if outside:
        raise ValidationFailed(_("日历文件中有不属于所载年份的日期，未做任何修改。"),
                               errors={"file": [_("第 %(n)d 行：%(d)s 不属于所载年份。") % {"n": r.line or i, "d": r.date}
                                                for i, r in enumerate(outside, start=1)]})
    with transaction.atomic():
        CalendarDay.objects.filter(date__year__in=years).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=r.date, kind=r.kind, name=r.name[:50]) for r in checked], batch_size=500
        )
        for year in years:
            CalendarYear.objects.update_or_create(year=year, defaults={"source": source[:100]})
        # The version query would notice the change, but not a rolled-back load followed by another with
        # the same clock reading and day count (tests, the demo): start from the database.
        work_calendar_forget()
        recomputed = deadlines_recompute_provisional(years=years)
        if audit:
            audit_record(actor=actor, action="calendar.load", object_type="deadlines.calendaryear",
                         object_id=str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}",
                         detail={"years": years, "days": len(checked), "recomputed": recomputed, "source": source})
    return CalendarLoadResult(years=years, days=len(checked), recomputed=recomputed)


def calendar_parse_file(path: Path) -> tuple[list[CalendarRow], list[int]]:
    """Read a calendar file: CSV ``date,kind,name`` (header optional) or JSON
    ``{"years": [2027], "days": [{"date": ..., "kind": ..., "name": ...}]}``.

    ``kind`` is ``holiday`` (a rest day: a statutory holiday or a day off moved by 调休) or ``workday``
    (a make-up working day on a Saturday or Sunday). The years loaded are the JSON ``years`` (a day of
    another year is then refused by ``calendar_load``), else every year that appears; a CSV line
    ``#years: 2027`` declares a year even when it has no rows. Other CSV lines starting with ``#`` are
    comments. Every bad row is reported at once, with its line number
    (JSON: its position in ``days``), and nothing is returned unless the whole file is good.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_("日历文件必须是 UTF-8 编码。")) from exc
    except OSError as exc:
        raise ValidationFailed(_("无法读取日历文件：%(e)s") % {"e": exc.strerror or exc}) from exc
    rows: list[CalendarRow] = []
    problems: list[str] = []
    years: set[int] = set()
    items: list[tuple[int, Any, Any, Any]] = []
    is_json = path.suffix.lower() == ".json"
    if is_json:
        try:
            data = json.loads(text)
            raw_days = data["days"]
            raw_years = data.get("years", [])
            if not isinstance(raw_days, list) or not isinstance(raw_years, list):
                raise TypeError("days and years must be lists")
            years.update(int(y) for y in raw_years)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValidationFailed(_("日历 JSON 文件格式不正确：应为 {\"years\": [...], \"days\": [...]}。")) from exc
        for i, d in enumerate(raw_days, start=1):
            if not isinstance(d, dict):
                problems.append(_("第 %(n)d 项：应为 {\"date\", \"kind\", \"name\"}。") % {"n": i})
                continue
            items.append((i, d.get("date"), d.get("kind"), d.get("name") or ""))
    else:
        # Line by line rather than one csv.reader over the text: a stray quote in a comment or a row
        # must not swallow the lines after it, and every row keeps its own line number.
        for i, raw_line in enumerate(text.splitlines(), start=1):
            stripped = raw_line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                directive = stripped[1:].strip()
                if directive.lower().startswith("years:"):
                    for token in directive.split(":", 1)[1].replace(",", " ").split():
                        if token.isdigit():
                            years.add(int(token))
                        else:
                            problems.append(_("第 %(n)d 行：年份 %(y)r 不正确。") % {"n": i, "y": token})
                continue
            line = [cell.strip() for cell in next(csv.reader([raw_line]))]
            if line[0].lower() == "date":
                continue
            items.append((i, line[0], line[1] if len(line) > 1 else "", line[2] if len(line) > 2 else ""))
    for index, raw_date, kind, name in items:
        try:
            day = date.fromisoformat(str(raw_date).strip())
        except ValueError:
            problems.append(_("第 %(n)d 行：日期 %(d)r 不是 YYYY-MM-DD。") % {"n": index, "d": raw_date})
            continue
        rows.append(CalendarRow(day, str(kind).strip().lower(), str(name).strip(), line=index))
    if not (is_json and years):
        years.update(r.date.year for r in rows)
    # The rows' own checks too, so one pass over a bad file names every bad row.
    checked, row_problems = _calendar_row_problems(rows)
    problems += row_problems
    problems += [_("第 %(n)d 行：年份 %(y)d 不在 %(a)d–%(b)d 之间。")
                 % {"n": r.line, "y": r.date.year, "a": CALENDAR_YEARS[0], "b": CALENDAR_YEARS[-1]}
                 for r in checked if r.date.year not in CALENDAR_YEARS]
    if problems:
        raise ValidationFailed(_("日历文件有错误，未做任何修改。"), errors={"file": problems})
    if not years:
        raise ValidationFailed(_("日历文件是空的。"))
    return rows, sorted(years)


def calendar_seed_from_package(*, only_missing: bool = False, audit: bool = True) -> CalendarLoadResult:
    """Load every year that the chinese-calendar package knows (2004–2026 in 1.11), replacing those
    years in the database; ``only_missing``: only the years not loaded yet (an admin's corrections stay).

    The package lists whole holiday runs (weekend days included) as holidays and every make-up working
    day; only make-up days on a weekend are kept (a weekday is a working day anyway)."""
    import chinese_calendar
    import chinese_calendar.constants as cc

    chinese_names = {h.value: h.chinese for h in cc.Holiday}

    def name_of(value: Any) -> str:
        text = str(getattr(value, "value", value))
        return chinese_names.get(text, text)

    rows = [CalendarRow(d, CalendarDay.Kind.HOLIDAY, name_of(name)) for d, name in sorted(cc.holidays.items())]
    rows += [CalendarRow(d, CalendarDay.Kind.WORKDAY, name_of(name))
             for d, name in sorted(cc.workdays.items()) if d.weekday() >= 5]
    years = {r.date.year for r in rows}
    if only_missing:
        years -= set(CalendarYear.objects.values_list("year", flat=True))
        rows = [r for r in rows if r.date.year in years]
        if not years:
            return CalendarLoadResult(years=[], days=0, recomputed=0)
    version = getattr(chinese_calendar, "__version__", "")
    return calendar_load(rows=rows, years=years, source=f"chinese-calendar {version}".strip(), audit=audit)


# --- The overdue sweep ------------------------------------------------------------------------

def deadlines_mark_overdue(*, today: date | None = None) -> int:
    """Mark every open deadline of a unit or the bureau whose last day has passed, once; returns how many.

    Only duties can be overdue (``OVERDUE_KINDS``): a window for an optional act — the unit's objection
    (信访工作条例 Art. 23), the petitioner's request for review (Art. 35, 36) — lapses instead.
    Several workers may run this at once: each row is claimed with ``UPDATE … WHERE overdue_at IS NULL``
    and only the worker whose update changed the row writes the event and the notifications
    (the Healthchecks pattern)."""
    from xinfang.cases.models import CaseDeadline
    from xinfang.cases.services.events import case_event_append
    from xinfang.notifications.services import notify_overdue

    today = today or timezone.localdate()
    now = timezone.now()
    marked = 0
    still_late = Q(met_at__isnull=True, cancelled=False, overdue_at__isnull=True, on_petitioner=False,
                   kind__in=OVERDUE_KINDS, due_date__lt=today)
    candidates = list(CaseDeadline.objects.filter(still_late).order_by("id").values_list("id", flat=True))
    for deadline_id in candidates:
        with transaction.atomic():
            # The whole condition again: since the list was read the deadline may have been met, extended,
            # restarted or recomputed — or claimed by another worker.
            claimed = CaseDeadline.objects.filter(still_late, id=deadline_id).update(overdue_at=now)
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


# --- One day of the calendar, edited by an admin (the reference pages) ---------------------------

def calendar_day_set(*, day: date, kind: str, name: str = "", actor: Any) -> CalendarDay | None:
    """Make ``day`` a rest day (``holiday``), a make-up working day (``workday``, 调休: Saturday or Sunday
    only) or an ordinary day (``""``: the row is removed), then recompute the deadlines of its year.

    Only a year whose official calendar is loaded can be edited day by day: editing one day of another
    year would not make its deadlines official (they stay provisional until the year is loaded).
    The day's row is deleted and written afresh, never updated in place, so the calendar version read by
    ``work_calendar`` (day count, largest day id) moves in every process.
    """
    if kind not in ("", *CalendarDay.Kind.values):
        raise ValidationFailed(_("类型不正确。"), errors={"kind": [_("类型不正确。")]})
    if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
        message = _("%(d)s 本来就是工作日，不能登记为调休上班日。") % {"d": day}
        raise ValidationFailed(message, errors={"kind": [message]})
    name = name.strip()[:50]
    with transaction.atomic():
        # Locks the year's row: two admins editing the same year take turns (FOR UPDATE on PostgreSQL).
        year = CalendarYear.objects.select_for_update().filter(year=day.year).first()
        if year is None:
            message = _("%(y)d 年的官方日历尚未载入，请先上传该年度的日历文件。") % {"y": day.year}
            raise ValidationFailed(message, errors={"date": [message]})
        old = CalendarDay.objects.filter(date=day).values_list("kind", "name").first()
        if old == ((kind, name) if kind else None):
            return CalendarDay.objects.filter(date=day).first()
        CalendarDay.objects.filter(date=day).delete()
        row = CalendarDay.objects.create(date=day, kind=kind, name=name) if kind else None
        year.save(update_fields=["loaded_at"])
        work_calendar_forget()
        recomputed = deadlines_recompute_provisional(years=[day.year])
        audit_record(actor=actor, action="calendar.day_set", object_type="deadlines.calendarday",
                     object_id=day.isoformat(),
                     detail={"from": list(old) if old else None, "to": [kind, name] if kind else None,
                             "recomputed": recomputed})
    return row
