"""What an export of a case list holds: its columns and its rows, shared by the direct download and the
background job, by .xlsx and .csv alike.

The cases come from the list's own filter (``CaseFilterSet``) over ``cases_visible_to(user)`` — the one
gateway (STYLE.md habit 2): unit scoping and the accusation rule (信访工作条例 Art. 30 ¶3) hold for every
export. The ordered ids of the result are read once (a compact array, 8 bytes a row), then the rows are
fetched ``EXPORT_CHUNK`` at a time with ``cases_for_ids`` and written out, so memory does not grow with the
rows written. Personal data is masked unless the export is ``full``; the clear numbers of a full export are
decrypted chunk by chunk and never kept.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.access import cases_visible_to
from xinfang.cases.filters import CaseFilterSet
from xinfang.cases.models import Case, Petitioner
from xinfang.cases.selectors_inbox import case_row, cases_for_ids, cases_ordered, due_soon_days
from xinfang.core.crypto import decrypt

EXPORT_CHUNK = 1000
# A filter value longer than this is no filter a person typed (the list's own fields are shorter).
PARAM_MAX_LENGTH = 200

# gettext_lazy by its own name: makemessages (xgettext) does not know an alias such as `_lazy`.
EXPORT_COLUMNS = (
    gettext_lazy("编号"), gettext_lazy("收到时间"), gettext_lazy("渠道"), gettext_lazy("事项类型"),
    gettext_lazy("标题"), gettext_lazy("分类"), gettext_lazy("所属街道"), gettext_lazy("承办单位"),
    gettext_lazy("状态"), gettext_lazy("下一期限"), gettext_lazy("期限暂定"), gettext_lazy("已逾期"),
    gettext_lazy("信访人"),
)
MASKED_COLUMNS = (gettext_lazy("身份证号（脱敏）"), gettext_lazy("电话（脱敏）"))
FULL_COLUMNS = (gettext_lazy("身份证号"), gettext_lazy("电话"))


def export_header(*, full: bool) -> list[str]:
    return [str(c) for c in (*EXPORT_COLUMNS, *(FULL_COLUMNS if full else MASKED_COLUMNS))]


def export_params(data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The list's filter parameters in ``data`` (a ``QueryDict`` or a plain mapping) as plain strings, and
    the errors of those that cannot be stored. Repeated statuses are joined with commas, as
    ``CaseFilterSet`` also reads them; other keys (the page, the format …) are left out."""
    params: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    getlist = getattr(data, "getlist", None)
    for name in CaseFilterSet.PARAMS:
        if name == "status" and getlist is not None:
            values = [v for v in getlist(name) if isinstance(v, str)]
        else:
            value = data.get(name)
            values = [value] if isinstance(value, str) else []
        text = ",".join(v.strip() for v in values if v.strip())
        if not text:
            continue
        if len(text) > PARAM_MAX_LENGTH or "\x00" in text:
            errors[name] = [_("查询参数无效。")]
            continue
        params[name] = text
    return params, errors


@dataclass(frozen=True)
class ExportSpec:
    """One export as asked for: whose list, which filter and order, which format, masked or full."""

    user: Any
    params: dict[str, str]
    sort: str
    file_format: str
    full: bool
    reason: str = ""

    def filterset(self) -> CaseFilterSet:
        return CaseFilterSet(self.params, queryset=cases_visible_to(self.user))


class TooManyRows(Exception):
    """The result has more rows than an export may hold."""


class ExportRows:
    """The rows of ``queryset`` (already filtered and scoped) in the order ``sort``: ``total`` and, chunk by
    chunk, the cell values. At most ``limit`` rows (``TooManyRows`` otherwise)."""

    def __init__(self, *, queryset: Any, sort: str, full: bool, limit: int, chunk: int | None = None):
        self.queryset = queryset
        self.full = full
        self.chunk = chunk or EXPORT_CHUNK
        ids = cases_ordered(queryset, sort=sort).values_list("pk", flat=True)[:limit + 1]
        self.ids = array("q", ids.iterator(chunk_size=5000))
        if len(self.ids) > limit:
            raise TooManyRows
        self.header = export_header(full=full)

    @property
    def total(self) -> int:
        return len(self.ids)

    def chunks(self) -> Iterator[list[list[str]]]:
        today = timezone.localdate()
        soon = due_soon_days()
        local = timezone.get_current_timezone()
        for start in range(0, len(self.ids), self.chunk):
            cases = cases_for_ids(self.queryset, self.ids[start:start + self.chunk])
            clear = _clear_numbers(cases) if self.full else {}
            yield [_values(case, today=today, soon=soon, local=local, clear=clear) for case in cases]


def _clear_numbers(cases: list[Case]) -> dict[int, tuple[str, str]]:
    """The clear ID and phone numbers of the petitioners of ``cases`` (one query for the chunk). Only for a
    full export, which ``export_request`` has checked (permission and reason) and audited."""
    ids = {link.petitioner_id for case in cases for link in case.case_petitioners.all()}
    clear = {}
    for pk, id_encrypted, phone_encrypted in (Petitioner.objects.filter(pk__in=ids)
                                              .values_list("pk", "id_number_encrypted", "phone_encrypted")):
        clear[pk] = (decrypt(id_encrypted, context="petitioner.id_number") if id_encrypted else "",
                     decrypt(phone_encrypted, context="petitioner.phone") if phone_encrypted else "")
    return clear


def _values(case: Case, *, today: Any, soon: int, local: Any, clear: dict[int, tuple[str, str]]) -> list[str]:
    row = case_row(case, today=today, soon_days=soon)
    people = row.petitioners
    if clear:
        id_numbers = [clear.get(p.pk, ("", ""))[0] for p in people]
        phones = [clear.get(p.pk, ("", ""))[1] for p in people]
    else:
        # Masked forms only: the clear numbers are not even loaded (SECURITY.md 6–7).
        id_numbers = [p.id_masked for p in people]
        phones = [p.phone_masked for p in people]
    return [
        case.number, case.received_at.astimezone(local).strftime("%Y-%m-%d %H:%M"),
        case.get_channel_display(), case.get_matter_type_display(), case.title,
        case.category.name if case.category else "", case.street.name if case.street else "",
        case.handling_unit.name if case.handling_unit else "", case.get_status_display(),
        row.next_due.isoformat() if row.next_due else "", _("是") if row.next_due and row.provisional else "",
        _("是") if row.tone == "late" else "",
        "、".join(p.name for p in people),
        "、".join(n for n in id_numbers if n),
        "、".join(n for n in phones if n),
    ]


def export_file_name(*, file_format: str, full: bool, at: datetime) -> str:
    """The name a download is saved under: ``信访事项-20261012-1000.xlsx``; a full export says in its name
    that it holds personal data."""
    parts = [_("信访事项"), timezone.localtime(at).strftime("%Y%m%d-%H%M")]
    if full:
        parts.append(_("含个人信息"))
    return "-".join(parts) + "." + file_format


def export_notice(*, spec: ExportSpec, at: datetime) -> str:
    """The first line of a full export's file: it holds personal data, who exported it, when and why."""
    if not spec.full:
        return ""
    return _("本文件含完整身份证号和电话号码，属于个人信息，请妥善保管、用后删除，不得外传。"
             "导出人：%(user)s；时间：%(at)s；理由：%(reason)s") % {
        "user": spec.user.get_username(), "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
        "reason": spec.reason}
