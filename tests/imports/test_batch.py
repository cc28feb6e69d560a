"""``cases_register_batch`` keeps every invariant of ``case_register``: compared field by field with a
case registered the normal way (number sequence, query code hash, encryption and keyed hashes, masked
forms, route_by deadline from the holiday calendar, registered event, audit row, repeat linking)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.conftest import VALID_ID, VALID_ID_2, at
from xinfang.cases.models import Case, CaseDeadline, CaseEvent
from xinfang.cases.services import PetitionerInput, case_register
from xinfang.cases.services.registration_batch import BatchPetition, cases_register_batch
from xinfang.core.audit import audit_verify
from xinfang.core.clock import clock_at
from xinfang.core.crypto import decrypt, lookup_hash, token_hash
from xinfang.core.errors import Forbidden, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.deadlines.services import CalendarRow, calendar_load

pytestmark = pytest.mark.django_db


def _valid(first17: str) -> str:
    from xinfang.core.idnumber import id_number_check_code

    return first17 + id_number_check_code(first17)


def _petition(person: PetitionerInput, **extra) -> dict:
    return {"channel": "letter", "received_at": at("2026-09-30 10:00"), "matter_type": "claim",
            "title": "小区电梯长期故障", "content": "小区电梯长期故障无人维修，要求尽快修复。", "petitioners": [person],
            **extra}


def _shape(case: Case) -> dict:
    petitioner = case.case_petitioners.get().petitioner
    return {
        "status": case.status, "channel": case.channel, "registered_unit": case.registered_unit_id,
        "registered_by": case.registered_by_id, "number_format": case.number[:8],
        "events": list(CaseEvent.objects.filter(case=case).values_list("action", "to_status", "actor_name")),
        "deadlines": list(CaseDeadline.objects.filter(case=case).values_list(
            "kind", "start_date", "days", "counting", "due_date", "provisional", "on_petitioner")),
        "audit": list(AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
                      .values_list("action", "username", "detail__status")),
        "id_masked": re.sub(r"[0-9X]", "9", petitioner.id_masked),
        "phone_masked": bool(petitioner.phone_masked),
    }


def test_a_batch_case_has_the_shape_of_a_registered_one(personas, categories, district):
    # Received 2026-09-30: 15 days end on Thu 10-15, declared a holiday here, so the deadline rolls to Fri
    # 10-16 on the official calendar (民法典 Art. 203) — in both paths.
    calendar_load(rows=[CalendarRow(date(2026, 10, 15), "holiday", "test")], years=[2026], source="test")
    with clock_at(at("2026-10-02 09:00")):
        normal = case_register(actor=personas["registrar"], category=categories["housing"], street=district["street"],
                               **_petition(PetitionerInput(name="张三", id_number=VALID_ID, phone="13812345678")))
        [batch] = cases_register_batch(actor=personas["registrar"], petitions=[BatchPetition(
            category=categories["housing"], street=district["street"],
            **_petition(PetitionerInput(name="李四", id_number=_valid("31011219850612002"), phone="13812345679")))])
    a, b = Case.objects.get(pk=normal.case.pk), Case.objects.get(pk=batch.case.pk)
    assert _shape(a) == _shape(b)
    assert _shape(b)["deadlines"][0][4:6] == (date(2026, 10, 16), False)
    assert int(b.number.rsplit("-", 1)[1]) == int(a.number.rsplit("-", 1)[1]) + 1  # one sequence
    assert b.query_code_hash == token_hash(batch.query_code) and len(batch.query_code) == 16
    person = b.case_petitioners.get().petitioner
    assert decrypt(person.id_number_encrypted, context="petitioner.id_number") == _valid("31011219850612002")
    assert decrypt(person.phone_encrypted, context="petitioner.phone") == "13812345679"
    assert person.id_hash == lookup_hash(_valid("31011219850612002"), context="id")
    assert person.phone_hash == lookup_hash("13812345679", context="phone")
    assert "31011219850612002" not in person.id_masked
    assert audit_verify().ok


def test_a_batch_repeat_of_an_open_case_is_linked(personas, categories):
    with clock_at(at("2026-10-02 09:00")):
        original = case_register(actor=personas["registrar"], category=categories["housing"],
                                 **_petition(PetitionerInput(name="张三", id_number=VALID_ID))).case
        [again] = cases_register_batch(actor=personas["registrar"], petitions=[BatchPetition(
            category=categories["housing"], **_petition(PetitionerInput(name="张三", id_number=VALID_ID)))])
    assert again.linked_to == original
    case = Case.objects.get(pk=again.case.pk)
    assert (case.status, case.repeat_of_id) == (Case.Status.LINKED, original.pk)
    assert not CaseDeadline.objects.filter(case=case).exists()
    assert list(CaseEvent.objects.filter(case=original).values_list("action", flat=True)) == [
        "registered", "repeat_received"]
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == ["registered", "linked"]
    assert case.case_petitioners.get().petitioner_id == original.case_petitioners.get().petitioner_id
    assert audit_verify().ok


def test_a_bad_petition_refuses_the_whole_batch(personas):
    good = BatchPetition(**_petition(PetitionerInput(name="张三", id_number=VALID_ID)))
    bad = BatchPetition(**_petition(PetitionerInput(name="李四", id_number=VALID_ID_2)))
    with clock_at(at("2026-10-02 09:00")), pytest.raises(ValidationFailed) as caught:
        cases_register_batch(actor=personas["registrar"], petitions=[good, bad])
    assert list(caught.value.errors) == ["1.petitioners[0].id_number"]
    assert Case.objects.count() == 0 and AuditEntry.objects.filter(action="case.create").count() == 0


def test_only_with_the_permission(personas):
    with pytest.raises(Forbidden):
        cases_register_batch(actor=personas["handler"], petitions=[
            BatchPetition(**_petition(PetitionerInput(name="张三")))])
