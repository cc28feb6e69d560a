"""The one filter of case lists, shared by the staff list page, its .xlsx export and ``GET /api/v1/cases/``
(the NetBox habit: one filterset serves the HTML list and the API list).

It narrows a queryset the caller has *already* scoped with ``cases_visible_to`` — it never widens it, so
unit scoping and the accusation rule (信访工作条例 Art. 30 ¶3) hold for every combination of filters.

Parameters (all optional, empty means "no filter"):

- ``number`` — the case number, exact.
- ``name`` — a petitioner's (or representative's) full name, exact (uses the name index).
- ``id_hash`` / ``phone_hash`` — the keyed hash of a full ID or phone number. Clear numbers never travel
  in a URL (SECURITY.md 5): the page posts them and redirects with the hash (``person_hashes``).
- ``q`` — free text in the title or the content (case-insensitive "contains").
- ``category``, ``street``, ``unit`` — codes of the category, the street and the handling unit.
- ``status`` — one or more statuses, comma separated and/or repeated.
- ``channel``, ``matter_type`` — exact values.
- ``overdue`` — ``1``/``true``: a deadline of the case has been marked overdue and is still open.
- ``unit_tree`` — code of a unit: cases handled by it or by any unit below it (the analytics scopes).
- ``group`` — ``1``/``true``: group visits (channel visit, five people or more; docs/analytics.md).
- ``repeat`` — ``1``/``true``: repeat petitions (``repeat_of`` set).
- ``rating`` — cases with a rating of that value (satisfied, basically_satisfied, dissatisfied).
- ``received_from`` / ``received_to`` — dates (YYYY-MM-DD), inclusive, in the local time zone.

Unknown values narrow to nothing rather than fail (an unknown status finds no case), as the API always
did; only malformed dates and hashes are errors, reported in ``errors``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import GROUP_MIN_PEOPLE, Case, CaseDeadline, CasePetitioner, CaseRating
from xinfang.core.clock import day_start
from xinfang.core.crypto import lookup_hash

_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
# The dates a list can be filtered by: far wider than any petition, narrow enough for every date maths.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)
_TRUE = ("1", "true")


def _clean(value: str) -> str:
    """A NUL byte can be in no stored text and PostgreSQL refuses it in a query (a 500 the fuzzer found): it
    becomes U+FFFD, so the filter still narrows — to nothing — rather than failing or being dropped."""
    return value.replace("\x00", "\ufffd")


def person_hashes(*, id_number: str = "", phone: str = "") -> dict[str, str]:
    """The filter parameters for a full ID number and/or phone number (already validated and
    normalized): their keyed hashes, the same ones registration stores."""
    params = {}
    if id_number:
        params["id_hash"] = lookup_hash(id_number, context="id")
    if phone:
        params["phone_hash"] = lookup_hash(phone, context="phone")
    return params


def overdue_q() -> Q:
    """Cases with a deadline the overdue sweep has marked and that is still open (met neither in time nor
    late, not cancelled) — the one meaning of "overdue" in lists, the inbox and the API."""
    return Q(Exists(CaseDeadline.objects.filter(case=OuterRef("pk"), overdue_at__isnull=False, met_at__isnull=True,
                                                cancelled=False)))


class CaseFilterSet:
    """Filters a scoped case queryset by request parameters (``QueryDict`` or plain mapping).

    ``CaseFilterSet(request.GET, queryset=cases_visible_to(user)).qs`` is the filtered queryset;
    ``errors`` maps a parameter to its messages; ``applied`` is what was actually filtered on (for the
    page, the export's audit row and links that keep the filters)."""

    PARAMS: tuple[str, ...] = ("number", "name", "id_hash", "phone_hash", "q", "category", "street", "unit",
                               "status", "channel", "matter_type", "overdue", "received_from", "received_to",
                               "unit_tree", "group", "repeat", "rating")

    def __init__(self, data: Mapping[str, Any] | None, *, queryset: QuerySet):
        self.data = data if data is not None else {}
        self.queryset = queryset
        self.errors: dict[str, list[str]] = {}
        self.applied: dict[str, Any] = {}
        self._qs: QuerySet | None = None

    # -- reading parameters -------------------------------------------------------------------------

    def _value(self, name: str) -> str:
        value = self.data.get(name)
        return _clean(value).strip() if isinstance(value, str) else ""

    def _values(self, name: str) -> list[str]:
        getlist = getattr(self.data, "getlist", None)
        raw = getlist(name) if getlist is not None else [self.data.get(name)]
        values: list[str] = []
        for item in raw:
            if isinstance(item, str):
                values.extend(part.strip() for part in _clean(item).split(",") if part.strip())
        return values

    def _date(self, name: str) -> date | None:
        text = self._value(name)
        if not text:
            return None
        try:
            day = date.fromisoformat(text)
        except ValueError:
            self.errors.setdefault(name, []).append(_("日期格式应为 年-月-日，例如 2026-10-09。"))
            return None
        if not DATE_MIN <= day <= DATE_MAX:
            # 0001-01-01 at local midnight is a moment before year 1 in UTC, and 9999-12-31 has no next day:
            # both were server errors (tests/api/test_fuzz.py).
            self.errors.setdefault(name, []).append(
                _("日期须在%(a)s至%(b)s之间。") % {"a": DATE_MIN.isoformat(), "b": DATE_MAX.isoformat()})
            return None
        return day

    # -- the filter ---------------------------------------------------------------------------------

    def is_valid(self) -> bool:
        self.qs  # noqa: B018 - evaluates the parameters
        return not self.errors

    @property
    def qs(self) -> QuerySet:
        if self._qs is None:
            self._qs = self._filter(self.queryset)
        return self._qs

    def _filter(self, queryset: QuerySet) -> QuerySet:  # noqa: C901 - one branch per parameter
        applied = self.applied
        if number := self._value("number"):
            queryset = queryset.filter(number=number)
            applied["number"] = number
        people = CasePetitioner.objects.all()
        person_filtered = False
        if name := self._value("name"):
            people = people.filter(petitioner__name=name)
            applied["name"] = name
            person_filtered = True
        for param, field in (("id_hash", "petitioner__id_hash"), ("phone_hash", "petitioner__phone_hash")):
            value = self._value(param).lower()
            if not value:
                continue
            if not _HASH_RE.match(value):
                self.errors.setdefault(param, []).append(_("查询参数无效。"))
                continue
            people = people.filter(**{field: value})
            applied[param] = value
            person_filtered = True
        if person_filtered:
            # A non-correlated IN: the (few) matching links are found once through the petitioner indexes.
            queryset = queryset.filter(pk__in=people.values("case_id"))
        if text := self._value("q"):
            # Chinese has no letter case: a term without cased letters matches the same cases with a plain
            # LIKE, which spares PostgreSQL an UPPER() of every title and content (half the time of the
            # search at 100,000 cases, docs/benchmarks.md).
            lookup = "icontains" if text.lower() != text.upper() else "contains"
            queryset = queryset.filter(Q(**{f"title__{lookup}": text}) | Q(**{f"content__{lookup}": text}))
            applied["q"] = text
        for param, field in (("category", "category__code"), ("street", "street__code"),
                             ("unit", "handling_unit__code"), ("channel", "channel"),
                             ("matter_type", "matter_type")):
            if value := self._value(param):
                queryset = queryset.filter(**{field: value})
                applied[param] = value
        if statuses := self._values("status"):
            queryset = queryset.filter(status__in=statuses)
            applied["status"] = statuses
        if self._value("overdue") in _TRUE:
            queryset = queryset.filter(overdue_q())
            applied["overdue"] = True
        # The analytics drill-downs (xinfang/analytics, docs/analytics.md).
        if unit_tree := self._value("unit_tree"):
            path = Unit.objects.filter(code=unit_tree).values_list("path", flat=True).first()
            queryset = queryset.filter(handling_unit__path__startswith=path) if path else queryset.none()
            applied["unit_tree"] = unit_tree
        if self._value("group") in _TRUE:
            queryset = queryset.filter(channel=Case.Channel.VISIT, group_size__gte=GROUP_MIN_PEOPLE)
            applied["group"] = True
        if self._value("repeat") in _TRUE:
            queryset = queryset.filter(repeat_of__isnull=False)
            applied["repeat"] = True
        if rating := self._value("rating"):
            queryset = queryset.filter(pk__in=CaseRating.objects.filter(rating=rating).values("case_id"))
            applied["rating"] = rating
        start, end = self._date("received_from"), self._date("received_to")
        if start and end and start > end:
            self.errors.setdefault("received_to", []).append(_("结束日期不能早于开始日期。"))
        else:
            if start:
                queryset = queryset.filter(received_at__gte=day_start(start))
                applied["received_from"] = start.isoformat()
            if end:
                queryset = queryset.filter(received_at__lt=day_start(end + timedelta(days=1)))
                applied["received_to"] = end.isoformat()
        return queryset
