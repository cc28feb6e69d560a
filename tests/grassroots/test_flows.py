"""Each grassroots flow through its services: a dispute turned into a case in one step, a 三所联动 mediation
with sessions, an agreement (.docx read back with python-docx) and its follow-up, a visit's finding turned
into a case, a leader's reception day with the people received; the state rules; and bad input refused
with every field named and nothing written."""

from __future__ import annotations

import io
from datetime import date, time

import pytest
from django.core.management import call_command
from docx import Document

from tests.conftest import VALID_ID, at
from tests.grassroots.conftest import TODAY, counts, party
from xinfang.cases.models import Case, CaseEvent
from xinfang.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.grassroots import services
from xinfang.grassroots.models import (
    Dispute,
    Mediation,
    MediationFollowUp,
    MediationParticipant,
    ReceptionDay,
    Visit,
)

# --- Disputes ---------------------------------------------------------------------------------------


def test_a_dispute_is_recorded_at_the_point_with_its_street(build, units):
    dispute = build.dispute()
    assert (dispute.unit, dispute.street, dispute.status) == (units["point"], units["street"], Dispute.Status.OPEN)
    assert [p.name for p in dispute.parties.all()] == ["王五", "赵六"]
    entry = AuditEntry.objects.get(action="dispute.create")
    assert entry.object_id == str(dispute.pk) and entry.detail["parties"] == 2
    assert VALID_ID not in str(entry.detail)


def test_a_dispute_becomes_a_case_in_one_step(build, people, units, categories):
    dispute = build.dispute(category=categories["property"])
    result = services.dispute_convert(actor=people["point_registrar"], dispute=dispute,
                                      matter_type=Case.MatterType.CLAIM)
    case = result.case
    dispute.refresh_from_db()
    assert (dispute.status, dispute.case) == (Dispute.Status.CONVERTED, case)
    # Registered through case_register: a number, the routing deadline, the point as the registering unit.
    assert case.number.startswith("XF-2026-") and case.status == Case.Status.REGISTERED
    assert (case.channel, case.registered_unit, case.street) == (Case.Channel.SERVICE_POINT, units["point"],
                                                                 units["street"])
    assert case.category == categories["property"] and case.title == dispute.title
    assert case.deadlines.filter(kind="route_by").exists()
    # The applicant became the petitioner, with the ID number protected again for the petitioner's column.
    [link] = case.case_petitioners.select_related("petitioner")
    assert link.petitioner.name == "王五" and link.petitioner.id_masked == "110101********4514"
    assert VALID_ID not in link.petitioner.id_number_encrypted
    assert set(case.events.values_list("action", flat=True)) >= {"registered", "grassroots_origin"}
    assert AuditEntry.objects.filter(action="dispute.convert", object_id=str(dispute.pk)).exists()


def test_a_dispute_is_converted_only_once_and_only_while_open(build, people):
    dispute = build.dispute()
    services.dispute_convert(actor=people["officer"], dispute=dispute, matter_type=Case.MatterType.CLAIM)
    before = counts()
    with pytest.raises(InvalidTransition):
        services.dispute_convert(actor=people["officer"], dispute=dispute, matter_type=Case.MatterType.CLAIM)
    assert counts() == before
    resolved = build.dispute(title="另一纠纷")
    services.dispute_resolve(actor=people["point_registrar"], dispute=resolved, resolution="经居委会劝解已和好。")
    with pytest.raises(InvalidTransition):
        services.dispute_convert(actor=people["officer"], dispute=resolved, matter_type=Case.MatterType.CLAIM)


def test_converting_needs_the_registration_permission(build, people):
    dispute = build.dispute(actor="street_handler")
    before = counts()
    with pytest.raises(Forbidden):
        services.dispute_convert(actor=people["street_handler"], dispute=dispute, matter_type=Case.MatterType.CLAIM)
    assert counts() == before and Dispute.objects.get(pk=dispute.pk).status == Dispute.Status.OPEN


def test_a_refused_registration_leaves_the_dispute_open(build, people):
    dispute = build.dispute()
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        services.dispute_convert(actor=people["officer"], dispute=dispute, matter_type="nonsense")
    assert "matter_type" in refused.value.errors
    assert counts() == before
    dispute.refresh_from_db()
    assert (dispute.status, dispute.case_id) == (Dispute.Status.OPEN, None)


def test_bad_dispute_input_names_every_field_and_writes_nothing(build, people):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        services.dispute_record(
            actor=people["point_registrar"], title=" ", description="", risk_level="extreme", source="rumour",
            found_on=date(2027, 1, 1), parties=[services.PartyInput(name="", id_number="110101199003074515",
                                                                    phone="12345")],
            unit=people["street2_handler"].unit)
    errors = refused.value.errors
    assert {"title", "description", "risk_level", "source", "found_on", "unit", "parties[0].name",
            "parties[0].id_number", "parties[0].phone"} <= set(errors)
    assert "校验位" in errors["parties[0].id_number"][0]
    assert counts() == before


def test_a_dispute_needs_a_party_and_the_permission(people):
    with pytest.raises(ValidationFailed) as refused:
        services.dispute_record(actor=people["officer"], title="无当事人", description="说明", risk_level="low",
                                source="screening", found_on=TODAY, parties=[])
    assert "parties" in refused.value.errors
    with pytest.raises(Forbidden):
        services.dispute_record(actor=people["system_admin"], title="x", description="y", risk_level="low",
                                source="screening", found_on=TODAY, parties=[party()])


# --- Mediations -------------------------------------------------------------------------------------


def test_a_joint_mediation_from_a_dispute_with_sessions_agreement_and_follow_up(build, people, units):
    dispute = build.dispute()
    mediation = build.mediation(dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.MEDIATING
    # The dispute's parties, unit and street carried over; the three of 三所联动 take part.
    assert [p.name for p in mediation.parties.all()] == ["王五", "赵六"]
    assert (mediation.unit, mediation.street, mediation.title) == (units["point"], units["street"], dispute.title)
    assert set(mediation.participants.values_list("kind", flat=True)) == {
        MediationParticipant.Kind.POLICE_STATION, MediationParticipant.Kind.JUDICIAL_OFFICE,
        MediationParticipant.Kind.LAW_FIRM}
    actor = people["point_registrar"]
    build.session(mediation)
    services.mediation_session_add(actor=actor, mediation=mediation, held_at=at("2026-11-20 09:45"),
                                   place="东风居委调解室", notes="双方同意赔偿方案。")
    assert mediation.sessions.count() == 2
    concluded = services.mediation_conclude(
        actor=actor, mediation=mediation, outcome=Mediation.Outcome.AGREEMENT,
        agreement_terms="一、楼上住户修复防水。\n二、赔偿二千元。", performance="现金", performance_due=date(2026, 12, 1))
    assert (concluded.status, concluded.outcome) == (Mediation.Status.CONCLUDED, Mediation.Outcome.AGREEMENT)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED
    # The agreement, read back: the title, the parties (masked ID only), the terms, the mediators.
    content = services.mediation_agreement_print(actor=actor, mediation=concluded)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert text.startswith("人民调解协议书")
    assert concluded.number in text and "110101********4514" in text and VALID_ID not in text
    assert "一、楼上住户修复防水。" in text and "周律师" in text and "二〇二六年十二月一日" in text
    assert AuditEntry.objects.filter(action="mediation.print", object_id=str(mediation.pk)).exists()
    # Follow-up: partly kept, then kept in full; after that no more follow-ups.
    services.mediation_follow_up_add(actor=actor, mediation=concluded, visited_on=TODAY,
                                     method=MediationFollowUp.Method.PHONE,
                                     result=MediationFollowUp.Result.PARTLY, notes="防水已修，赔偿未付。")
    services.mediation_follow_up_add(actor=actor, mediation=concluded, visited_on=TODAY,
                                     method=MediationFollowUp.Method.HOME, result=MediationFollowUp.Result.PERFORMED)
    concluded.refresh_from_db()
    assert concluded.fulfilled_at is not None
    with pytest.raises(InvalidTransition):
        services.mediation_follow_up_add(actor=actor, mediation=concluded, visited_on=TODAY,
                                         method="home", result="performed")


def test_joint_mediation_needs_all_three(build, units):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        build.mediation(participants=joint_without_law_firm(units))
    assert "三所联动" in refused.value.errors["participants"][0]
    assert counts() == before


def joint_without_law_firm(units):
    from tests.grassroots.conftest import joint_participants

    return [p for p in joint_participants(units) if p.kind != MediationParticipant.Kind.LAW_FIRM]


def test_a_mediation_needs_two_parties_and_a_mediator(build):
    with pytest.raises(ValidationFailed) as refused:
        build.mediation(kind=Mediation.Kind.PEOPLE, parties=[party()], participants=[])
    assert {"parties", "participants"} <= set(refused.value.errors)


def test_conclusion_rules(build, people):
    actor = people["point_registrar"]
    mediation = build.mediation()
    with pytest.raises(InvalidTransition):  # no session recorded yet
        services.mediation_conclude(actor=actor, mediation=mediation, outcome=Mediation.Outcome.NO_AGREEMENT)
    build.session(mediation)
    with pytest.raises(ValidationFailed) as refused:
        services.mediation_conclude(actor=actor, mediation=mediation, outcome=Mediation.Outcome.AGREEMENT)
    assert "agreement_terms" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.mediation_conclude(actor=actor, mediation=mediation, outcome=Mediation.Outcome.LITIGATION)
    assert "referral_note" in refused.value.errors
    with pytest.raises(NotFound):  # no agreement, no document
        services.mediation_agreement_print(actor=actor, mediation=mediation)
    # 诉访分离: guided into litigation; the dispute-less mediation is over; no follow-up of an agreement.
    services.mediation_conclude(actor=actor, mediation=mediation, outcome=Mediation.Outcome.LITIGATION,
                                referral_note="属于相邻关系纠纷，引导当事人向区人民法院起诉。")
    with pytest.raises(InvalidTransition):
        build.session(mediation)
    with pytest.raises(InvalidTransition):
        services.mediation_follow_up_add(actor=actor, mediation=mediation, visited_on=TODAY, method="home",
                                         result="performed")


def test_no_agreement_reopens_the_dispute_and_referral_marks_it(build, people):
    actor = people["point_registrar"]
    dispute = build.dispute()
    mediation = build.mediation(dispute=dispute)
    build.session(mediation)
    services.mediation_conclude(actor=actor, mediation=mediation, outcome=Mediation.Outcome.NO_AGREEMENT)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN
    second = build.mediation(dispute=dispute, kind=Mediation.Kind.PEOPLE)
    build.session(second)
    services.mediation_conclude(actor=actor, mediation=second, outcome=Mediation.Outcome.ARBITRATION,
                                referral_note="劳动报酬争议，引导申请劳动仲裁。")
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.REFERRED and "劳动仲裁" in dispute.resolution


def test_a_mediation_for_a_case_is_in_the_case_log(build, people, categories):
    from xinfang.cases.services import PetitionerInput, case_register

    case = case_register(actor=people["registrar"], channel="visit", received_at=at("2026-11-19 09:00"),
                         matter_type="claim", title="物业费纠纷", content="物业费争议",
                         petitioners=[PetitionerInput(name="张三")], category=categories["property"]).case
    mediation = build.mediation(actor="officer", case=case, unit=people["officer"].unit)
    assert mediation.case == case and mediation.street is None
    assert CaseEvent.objects.filter(case=case, action="mediation_opened", data__mediation=mediation.pk).exists()
    build.session(mediation, actor="officer")
    services.mediation_conclude(actor=people["officer"], mediation=mediation, outcome="no_agreement")
    assert CaseEvent.objects.filter(case=case, action="mediation_concluded").exists()


def test_a_dispute_already_mediating_cannot_open_a_second_mediation(build):
    dispute = build.dispute()
    build.mediation(dispute=dispute)
    before = counts()
    with pytest.raises(InvalidTransition):
        build.mediation(dispute=dispute)
    assert counts() == before


# --- Visits -----------------------------------------------------------------------------------------


def test_a_walk_finding_becomes_a_case_in_one_step(build, people, units):
    visit = build.visit()
    assert (visit.unit, visit.street) == (units["street"], units["street"])
    finding = build.finding(visit)
    result = services.finding_convert(actor=people["officer"], finding=finding, matter_type=Case.MatterType.CLAIM)
    finding.refresh_from_db()
    assert finding.status == "converted" and finding.case == result.case
    case = result.case
    assert (case.channel, case.street, case.title) == ("visit", units["street"], "小区路灯损坏")
    assert case.received_at == visit.visited_at
    assert case.case_petitioners.get().petitioner.name == "孙七"
    with pytest.raises(InvalidTransition):
        services.finding_convert(actor=people["officer"], finding=finding, matter_type="claim")


def test_a_finding_without_residents_cannot_become_a_case(build, people):
    visit = build.visit(with_finding=False)
    finding = services.visit_finding_add(actor=people["street_handler"], visit=visit, title="井盖缺失",
                                         description="路口井盖缺失。")
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        services.finding_convert(actor=people["officer"], finding=finding, matter_type="claim")
    assert "parties" in refused.value.errors
    assert counts() == before


def test_a_home_visit_needs_a_case(build):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        build.visit(actor="handler", kind=Visit.Kind.HOME, with_finding=False)
    assert "case" in refused.value.errors
    assert counts() == before


def test_home_visit_on_a_case(people, units, categories, build):
    from xinfang.cases import services as case_services

    case = case_services.case_register(
        actor=people["registrar"], channel="letter", received_at=at("2026-11-18 09:00"), matter_type="claim",
        title="电梯故障", content="电梯长期故障", petitioners=[case_services.PetitionerInput(name="张三")],
        category=categories["housing"], street=units["street"]).case
    case = case_services.case_route(case=case, unit=units["housing"], mode="transfer", actor=people["officer"])
    visit = build.visit(actor="handler", kind=Visit.Kind.HOME, case=case, with_finding=False)
    assert visit.case == case and visit.street == units["street"] and visit.unit == units["housing"]
    event = CaseEvent.objects.get(case=case, action="grassroots_visit")
    assert event.at == visit.visited_at and "上门办信" in event.note
    # Another unit's handler does not see the case: no visit on it.
    with pytest.raises(ValidationFailed):
        build.visit(actor="other_handler", kind=Visit.Kind.HOME, case=case, with_finding=False)


# --- Reception days ---------------------------------------------------------------------------------


def test_a_reception_day_receives_people_and_registers_a_case(build, people, units):
    day = build.reception_day()
    assert day.status == ReceptionDay.Status.SCHEDULED and list(day.joint_units.all()) == [units["housing"]]
    reception = build.reception(day)
    day.refresh_from_db()
    assert day.status == ReceptionDay.Status.HELD
    assert reception.received_at == at("2026-11-20 10:00")  # recorded on the day: now
    result = services.reception_register_case(actor=people["officer"], reception=reception,
                                              matter_type=Case.MatterType.CLAIM, title="加装电梯资金分摊")
    reception.refresh_from_db()
    assert reception.case == result.case and result.case.channel == "visit"
    assert result.case.content == reception.matter
    with pytest.raises(InvalidTransition):
        services.reception_register_case(actor=people["officer"], reception=reception, matter_type="claim")


def test_reception_day_rules(build, people):
    officer = people["officer"]
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        services.reception_day_schedule(actor=officer, leader=people["handler"], day=date(2026, 11, 1),
                                        starts_at=time(11), ends_at=time(9), place="", unit=None)
    assert {"leader", "date", "ends_at", "place", "unit"} <= set(refused.value.errors)
    assert counts() == before
    with pytest.raises(Forbidden):  # the bureau's officer schedules, not the registrar
        services.reception_day_schedule(actor=people["registrar"], leader=people["leader"], day=TODAY,
                                        starts_at=time(9), ends_at=time(11), place="大厅", unit=people["officer"].unit)
    day = build.reception_day(day=date(2026, 11, 27))
    with pytest.raises(ValidationFailed) as refused:  # the same leader, overlapping
        build.reception_day(day=date(2026, 11, 27), starts_at=time(10), ends_at=time(12))
    assert "date" in refused.value.errors
    with pytest.raises(InvalidTransition):  # the day has not come
        build.reception(day)
    with pytest.raises(ValidationFailed) as refused:  # at most 5 representatives (Art. 20)
        services.reception_record(actor=officer, day=build.reception_day(starts_at=time(14), ends_at=time(16)),
                                  matter="集体反映", persons=[party(f"代表{i}", id_number="") for i in range(6)])
    assert "第二十条" in refused.value.errors["parties"][0]
    services.reception_day_cancel(actor=officer, day=day, reason="领导临时公务")
    day.refresh_from_db()
    assert day.status == ReceptionDay.Status.CANCELLED
    with pytest.raises(InvalidTransition):
        services.reception_day_cancel(actor=officer, day=day, reason="again")


def test_parties_are_found_by_the_petitioners_keyed_hash(build):
    from xinfang.core.crypto import lookup_hash

    dispute = build.dispute()
    assert dispute.parties.filter(id_hash=lookup_hash(VALID_ID, context="id")).exists()


def test_parties_rekey_after_a_rotation(build, settings):
    from xinfang.core.crypto import current_key_id, decrypt, field_key_generate, field_keys_reset, key_id_of
    from xinfang.grassroots.models import Party

    build.dispute()
    old = settings.FIELD_KEY
    settings.FIELD_KEY, settings.FIELD_KEYS_OLD = field_key_generate(), [old]
    field_keys_reset()
    try:
        out = io.StringIO()
        call_command("rotate_field_key", stdout=out)  # the operator's command re-keys parties too
        assert "重新加密 2 人" in out.getvalue()
        assert services.parties_rekey() == 0
        token = Party.objects.get(name="王五").id_number_encrypted
        assert key_id_of(token) == current_key_id()
        assert decrypt(token, context=services.ID_CONTEXT) == VALID_ID
    finally:
        settings.FIELD_KEY, settings.FIELD_KEYS_OLD = old, []
        field_keys_reset()



def test_a_streets_home_visit_keeps_the_streets_own_street(people, units, categories, build):
    """A case handled by 江川路 about someone living in 莘庄: the visit belongs to 江川路's records."""
    from xinfang.cases import services as case_services

    case = case_services.case_register(
        actor=people["registrar"], channel="letter", received_at=at("2026-11-18 09:00"), matter_type="claim",
        title="物业纠纷", content="物业纠纷", petitioners=[case_services.PetitionerInput(name="张三")],
        street=units["street2"]).case
    case = case_services.case_route(case=case, unit=units["street"], mode="transfer", actor=people["officer"])
    visit = build.visit(actor="street_handler", kind=Visit.Kind.HOME, case=case, with_finding=False)
    assert (visit.unit, visit.street) == (units["street"], units["street"])
