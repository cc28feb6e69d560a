"""Registering petitions (登记) and the petitioners named on them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xinfang.accounts.models import Unit
from xinfang.alerts.hooks import group_case_registered
from xinfang.cases.models import (
    GROUP_MIN_PEOPLE,
    Case,
    CaseAccused,
    CaseNumberSequence,
    CasePetitioner,
    Category,
    Petitioner,
)
from xinfang.cases.selectors import petitioner_open_matter_similar
from xinfang.cases.services.events import case_event_append
from xinfang.core.audit import audit_record
from xinfang.core.crypto import decrypt, encrypt, lookup_hash, token_hash
from xinfang.core.db import insert_row
from xinfang.core.errors import Forbidden, ValidationFailed
from xinfang.core.idnumber import (
    InvalidIdNumber,
    id_number_mask,
    id_number_validate,
    phone_mask,
    phone_normalize,
)
from xinfang.deadlines.rules import MAX_REPRESENTATIVES
from xinfang.deadlines.services import deadline_open
from xinfang.repeats.services import repeats_mark_pending

# Crockford's base32 without I, L, O, U: nothing to misread on the phone. 16 characters = 80 bits.
QUERY_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
QUERY_CODE_LENGTH = 16
CLOCK_SKEW = timedelta(minutes=5)
# The choices as sets: ``TextChoices.values`` builds a new list on every access (a batch checks thousands).
CHANNELS = frozenset(Case.Channel.values)
MATTER_TYPES = frozenset(Case.MatterType.values)
# gettext_noop: marked for makemessages here, translated where used (`_(ID_REASONS[reason])`).
ID_REASONS = {
    "format": gettext_noop("身份证号码应为18位，最后一位可以是X。"),
    "region": gettext_noop("身份证号码的地区码不正确。"),
    "birth_date": gettext_noop("身份证号码中的出生日期不正确。"),
    "check_digit": gettext_noop("身份证号码校验位不正确（GB 11643）。"),
}


@dataclass(frozen=True)
class PetitionerInput:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class RegistrationResult:
    case: Case
    query_code: str
    # Art. 19 ¶3: the open case this petition was joined to instead of opening a parallel one.
    linked_to: Case | None = None
    warnings: list[str] = field(default_factory=list)


def query_code_new() -> str:
    """16 characters of the 32-letter alphabet: 80 random bits from the operating system's CSPRNG, cut
    into 5-bit letters (one draw instead of 16 ``secrets.choice`` calls)."""
    value = int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(QUERY_CODE_ALPHABET[(value >> (5 * k)) & 31] for k in range(QUERY_CODE_LENGTH))


def query_code_normalize(raw: str) -> str:
    text = raw.strip().upper().replace("-", "").replace(" ", "")
    return text.translate(str.maketrans("OIL", "011"))


def query_code_format(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def case_number_next(*, year: int) -> str:
    """The next number of ``year`` (``XF-2026-000123``); the sequence row stays locked until commit.

    ``UPDATE … RETURNING`` (SQLite ≥ 3.35, PostgreSQL) takes the number in one statement."""
    for _attempt in range(3):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_casenumbersequence SET last = last + 1 WHERE year = %s RETURNING last",
                           [year])
            row = cursor.fetchone()
        if row:
            return f"XF-{year}-{row[0]:06d}"
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(year=year, last=1)
            return f"XF-{year}-{1:06d}"
        except IntegrityError:
            continue  # another writer created the row first: take the update path again
    raise RuntimeError("could not allocate a case number")


def _validate_person(person: PetitionerInput, prefix: str, errors: dict[str, list[str]]) -> tuple[str, str]:
    name = (person.name or "").strip()
    if not name:
        errors.setdefault(f"{prefix}.name", []).append(_("请填写姓名。"))
    elif len(name) > 50:
        errors.setdefault(f"{prefix}.name", []).append(_("姓名不能超过50个字。"))
    id_number = ""
    if person.id_number and person.id_number.strip():
        try:
            id_number = id_number_validate(person.id_number)
        except InvalidIdNumber as exc:
            errors.setdefault(f"{prefix}.id_number", []).append(_(ID_REASONS[exc.reason]))
    phone = ""
    if person.phone and person.phone.strip():
        try:
            phone = phone_normalize(person.phone)
        except ValueError:
            errors.setdefault(f"{prefix}.phone", []).append(_("电话号码格式不正确。"))
    if len(person.address or "") > 200:
        errors.setdefault(f"{prefix}.address", []).append(_("住址不能超过200个字。"))
    return id_number, phone


@dataclass(frozen=True)
class PreparedPerson:
    """A person named on a petition, ready to be written: the stored forms of the ID and phone numbers
    (ciphertext, keyed hash, masked form) computed ahead, outside the write transaction."""

    name: str
    address: str
    id_hash: str = ""
    id_number_encrypted: str = ""
    id_masked: str = ""
    phone_hash: str = ""
    phone_encrypted: str = ""
    phone_masked: str = ""


def person_prepare(person: PetitionerInput, *, id_number: str, phone: str,
                   id_context: str = "petitioner.id_number", phone_context: str = "petitioner.phone") -> PreparedPerson:
    """The stored forms of a validated person (``id_number`` and ``phone`` already normalized). The
    encryption contexts name the column the ciphertext belongs to (a grassroots party's differ from a
    petitioner's); the keyed hashes share one context per kind, so a party is found by the same number."""
    return PreparedPerson(
        name=person.name.strip(), address=(person.address or "").strip(),
        id_hash=lookup_hash(id_number, context="id") if id_number else "",
        id_number_encrypted=encrypt(id_number, context=id_context) if id_number else "",
        id_masked=id_number_mask(id_number) if id_number else "",
        phone_hash=lookup_hash(phone, context="phone") if phone else "",
        phone_encrypted=encrypt(phone, context=phone_context) if phone else "",
        phone_masked=phone_mask(phone) if phone else "",
    )


def petitioner_upsert(*, person: PetitionerInput, id_number: str, phone: str,
                      known: dict[str, Petitioner] | None = None, trusted: bool = True) -> Petitioner:
    """The petitioner with this ID number (by keyed hash), with contact details brought up to date; or a
    new one. Without an ID number every petition names a new person record. ``known`` maps ID hashes to
    petitioners the caller has already looked up.

    ``trusted`` is False for anonymous submissions (the public portal): anyone who knows a person's ID
    number could otherwise overwrite that person's name, phone and address. The petition is still linked
    to the existing person; staff bring the details up to date."""
    return petitioner_save(person_prepare(person, id_number=id_number, phone=phone), known=known, trusted=trusted)


def petitioner_save(prepared: PreparedPerson, *, known: dict[str, Petitioner] | None = None,
                    trusted: bool = True) -> Petitioner:
    """``petitioner_upsert`` for a person prepared ahead (``person_prepare``)."""
    id_hash = prepared.id_hash
    if known is not None:
        existing = known.get(id_hash) if id_hash else None
    else:
        existing = Petitioner.objects.filter(id_hash=id_hash).first() if id_hash else None
    updates: dict[str, Any] = {"name": prepared.name}
    if prepared.address:
        updates["address"] = prepared.address
    if prepared.phone_hash and (existing is None or existing.phone_hash != prepared.phone_hash):
        # Compared by hash: a fresh nonce makes every ciphertext differ.
        updates.update(phone_encrypted=prepared.phone_encrypted, phone_hash=prepared.phone_hash,
                       phone_masked=prepared.phone_masked)
    if existing is not None and not trusted:
        return existing
    if existing is None:
        if id_hash:
            updates.update(id_number_encrypted=prepared.id_number_encrypted, id_hash=id_hash,
                           id_masked=prepared.id_masked)
        return insert_row(Petitioner, **updates)
    changed = [name for name, value in updates.items() if getattr(existing, name) != value]
    for name in changed:
        setattr(existing, name, updates[name])
    if changed:
        existing.save(update_fields=[*changed, "updated_at"])
    return existing


def petitioners_by_id_hash(id_hashes: Sequence[str]) -> dict[str, Petitioner]:
    """Known petitioners by keyed ID hash. Most petitions come from people never seen before, so a cheap
    existence probe comes first and the rows are loaded only when there is a match."""
    if not id_hashes:
        return {}
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(id_hashes))
        cursor.execute(f"SELECT id FROM cases_petitioner WHERE id_hash IN ({placeholders})",  # noqa: S608
                       list(id_hashes))
        ids = [row[0] for row in cursor.fetchall()]
    return {p.id_hash: p for p in Petitioner.objects.filter(id__in=ids)} if ids else {}


def registration_errors(*, channel: str, received_at: datetime | None, matter_type: str, title: str, content: str,
                        petitioners: Sequence[PetitionerInput], group_size: int = 1,
                        representatives: Sequence[PetitionerInput] = (), street: Unit | None = None,
                        accused_units: Sequence[Unit] = (), accused_persons: Sequence[dict[str, Any]] = (),
                        ) -> tuple[dict[str, list[str]], list[tuple[PetitionerInput, str, str]]]:
    """The registration rules (no database): the field errors of a petition, and each person named on it
    with the normalized ID and phone numbers. ``title`` and ``content`` are given stripped. Shared by
    ``case_register`` and ``cases_register_batch`` (imports) so both refuse exactly the same input."""
    errors: dict[str, list[str]] = {}
    if channel not in CHANNELS:
        errors["channel"] = [_("未知的信访渠道：%(v)s") % {"v": channel}]
    if matter_type not in MATTER_TYPES:
        errors["matter_type"] = [_("未知的事项类型：%(v)s") % {"v": matter_type}]
    if not title:
        errors["title"] = [_("请填写标题。")]
    elif len(title) > 200:
        errors["title"] = [_("标题不能超过200个字。")]
    if not content:
        errors["content"] = [_("请填写信访内容。")]
    elif len(content) > 20000:
        errors["content"] = [_("信访内容不能超过20000个字。")]
    if received_at is None or timezone.is_naive(received_at):
        errors["received_at"] = [_("收到时间必须带时区。")]
    elif received_at > timezone.now() + CLOCK_SKEW:
        errors["received_at"] = [_("收到时间不能晚于现在。")]
    elif received_at.year < 2000:
        errors["received_at"] = [_("收到时间不正确。")]
    if not petitioners:
        errors["petitioners"] = [_("至少登记一名信访人。")]
    if not isinstance(group_size, int) or group_size < 1 or group_size > 100000:
        errors["group_size"] = [_("人数必须是1到100000之间的整数。")]
    elif group_size < len(petitioners):
        errors["group_size"] = [_("人数不能少于登记的信访人数。")]
    if len(representatives) > MAX_REPRESENTATIVES:
        # 信访工作条例 Art. 20 ¶3: a group visit elects at most 5 representatives.
        errors["representatives"] = [_("多人走访推选的代表不能超过5人（《信访工作条例》第二十条）。")]
    elif channel == Case.Channel.VISIT and isinstance(group_size, int) and group_size > MAX_REPRESENTATIVES \
            and not representatives:
        errors["representatives"] = [_("多人走访应当推选代表（不超过5人，《信访工作条例》第二十条）。")]
    if street is not None and street.kind != Unit.Kind.STREET:
        errors["street"] = [_("所属街道必须是街道（镇）。")]
    if accused_units and matter_type not in (Case.MatterType.ACCUSATION, Case.MatterType.CLAIM):
        errors["accused_units"] = [_("只有检举控告或申诉求决事项可以填写被反映单位。")]
    people = [(p, f"petitioners[{i}]") for i, p in enumerate(petitioners)]
    people += [(p, f"representatives[{i}]") for i, p in enumerate(representatives)]
    checked = [(p, *_validate_person(p, prefix, errors)) for p, prefix in people]
    for index, named in enumerate(accused_persons):
        if not str(named.get("name", "")).strip():
            errors.setdefault(f"accused_persons[{index}].name", []).append(_("请填写被反映人姓名。"))
    return errors, checked


def _final_after_re_review(case: Case) -> bool:
    return case.status == Case.Status.CLOSED and case.closed_reason == "re_reviewed"


def case_register(*, actor: Any, channel: str, received_at: datetime, matter_type: str, title: str, content: str,
                  petitioners: Sequence[PetitionerInput], group_size: int = 1,
                  representatives: Sequence[PetitionerInput] = (), category: Category | None = None,
                  street: Unit | None = None, accused_units: Sequence[Unit] = (),
                  accused_persons: Sequence[dict[str, Any]] = (), repeat_of: Case | None = None,
                  registered_unit: Unit | None = None, force_new: bool = False) -> RegistrationResult:
    """Register a petition received by any channel (信访工作条例 Art. 17, 21, 22).

    - A petition on a matter that is still open (``repeat_of`` an open case) is joined to that case, not
      opened again (Art. 19 ¶3): it is recorded as ``linked`` and the open case's log notes the repeat.
    - A petition on a matter closed by re-review is recorded and not accepted again (Art. 36 ¶3).
    - Without ``repeat_of``, an open case of the same petitioner (same ID number) with the same category
      and a similar text is taken as ``repeat_of``; ``force_new`` (the registrar judged it a different
      matter) skips that check and is audited.
    - Otherwise the case opens with the 15-day routing deadline (Art. 22).
    """
    if actor is not None and getattr(actor, "is_authenticated", False) and not actor.has_perm("cases.register_case"):
        raise Forbidden(_("您没有登记信访事项的权限。"))
    title = (title or "").strip()
    content = (content or "").strip()
    errors, checked = registration_errors(
        channel=channel, received_at=received_at, matter_type=matter_type, title=title, content=content,
        petitioners=petitioners, group_size=group_size, representatives=representatives, street=street,
        accused_units=accused_units, accused_persons=accused_persons)
    if errors:
        raise ValidationFailed(_("登记信息有误，请检查后重新提交。"), errors=errors)

    # Everything that needs no database (the stored forms of the numbers, the query code) is done before
    # the write transaction: on SQLite it holds the database's single write lock (BEGIN IMMEDIATE), so
    # the shorter it is, the more registrations several workers complete together (docs/benchmarks.md).
    prepared = [person_prepare(person, id_number=id_number, phone=phone) for person, id_number, phone in checked]
    query_code = query_code_new()
    code_hash = token_hash(query_code)
    with transaction.atomic():
        return _case_register_write(
            actor=actor, channel=channel, received_at=received_at, matter_type=matter_type, title=title,
            content=content, prepared=prepared, n_petitioners=len(petitioners), group_size=group_size,
            category=category, street=street, accused_units=accused_units, accused_persons=accused_persons,
            repeat_of=repeat_of, registered_unit=registered_unit, force_new=force_new, query_code=query_code,
            code_hash=code_hash)


def _case_register_write(*, actor: Any, channel: str, received_at: datetime, matter_type: str, title: str,
                         content: str, prepared: list[PreparedPerson], n_petitioners: int, group_size: int,
                         category: Category | None, street: Unit | None, accused_units: Sequence[Unit],
                         accused_persons: Sequence[dict[str, Any]], repeat_of: Case | None,
                         registered_unit: Unit | None, force_new: bool, query_code: str,
                         code_hash: str) -> RegistrationResult:
    """The database part of ``case_register``, in its transaction."""
    known = petitioners_by_id_hash([p.id_hash for p in prepared if p.id_hash])
    if repeat_of is None and not force_new and known:
        repeat_of = petitioner_open_matter_similar(petitioner_ids=[p.pk for p in known.values()],
                                                   category=category, title=title, content=content)
    # A petition joined to another (linked) is not the matter itself: a repeat of it is a repeat of the case
    # it was joined to, or a parallel case would open on a matter still being handled (Art. 19 ¶3).
    while repeat_of is not None and repeat_of.status == Case.Status.LINKED and repeat_of.repeat_of_id:
        repeat_of = repeat_of.repeat_of
    now = timezone.now()
    warnings: list[str] = []
    status = Case.Status.REGISTERED
    closed_reason = ""
    linked_to: Case | None = None
    if repeat_of is not None:
        if repeat_of.is_open:
            status, linked_to = Case.Status.LINKED, repeat_of
        elif _final_after_re_review(repeat_of):
            status, closed_reason = Case.Status.CLOSED, "final_after_re_review"
            warnings.append(_("该事项已经复核，同一事实和理由不再受理（《信访工作条例》第三十六条第三款）。"))

    case = insert_row(
        Case,
        number=case_number_next(year=timezone.localdate(now).year), query_code_hash=code_hash,
        channel=channel, received_at=received_at, matter_type=matter_type, title=title, content=content,
        category=category, street=street, group_size=group_size, status=status,
        registered_unit=registered_unit or getattr(actor, "unit", None), registered_by=actor
        if getattr(actor, "is_authenticated", False) else None, repeat_of=repeat_of,
        closed_at=now if status == Case.Status.CLOSED else None, closed_reason=closed_reason,
    )
    seen: set[int] = set()
    trusted = bool(getattr(actor, "is_authenticated", False))
    for position, person in enumerate(prepared):
        petitioner = petitioner_save(person, known=known, trusted=trusted)
        if petitioner.id_hash:
            known[petitioner.id_hash] = petitioner
        if petitioner.pk in seen:
            continue
        seen.add(petitioner.pk)
        is_rep = position >= n_petitioners
        insert_row(CasePetitioner, case_id=case.pk, petitioner_id=petitioner.pk, is_representative=is_rep,
                   position=position)
    accused = [CaseAccused(case=case, unit=u) for u in accused_units]
    accused += [CaseAccused(case=case, name=str(p.get("name", "")).strip()[:50],
                            position=str(p.get("position", "")).strip()[:100], unit=p.get("unit"),
                            user=p.get("user")) for p in accused_persons]
    CaseAccused.objects.bulk_create(accused)

    case_event_append(case=case, actor=actor, action="registered", to_status=status, at=now,
                      data={"channel": channel, "matter_type": matter_type})
    if linked_to is not None:
        case_event_append(case=case, actor=actor, action="linked", to_status=status, at=now,
                          note=_("同一信访事项正在办理，并入 %(n)s（《信访工作条例》第十九条第三款）。") % {"n": linked_to.number},
                          data={"case": linked_to.pk})
        case_event_append(case=linked_to, actor=actor, action="repeat_received", at=now,
                          note=_("信访人再次反映本事项：%(n)s") % {"n": case.number}, data={"case": case.pk})
    elif status == Case.Status.CLOSED and repeat_of is not None:
        case_event_append(case=case, actor=actor, action="not_accepted_again", from_status=status,
                          to_status=status, at=now, note=warnings[0], data={"case": repeat_of.pk})
    else:
        # 信访工作条例 Art. 22: route within 15 days of receipt.
        deadline_open(case=case, kind="route_by", start=timezone.localdate(received_at), fresh=True)
        if repeat_of is not None:
            case_event_append(case=case, actor=actor, action="repeat_of", at=now,
                              note=_("重复信访，原事项 %(n)s") % {"n": repeat_of.number}, data={"case": repeat_of.pk})
    audit_record(actor=actor, action="case.create", obj=case, detail={"status": status, "force_new": force_new})
    # The repeat index learns of the case in this transaction (one tiny row; indexed at the next look-up).
    repeats_mark_pending(case_ids=[case.pk])
    if group_size >= GROUP_MIN_PEOPLE:
        # Early warning (xinfang.alerts): a group matter alerts at once during a sensitive period.
        group_case_registered(case_id=case.pk)
    return RegistrationResult(case=case, query_code=query_code, linked_to=linked_to, warnings=warnings)


def petitioner_reveal(*, actor: Any, petitioner: Petitioner, reason: str, case: Case | None = None) -> dict[str, str]:
    """The full ID and phone numbers, for a user with the permission and a stated reason; audited."""
    if not actor.has_perm("cases.reveal_personal_data"):
        audit_record(actor=actor, action="petitioner.reveal", obj=petitioner, result="denied",
                     detail={"case": case.pk if case else None})
        raise Forbidden(_("您没有查看完整个人信息的权限。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("请说明查看完整个人信息的理由。"), errors={"reason": [_("理由至少4个字。")]})
    audit_record(actor=actor, action="petitioner.reveal", obj=petitioner,
                 detail={"case": case.pk if case else None, "reason": reason[:200]})
    return {
        "id_number": decrypt(petitioner.id_number_encrypted, context="petitioner.id_number")
        if petitioner.id_number_encrypted else "",
        "phone": decrypt(petitioner.phone_encrypted, context="petitioner.phone") if petitioner.phone_encrypted else "",
    }
