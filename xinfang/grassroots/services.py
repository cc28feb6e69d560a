"""Every change to the grassroots records: one service per step (STYLE.md habit 1).

Each service checks the caller's permission (``Forbidden``) and scope (``NotFound``), checks every input
before it writes anything (``ValidationFailed`` with the messages of each field), checks the state
(``InvalidTransition``, with a conditional update where two people may act at once), writes in one
transaction and appends an audit row in it (SECURITY.md 8–10: a failed audit write fails the step).

Turning a dispute, a visit's finding or a reception into a case goes through
``xinfang.cases.services.registration.case_register`` — the one way a case comes to exist — inside the
same transaction as the link back, so a refused registration leaves the dispute as it was.

Personal data (SECURITY.md 5–7): a party's ID and phone numbers are validated (GB 11643), encrypted with
AES-GCM bound to their column, hashed with the keyed look-up hash petitioners use (the same person is
recognised across both) and masked for display; the clear numbers are never written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.models import Unit, User
from xinfang.cases.models import Case, Category
from xinfang.cases.services.events import case_event_append
from xinfang.cases.services.field_keys import rows_rekey
from xinfang.cases.services.registration import (
    CLOCK_SKEW,
    ID_REASONS,
    PetitionerInput,
    PreparedPerson,
    RegistrationResult,
    case_register,
    person_prepare,
)
from xinfang.core.audit import audit_record
from xinfang.core.crypto import decrypt
from xinfang.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from xinfang.core.idnumber import (
    InvalidIdNumber,
    id_number_validate,
    phone_normalize,
)
from xinfang.deadlines.rules import MAX_REPRESENTATIVES
from xinfang.grassroots.models import (
    Dispute,
    Mediation,
    MediationFollowUp,
    MediationParticipant,
    MediationSession,
    Party,
    Reception,
    ReceptionDay,
    Visit,
    VisitFinding,
)
from xinfang.grassroots.selectors import (
    disputes_visible_to,
    grassroots_scope,
    mediations_visible_to,
    reception_day_receptions_allowed,
    visits_visible_to,
)

RECORD_DISPUTE = "grassroots.record_dispute"
MEDIATE = "grassroots.mediate"
RECORD_VISIT = "grassroots.record_visit"
SCHEDULE_RECEPTION = "grassroots.schedule_reception"
RECORD_RECEPTION = "grassroots.record_reception"
REGISTER_CASE = "cases.register_case"
REVEAL = "cases.reveal_personal_data"

ID_CONTEXT = "grassroots.party.id_number"
PHONE_CONTEXT = "grassroots.party.phone"
MAX_PARTIES = 20
MAX_PARTICIPANTS = 20
MAX_TEXT = 20000
EARLIEST = date(2000, 1, 1)
# 三所联动 (DOMAIN.md, "Governance practice"): the police station, the judicial office and a law firm.
JOINT_KINDS = frozenset({MediationParticipant.Kind.POLICE_STATION, MediationParticipant.Kind.JUDICIAL_OFFICE,
                         MediationParticipant.Kind.LAW_FIRM})
# Who receives the public on a reception day (信访工作条例 Art. 18 ¶2: 领导干部): district leaders and the
# heads of units.
RECEIVING_ROLES = frozenset({User.Role.LEADER, User.Role.UNIT_HEAD})


# --- Inputs ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PartyInput:
    """A party as typed: the numbers in clear, validated and stored protected by the services."""

    name: str
    role: str = Party.Role.APPLICANT
    id_number: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class ParticipantInput:
    """An organisation taking part in a mediation and its mediator; ``unit`` if it is a district unit."""

    kind: str
    organisation: str
    mediator: str
    unit: Unit | None = None


@dataclass(frozen=True)
class FindingInput:
    title: str
    description: str
    category: Category | None = None
    parties: Sequence[PartyInput] = ()


# --- Shared checks -----------------------------------------------------------------------------------

def _require(actor: Any, permission: str, message: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(permission):
        raise Forbidden(message)


def _text(value: Any, field: str, errors: dict[str, list[str]], *, required: bool = True, limit: int = 200,
          label: str = "") -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        errors.setdefault(field, []).append(_("请填写%(f)s。") % {"f": label} if label else _("此项必填。"))
    elif len(text) > limit:
        errors.setdefault(field, []).append(_("不能超过%(n)d个字。") % {"n": limit})
    return text


def _past_date(value: Any, field: str, errors: dict[str, list[str]]) -> date | None:
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.setdefault(field, []).append(_("请填写日期。"))
        return None
    if value > timezone.localdate():
        errors.setdefault(field, []).append(_("日期不能晚于今天。"))
    elif value < EARLIEST:
        errors.setdefault(field, []).append(_("日期不正确。"))
    return value


def _past_moment(value: Any, field: str, errors: dict[str, list[str]]) -> datetime | None:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        errors.setdefault(field, []).append(_("时间必须带时区。"))
        return None
    if value > timezone.now() + CLOCK_SKEW:
        errors.setdefault(field, []).append(_("时间不能晚于现在。"))
    elif value.year < EARLIEST.year:
        errors.setdefault(field, []).append(_("时间不正确。"))
    return value


def _choice(value: Any, choices: Any, field: str, errors: dict[str, list[str]]) -> str:
    if value not in choices.values:
        errors.setdefault(field, []).append(_("未知的选项：%(v)s") % {"v": str(value)[:50]})
        return ""
    return str(value)


def _street_of(unit: Unit) -> Unit | None:
    if unit.kind == Unit.Kind.STREET:
        return unit
    return Unit.objects.filter(pk__in=unit.ancestor_ids(), kind=Unit.Kind.STREET).first()


def _place(*, actor: Any, unit: Unit | None, street: Unit | None, errors: dict[str, list[str]],
           default_street: Unit | None = None) -> tuple[Unit | None, Unit | None]:
    """The unit a record belongs to (the actor's own unless given, and always within the actor's scope: no
    one files a record where they could not see it) and its street: given, or the street above the unit,
    or else ``default_street`` (the street of the case a record is about)."""
    unit = unit if unit is not None else getattr(actor, "unit", None)
    if unit is None:
        errors.setdefault("unit", []).append(_("请选择登记单位。"))
        return None, None
    if not unit.active:
        errors.setdefault("unit", []).append(_("该单位已停用。"))
    elif not grassroots_scope(actor).covers(unit):
        errors.setdefault("unit", []).append(_("只能在本单位及下级单位登记。"))
    if street is not None and street.kind != Unit.Kind.STREET:
        errors.setdefault("street", []).append(_("所属街道必须是街道（镇）。"))
        return unit, None
    above = _street_of(unit)
    if street is not None and above is not None and above.pk != street.pk:
        errors.setdefault("street", []).append(_("登记单位不在所选街道内。"))
    return unit, street or above or default_street


@dataclass(frozen=True)
class _PreparedParty:
    role: str
    person: PreparedPerson


def _parties_check(parties: Sequence[PartyInput], errors: dict[str, list[str]], *, minimum: int, maximum: int,
                   too_few: str) -> list[_PreparedParty]:
    """Validate the parties (GB 11643 ID numbers, phone numbers) and compute their stored forms."""
    if len(parties) < minimum:
        errors.setdefault("parties", []).append(too_few)
    if len(parties) > maximum:
        errors.setdefault("parties", []).append(_("当事人不能超过%(n)d人。") % {"n": maximum})
        return []
    prepared = []
    for index, person in enumerate(parties):
        prefix = f"parties[{index}]"
        name = _text(person.name, f"{prefix}.name", errors, limit=100, label=_("姓名"))
        role = _choice(person.role, Party.Role, f"{prefix}.role", errors)
        address = _text(person.address, f"{prefix}.address", errors, required=False)
        id_number = phone = ""
        if (person.id_number or "").strip():
            try:
                id_number = id_number_validate(person.id_number)
            except InvalidIdNumber as exc:
                errors.setdefault(f"{prefix}.id_number", []).append(_(ID_REASONS[exc.reason]))
        if (person.phone or "").strip():
            try:
                phone = phone_normalize(person.phone)
            except ValueError:
                errors.setdefault(f"{prefix}.phone", []).append(_("电话号码格式不正确。"))
        if errors:
            continue  # nothing is written; no need to encrypt
        prepared.append(_PreparedParty(role=role, person=person_prepare(
            PetitionerInput(name=name, address=address), id_number=id_number, phone=phone,
            id_context=ID_CONTEXT, phone_context=PHONE_CONTEXT)))
    return prepared


def _parties_write(prepared: Sequence[_PreparedParty], **owner: Any) -> None:
    Party.objects.bulk_create([
        Party(position=index, role=p.role, **asdict(p.person), **owner)
        for index, p in enumerate(prepared)
    ])


def _parties_copy(source: Sequence[Party], **owner: Any) -> None:
    """The parties of a dispute carried over to its mediation (the ciphertexts stay valid: same column)."""
    Party.objects.bulk_create([
        Party(position=p.position, role=p.role, name=p.name, address=p.address,
              id_number_encrypted=p.id_number_encrypted, id_hash=p.id_hash, id_masked=p.id_masked,
              phone_encrypted=p.phone_encrypted, phone_hash=p.phone_hash, phone_masked=p.phone_masked, **owner)
        for p in source
    ])


def _as_petitioners(parties: Sequence[Party]) -> list[PetitionerInput]:
    """The parties as the petitioners of a new case: the applicants (or everyone if none is marked so), with
    their numbers decrypted for ``case_register``, which encrypts them again for the petitioner's column."""
    chosen = [p for p in parties if p.role == Party.Role.APPLICANT] or list(parties)
    return [PetitionerInput(
        name=p.name,
        id_number=decrypt(p.id_number_encrypted, context=ID_CONTEXT) if p.id_number_encrypted else "",
        phone=decrypt(p.phone_encrypted, context=PHONE_CONTEXT) if p.phone_encrypted else "",
        address=p.address) for p in chosen]


def _refuse(errors: dict[str, list[str]], message: str) -> None:
    if errors:
        raise ValidationFailed(message, errors=errors)


def _state(label: str, current: str) -> InvalidTransition:
    return InvalidTransition(_("当前状态为“%(status)s”，不能%(action)s。") % {"status": current, "action": label})


def _case_register_from(*, actor: Any, matter_type: str, channel: str, title: str, content: str,
                        petitioners: list[PetitionerInput], received_at: datetime, category: Category | None,
                        street: Unit | None) -> RegistrationResult:
    """``case_register`` for a record turned into a case; its refusal names the record's fields."""
    return case_register(actor=actor, channel=channel, received_at=received_at, matter_type=matter_type,
                         title=title, content=content, petitioners=petitioners, group_size=max(1, len(petitioners)),
                         category=category, street=street)


def _conversion_inputs(*, actor: Any, permission: str, matter_type: str, channel: str, title: str,
                       default_title: str) -> tuple[str, str, str]:
    _require(actor, permission, _("您没有办理此项的权限。"))
    # The case is registered by the caller: registering is a registrar's (or the bureau's) act.
    _require(actor, REGISTER_CASE, _("您没有登记信访事项的权限。"))
    errors: dict[str, list[str]] = {}
    matter_type = _choice(matter_type, Case.MatterType, "matter_type", errors)
    channel = _choice(channel, Case.Channel, "channel", errors)
    title = _text(title or default_title[:200], "title", errors, label=_("标题"))
    _refuse(errors, _("转为信访事项的信息有误，请检查后重新提交。"))
    return matter_type, channel, title


# --- Disputes (矛盾纠纷排查) ---------------------------------------------------------------------------

def dispute_record(*, actor: Any, title: str, description: str, risk_level: str, source: str, found_on: date,
                   parties: Sequence[PartyInput], unit: Unit | None = None, street: Unit | None = None,
                   category: Category | None = None) -> Dispute:
    """Record a dispute found by screening, without a petition (信访工作条例 Art. 10: 矛盾纠纷排查化解;
    Art. 15 ¶3: disputes are settled where they arise)."""
    _require(actor, RECORD_DISPUTE, _("您没有登记矛盾纠纷的权限。"))
    errors: dict[str, list[str]] = {}
    title = _text(title, "title", errors, label=_("纠纷名称"))
    description = _text(description, "description", errors, limit=MAX_TEXT, label=_("纠纷情况"))
    risk_level = _choice(risk_level, Dispute.Risk, "risk_level", errors)
    source = _choice(source, Dispute.Source, "source", errors)
    found_on_checked = _past_date(found_on, "found_on", errors)
    unit, street = _place(actor=actor, unit=unit, street=street, errors=errors)
    prepared = _parties_check(parties, errors, minimum=1, maximum=MAX_PARTIES,
                              too_few=_("至少登记一名当事人。"))
    _refuse(errors, _("矛盾纠纷信息有误，请检查后重新提交。"))
    assert unit is not None and found_on_checked is not None  # noqa: S101 - refused above otherwise
    with transaction.atomic():
        dispute = Dispute.objects.create(title=title, description=description, category=category, street=street,
                                         unit=unit, risk_level=risk_level, source=source, found_on=found_on_checked,
                                         recorded_by=actor)
        _parties_write(prepared, dispute=dispute)
        audit_record(actor=actor, action="dispute.create", obj=dispute,
                     detail={"risk_level": risk_level, "source": source, "unit": unit.code, "parties": len(prepared)})
    return dispute


def _dispute_in_scope(actor: Any, dispute: Dispute) -> None:
    if not disputes_visible_to(actor).filter(pk=dispute.pk).exists():
        raise NotFound()


def dispute_resolve(*, actor: Any, dispute: Dispute, resolution: str) -> Dispute:
    """A dispute settled without mediation or a petition (化解): open → resolved, with how."""
    _require(actor, RECORD_DISPUTE, _("您没有办理矛盾纠纷的权限。"))
    _dispute_in_scope(actor, dispute)
    errors: dict[str, list[str]] = {}
    resolution = _text(resolution, "resolution", errors, limit=MAX_TEXT, label=_("化解情况"))
    _refuse(errors, _("请填写化解情况。"))
    now = timezone.now()
    with transaction.atomic():
        updated = Dispute.objects.filter(pk=dispute.pk, status=Dispute.Status.OPEN).update(
            status=Dispute.Status.RESOLVED, resolution=resolution, closed_at=now, updated_at=now)
        if not updated:
            dispute.refresh_from_db(fields=["status"])
            raise _state(_("标记为已化解"), dispute.get_status_display())
        audit_record(actor=actor, action="dispute.resolve", obj=dispute)
    dispute.refresh_from_db()
    return dispute


def dispute_convert(*, actor: Any, dispute: Dispute, matter_type: str, channel: str = "", title: str = "",
                    content: str = "") -> RegistrationResult:
    """Turn an open dispute into a case (信访事项) in one step: registered through ``case_register`` with
    the dispute's applicants as petitioners, and the dispute linked to it (已转为信访事项)."""
    _dispute_in_scope(actor, dispute)
    channel = channel or (Case.Channel.SERVICE_POINT if dispute.unit.kind == Unit.Kind.SERVICE_POINT
                          else Case.Channel.VISIT)
    matter_type, channel, title = _conversion_inputs(actor=actor, permission=RECORD_DISPUTE, matter_type=matter_type,
                                                     channel=channel, title=title, default_title=dispute.title)
    content = (content or "").strip() or dispute.description
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if locked.status != Dispute.Status.OPEN or locked.case_id is not None:
            raise _state(_("转为信访事项"), locked.get_status_display())
        parties = list(locked.parties.all())
        result = _case_register_from(actor=actor, matter_type=matter_type, channel=channel, title=title,
                                     content=content, petitioners=_as_petitioners(parties),
                                     received_at=timezone.now(), category=dispute.category, street=dispute.street)
        now = timezone.now()
        Dispute.objects.filter(pk=locked.pk).update(status=Dispute.Status.CONVERTED, case=result.case,
                                                    closed_at=now, updated_at=now)
        case_event_append(case=result.case, actor=actor, action="grassroots_origin",
                          note=_("由矛盾纠纷排查转入：%(t)s") % {"t": dispute.title}, data={"dispute": dispute.pk})
        audit_record(actor=actor, action="dispute.convert", obj=dispute, detail={"case": result.case.pk})
    return result


# --- Mediations (人民调解, 三所联动) ----------------------------------------------------------------------

def _participants_check(participants: Sequence[ParticipantInput], kind: str,
                        errors: dict[str, list[str]]) -> list[ParticipantInput]:
    if not participants:
        errors.setdefault("participants", []).append(_("至少登记一个参与调解的单位和调解员。"))
        return []
    if len(participants) > MAX_PARTICIPANTS:
        errors.setdefault("participants", []).append(_("参与单位不能超过%(n)d个。") % {"n": MAX_PARTICIPANTS})
        return []
    cleaned = []
    for index, item in enumerate(participants):
        prefix = f"participants[{index}]"
        item_kind = _choice(item.kind, MediationParticipant.Kind, f"{prefix}.kind", errors)
        organisation = _text(item.organisation or (item.unit.name if item.unit else ""), f"{prefix}.organisation",
                             errors, limit=100, label=_("参与单位"))
        mediator = _text(item.mediator, f"{prefix}.mediator", errors, limit=50, label=_("调解员"))
        if item.unit is not None and not item.unit.active:
            errors.setdefault(f"{prefix}.unit", []).append(_("该单位已停用。"))
        cleaned.append(ParticipantInput(kind=item_kind, organisation=organisation, mediator=mediator, unit=item.unit))
    if kind == Mediation.Kind.JOINT and not JOINT_KINDS <= {p.kind for p in cleaned}:
        # DOMAIN.md, "Governance practice": 三所联动 is joint mediation by all three.
        errors.setdefault("participants", []).append(_("三所联动调解须有派出所、司法所和律师事务所共同参加。"))
    return cleaned


def mediation_open(*, actor: Any, kind: str, title: str, matter: str, started_on: date,
                   parties: Sequence[PartyInput], participants: Sequence[ParticipantInput],
                   unit: Unit | None = None, street: Unit | None = None, dispute: Dispute | None = None,
                   case: Case | None = None) -> Mediation:
    """Open a mediation (信访工作条例 Art. 37: 人民调解、行政调解、司法调解联动; Art. 33: mediation of a claim
    with the parties' consent). From a dispute, the dispute's parties, unit and street are taken over
    (unless given) and the dispute is 调解中; for a case, the case's log notes it."""
    _require(actor, MEDIATE, _("您没有登记调解的权限。"))
    if dispute is not None:
        _dispute_in_scope(actor, dispute)
        if dispute.status != Dispute.Status.OPEN:
            raise _state(_("开始调解"), dispute.get_status_display())
        unit = unit or dispute.unit
        street = street or dispute.street
        case = case or dispute.case
    if case is not None:
        if not cases_visible_to(actor).filter(pk=case.pk).exists():
            raise ValidationFailed(_("未找到该信访事项。"), errors={"case": [_("未找到该信访事项。")]})
        if not case.is_open:
            raise InvalidTransition(_("该信访事项已办结或已并案，不能再开始调解。"))
    errors: dict[str, list[str]] = {}
    kind = _choice(kind, Mediation.Kind, "kind", errors)
    title = _text(title or (dispute.title if dispute else ""), "title", errors, label=_("调解事项"))
    matter = _text(matter or (dispute.description if dispute else ""), "matter", errors, limit=MAX_TEXT,
                   label=_("纠纷事实和争议事项"))
    started = _past_date(started_on, "started_on", errors)
    unit, street = _place(actor=actor, unit=unit, street=street, errors=errors,
                          default_street=case.street if case is not None else None)
    cleaned = _participants_check(participants, kind, errors)
    inherited = list(dispute.parties.all()) if dispute is not None and not parties else []
    prepared = _parties_check(parties, errors, minimum=0 if inherited else 2, maximum=MAX_PARTIES,
                              too_few=_("调解至少需要两方当事人。"))
    if inherited and len(inherited) < 2:
        errors.setdefault("parties", []).append(_("调解至少需要两方当事人。"))
    _refuse(errors, _("调解信息有误，请检查后重新提交。"))
    assert unit is not None and started is not None  # noqa: S101
    with transaction.atomic():
        if dispute is not None:
            moved = Dispute.objects.filter(pk=dispute.pk, status=Dispute.Status.OPEN).update(
                status=Dispute.Status.MEDIATING, updated_at=timezone.now())
            if not moved:
                dispute.refresh_from_db(fields=["status"])
                raise _state(_("开始调解"), dispute.get_status_display())
        mediation = Mediation.objects.create(kind=kind, title=title, matter=matter, unit=unit, street=street,
                                             dispute=dispute, case=case, started_on=started, recorded_by=actor)
        MediationParticipant.objects.bulk_create([
            MediationParticipant(mediation=mediation, kind=p.kind, organisation=p.organisation, unit=p.unit,
                                 mediator=p.mediator, position=index) for index, p in enumerate(cleaned)])
        if inherited:
            _parties_copy(inherited, mediation=mediation)
        else:
            _parties_write(prepared, mediation=mediation)
        if case is not None:
            case_event_append(case=case, actor=actor, action="mediation_opened",
                              note=_("%(kind)s：%(title)s") % {"kind": mediation.get_kind_display(), "title": title},
                              data={"mediation": mediation.pk})
        audit_record(actor=actor, action="mediation.create", obj=mediation,
                     detail={"kind": kind, "unit": unit.code, "dispute": dispute.pk if dispute else None,
                             "case": case.pk if case else None, "participants": [p.kind for p in cleaned]})
    return mediation


def _mediation_in_scope(actor: Any, mediation: Mediation) -> None:
    if not mediations_visible_to(actor).filter(pk=mediation.pk).exists():
        raise NotFound()


def mediation_session_add(*, actor: Any, mediation: Mediation, held_at: datetime, place: str,
                          notes: str) -> MediationSession:
    """Record one mediation meeting (when, where, what was said) while the mediation is under way."""
    _require(actor, MEDIATE, _("您没有登记调解的权限。"))
    _mediation_in_scope(actor, mediation)
    errors: dict[str, list[str]] = {}
    held = _past_moment(held_at, "held_at", errors)
    if held is not None and not errors and timezone.localdate(held) < mediation.started_on:
        errors.setdefault("held_at", []).append(_("调解时间不能早于受理日期。"))
    place = _text(place, "place", errors, label=_("调解地点"))
    notes = _text(notes, "notes", errors, limit=MAX_TEXT, label=_("调解记录"))
    _refuse(errors, _("调解记录有误，请检查后重新提交。"))
    assert held is not None  # noqa: S101 - refused above otherwise
    with transaction.atomic():
        locked = Mediation.objects.select_for_update().get(pk=mediation.pk)
        if locked.status != Mediation.Status.ONGOING:
            raise _state(_("记录调解"), locked.get_status_display())
        session = MediationSession.objects.create(mediation=locked, held_at=held, place=place, notes=notes,
                                                  recorded_by=actor)
        audit_record(actor=actor, action="mediation.session", obj=mediation, detail={"session": session.pk})
    return session


def mediation_conclude(*, actor: Any, mediation: Mediation, outcome: str, agreement_terms: str = "",
                       performance: str = "", performance_due: date | None = None,
                       referral_note: str = "") -> Mediation:
    """End a mediation with its outcome: an agreement (信访工作条例 Art. 33: 调解协议书, with its terms and
    how and by when they are performed), no agreement, or the parties guided into litigation or arbitration
    (诉访分离, Art. 31 (1)–(2)). A dispute being mediated follows: resolved, referred, or open again."""
    _require(actor, MEDIATE, _("您没有登记调解的权限。"))
    _mediation_in_scope(actor, mediation)
    errors: dict[str, list[str]] = {}
    outcome = _choice(outcome, Mediation.Outcome, "outcome", errors)
    terms = _text(agreement_terms, "agreement_terms", errors, required=outcome == Mediation.Outcome.AGREEMENT,
                  limit=MAX_TEXT, label=_("协议内容"))
    performance = _text(performance, "performance", errors, required=False, limit=500)
    referral = _text(referral_note, "referral_note", errors,
                     required=outcome in (Mediation.Outcome.LITIGATION, Mediation.Outcome.ARBITRATION),
                     limit=MAX_TEXT, label=_("导入法定途径说明"))
    if performance_due is not None and (not isinstance(performance_due, date)
                                        or performance_due < timezone.localdate()):
        errors.setdefault("performance_due", []).append(_("履行期限不能早于今天。"))
    if outcome and outcome != Mediation.Outcome.AGREEMENT and (terms or performance or performance_due):
        errors.setdefault("agreement_terms", []).append(_("只有达成调解协议时才填写协议内容。"))
    _refuse(errors, _("调解结果有误，请检查后重新提交。"))
    now = timezone.now()
    with transaction.atomic():
        locked = Mediation.objects.select_for_update().get(pk=mediation.pk)
        if locked.status != Mediation.Status.ONGOING:
            raise _state(_("终结调解"), locked.get_status_display())
        if not locked.sessions.exists():
            raise InvalidTransition(_("请先记录至少一次调解，再终结调解。"))
        Mediation.objects.filter(pk=locked.pk).update(
            status=Mediation.Status.CONCLUDED, outcome=outcome, concluded_at=now, agreement_terms=terms,
            performance=performance, performance_due=performance_due, referral_note=referral, updated_at=now)
        if locked.dispute_id:
            follows = {
                Mediation.Outcome.AGREEMENT: (Dispute.Status.RESOLVED, _("经调解达成协议。"), now),
                Mediation.Outcome.LITIGATION: (Dispute.Status.REFERRED, referral, now),
                Mediation.Outcome.ARBITRATION: (Dispute.Status.REFERRED, referral, now),
                Mediation.Outcome.NO_AGREEMENT: (Dispute.Status.OPEN, "", None),
            }[Mediation.Outcome(outcome)]
            Dispute.objects.filter(pk=locked.dispute_id, status=Dispute.Status.MEDIATING).update(
                status=follows[0], resolution=follows[1], closed_at=follows[2], updated_at=now)
        if locked.case is not None:
            case_event_append(case=locked.case, actor=actor, action="mediation_concluded",
                              note=str(Mediation.Outcome(outcome).label), data={"mediation": locked.pk})
        audit_record(actor=actor, action="mediation.conclude", obj=locked, detail={"outcome": outcome})
    locked.refresh_from_db()
    return locked


def mediation_follow_up_add(*, actor: Any, mediation: Mediation, visited_on: date, method: str, result: str,
                            notes: str = "") -> MediationFollowUp:
    """A follow-up visit checking that an agreement is kept (履行回访); "performed in full" closes the
    follow-up of the agreement."""
    _require(actor, MEDIATE, _("您没有登记调解的权限。"))
    _mediation_in_scope(actor, mediation)
    errors: dict[str, list[str]] = {}
    visited = _past_date(visited_on, "visited_on", errors)
    method = _choice(method, MediationFollowUp.Method, "method", errors)
    result = _choice(result, MediationFollowUp.Result, "result", errors)
    notes = _text(notes, "notes", errors, required=result != MediationFollowUp.Result.PERFORMED, limit=MAX_TEXT,
                  label=_("回访情况"))
    _refuse(errors, _("回访记录有误，请检查后重新提交。"))
    assert visited is not None  # noqa: S101
    with transaction.atomic():
        locked = Mediation.objects.select_for_update().get(pk=mediation.pk)
        if locked.outcome != Mediation.Outcome.AGREEMENT:
            raise InvalidTransition(_("只有达成调解协议的调解才需要履行回访。"))
        if locked.fulfilled_at is not None:
            raise InvalidTransition(_("调解协议已履行完毕，无需再回访。"))
        if locked.concluded_at is not None and visited < timezone.localdate(locked.concluded_at):
            raise ValidationFailed(_("回访记录有误，请检查后重新提交。"),
                                   errors={"visited_on": [_("回访日期不能早于达成协议的日期。")]})
        follow_up = MediationFollowUp.objects.create(mediation=locked, visited_on=visited, method=method,
                                                     result=result, notes=notes, recorded_by=actor)
        if result == MediationFollowUp.Result.PERFORMED:
            now = timezone.now()
            Mediation.objects.filter(pk=locked.pk).update(fulfilled_at=now, updated_at=now)
        audit_record(actor=actor, action="mediation.follow_up", obj=locked, detail={"result": result})
    return follow_up


def mediation_agreement_print(*, actor: Any, mediation: Mediation) -> bytes:
    """The 人民调解协议书 (.docx) of a mediation that reached an agreement; audited as a print (SECURITY.md
    8). Only masked ID numbers are printed (SECURITY.md 7)."""
    from xinfang.grassroots.documents import agreement_build_docx

    _mediation_in_scope(actor, mediation)
    if mediation.outcome != Mediation.Outcome.AGREEMENT:
        raise NotFound(_("该调解没有调解协议。"))
    content = agreement_build_docx(mediation=mediation)
    audit_record(actor=actor, action="mediation.print", obj=mediation)
    return content


# --- Visits (上门办信, 下访, 走访) -----------------------------------------------------------------------

def _findings_check(findings: Sequence[FindingInput], errors: dict[str, list[str]],
                    prefix: str = "findings") -> list[tuple[str, str, Category | None, list[_PreparedParty]]]:
    checked = []
    for index, finding in enumerate(findings):
        here: dict[str, list[str]] = {}
        title = _text(finding.title, "title", here, label=_("问题"))
        description = _text(finding.description, "description", here, limit=MAX_TEXT, label=_("问题情况"))
        prepared = _parties_check(finding.parties, here, minimum=0, maximum=MAX_PARTIES, too_few="")
        for key, messages in here.items():
            errors.setdefault(f"{prefix}[{index}].{key}" if prefix else key, []).extend(messages)
        checked.append((title, description, finding.category, prepared))
    return checked


def _findings_write(visit: Visit, checked: list[tuple[str, str, Category | None, list[_PreparedParty]]],
                    actor: Any) -> list[VisitFinding]:
    created = []
    for title, description, category, prepared in checked:
        finding = VisitFinding.objects.create(visit=visit, title=title, description=description, category=category,
                                              recorded_by=actor)
        _parties_write(prepared, finding=finding)
        created.append(finding)
    return created


def visit_record(*, actor: Any, kind: str, visited_at: datetime, place: str, visitors: str, summary: str,
                 unit: Unit | None = None, street: Unit | None = None, case: Case | None = None,
                 findings: Sequence[FindingInput] = ()) -> Visit:
    """Record a visit: 上门办信 (``case`` required: the handler visits its petitioner; the case's log notes
    it), 下访 (信访工作条例 Art. 18 ¶2: leaders go down to the grassroots) or 走访, with what was found."""
    _require(actor, RECORD_VISIT, _("您没有登记走访的权限。"))
    errors: dict[str, list[str]] = {}
    kind = _choice(kind, Visit.Kind, "kind", errors)
    if case is not None and not cases_visible_to(actor).filter(pk=case.pk).exists():
        errors.setdefault("case", []).append(_("未找到该信访事项。"))
        case = None
    if kind == Visit.Kind.HOME and case is None and "case" not in errors:
        errors.setdefault("case", []).append(_("上门办信须指明信访事项。"))
    visited = _past_moment(visited_at, "visited_at", errors)
    place = _text(place, "place", errors, label=_("地点"))
    visitors = _text(visitors, "visitors", errors, label=_("走访人员"))
    summary = _text(summary, "summary", errors, limit=MAX_TEXT, label=_("走访情况"))
    unit, street = _place(actor=actor, unit=unit, street=street, errors=errors,
                          default_street=case.street if case is not None else None)
    if len(findings) > MAX_PARTIES:
        errors.setdefault("findings", []).append(_("一次走访最多登记%(n)d个问题。") % {"n": MAX_PARTIES})
    checked = _findings_check(findings, errors)
    _refuse(errors, _("走访信息有误，请检查后重新提交。"))
    assert unit is not None and visited is not None  # noqa: S101
    with transaction.atomic():
        visit = Visit.objects.create(kind=kind, case=case, unit=unit, street=street, visited_at=visited, place=place,
                                     visitors=visitors, summary=summary, recorded_by=actor)
        _findings_write(visit, checked, actor)
        if case is not None:
            case_event_append(case=case, actor=actor, action="grassroots_visit", at=visited,
                              note=_("%(kind)s（%(who)s）：%(summary)s") % {
                                  "kind": visit.get_kind_display(), "who": visitors, "summary": summary[:200]},
                              data={"visit": visit.pk})
        audit_record(actor=actor, action="visit.create", obj=visit,
                     detail={"kind": kind, "case": case.pk if case else None, "findings": len(checked)})
    return visit


def visit_finding_add(*, actor: Any, visit: Visit, title: str, description: str, category: Category | None = None,
                      parties: Sequence[PartyInput] = ()) -> VisitFinding:
    """Add a problem found on a visit (with the residents who raised it)."""
    _require(actor, RECORD_VISIT, _("您没有登记走访的权限。"))
    if not visits_visible_to(actor).filter(pk=visit.pk).exists():
        raise NotFound()
    errors: dict[str, list[str]] = {}
    checked = _findings_check([FindingInput(title=title, description=description, category=category,
                                            parties=parties)], errors, prefix="")
    _refuse(errors, _("走访发现的问题有误，请检查后重新提交。"))
    with transaction.atomic():
        [finding] = _findings_write(visit, checked, actor)
        audit_record(actor=actor, action="visit.finding", obj=finding, detail={"visit": visit.pk})
    return finding


def finding_convert(*, actor: Any, finding: VisitFinding, matter_type: str, channel: str = Case.Channel.VISIT,
                    title: str = "", content: str = "") -> RegistrationResult:
    """Turn a visit's finding into a case in one step (through ``case_register``, the residents who raised
    it as petitioners), linked back to the finding."""
    if not VisitFinding.objects.filter(pk=finding.pk, visit__in=visits_visible_to(actor)).exists():
        raise NotFound()
    matter_type, channel, title = _conversion_inputs(actor=actor, permission=RECORD_VISIT, matter_type=matter_type,
                                                     channel=channel, title=title, default_title=finding.title)
    content = (content or "").strip() or finding.description
    with transaction.atomic():
        locked = VisitFinding.objects.select_for_update().get(pk=finding.pk)
        if locked.status != VisitFinding.Status.OPEN or locked.case_id is not None:
            raise _state(_("转为信访事项"), locked.get_status_display())
        parties = list(locked.parties.all())
        if not parties:
            raise ValidationFailed(_("该问题没有登记反映人，不能转为信访事项。"),
                                   errors={"parties": [_("请先登记反映问题的群众。")]})
        visit = finding.visit
        result = _case_register_from(actor=actor, matter_type=matter_type, channel=channel, title=title,
                                     content=content, petitioners=_as_petitioners(parties),
                                     received_at=visit.visited_at, category=locked.category, street=visit.street)
        VisitFinding.objects.filter(pk=locked.pk).update(status=VisitFinding.Status.CONVERTED, case=result.case)
        case_event_append(case=result.case, actor=actor, action="grassroots_origin",
                          note=_("由%(kind)s发现的问题转入：%(t)s") % {"kind": visit.get_kind_display(), "t": locked.title},
                          data={"finding": locked.pk, "visit": visit.pk})
        audit_record(actor=actor, action="finding.convert", obj=locked, detail={"case": result.case.pk})
    return result


# --- Leader reception days (领导接访) -----------------------------------------------------------------

def reception_day_schedule(*, actor: Any, leader: User | None, day: date, starts_at: time, ends_at: time,
                           place: str, unit: Unit | None, topic: str = "",
                           joint_units: Sequence[Unit] = ()) -> ReceptionDay:
    """Put a leader's reception day on the schedule (信访工作条例 Art. 18 ¶2: leaders receive the public on
    set days; ¶3: units receiving jointly, 联合接访; Art. 20 ¶1: at a designated reception place)."""
    _require(actor, SCHEDULE_RECEPTION, _("您没有安排领导接访的权限。"))
    errors: dict[str, list[str]] = {}
    if leader is None or not leader.is_active or leader.role not in RECEIVING_ROLES:
        errors.setdefault("leader", []).append(_("接访领导须是区领导或单位负责人。"))
    if not isinstance(day, date) or isinstance(day, datetime):
        errors.setdefault("date", []).append(_("请填写日期。"))
    elif day < timezone.localdate():
        errors.setdefault("date", []).append(_("接访日期不能早于今天。"))
    elif day.year > timezone.localdate().year + 1:
        errors.setdefault("date", []).append(_("只能安排到明年年底。"))
    if not isinstance(starts_at, time) or not isinstance(ends_at, time) or starts_at >= ends_at:
        errors.setdefault("ends_at", []).append(_("结束时间须晚于开始时间。"))
    place = _text(place, "place", errors, label=_("接访地点"))
    topic = _text(topic, "topic", errors, required=False)
    if unit is None or not unit.active:
        errors.setdefault("unit", []).append(_("请选择接访单位。"))
    joint = list(dict.fromkeys(joint_units))
    if any(not u.active for u in joint) or (unit is not None and unit in joint):
        errors.setdefault("joint_units", []).append(_("联合接访单位须是启用的其他单位。"))
    if len(joint) > MAX_PARTICIPANTS:
        errors.setdefault("joint_units", []).append(_("联合接访单位不能超过%(n)d个。") % {"n": MAX_PARTICIPANTS})
    if not errors and leader is not None and ReceptionDay.objects.filter(
            leader=leader, date=day, starts_at__lt=ends_at, ends_at__gt=starts_at).exclude(
            status=ReceptionDay.Status.CANCELLED).exists():
        errors.setdefault("date", []).append(_("该领导在这一时段已有接访安排。"))
    _refuse(errors, _("接访安排有误，请检查后重新提交。"))
    assert leader is not None and unit is not None  # noqa: S101
    with transaction.atomic():
        reception_day = ReceptionDay.objects.create(leader=leader, date=day, starts_at=starts_at, ends_at=ends_at,
                                                    place=place, unit=unit, topic=topic, scheduled_by=actor)
        if joint:
            reception_day.joint_units.set(joint)
        audit_record(actor=actor, action="reception_day.create", obj=reception_day,
                     detail={"leader": leader.pk, "date": day.isoformat(), "unit": unit.code,
                             "joint_units": [u.code for u in joint]})
    return reception_day


def reception_day_cancel(*, actor: Any, day: ReceptionDay, reason: str) -> ReceptionDay:
    """Take a reception day off the schedule, with the reason (the public was told when and where)."""
    _require(actor, SCHEDULE_RECEPTION, _("您没有安排领导接访的权限。"))
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", errors, label=_("取消原因"))
    _refuse(errors, _("请填写取消原因。"))
    with transaction.atomic():
        updated = ReceptionDay.objects.filter(pk=day.pk, status=ReceptionDay.Status.SCHEDULED).update(
            status=ReceptionDay.Status.CANCELLED, cancel_reason=reason)
        if not updated:
            day.refresh_from_db(fields=["status"])
            raise _state(_("取消接访"), day.get_status_display())
        audit_record(actor=actor, action="reception_day.cancel", obj=day)
    day.refresh_from_db()
    return day


def reception_record(*, actor: Any, day: ReceptionDay, matter: str, persons: Sequence[PartyInput],
                     response: str = "", received_at: datetime | None = None) -> Reception:
    """Record the people received on a reception day: at most 5 representatives for a group (信访工作条例
    Art. 20 ¶3), what they asked (recorded as said, Art. 19 ¶1) and the leader's answer."""
    _require(actor, RECORD_RECEPTION, _("您没有登记接访情况的权限。"))
    if not reception_day_receptions_allowed(user=actor, day=day):
        raise NotFound()
    if day.status == ReceptionDay.Status.CANCELLED:
        raise _state(_("登记接访情况"), day.get_status_display())
    if day.date > timezone.localdate():
        raise InvalidTransition(_("接访日尚未到来。"))
    errors: dict[str, list[str]] = {}
    matter = _text(matter, "matter", errors, limit=MAX_TEXT, label=_("反映事项"))
    response = _text(response, "response", errors, required=False, limit=MAX_TEXT)
    # Recorded on the day: now; recorded afterwards: the start of the reception.
    moment = received_at or (timezone.now() if day.date == timezone.localdate()
                             else timezone.make_aware(datetime.combine(day.date, day.starts_at)))
    if received_at is not None:
        _past_moment(received_at, "received_at", errors)
    if not errors and timezone.localdate(moment) != day.date:
        errors.setdefault("received_at", []).append(_("接待时间须在接访当天。"))
    prepared = _parties_check(persons, errors, minimum=1, maximum=MAX_REPRESENTATIVES,
                              too_few=_("至少登记一名来访人。"))
    if len(persons) > MAX_REPRESENTATIVES:
        errors["parties"] = [_("多人走访推选的代表不能超过5人（《信访工作条例》第二十条）。")]
    _refuse(errors, _("接访登记有误，请检查后重新提交。"))
    with transaction.atomic():
        locked = ReceptionDay.objects.select_for_update().get(pk=day.pk)
        if locked.status == ReceptionDay.Status.CANCELLED:
            raise _state(_("登记接访情况"), locked.get_status_display())
        if locked.date > timezone.localdate():
            raise InvalidTransition(_("接访日尚未到来。"))
        reception = Reception.objects.create(day=locked, received_at=moment, matter=matter, response=response,
                                             recorded_by=actor)
        _parties_write(prepared, reception=reception)
        ReceptionDay.objects.filter(pk=locked.pk, status=ReceptionDay.Status.SCHEDULED).update(
            status=ReceptionDay.Status.HELD)
        audit_record(actor=actor, action="reception.create", obj=reception,
                     detail={"day": locked.pk, "persons": len(prepared)})
    return reception


def reception_register_case(*, actor: Any, reception: Reception, matter_type: str, title: str = "",
                            category: Category | None = None) -> RegistrationResult:
    """Register what was raised at a reception as a case in one step (channel 来访, received at the
    reception: 信访工作条例 Art. 17, 19), the people received as petitioners."""
    from xinfang.grassroots.selectors import receptions_visible_to

    if not receptions_visible_to(actor).filter(pk=reception.pk).exists():
        raise NotFound()
    first_line = reception.matter.strip().splitlines()[0] if reception.matter.strip() else ""
    matter_type, channel, title = _conversion_inputs(actor=actor, permission=RECORD_RECEPTION,
                                                     matter_type=matter_type, channel=Case.Channel.VISIT,
                                                     title=title, default_title=first_line[:50])
    with transaction.atomic():
        locked = Reception.objects.select_for_update().get(pk=reception.pk)
        if locked.case_id is not None:
            raise InvalidTransition(_("该接访事项已登记为信访事项。"))
        parties = list(locked.parties.all())
        day = reception.day
        result = _case_register_from(actor=actor, matter_type=matter_type, channel=channel, title=title,
                                     content=locked.matter, petitioners=_as_petitioners(parties),
                                     received_at=locked.received_at, category=category, street=_street_of(day.unit))
        Reception.objects.filter(pk=locked.pk).update(case=result.case)
        case_event_append(case=result.case, actor=actor, action="grassroots_origin",
                          note=_("领导接访（%(d)s，%(p)s）登记") % {"d": day.date.isoformat(), "p": day.place},
                          data={"reception": locked.pk, "day": day.pk})
        audit_record(actor=actor, action="reception.register", obj=locked, detail={"case": result.case.pk})
    return result


# --- Personal data -----------------------------------------------------------------------------------

def party_reveal(*, actor: Any, party: Party, reason: str) -> dict[str, str]:
    """The full ID and phone numbers of a party, for a user with the permission petitioners need and a
    stated reason; every reveal and every refusal is audited (SECURITY.md 6, PIPL Art. 51)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(REVEAL):
        audit_record(actor=actor, action="party.reveal", obj=party, result="denied")
        raise Forbidden(_("您没有查看完整个人信息的权限。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("请说明查看完整个人信息的理由。"), errors={"reason": [_("理由至少4个字。")]})
    audit_record(actor=actor, action="party.reveal", obj=party, detail={"reason": reason[:200]})
    return {
        "id_number": decrypt(party.id_number_encrypted, context=ID_CONTEXT) if party.id_number_encrypted else "",
        "phone": decrypt(party.phone_encrypted, context=PHONE_CONTEXT) if party.phone_encrypted else "",
    }


def parties_rekey(*, batch_size: int = 500) -> int:
    """After a field-key rotation (docs/security.md): re-encrypt and re-hash every party still on an old key,
    in batches that commit on their own (restartable, idempotent). Returns how many were rewritten."""
    fields = (("id_number_encrypted", "id_hash", ID_CONTEXT, "id"),
              ("phone_encrypted", "phone_hash", PHONE_CONTEXT, "phone"))
    return rows_rekey(Party, fields, batch_size=batch_size).rekeyed
