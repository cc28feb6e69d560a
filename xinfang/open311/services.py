"""POST requests: an Open311 service request registered as a petition (信访工作条例 Art. 17, 21, 22).

The mapping (docs/open311.md):

- channel: the API client's own (``hotline`` for the 12345 centre — 12345热线转办; ``online`` for an app or
  website submitting for residents — 网上信访), fixed when its key is created;
- matter type: ``attribute[matter_type]`` (suggestion, claim, information, accusation), default ``claim``
  (申诉求决) — staff reclassify when they route (Art. 28–31);
- the petitioner: ``last_name`` + ``first_name`` (surname first for Chinese names), ``phone``, and the ID
  number, which Open311 has no field for, as ``attribute[id_number]``; stored encrypted by
  ``case_register`` like every other; ``email``, ``device_id``, ``account_id`` are not stored (no field
  for them; data minimisation, PIPL Art. 6);
- the content: ``description``, with the place (``address_string``, ``lat``/``long``) and ``media_url``
  appended for the handler (the link is not fetched: the system stays offline); the title is the
  beginning of the description;
- the registering unit: the client's unit. The actor is the client (``ApiClientActor``), which
  ``case_register`` treats like the public: a known person's stored details are never overwritten from
  outside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.api.clients import ApiClientActor
from xinfang.api.models import ApiClient
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, RegistrationResult, case_register
from xinfang.core.audit import audit_record
from xinfang.core.errors import ValidationFailed
from xinfang.open311.selectors import service_by_code

TITLE_LENGTH = 40
# case_register's field names, as the Open311 parameter a client sent.
_FIELD_NAMES = {
    "title": "description", "content": "description", "petitioners": "last_name",
    "petitioners[0].name": "last_name", "petitioners[0].phone": "phone",
    "petitioners[0].id_number": "attribute[id_number]", "matter_type": "attribute[matter_type]",
}


@dataclass(frozen=True)
class Open311Submission:
    """The parameters of POST requests, as sent (strings; ``attributes`` from ``attribute[…]``)."""

    service_code: str = ""
    description: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    id_number: str = ""
    matter_type: str = ""


def _person_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if not first or not last:
        return first or last
    # Chinese names are written surname first and without a space; Latin ones "given family".
    if any(ord(ch) > 0x2E7F for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}"


def _coordinates(raw_lat: str, raw_long: str, errors: dict[str, list[str]]) -> tuple[float, float] | None:
    if not raw_lat.strip() and not raw_long.strip():
        return None
    try:
        lat, lng = float(raw_lat), float(raw_long)
    except ValueError:
        errors["lat"] = [_("经纬度必须同时提供，并且是数字。")]
        return None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        errors["lat"] = [_("经纬度超出范围。")]
        return None
    return lat, lng


def open311_request_submit(*, client: ApiClient, submission: Open311Submission) -> RegistrationResult:
    """Register ``submission`` for ``client`` (who must be allowed ``open311.submit``; the view checks).
    Bad input raises ``ValidationFailed`` with errors keyed by the Open311 parameter; nothing is written."""
    errors: dict[str, list[str]] = {}
    category = service_by_code(submission.service_code.strip()) if submission.service_code.strip() else None
    if not submission.service_code.strip():
        errors["service_code"] = [_("请提供 service_code。")]
    elif category is None:
        errors["service_code"] = [_("未知的服务类型：%(code)s") % {"code": submission.service_code[:32]}]
    matter_type = submission.matter_type.strip() or Case.MatterType.CLAIM
    if matter_type not in Case.MatterType.values:
        errors["attribute[matter_type]"] = [_("未知的事项类型：%(v)s") % {"v": matter_type[:32]}]
    where = _coordinates(submission.lat, submission.long, errors)
    if len(submission.address_string) > 200:
        errors["address_string"] = [_("地址不能超过200个字。")]
    media_url = submission.media_url.strip()
    if media_url and (len(media_url) > 500 or urlsplit(media_url).scheme not in ("http", "https")):
        errors["media_url"] = [_("图片链接必须是 http 或 https 网址，不超过500个字符。")]
    name = _person_name(submission.first_name, submission.last_name)
    if not name:
        errors["last_name"] = [_("请提供信访人姓名（first_name / last_name）。")]
    if errors:
        raise ValidationFailed(_("请求参数有误。"), errors=errors)

    description = submission.description.strip()
    # The case text is data in the district's language, kept as written whatever the caller's language.
    lines = [description]
    if submission.address_string.strip() or where:
        place = submission.address_string.strip()
        if where:
            place = f"{place}（纬度 {where[0]:.6f}，经度 {where[1]:.6f}）".lstrip()
        lines.append(f"【位置】{place}")
    if media_url:
        lines.append(f"【图片链接】{media_url}")
    first_line = description.splitlines()[0].strip() if description else ""
    title = first_line[:TITLE_LENGTH] + ("…" if len(first_line) > TITLE_LENGTH else "")
    actor = ApiClientActor(client)
    try:
        with transaction.atomic():
            result = case_register(
                actor=actor, channel=client.channel, received_at=timezone.now(), matter_type=matter_type,
                title=title, content="\n".join(lines) if description else "", category=category,
                petitioners=[PetitionerInput(name=name, id_number=submission.id_number, phone=submission.phone)],
                registered_unit=client.unit,
            )
            audit_record(actor=actor, action="open311.submit", obj=result.case,
                         detail={"client": client.name, "service_code": category.code if category else ""})
    except ValidationFailed as exc:
        mapped: dict[str, list[str]] = {}
        for field, messages in exc.errors.items():
            mapped.setdefault(_FIELD_NAMES.get(field, field), []).extend(str(m) for m in messages)
        raise ValidationFailed(exc.message, errors=mapped) from None
    return result
