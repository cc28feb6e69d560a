"""Ranked candidates with reasons (xinfang/repeats/selectors.py): identity, content, street and category,
and the gateway: an accusation never reaches the accused unit, another unit's handler sees nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.repeats.conftest import (
    ACCUSATION,
    BUS,
    ELEVATOR,
    ELEVATOR_REWRITE,
    ID_2,
    ID_3,
    SMELL,
    VALID_ID,
    WAGES,
)
from xinfang.accounts.access import cases_visible_to
from xinfang.cases.models import Case
from xinfang.core.errors import ValidationFailed
from xinfang.repeats.selectors import (
    PersonKeys,
    case_repeat_candidates,
    repeat_candidates,
    similar_cases,
)

PHONE = "13812345678"
ADDRESS = "上海市闵行区江川路街道沪闵路123弄4号501室"


def by_case(candidates):
    return {c.case.pk: c for c in candidates}


def test_same_id_number(petitions, personas):
    earlier = petitions.register(WAGES, name="张三", id_number=VALID_ID)
    petitions.register(SMELL, name="李四", id_number=ID_2)
    found = repeat_candidates(user=personas["registrar"], title=BUS[0], content=BUS[1],
                              people=[PersonKeys.from_input(name="张三", id_number=VALID_ID)])
    assert [c.case.pk for c in found] == [earlier.pk]
    assert found[0].kinds == ["id"]
    assert found[0].reasons[0].label == "同一身份证号"


def test_same_phone(petitions, personas):
    earlier = petitions.register(WAGES, name="张三", phone=PHONE)
    found = repeat_candidates(user=personas["registrar"], people=[PersonKeys.from_input(name="张先生", phone=PHONE)])
    assert [(c.case.pk, c.kinds) for c in found] == [(earlier.pk, ["phone"])]


def test_same_name_and_similar_address_however_typed(petitions, personas):
    earlier = petitions.register(WAGES, name="王建华", address=ADDRESS)
    petitions.register(SMELL, name="王建华", address="上海市闵行区莘庄镇莘松路8弄2号")  # another 王建华
    found = repeat_candidates(user=personas["registrar"],
                              people=[PersonKeys.from_input(name="王建華", address="闵行区沪闵路123弄4号501")])
    assert [(c.case.pk, c.kinds) for c in found] == [(earlier.pk, ["name_address"])]
    assert "王建华" in found[0].reasons[0].label


def test_name_one_character_apart_is_recognised_on_a_case_found_otherwise(petitions, personas):
    earlier = petitions.register(ELEVATOR, name="王建华", address=ADDRESS)
    found = repeat_candidates(user=personas["registrar"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1],
                              people=[PersonKeys.from_input(name="王剑华", address=ADDRESS)])
    assert found[0].case.pk == earlier.pk
    assert found[0].kinds == ["name_address", "content"]


def test_name_alone_is_not_a_reason(petitions, personas):
    petitions.register(WAGES, name="王建华", address=ADDRESS)
    assert repeat_candidates(user=personas["registrar"], people=[PersonKeys.from_input(name="王建华")]) == []


def test_similar_content_with_its_similarity(petitions, personas):
    elevator = petitions.register(ELEVATOR)
    for text in (WAGES, SMELL, BUS):
        petitions.register(text)
    found = repeat_candidates(user=personas["registrar"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1])
    assert [c.case.pk for c in found] == [elevator.pk]
    reason = found[0].reasons[0]
    assert reason.kind == "content" and 0.4 < reason.similarity < 1.0
    assert reason.label.startswith("内容相似（") and reason.shared


def test_same_street_and_category_in_the_window(petitions, personas, district, categories):
    recent = petitions.register(WAGES, when="2026-11-10 10:00")
    petitions.register(SMELL, when="2026-09-01 10:00")  # 80 days before: outside the window
    petitions.register(BUS, when="2026-11-15 10:00", street="street2")
    petitions.register(ACCUSATION, when="2026-11-15 10:00", category="labour")
    found = repeat_candidates(user=personas["registrar"], street_id=district["street"].pk,
                              category_id=categories["housing"].pk, received_at=petitions_at("2026-11-20 10:00"))
    assert [(c.case.pk, c.kinds) for c in found] == [(recent.pk, ["street_category"])]


def petitions_at(text):
    from tests.conftest import at

    return at(text)


def test_reasons_add_up_in_the_ranking(petitions, personas, district, categories):
    content_only = petitions.register(ELEVATOR, name="赵六")
    both = petitions.register(ELEVATOR, name="张三", id_number=VALID_ID)
    identity_only = petitions.register(WAGES, name="张三", phone=PHONE, id_number=ID_3)
    found = repeat_candidates(user=personas["registrar"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1],
                              people=[PersonKeys.from_input(name="张三", id_number=VALID_ID, phone=PHONE)],
                              street_id=district["street"].pk, category_id=categories["housing"].pk,
                              received_at=petitions_at("2026-11-20 11:00"))
    order = [c.case.pk for c in found]
    assert order.index(both.pk) < order.index(identity_only.pk) < order.index(content_only.pk)
    assert by_case(found)[both.pk].kinds == ["id", "content", "street_category"]
    assert all(0 < c.score <= 1 for c in found)


def test_existing_case_leaves_itself_out(petitions, personas):
    elevator = petitions.register(ELEVATOR, id_number=VALID_ID)
    again = petitions.register(ELEVATOR_REWRITE, id_number=VALID_ID)
    found = case_repeat_candidates(user=personas["officer"], case=again)
    assert [c.case.pk for c in found] == [elevator.pk]
    assert found[0].kinds[:2] == ["id", "content"]


# --- The gateway ---------------------------------------------------------------------------------------

def test_an_accusation_never_reaches_the_accused_unit(petitions, personas):
    accusation = petitions.register(ACCUSATION, name="钱七", id_number=VALID_ID, phone=PHONE, address=ADDRESS,
                                    matter_type=Case.MatterType.ACCUSATION, accused_units=("housing",))
    petitions.route(accusation, "discipline")
    petitions.route(petitions.register(ELEVATOR), "housing")
    query = {"title": ACCUSATION[0], "content": ACCUSATION[1],
             "people": [PersonKeys.from_input(name="钱七", id_number=VALID_ID, phone=PHONE, address=ADDRESS)]}
    for name in ("registrar", "officer", "leader", "discipline_handler"):
        assert accusation.pk in {c.case.pk for c in repeat_candidates(user=personas[name], **query)}, name
    for name in ("handler", "head", "office_handler"):
        found = repeat_candidates(user=personas[name], **query)
        assert accusation.pk not in {c.case.pk for c in found}, name
        assert accusation.pk not in [s.case_id for s in similar_cases(user=personas[name], title=ACCUSATION[0],
                                                                        content=ACCUSATION[1])], name


def test_another_units_handler_sees_nothing(petitions, personas, district, categories):
    elevator = petitions.route(petitions.register(ELEVATOR, id_number=VALID_ID, phone=PHONE), "housing")
    query = {"title": ELEVATOR_REWRITE[0], "content": ELEVATOR_REWRITE[1],
             "people": [PersonKeys.from_input(name="张三", id_number=VALID_ID, phone=PHONE)],
             "street_id": district["street"].pk, "category_id": categories["housing"].pk,
             "received_at": petitions_at("2026-11-20 11:00")}
    assert elevator.pk in {c.case.pk for c in repeat_candidates(user=personas["handler"], **query)}
    for name in ("other_handler", "street_handler", "system_admin", "security_admin", "audit_admin"):
        assert repeat_candidates(user=personas[name], **query) == [], name


TEXTS = [ELEVATOR, ELEVATOR_REWRITE, WAGES, SMELL, BUS, ACCUSATION]
UNITS = ["housing", "housing_office", "hr", "street", "discipline"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.sampled_from(range(len(TEXTS))), st.sampled_from(UNITS + [None]),
                               st.lists(st.sampled_from(UNITS), max_size=2, unique=True)), min_size=1, max_size=5),
       query=st.sampled_from(range(len(TEXTS))))
def test_candidates_are_always_within_the_gateway(petitions, personas, plan, query):
    """Whatever is routed where and whoever is accused: every candidate any persona is offered is a case
    the gateway lets them see (SECURITY.md 1–2)."""
    for text, unit, accused in plan:
        matter = Case.MatterType.ACCUSATION if accused else Case.MatterType.CLAIM
        case = petitions.register(TEXTS[text], id_number=VALID_ID, matter_type=matter, accused_units=tuple(accused))
        if unit is not None:
            try:
                petitions.route(case, unit)
            except ValidationFailed:
                pass  # an accused unit or one below it: refused by the service (Art. 30 ¶3)
    person = PersonKeys.from_input(name="张三", id_number=VALID_ID)
    for name, user in personas.items():
        offered = {c.case.pk for c in repeat_candidates(user=user, title=TEXTS[query][0], content=TEXTS[query][1],
                                                        people=[person])}
        assert offered <= set(cases_visible_to(user).values_list("id", flat=True)), name
