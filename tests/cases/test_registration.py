"""Registering petitions (case_register): validation, group visits, repeats and final matters, the case
number, the query code and the encrypted personal data; and petitioner_reveal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.cases.conftest import (
    CONTENT,
    ID_X,
    PHONE,
    T_LATER,
    T_REGISTER,
    TITLE,
    deadline,
    deadline_kinds,
    events_of,
)
from tests.conftest import VALID_ID, at
from xinfang.accounts.models import User
from xinfang.accounts.services import user_create
from xinfang.cases.models import (
    Case,
    CaseAccused,
    CaseDeadline,
    CaseEvent,
    CaseNumberSequence,
    CasePetitioner,
    Petitioner,
)
from xinfang.cases.services import PetitionerInput, case_register, petitioner_reveal
from xinfang.cases.services.registration import QUERY_CODE_ALPHABET
from xinfang.core.clock import clock_at
from xinfang.core.crypto import decrypt, lookup_hash, token_hash
from xinfang.core.errors import Forbidden, ValidationFailed
from xinfang.core.models import AuditEntry

S = Case.Status
# 110101199003074514 with a wrong check digit.
BAD_CHECK_ID = "110101199003074515"


def written() -> dict[str, Any]:
    """Row counts of everything a registration writes."""
    return {
        "cases": Case.objects.count(),
        "petitioners": Petitioner.objects.count(),
        "links": CasePetitioner.objects.count(),
        "accused": CaseAccused.objects.count(),
        "events": CaseEvent.objects.count(),
        "deadlines": CaseDeadline.objects.count(),
        "audit": AuditEntry.objects.count(),
        "sequence": list(CaseNumberSequence.objects.values_list("year", "last")),
    }


def person(name: str = "张三", id_number: str = "", phone: str = "", address: str = "") -> PetitionerInput:
    return PetitionerInput(name=name, id_number=id_number, phone=phone, address=address)


# --- What a registration writes ----------------------------------------------------------------------

def test_registration_opens_the_case_with_the_routing_deadline(wf, personas, district, categories):
    result = wf.register_result()
    case = result.case
    case.refresh_from_db()
    assert case.status == S.REGISTERED
    assert (case.channel, case.matter_type, case.title, case.content) == (
        Case.Channel.LETTER, Case.MatterType.CLAIM, TITLE, CONTENT)
    assert case.received_at == at(T_REGISTER)
    assert (case.category, case.street, case.group_size) == (categories["housing"], district["street"], 1)
    # Registered by the registrar, for the bureau.
    assert (case.registered_by, case.registered_unit) == (personas["registrar"], district["bureau"])
    assert case.handling_unit is None and case.repeat_of is None
    assert result.linked_to is None and result.warnings == []
    assert events_of(case) == [("registered", "", S.REGISTERED, "registrar")]
    event = CaseEvent.objects.get(case=case)
    assert (event.actor_id, event.at, event.data) == (personas["registrar"].pk, at(T_REGISTER),
                                                      {"channel": "letter", "matter_type": "claim"})
    # 信访工作条例 Art. 22: 15 days from receipt.
    route_by = deadline(case, "route_by")
    assert (route_by.start_date.isoformat(), route_by.days, route_by.due_date.isoformat()) == (
        "2026-06-01", 15, "2026-06-16")
    assert (route_by.met_at, route_by.cancelled, route_by.provisional) == (None, False, False)
    assert deadline_kinds(case) == {"route_by"}
    link = CasePetitioner.objects.get(case=case)
    assert (link.petitioner.name, link.is_representative, link.position) == ("张三", False, 0)
    audit = AuditEntry.objects.get(action="case.create", object_id=str(case.pk))
    assert (audit.username, audit.detail) == ("registrar", {"status": "registered", "force_new": True})


def test_routing_deadline_counts_from_receipt_not_from_registration(wf):
    # A letter received on Mon 06-01 and entered on Wed 06-03 is still due to be routed by Tue 06-16.
    moment = at("2026-06-03 09:00")
    with clock_at(moment):
        case = case_register(actor=wf.personas["registrar"], channel=Case.Channel.LETTER,
                             received_at=at("2026-06-01 15:00"), matter_type=Case.MatterType.CLAIM, title=TITLE,
                             content=CONTENT, petitioners=[person()]).case
    assert deadline(case, "route_by").due_date.isoformat() == "2026-06-16"
    assert CaseEvent.objects.get(case=case).at == moment


def test_online_petition_without_an_account(wf):
    """A petition submitted by the public (no staff account) is registered; no unit registered it."""
    case = wf.register(actor=None, channel=Case.Channel.ONLINE)
    case.refresh_from_db()
    assert (case.status, case.registered_by, case.registered_unit) == (S.REGISTERED, None, None)
    assert events_of(case) == [("registered", "", S.REGISTERED, "系统")]


def test_only_registrars_and_officers_register(wf):
    before = written()
    for persona in ["handler", "head", "leader", "system_admin", "audit_admin"]:
        with pytest.raises(Forbidden):
            wf.register(actor=persona)
        assert written() == before, persona


def test_officer_may_register(wf, personas):
    case = wf.register(actor="officer")
    assert case.registered_by == personas["officer"]


def test_accused_units_and_persons_are_stored(wf, district, personas):
    case = wf.register(matter_type=Case.MatterType.ACCUSATION, accused_units=[district["housing"]],
                       accused_persons=[{"name": " 李四 ", "position": "科长", "unit": district["hr"],
                                         "user": personas["other_handler"]}])
    rows = sorted(CaseAccused.objects.filter(case=case).values_list("unit__code", "name", "position", "user_id"))
    assert rows == [("MH-FGJ", "", "", None), ("MH-RSJ", "李四", "科长", personas["other_handler"].pk)]


# --- Validation: ValidationFailed naming the fields, nothing written -------------------------------------

def register_kwargs(wf: Any, **overrides: Any) -> dict[str, Any]:
    """Arguments of a valid registration by the registrar; ``wf`` is the workflow helper or ``Intake``."""
    values: dict[str, Any] = dict(
        actor=wf.personas["registrar"], channel=Case.Channel.LETTER, received_at=at("2026-06-01 09:00"),
        matter_type=Case.MatterType.CLAIM, title=TITLE, content=CONTENT,
        petitioners=[person(id_number=VALID_ID, phone=PHONE)], category=wf.categories["housing"],
        street=wf.district["street"],
    )
    values.update(overrides)
    return values


@dataclass
class Intake:
    """The district with only a registrar: enough for validation, cheaper than all the personas."""

    personas: dict[str, Any]
    district: dict[str, Any]
    categories: dict[str, Any]


@pytest.fixture
def intake(district, categories) -> Intake:
    registrar = user_create(username="registrar", role=User.Role.REGISTRAR, unit=district["bureau"])
    return Intake(personas={"registrar": registrar}, district=district, categories=categories)


INVALID: list[tuple[str, dict[str, Any], set[str]]] = [
    ("unknown channel", {"channel": "pigeon"}, {"channel"}),
    ("unknown matter type", {"matter_type": "complaint"}, {"matter_type"}),
    ("blank title", {"title": "   "}, {"title"}),
    ("long title", {"title": "长" * 201}, {"title"}),
    ("blank content", {"content": "\n"}, {"content"}),
    ("long content", {"content": "长" * 20001}, {"content"}),
    ("naive received_at", {"received_at": datetime(2026, 6, 1, 9, 0)}, {"received_at"}),
    ("received_at in the future", {"received_at": at("2026-06-01 10:06")}, {"received_at"}),
    ("received_at before 2000", {"received_at": at("1999-12-31 10:00")}, {"received_at"}),
    ("received_at missing", {"received_at": None}, {"received_at"}),
    ("no petitioner", {"petitioners": []}, {"petitioners"}),
    ("group size 0", {"group_size": 0}, {"group_size"}),
    ("group size not an int", {"group_size": "3"}, {"group_size"}),
    ("group smaller than the petitioners named", {"petitioners": [person("甲"), person("乙")], "group_size": 1},
     {"group_size"}),
    ("six representatives", {"channel": Case.Channel.VISIT, "group_size": 50,
                             "representatives": [person(f"代表{i}") for i in range(6)]}, {"representatives"}),
    ("group visit without representatives", {"channel": Case.Channel.VISIT, "group_size": 6}, {"representatives"}),
    ("street that is not a street", {"street": "housing"}, {"street"}),
    ("accused units on a suggestion", {"matter_type": Case.MatterType.SUGGESTION, "accused_units": ["housing"]},
     {"accused_units"}),
    ("accused person without a name", {"matter_type": Case.MatterType.ACCUSATION,
                                       "accused_persons": [{"name": "李四"}, {"name": " ", "position": "科长"}]},
     {"accused_persons[1].name"}),
    ("blank petitioner name", {"petitioners": [person(" ")]}, {"petitioners[0].name"}),
    ("long petitioner name", {"petitioners": [person("名" * 51)]}, {"petitioners[0].name"}),
    ("ID with a wrong check digit", {"petitioners": [person(id_number=BAD_CHECK_ID)]}, {"petitioners[0].id_number"}),
    ("ID of the wrong length", {"petitioners": [person(id_number="11010119900307451")]},
     {"petitioners[0].id_number"}),
    ("ID with an impossible birth date", {"petitioners": [person(id_number="110101199002304514")]},
     {"petitioners[0].id_number"}),
    ("bad phone", {"petitioners": [person(phone="12345")]}, {"petitioners[0].phone"}),
    ("long address", {"petitioners": [person(address="路" * 201)]}, {"petitioners[0].address"}),
    ("bad representative ID", {"channel": Case.Channel.VISIT, "group_size": 8,
                               "representatives": [person("代表一", ID_X), person("代表二", BAD_CHECK_ID)]},
     {"representatives[1].id_number"}),
    ("everything at once", {"channel": "", "matter_type": "", "title": "", "content": "", "petitioners": [],
                            "received_at": None},
     {"channel", "matter_type", "title", "content", "petitioners", "received_at"}),
    ("second petitioner bad", {"petitioners": [person("甲", VALID_ID), person("", phone="abc")], "group_size": 2},
     {"petitioners[1].name", "petitioners[1].phone"}),
]


@pytest.mark.parametrize(("label", "overrides", "fields"), INVALID, ids=[row[0] for row in INVALID])
def test_invalid_registration_is_refused_and_writes_nothing(intake, label, overrides, fields):
    wf = intake
    for key in ("street",):
        if isinstance(overrides.get(key), str):
            overrides = {**overrides, key: wf.district[overrides[key]]}
    if "accused_units" in overrides:
        overrides = {**overrides, "accused_units": [wf.district[u] for u in overrides["accused_units"]]}
    before = written()
    with clock_at(at("2026-06-01 10:00")), pytest.raises(ValidationFailed) as caught:
        case_register(**register_kwargs(wf, **overrides))
    assert caught.value.status_code == 400
    assert set(caught.value.errors) == fields
    assert all(caught.value.errors[f] for f in fields)  # each with a message
    assert written() == before


def test_clock_skew_of_five_minutes_is_tolerated(intake):
    wf = intake
    with clock_at(at("2026-06-01 10:00")):
        case = case_register(**register_kwargs(wf, received_at=at("2026-06-01 10:04"))).case
    assert case.status == S.REGISTERED


# --- Group visits (信访工作条例 Art. 20) -------------------------------------------------------------

def test_group_visit_with_five_representatives(wf):
    reps = [person(f"代表{i}", phone=f"1390000000{i}") for i in range(5)]
    reps[0] = person("代表0", id_number=ID_X)
    with clock_at(at("2026-06-01 10:00")):
        result = case_register(**register_kwargs(wf, channel=Case.Channel.VISIT, group_size=40,
                                                 representatives=reps))
    case = result.case
    assert case.group_size == 40
    links = list(CasePetitioner.objects.filter(case=case).order_by("position")
                 .values_list("petitioner__name", "is_representative", "position"))
    assert links == [("张三", False, 0)] + [(f"代表{i}", True, i + 1) for i in range(5)]


def test_group_visit_of_five_needs_no_representatives(wf):
    # Only groups larger than 5 must elect representatives.
    with clock_at(at("2026-06-01 10:00")):
        case = case_register(**register_kwargs(wf, channel=Case.Channel.VISIT, group_size=5)).case
    assert case.status == S.REGISTERED


def test_a_petitioner_named_again_as_representative_is_linked_once(wf):
    with clock_at(at("2026-06-01 10:00")):
        case = case_register(**register_kwargs(
            wf, channel=Case.Channel.VISIT, group_size=10,
            representatives=[person("张三", VALID_ID), person("李四", ID_X)])).case
    links = list(CasePetitioner.objects.filter(case=case).values_list("petitioner__name", "is_representative"))
    assert sorted(links) == [("张三", False), ("李四", True)]


# --- Repeats (Art. 19 ¶3) and final matters (Art. 36 ¶3) -------------------------------------------------

def test_repeat_of_an_open_case_is_linked_to_it(wf):
    original = wf.route(wf.register())
    original_before = events_of(original)
    result = wf.register_result("2026-06-05 09:00", repeat_of=original, channel=Case.Channel.PHONE)
    case = result.case
    case.refresh_from_db()
    assert case.status == S.LINKED
    assert not case.is_open
    assert result.linked_to == original
    assert case.repeat_of == original
    assert deadline_kinds(case) == set()  # nothing to route: the open case carries the clock
    assert [e[:3] for e in events_of(case)] == [("registered", "", S.LINKED), ("linked", "", S.LINKED)]
    linked = CaseEvent.objects.get(case=case, action="linked")
    assert linked.data == {"case": original.pk}
    assert original.number in linked.note
    # The open case notes the repeat and is otherwise untouched.
    original.refresh_from_db()
    assert original.status == S.ROUTED
    assert events_of(original)[:-1] == original_before
    repeat = CaseEvent.objects.filter(case=original).order_by("-id").first()
    assert (repeat.action, repeat.from_status, repeat.to_status, repeat.data) == (
        "repeat_received", "", "", {"case": case.pk})
    assert case.number in repeat.note


def test_every_open_status_links_a_repeat(wf):
    for state in ["registered", "objected", "accepted", "replied", "review_requested", "reviewed",
                  "re_review_requested"]:
        original = wf.build(state)
        assert original.is_open
        result = wf.register_result(T_LATER, repeat_of=original)
        assert (result.case.status, result.linked_to) == (S.LINKED, original), state


def test_same_petitioner_same_matter_is_detected_without_repeat_of(wf):
    original = wf.register()
    # The same person (same ID number), the same category, nearly the same words.
    result = wf.register_result("2026-06-05 09:00", force_new=False, title="小区电梯长期故障无人修",
                                content=CONTENT + "至今没有修好。", phone="")
    case = result.case
    assert (case.status, case.repeat_of, result.linked_to) == (S.LINKED, original, original)
    # The same person record, not a second one.
    assert Petitioner.objects.count() == 1


def test_force_new_skips_the_repeat_check_and_is_audited(wf):
    original = wf.register()
    result = wf.register_result("2026-06-05 09:00", force_new=True)
    case = result.case
    assert (case.status, case.repeat_of, result.linked_to) == (S.REGISTERED, None, None)
    assert deadline(case, "route_by").due_date.isoformat() == "2026-06-22"  # 06-20 is a Saturday
    assert original.pk != case.pk
    audit = AuditEntry.objects.get(action="case.create", object_id=str(case.pk))
    assert audit.detail == {"status": "registered", "force_new": True}


@pytest.mark.parametrize(("change", "value"), [
    ("id_number", ID_X),                       # another person
    ("category", "labour"),                          # another category
    ("content", "用人单位拖欠工资半年，要求劳动监察部门处理。"),  # another matter
])
def test_different_person_category_or_matter_is_not_a_repeat(wf, change, value):
    wf.register()
    kwargs: dict[str, Any] = {"force_new": False, change: value}
    if change == "content":
        kwargs["title"] = "拖欠工资"
    result = wf.register_result("2026-06-05 09:00", **kwargs)
    assert (result.case.status, result.case.repeat_of, result.linked_to) == (S.REGISTERED, None, None)


def test_closed_matter_is_not_detected_as_an_open_repeat(wf):
    wf.build("closed_replied")
    result = wf.register_result(T_LATER, force_new=False, matter_type=Case.MatterType.SUGGESTION)
    assert (result.case.status, result.case.repeat_of) == (S.REGISTERED, None)


def test_petition_after_re_review_is_not_accepted_again(wf):
    # 信访工作条例 Art. 36 ¶3: after re-review the same facts and reasons are not accepted again.
    original = wf.build("closed_re_reviewed")
    result = wf.register_result("2026-08-03 09:00", repeat_of=original, channel=Case.Channel.VISIT)
    case = result.case
    case.refresh_from_db()
    assert case.status == S.CLOSED
    assert (case.closed_reason, case.closed_at) == ("final_after_re_review", at("2026-08-03 09:00"))
    assert case.repeat_of == original
    assert result.linked_to is None
    # The registrar is warned, and the case log says why it was not accepted.
    assert len(result.warnings) == 1
    assert events_of(case) == [("registered", "", S.CLOSED, "registrar"),
                               ("not_accepted_again", S.CLOSED, S.CLOSED, "registrar")]
    final = CaseEvent.objects.get(case=case, action="not_accepted_again")
    assert (final.data, final.note) == ({"case": original.pk}, str(result.warnings[0]))
    assert deadline_kinds(case) == set()
    # The final case is left as it was.
    assert not CaseEvent.objects.filter(case=original, action__in=["repeat_received", "linked"]).exists()


@pytest.mark.parametrize("state", ["closed_replied", "closed_expired", "refused", "closed_forwarded"])
def test_repeat_of_a_matter_closed_otherwise_opens_a_new_case(wf, state):
    original = wf.build(state)
    result = wf.register_result(T_LATER, repeat_of=original)
    case = result.case
    assert (case.status, case.repeat_of, result.linked_to, result.warnings) == (S.REGISTERED, original, None, [])
    assert [e[0] for e in events_of(case)] == ["registered", "repeat_of"]
    assert CaseEvent.objects.get(case=case, action="repeat_of").data == {"case": original.pk}
    assert deadline_kinds(case) == {"route_by"}


# --- Case number, query code, personal data ---------------------------------------------------------

def test_case_numbers_increase_within_the_year(wf):
    numbers = [wf.register(f"2026-06-0{day} 09:00").number for day in (1, 2, 3)]
    assert numbers == ["XF-2026-000001", "XF-2026-000002", "XF-2026-000003"]
    assert all(re.fullmatch(r"XF-\d{4}-\d{6}", n) for n in numbers)
    assert CaseNumberSequence.objects.get(year=2026).last == 3


def test_case_numbers_restart_with_the_local_year(wf):
    wf.register("2026-12-31 23:50")
    # 00:10 in Shanghai on 1 January is still 31 December in UTC: the number follows the local year.
    assert wf.register("2027-01-01 00:10").number == "XF-2027-000001"
    assert wf.register("2027-01-01 08:00").number == "XF-2027-000002"
    assert list(CaseNumberSequence.objects.order_by("year").values_list("year", "last")) == [(2026, 1), (2027, 2)]


def test_linked_and_final_petitions_get_numbers_too(wf):
    original = wf.route(wf.register())
    linked = wf.register("2026-06-05 09:00", repeat_of=original)
    assert (original.number, linked.number) == ("XF-2026-000001", "XF-2026-000002")


def test_query_code_is_returned_once_and_only_its_hash_is_stored(wf):
    first = wf.register_result()
    second = wf.register_result("2026-06-02 09:00")
    code = first.query_code
    assert len(code) == 16 and set(code) <= set(QUERY_CODE_ALPHABET)
    assert code != second.query_code
    case = Case.objects.get(pk=first.case.pk)
    assert case.query_code_hash == token_hash(code)
    assert case.query_code_hash != token_hash(second.query_code)
    # The code itself is nowhere in the database rows of the case, its log or the audit log.
    stored = [str(v) for v in Case.objects.filter(pk=case.pk).values().get().values()]
    stored += [str(row) for row in CaseEvent.objects.values_list("note", "data")]
    stored += [str(row) for row in AuditEntry.objects.values_list("detail", "object_id")]
    assert not any(code in text for text in stored)


def test_id_number_and_phone_are_stored_encrypted(wf):
    wf.register(id_number=ID_X.lower(), phone=" 138 1234 5678 ")
    petitioner = Petitioner.objects.get()
    assert petitioner.id_number_encrypted.startswith("v1:")
    assert ID_X not in petitioner.id_number_encrypted
    assert PHONE not in petitioner.phone_encrypted
    # Normalised (upper-case X, no spaces) before it is encrypted, hashed and masked.
    assert decrypt(petitioner.id_number_encrypted, context="petitioner.id_number") == ID_X
    assert decrypt(petitioner.phone_encrypted, context="petitioner.phone") == PHONE
    assert petitioner.id_hash == lookup_hash(ID_X, context="id")
    assert petitioner.phone_hash == lookup_hash(PHONE, context="phone")
    assert petitioner.id_masked == "310112********102X"
    assert petitioner.phone_masked == "138****5678"
    # No column, event or audit row holds the clear numbers.
    texts = [str(v) for v in Petitioner.objects.values().get().values()]
    texts += [str(row) for row in CaseEvent.objects.values_list("note", "data")]
    texts += [str(row) for row in AuditEntry.objects.values_list("detail", flat=True)]
    assert not any(ID_X in t or PHONE in t for t in texts)


def test_the_same_person_is_found_by_keyed_hash_and_updated(wf):
    wf.register(name="张三", phone="13812345678")
    wf.register("2026-06-02 09:00", name="张 三丰", phone="13900001111", title="另一件事",
                content="楼道堆物影响消防通道，请物业清理。")
    petitioner = Petitioner.objects.get()
    assert petitioner.name == "张 三丰"
    assert petitioner.phone_masked == "139****1111"
    assert CasePetitioner.objects.filter(petitioner=petitioner).count() == 2


def test_without_an_id_number_each_petition_names_a_new_person(wf):
    wf.register(id_number="")
    wf.register("2026-06-02 09:00", id_number="")
    assert Petitioner.objects.count() == 2
    assert set(Petitioner.objects.values_list("id_number_encrypted", "id_hash", "id_masked")) == {("", "", "")}


# --- Revealing the full numbers ----------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["officer", "head"])
def test_reveal_with_permission_and_reason_is_audited(wf, personas, persona):
    case = wf.register()
    petitioner = Petitioner.objects.get()
    revealed = petitioner_reveal(actor=personas[persona], petitioner=petitioner, reason="  电话回访核实身份  ",
                                 case=case)
    assert revealed == {"id_number": VALID_ID, "phone": PHONE}
    audit = AuditEntry.objects.filter(action="petitioner.reveal").get()
    assert (audit.username, audit.result, audit.object_id) == (persona, AuditEntry.Result.OK, str(petitioner.pk))
    assert audit.detail == {"case": case.pk, "reason": "电话回访核实身份"}


def test_reveal_of_a_petitioner_without_numbers(wf, personas):
    wf.register(id_number="", phone="")
    assert petitioner_reveal(actor=personas["officer"], petitioner=Petitioner.objects.get(),
                             reason="核实身份信息") == {"id_number": "", "phone": ""}


def test_reveal_without_permission_is_refused_and_the_denial_audited(wf, personas):
    case = wf.register()
    for persona in ["registrar", "handler", "leader", "system_admin", "security_admin", "audit_admin"]:
        with pytest.raises(Forbidden):
            petitioner_reveal(actor=personas[persona], petitioner=Petitioner.objects.get(), reason="核实身份信息",
                              case=case)
        audit = AuditEntry.objects.filter(action="petitioner.reveal").order_by("-id").first()
        assert (audit.username, audit.result, audit.detail) == (
            personas[persona].username, AuditEntry.Result.DENIED, {"case": case.pk})
    assert AuditEntry.objects.filter(action="petitioner.reveal").count() == 6


@pytest.mark.parametrize("reason", ["", "   ", "核实"])
def test_reveal_needs_a_reason(wf, personas, reason):
    wf.register()
    with pytest.raises(ValidationFailed) as caught:
        petitioner_reveal(actor=personas["officer"], petitioner=Petitioner.objects.get(), reason=reason)
    assert set(caught.value.errors) == {"reason"}
    assert not AuditEntry.objects.filter(action="petitioner.reveal").exists()


def test_registration_at_the_skew_limit_is_accepted_and_after_it_refused(wf):
    now = at("2026-06-01 10:00")
    with clock_at(now):
        case_register(**register_kwargs(wf, received_at=now + timedelta(minutes=5)))
        with pytest.raises(ValidationFailed):
            case_register(**register_kwargs(wf, received_at=now + timedelta(minutes=5, seconds=1)))


def test_repeat_of_a_linked_petition_joins_the_open_case(wf):
    """The registrar names the earlier repeat (itself joined to the open case) as the original: the new
    petition is joined to the open case too, not opened as a parallel case (Art. 19 ¶3)."""
    original = wf.route(wf.register())
    first_repeat = wf.register("2026-06-05 09:00", repeat_of=original)
    result = wf.register_result("2026-06-08 09:00", repeat_of=first_repeat)
    assert (result.case.status, result.case.repeat_of, result.linked_to) == (S.LINKED, original, original)
    assert deadline_kinds(result.case) == set()
    assert CaseEvent.objects.filter(case=original, action="repeat_received").count() == 2


def test_repeat_of_a_linked_petition_whose_matter_was_re_reviewed_is_final(wf):
    original = wf.route(wf.register())
    first_repeat = wf.register("2026-06-05 09:00", repeat_of=original)
    for step in (wf.accept, wf.reply, wf.review_request, wf.review_decide, wf.re_review_request,
                 wf.re_review_decide):
        step(original)
    result = wf.register_result("2026-08-03 09:00", repeat_of=first_repeat)
    assert (result.case.status, result.case.closed_reason, result.case.repeat_of) == (
        S.CLOSED, "final_after_re_review", original)


def test_routing_deadline_starts_on_the_local_day_of_receipt(wf):
    # 00:30 on Mon 06-01 in Shanghai, given in UTC (still Sunday 05-31 there).
    received = at("2026-06-01 00:30").astimezone(UTC)
    assert received.day == 31
    with clock_at(at("2026-06-01 09:00")):
        case = case_register(**register_kwargs(wf, received_at=received)).case
    route_by = deadline(case, "route_by")
    assert (route_by.start_date.isoformat(), route_by.due_date.isoformat()) == ("2026-06-01", "2026-06-16")
