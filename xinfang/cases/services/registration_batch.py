"""Registering many petitions at once (bulk import of 12345 exports and legacy ledgers, issue 4).

``cases_register_batch`` applies the rules of ``case_register`` to a list of petitions and writes them with
a handful of statements per batch instead of a dozen per case: the same validation
(``registration_errors``), the same repeat linking (信访工作条例 Art. 19 ¶3, Art. 36 ¶3), the same case
number sequence, query code hash, encrypted personal data with keyed hashes, ``route_by`` deadline from the
holiday calendar (Art. 22), ``registered`` event and one hash-chained ``case.create`` audit row per case.
``tests/imports/test_batch.py`` compares a batch-registered case with one registered by ``case_register``.

What it does not take (an import has no such columns): representatives beyond the named ones' list,
accused persons or units, an explicit ``repeat_of`` or ``force_new``. Those petitions go through the
intake page one by one.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CasePetitioner, Category, Petitioner
from xinfang.cases.selectors import SIMILAR_TEXT_THRESHOLD, petitioner_open_matter_similar, text_similarity
from xinfang.cases.services.events import actor_display
from xinfang.cases.services.registration import (
    QUERY_CODE_ALPHABET,
    QUERY_CODE_LENGTH,
    PetitionerInput,
    _final_after_re_review,
    petitioner_upsert,
    petitioners_by_id_hash,
    registration_errors,
)
from xinfang.core.audit import audit_record_many
from xinfang.core.crypto import encrypt, lookup_hash, token_hash
from xinfang.core.db import insert_many, insert_many_returning, instance_new
from xinfang.core.errors import Forbidden, ValidationFailed
from xinfang.core.idnumber import id_number_mask, phone_mask
from xinfang.core.workdays import due_date
from xinfang.deadlines.rules import RULES
from xinfang.deadlines.selectors import work_calendar
from xinfang.repeats.services import repeats_mark_pending

# Rows per multi-row INSERT: Case has ~30 columns, SQLite allows 32,766 bound parameters per statement.
CHUNK = 500


@dataclass(frozen=True)
class BatchPetition:
    """One petition of a batch: the arguments of ``case_register`` an import can fill."""

    channel: str
    received_at: datetime
    matter_type: str
    title: str
    content: str
    petitioners: Sequence[PetitionerInput]
    group_size: int = 1
    representatives: Sequence[PetitionerInput] = ()
    category: Category | None = None
    street: Unit | None = None
    # What ``registration_errors`` answered for exactly these arguments when the caller checked them
    # already and they passed (the import checks every row in its first pass): the people named, with
    # normalized ID and phone numbers. None: the batch checks the petition itself.
    checked: tuple[tuple[PetitionerInput, str, str], ...] | None = None


@dataclass
class BatchRegistered:
    """What became of one petition: the case, its query code (shown once, never stored) and the open case
    it was joined to (Art. 19 ¶3)."""

    case: Case
    query_code: str
    linked_to: Case | None = None
    warnings: list[str] = field(default_factory=list)


def query_codes_new(count: int) -> list[str]:
    """``count`` query codes like ``query_code_new``'s (16 characters of its 32-letter alphabet, 80 random
    bits each), cut from one draw of random bytes: 16 ``secrets.choice`` calls a case cost more than the
    rest of its registration."""
    raw = secrets.token_bytes(10 * count)
    codes = []
    for i in range(count):
        value = int.from_bytes(raw[10 * i:10 * i + 10], "big")
        codes.append("".join(QUERY_CODE_ALPHABET[(value >> (5 * k)) & 31] for k in range(QUERY_CODE_LENGTH)))
    return codes


def case_numbers_take(*, year: int, count: int) -> list[str]:
    """``count`` consecutive numbers of ``year`` in one statement (the sequence row stays locked until
    commit, like ``case_number_next``)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_casenumbersequence SET last = last + %s WHERE year = %s RETURNING last",
                       [count, year])
        row = cursor.fetchone()
        if row is None:
            cursor.execute("INSERT INTO cases_casenumbersequence (year, last) VALUES (%s, %s)", [year, count])
            last = count
        else:
            last = row[0]
    return [f"XF-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def cases_register_batch_errors(petitions: Sequence[BatchPetition]) -> dict[int, dict[str, list[str]]]:
    """The field errors of each petition (by index) under ``case_register``'s rules; empty when all pass."""
    found: dict[int, dict[str, list[str]]] = {}
    for index, item in enumerate(petitions):
        errors, _checked = registration_errors(
            channel=item.channel, received_at=item.received_at, matter_type=item.matter_type,
            title=(item.title or "").strip(), content=(item.content or "").strip(), petitioners=item.petitioners,
            group_size=item.group_size, representatives=item.representatives, street=item.street)
        if errors:
            found[index] = errors
    return found


def _values(instance: Any) -> dict[str, Any]:
    """A new instance's column values by attribute name, for ``insert_many_returning``."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}


def _new_petitioner(person: PetitionerInput, id_number: str, id_hash: str, phone: str) -> Petitioner:
    """As ``petitioner_upsert`` makes a new person: encrypted numbers, keyed hashes, masked forms."""
    values: dict[str, Any] = {"name": person.name.strip(), "address": (person.address or "").strip()}
    if phone:
        values.update(phone_encrypted=encrypt(phone, context="petitioner.phone"),
                      phone_hash=lookup_hash(phone, context="phone"), phone_masked=phone_mask(phone))
    if id_number:
        values.update(id_number_encrypted=encrypt(id_number, context="petitioner.id_number"), id_hash=id_hash,
                      id_masked=id_number_mask(id_number))
    return instance_new(Petitioner, values)


def _update_pending(pending: Petitioner, person: PetitionerInput, phone: str) -> None:
    """A person named again later in the same batch, before their row is written: the later details win,
    as they would with one ``petitioner_upsert`` after the other."""
    pending.name = person.name.strip()
    if (person.address or "").strip():
        pending.address = person.address.strip()
    if phone:
        phone_hash = lookup_hash(phone, context="phone")
        if pending.phone_hash != phone_hash:
            pending.phone_encrypted = encrypt(phone, context="petitioner.phone")
            pending.phone_hash = phone_hash
            pending.phone_masked = phone_mask(phone)


@transaction.atomic
def cases_register_batch(*, actor: Any, petitions: Sequence[BatchPetition], registered_unit: Unit | None = None,
                         audit_detail: dict[str, Any] | None = None) -> list[BatchRegistered]:
    """Register ``petitions`` in order, each exactly as ``case_register`` would one after the other, in one
    transaction: all or none (SECURITY.md 10, 13). Any petition breaking a rule refuses the whole batch
    with ``ValidationFailed`` whose errors are keyed ``"<index>.<field>"``.

    Repeats (Art. 19 ¶3) are found against open cases in the database and against the earlier petitions of
    the batch itself; the statements do not grow with the batch except for petitioners seen before.
    ``audit_detail`` is added to every ``case.create`` audit row (e.g. the import's source and file hash).
    """
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("cases.register_case"):
        raise Forbidden(_("您没有登记信访事项的权限。"))
    if not petitions:
        return []
    checked_all: list[list[tuple[PetitionerInput, str, str]]] = []
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(petitions):
        if item.checked is not None:
            checked_all.append(list(item.checked))
            continue
        item_errors, checked = registration_errors(
            channel=item.channel, received_at=item.received_at, matter_type=item.matter_type,
            title=(item.title or "").strip(), content=(item.content or "").strip(), petitioners=item.petitioners,
            group_size=item.group_size, representatives=item.representatives, street=item.street)
        for key, messages in item_errors.items():
            errors[f"{index}.{key}"] = messages
        checked_all.append(checked)
    if errors:
        raise ValidationFailed(_("登记信息有误，请检查后重新提交。"), errors=errors)

    now = timezone.now()
    registered_unit = registered_unit or getattr(actor, "unit", None)
    calendar = work_calendar()
    route_rule = RULES["route_by"]
    roll = settings.XINFANG["ROLL_TO_WORKDAY"]
    results: list[BatchRegistered] = []
    for start in range(0, len(petitions), CHUNK):
        results += _register_chunk(actor=actor, petitions=petitions[start:start + CHUNK],
                                   checked_all=checked_all[start:start + CHUNK], now=now,
                                   registered_unit=registered_unit, calendar=calendar, route_rule=route_rule,
                                   roll=roll, audit_detail=audit_detail or {})
    return results


def _register_chunk(*, actor: Any, petitions: Sequence[BatchPetition],
                    checked_all: list[list[tuple[PetitionerInput, str, str]]], now: datetime,
                    registered_unit: Unit | None, calendar: Any, route_rule: Any, roll: bool,
                    audit_detail: dict[str, Any]) -> list[BatchRegistered]:
    # Keyed hashes of every ID number; one probe for the people already in the database (earlier chunks of
    # this batch included: they are written already, in this transaction).
    hashed = [[(person, id_number, lookup_hash(id_number, context="id") if id_number else "", phone)
               for person, id_number, phone in checked] for checked in checked_all]
    all_hashes = sorted({h for people in hashed for _p, _i, h, _ph in people if h})
    known: dict[str, Petitioner] = petitioners_by_id_hash(all_hashes)
    # Cases of this chunk still open, by ID hash of their petitioners: the in-batch half of repeat linking.
    chunk_open: dict[str, list[Case]] = {}

    numbers = case_numbers_take(year=timezone.localdate(now).year, count=len(petitions))
    codes = iter(query_codes_new(len(petitions)))
    cases: list[Case] = []
    outcomes: list[BatchRegistered] = []
    repeats: list[Case | None] = []
    for item, people, number in zip(petitions, hashed, numbers, strict=True):
        title, content = item.title.strip(), item.content.strip()
        hashes = [h for _p, _i, h, _ph in people if h]
        repeat_of = _repeat_find(hashes=hashes, known=known, chunk_open=chunk_open, item=item, title=title,
                                 content=content)
        status, closed_reason, linked_to, warnings = Case.Status.REGISTERED, "", None, []
        if repeat_of is not None:
            if repeat_of.is_open:
                status, linked_to = Case.Status.LINKED, repeat_of
            elif _final_after_re_review(repeat_of):
                status, closed_reason = Case.Status.CLOSED, "final_after_re_review"
                warnings.append(_("该事项已经复核，同一事实和理由不再受理（《信访工作条例》第三十六条第三款）。"))
        query_code = next(codes)
        case = instance_new(Case, {
            "number": number, "query_code_hash": token_hash(query_code), "channel": item.channel,
            "received_at": item.received_at, "matter_type": item.matter_type, "title": title, "content": content,
            "category_id": item.category.pk if item.category else None,
            "street_id": item.street.pk if item.street else None, "group_size": item.group_size,
            "status": status, "registered_unit_id": registered_unit.pk if registered_unit else None,
            "registered_by_id": actor.pk, "closed_at": now if status == Case.Status.CLOSED else None,
            "closed_reason": closed_reason, "created_at": now, "updated_at": now})
        if item.category is not None:
            case.category = item.category
        if item.street is not None:
            case.street = item.street
        if repeat_of is not None:
            case.repeat_of = repeat_of
        cases.append(case)
        repeats.append(repeat_of)
        outcomes.append(BatchRegistered(case=case, query_code=query_code, linked_to=linked_to, warnings=warnings))
        if status == Case.Status.REGISTERED:
            for id_hash in hashes:
                chunk_open.setdefault(id_hash, []).append(case)
    # A repeat of an earlier petition of this chunk points at a row not yet written: linked after the insert.
    later_links: list[tuple[Case, Case]] = []
    for case in cases:
        if case.repeat_of is not None and case.repeat_of.pk is None:
            later_links.append((case, case.repeat_of))
            case.repeat_of = None
    for case, pk in zip(cases, insert_many_returning(Case, [_values(case) for case in cases]), strict=True):
        case.pk = pk
    if later_links:
        for case, original in later_links:
            case.repeat_of = original
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE cases_case SET repeat_of_id = %s WHERE id = %s",
                               [[original.pk, case.pk] for case, original in later_links])

    # Petitioners: new people are created once (the later mention's details win), known ones are brought up
    # to date as ``petitioner_upsert`` does; people without an ID number are a new record every time.
    pending: dict[str, Petitioner] = {}
    new_people: list[Petitioner] = []
    link_plan: list[tuple[int, list[tuple[Petitioner, bool, int]]]] = []
    for case, item, people in zip(cases, petitions, hashed, strict=True):
        named: list[tuple[Petitioner, bool, int]] = []
        for position, (person, id_number, id_hash, phone) in enumerate(people):
            is_rep = position >= len(item.petitioners)
            if id_hash and id_hash in known:
                petitioner = petitioner_upsert(person=person, id_number=id_number, phone=phone, known=known)
            elif id_hash and id_hash in pending:
                petitioner = pending[id_hash]
                _update_pending(petitioner, person, phone)
            else:
                petitioner = _new_petitioner(person, id_number, id_hash, phone)
                new_people.append(petitioner)
                if id_hash:
                    pending[id_hash] = petitioner
            named.append((petitioner, is_rep, position))
        link_plan.append((case.pk, named))
    if new_people:
        for made in new_people:
            made.created_at = made.updated_at = now
        for made, pk in zip(new_people, insert_many_returning(Petitioner, [_values(p) for p in new_people]),
                            strict=True):
            made.pk = pk

    links: list[dict[str, Any]] = []
    for case_id, named in link_plan:
        seen: set[int] = set()
        for petitioner, is_rep, position in named:
            if petitioner.pk in seen:
                continue
            seen.add(petitioner.pk)
            links.append({"case_id": case_id, "petitioner_id": petitioner.pk, "is_representative": is_rep,
                          "position": position})
    insert_many(CasePetitioner, links)

    user_id, actor_name = actor.pk, actor_display(actor)
    events: list[dict[str, Any]] = []
    deadlines: list[dict[str, Any]] = []
    audits: list[tuple[str, str, dict[str, Any]]] = []

    def event(case: Case, action: str, **values: Any) -> None:
        events.append({"case_id": case.pk, "at": now, "actor_id": user_id, "actor_name": actor_name,
                       "action": action, "from_status": "", "to_status": "", "note": "", "data": {}, **values})

    for case, outcome, repeat_of in zip(cases, outcomes, repeats, strict=True):
        event(case, "registered", to_status=case.status, data={"channel": case.channel, "matter_type": case.matter_type})
        if outcome.linked_to is not None:
            linked = outcome.linked_to
            event(case, "linked", to_status=case.status,
                  note=_("同一信访事项正在办理，并入 %(n)s（《信访工作条例》第十九条第三款）。") % {"n": linked.number},
                  data={"case": linked.pk})
            event(linked, "repeat_received", note=_("信访人再次反映本事项：%(n)s") % {"n": case.number},
                  data={"case": case.pk})
        elif case.status == Case.Status.CLOSED and repeat_of is not None:
            event(case, "not_accepted_again", from_status=case.status, to_status=case.status, note=outcome.warnings[0],
                  data={"case": repeat_of.pk})
        else:
            # 信访工作条例 Art. 22: route within 15 days of receipt.
            start = timezone.localdate(case.received_at)
            due = due_date(start, route_rule.days, route_rule.counting, calendar, roll_to_workday=roll)
            deadlines.append({"case_id": case.pk, "kind": "route_by", "start_date": start, "days": route_rule.days,
                              "counting": route_rule.counting.value, "due_date": due.date,
                              "provisional": due.provisional, "on_petitioner": route_rule.on_petitioner,
                              "met_at": None, "cancelled": False, "overdue_at": None})
            if repeat_of is not None:
                event(case, "repeat_of", note=_("重复信访，原事项 %(n)s") % {"n": repeat_of.number},
                      data={"case": repeat_of.pk})
        audits.append((Case._meta.label_lower, str(case.pk),
                       {"status": case.status, "force_new": False, **audit_detail}))
    insert_many(CaseEvent, events)
    insert_many(CaseDeadline, deadlines)
    audit_record_many(actor=actor, action="case.create", objects=audits)
    repeats_mark_pending(case_ids=[case.pk for case in cases])  # indexed at the next look-up
    return outcomes


def _repeat_find(*, hashes: list[str], known: dict[str, Petitioner], chunk_open: dict[str, list[Case]],
                 item: BatchPetition, title: str, content: str) -> Case | None:
    """The open matter this petition repeats, as ``case_register`` finds it: an open case of the same
    person (by ID number) in the same category with a similar text — in the database, or earlier in the
    batch."""
    if not hashes:
        return None
    best: tuple[float, Case | None] = (0.0, None)
    text = f"{title} {content}"
    known_ids = [known[h].pk for h in hashes if h in known]
    if known_ids:
        found = petitioner_open_matter_similar(petitioner_ids=known_ids, category=item.category, title=title,
                                               content=content)
        if found is not None:
            best = (text_similarity(text, f"{found.title} {found.content}"), found)
    for id_hash in hashes:
        for case in chunk_open.get(id_hash, ()):
            if item.category is not None and case.category_id and case.category_id != item.category.pk:
                continue
            score = text_similarity(text, f"{case.title} {case.content}")
            if score >= SIMILAR_TEXT_THRESHOLD and score > best[0]:
                best = (score, case)
    return best[1]
