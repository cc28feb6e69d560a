"""The gateway (``xinfang.accounts.access``) with the named personas: unit scoping (SECURITY.md 1), the
three admins (SECURITY.md 3), bad input, audited denials, and accusations kept from the accused
(信访工作条例 Art. 30 ¶3, Art. 46(5); SECURITY.md 2)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from tests.accounts.conftest import case_make
from xinfang.accounts.access import access_case, cases_visible_to, unit_is_accused_in, user_is_accused_in
from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import user_create, user_set_role
from xinfang.cases.models import Case
from xinfang.cases.services import case_route
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.notifications.models import Notification

DISTRICT_WIDE = ("registrar", "officer", "leader")
ADMINS = ("system_admin", "security_admin", "audit_admin")


def visible(user) -> set[int]:  # noqa: ANN001
    return set(cases_visible_to(user).values_list("id", flat=True))


def denials(case: Case) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), result="denied"))


@pytest.fixture
def spread(district) -> dict[str, Case]:
    """One plain case in each of several places of the tree, and one not routed yet."""
    return {
        "housing": case_make(handling_unit=district["housing"], matter_type=Case.MatterType.CLAIM),
        "housing_office": case_make(handling_unit=district["housing_office"], matter_type=Case.MatterType.CLAIM),
        "hr": case_make(handling_unit=district["hr"], matter_type=Case.MatterType.CLAIM),
        "street": case_make(handling_unit=district["street"], matter_type=Case.MatterType.CLAIM),
        "unrouted": case_make(handling_unit=None, status=Case.Status.REGISTERED, matter_type=Case.MatterType.CLAIM),
    }


def ids(cases: dict[str, Case], *names: str) -> set[int]:
    return {cases[name].pk for name in names}


# --- Unit scoping (SECURITY.md 1) --------------------------------------------------------------------------

@pytest.mark.parametrize("name", DISTRICT_WIDE)
def test_district_wide_roles_see_every_case(personas, spread, name):
    assert visible(personas[name]) == ids(spread, *spread)


def test_unit_roles_see_only_their_units_cases(personas, spread):
    assert visible(personas["handler"]) == ids(spread, "housing")
    assert visible(personas["head"]) == ids(spread, "housing")
    assert visible(personas["other_handler"]) == ids(spread, "hr")
    assert visible(personas["street_handler"]) == ids(spread, "street")
    # A sub-unit sees its own cases, never its parent's.
    assert visible(personas["office_handler"]) == ids(spread, "housing_office")
    assert visible(personas["discipline_handler"]) == set()


def test_sub_units_cases_only_where_the_unit_is_configured(personas, spread, district):
    housing = district["housing"]
    housing.scope_includes_children = True
    housing.save(update_fields=["scope_includes_children"])
    # The flag is read from the database, not from a copy cached on the user.
    handler = User.objects.get(pk=personas["handler"].pk)
    head = User.objects.get(pk=personas["head"].pk)
    assert visible(handler) == ids(spread, "housing", "housing_office")
    assert visible(head) == ids(spread, "housing", "housing_office")
    assert access_case(user=handler, case_id=spread["housing_office"].pk) == spread["housing_office"]
    # The flag opens the way down only: the sub-unit and the siblings see no more than before.
    assert visible(personas["office_handler"]) == ids(spread, "housing_office")
    assert visible(personas["other_handler"]) == ids(spread, "hr")


def test_a_flag_on_the_sub_unit_does_not_widen_the_parent(personas, spread, district):
    office = district["housing_office"]
    office.scope_includes_children = True
    office.save(update_fields=["scope_includes_children"])
    assert visible(User.objects.get(pk=personas["handler"].pk)) == ids(spread, "housing")


def test_sub_unit_scope_is_a_path_prefix_on_whole_segments(db):
    """``/N/`` must not match ``/N1/``: a unit whose id begins with the id of a unit that sees its
    sub-units is not one of them. Explicit (large) keys make the two ids share a prefix."""
    parent = Unit.objects.create(pk=7_000_000, code="P", name="P", kind=Unit.Kind.STREET, path="/7000000/",
                                 scope_includes_children=True)
    child = Unit.objects.create(pk=7_000_001, code="C", name="C", kind=Unit.Kind.NEIGHBOURHOOD, parent=parent,
                                path="/7000000/7000001/")
    stranger = Unit.objects.create(pk=70_000_001, code="S", name="S", kind=Unit.Kind.STREET, path="/70000001/")
    head = User.objects.create(username="p-head", role=User.Role.UNIT_HEAD, unit=parent)
    own, below, foreign = (case_make(handling_unit=u) for u in (parent, child, stranger))
    assert visible(head) == {own.pk, below.pk}
    assert foreign.pk not in visible(head)


def test_unit_role_without_a_unit_sees_nothing(personas, spread):
    # user_set_role refuses this; an account broken some other way must still fail closed.
    User.objects.filter(pk=personas["handler"].pk).update(unit=None)
    assert visible(User.objects.get(pk=personas["handler"].pk)) == set()


@pytest.mark.parametrize("name", ADMINS)
def test_the_three_admins_see_no_cases(personas, spread, name):
    admin = personas[name]
    assert visible(admin) == set()
    with pytest.raises(NotFound):
        access_case(user=admin, case_id=spread["housing"].pk)
    assert [e.username for e in denials(spread["housing"])] == [admin.username]


@pytest.mark.parametrize("name", ADMINS)
def test_an_admin_placed_in_a_unit_still_sees_no_cases(personas, spread, district, name):
    # Units do not grant content: the role does (三员, SECURITY.md 3).
    admin = user_set_role(user=personas[name], role=name, unit=district["housing"])
    assert visible(admin) == set()


def test_suggestion_officer_sees_no_petitions(spread, district):
    user = user_create(username="jy", role=User.Role.SUGGESTION_OFFICER, unit=district["bureau"])
    assert visible(user) == set()


@pytest.mark.parametrize("name", ["registrar", "handler"])
def test_an_inactive_user_sees_nothing(personas, spread, name):
    user = personas[name]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert visible(user) == set()
    with pytest.raises(NotFound):
        access_case(user=user, case_id=spread["housing"].pk)
    assert len(denials(spread["housing"])) == 1


@pytest.mark.parametrize("anonymous", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_anonymous_sees_nothing(spread, anonymous):
    assert visible(anonymous) == set()
    with pytest.raises(NotFound):
        access_case(user=anonymous, case_id=spread["housing"].pk)
    [entry] = denials(spread["housing"])
    assert entry.user_id is None
    if anonymous is not None:
        assert entry.username == "anonymous"


# --- access_case -------------------------------------------------------------------------------------------

def test_access_case_answers_the_case_in_scope(personas, spread):
    case = spread["housing"]
    assert access_case(user=personas["handler"], case_id=case.pk) == case
    # Ids arrive from URLs as text.
    assert access_case(user=personas["head"], case_id=str(case.pk)) == case
    assert access_case(user=personas["officer"], case_id=case.pk, detail=True) == case
    with transaction.atomic():
        assert access_case(user=personas["handler"], case_id=case.pk, for_update=True) == case
    assert denials(case) == []


def test_another_units_case_is_not_found_and_the_denial_is_audited(personas, spread):
    case = spread["housing"]
    with pytest.raises(NotFound) as denied:
        access_case(user=personas["other_handler"], case_id=case.pk, action="case.export")
    [entry] = denials(case)
    assert entry.action == "case.export"
    assert entry.user_id == personas["other_handler"].pk
    assert entry.username == "other"
    assert entry.role == User.Role.HANDLER
    assert entry.detail == {"reason": "out_of_scope"}

    # Out of scope looks exactly like missing (no existence oracle for case ids).
    missing = max(c.pk for c in spread.values()) + 1000
    with pytest.raises(NotFound) as absent:
        access_case(user=personas["other_handler"], case_id=missing)
    assert (denied.value.status_code, denied.value.code, str(denied.value.message)) == \
        (absent.value.status_code, absent.value.code, str(absent.value.message))


def test_a_denial_is_audited_each_time(personas, spread):
    for _ in range(3):
        with pytest.raises(NotFound):
            access_case(user=personas["street_handler"], case_id=spread["hr"].pk)
    assert len(denials(spread["hr"])) == 3


@pytest.mark.parametrize("bad", ["abc", "", None, "1.5", "1 OR 1=1", [], {}, object(), "9" * 30, -1, 0])
def test_a_bad_id_is_not_found(personas, spread, bad):
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        access_case(user=personas["officer"], case_id=bad)
    # Nothing existed, so nothing was denied.
    assert AuditEntry.objects.count() == before


# --- Accusations never reach the accused (Art. 30 ¶3, Art. 46(5)) -------------------------------------------

def test_accused_unit_and_every_unit_below_never_see_the_case(personas, district):
    housing = district["housing"]
    housing.scope_includes_children = True
    housing.save(update_fields=["scope_includes_children"])
    # "Somehow" handled inside the accused unit (e.g. named as accused after routing).
    against_housing = case_make(handling_unit=housing, accused_units=[housing])
    against_housing_below = case_make(handling_unit=district["housing_office"], accused_units=[housing])
    control = case_make(handling_unit=housing)
    control_below = case_make(handling_unit=district["housing_office"])

    for name in ("handler", "head"):
        user = User.objects.get(pk=personas[name].pk)
        assert visible(user) == {control.pk, control_below.pk}
        for case in (against_housing, against_housing_below):
            with pytest.raises(NotFound):
                access_case(user=user, case_id=case.pk)
    assert visible(personas["office_handler"]) == {control_below.pk}
    # The bureau still sees it; the units outside the accused branch see what their scope gives them.
    for name in DISTRICT_WIDE:
        assert {against_housing.pk, against_housing_below.pk} <= visible(personas[name])
    assert visible(personas["other_handler"]) == set()
    assert len(denials(against_housing)) == 2
    assert len(denials(against_housing_below)) == 2


def test_accusation_against_a_sub_unit_hides_nothing_from_its_parent(personas, district):
    housing = district["housing"]
    housing.scope_includes_children = True
    housing.save(update_fields=["scope_includes_children"])
    case = case_make(handling_unit=district["housing_office"], accused_units=[district["housing_office"]])
    assert case.pk in visible(User.objects.get(pk=personas["head"].pk))
    assert case.pk not in visible(personas["office_handler"])


def test_accusation_against_the_root_hides_the_case_from_everyone_inside(personas, district, spread):
    case = case_make(handling_unit=district["discipline"], accused_units=[district["gov"]])
    for name, user in personas.items():
        assert case.pk not in visible(user), name
    # Unrelated cases stay where they were.
    assert visible(personas["registrar"]) == ids(spread, *spread)
    # A district-wide account that belongs to no unit is not inside the accused unit.
    outside = user_set_role(user=personas["registrar"], role=User.Role.REGISTRAR, unit=None)
    assert case.pk in visible(outside)


@pytest.mark.parametrize("name", ["registrar", "officer", "leader", "handler", "head"])
def test_an_accused_user_never_sees_the_case(personas, district, name):
    user = personas[name]
    case = case_make(handling_unit=district["housing"], accused_users=[user])
    control = case_make(handling_unit=district["housing"])
    assert case.pk not in visible(user)
    assert control.pk in visible(user)
    with pytest.raises(NotFound):
        access_case(user=user, case_id=case.pk)
    [entry] = denials(case)
    assert entry.user_id == user.pk
    # Colleagues who are not accused still see it where their scope allows.
    assert case.pk in visible(personas["officer" if name != "officer" else "registrar"])
    if name == "handler":
        assert case.pk in visible(personas["head"])


def test_an_accused_person_recorded_with_a_unit_hides_the_case_from_that_unit(register, personas, district):
    case = register(accused_persons=[{"name": "李某", "position": "物业科科长", "unit": district["housing_office"]}])
    Case.objects.filter(pk=case.pk).update(handling_unit=district["housing_office"])
    assert case.pk not in visible(personas["office_handler"])
    assert unit_is_accused_in(unit=district["housing_office"], case=case)
    assert not unit_is_accused_in(unit=district["housing"], case=case)


def test_a_name_only_accused_person_hides_the_case_from_nobody(personas, district):
    case = case_make(handling_unit=district["housing"])
    case.accused.create(name="王某", position="某科科员")
    assert case.pk in visible(personas["handler"])
    assert case.pk in visible(personas["registrar"])
    assert not user_is_accused_in(user=personas["handler"], case=case)


def test_unit_and_user_accusation_predicates(personas, district):
    case = case_make(accused_units=[district["housing"]], accused_users=[personas["other_handler"]])
    assert unit_is_accused_in(unit=district["housing"], case=case)
    assert unit_is_accused_in(unit=district["housing_office"], case=case)
    for name in ("gov", "bureau", "hr", "street", "street2", "discipline"):
        assert not unit_is_accused_in(unit=district[name], case=case), name
    assert user_is_accused_in(user=personas["handler"], case=case)  # member of the accused unit
    assert user_is_accused_in(user=personas["office_handler"], case=case)  # below it
    assert user_is_accused_in(user=personas["other_handler"], case=case)  # named in person
    for name in ("registrar", "officer", "leader", "street_handler", "discipline_handler", "system_admin"):
        assert not user_is_accused_in(user=personas[name], case=case), name
    # Only this case: another case names nobody.
    assert not user_is_accused_in(user=personas["handler"], case=case_make())


# --- Routing (Art. 30 ¶3): never to the accused unit or a unit below it ------------------------------------

@pytest.mark.parametrize("target", ["housing", "housing_office"])
def test_routing_to_the_accused_unit_or_below_is_refused(register, personas, district, target):
    case = register(accused_units=[district["housing"]])
    with pytest.raises(ValidationFailed) as refused:
        case_route(case=case, unit=district[target], mode=Case.RouteMode.ASSIGN, actor=personas["officer"])
    assert "unit" in refused.value.errors
    case.refresh_from_db()
    assert (case.status, case.handling_unit_id) == (Case.Status.REGISTERED, None)
    assert case.pk not in visible(personas["handler"])


def test_a_refused_routing_is_audited(register, personas, district):
    case = register(accused_units=[district["housing"]])
    with pytest.raises(ValidationFailed):
        case_route(case=case, unit=district["housing"], mode=Case.RouteMode.ASSIGN, actor=personas["officer"])
    [entry] = AuditEntry.objects.filter(action="case.route", object_id=str(case.pk), result="denied")
    assert entry.detail == {"unit": district["housing"].code, "reason": "accused_unit"}


def test_routing_to_an_accused_persons_unit_is_refused(register, personas, district):
    case = register(accused_persons=[{"name": "赵某", "position": "科员", "unit": district["hr"]}])
    with pytest.raises(ValidationFailed):
        case_route(case=case, unit=district["hr"], mode=Case.RouteMode.TRANSFER, actor=personas["officer"])
    case.refresh_from_db()
    assert case.handling_unit_id is None


def test_routing_elsewhere_works_and_stays_hidden_from_the_accused(register, personas, district):
    case = register(accused_units=[district["housing"]])
    case_route(case=case, unit=district["discipline"], mode=Case.RouteMode.TRANSFER, actor=personas["officer"])
    case.refresh_from_db()
    assert case.handling_unit_id == district["discipline"].pk
    assert case.pk in visible(personas["discipline_handler"])
    for name in ("handler", "head", "office_handler", "other_handler"):
        assert case.pk not in visible(personas[name]), name


def test_a_case_routed_to_an_accused_persons_unit_is_never_notified_to_them(register, personas, district):
    # Only the person is accused, not the unit: the unit may handle it, the accused may not see it.
    hr_head = user_create(username="rsj-head", role=User.Role.UNIT_HEAD, unit=district["hr"])
    case = register(accused_persons=[{"name": "赵某", "position": "科员", "user": personas["other_handler"]}])
    case_route(case=case, unit=district["hr"], mode=Case.RouteMode.ASSIGN, actor=personas["officer"])
    told = set(Notification.objects.filter(case=case).values_list("user__username", flat=True))
    assert told == {hr_head.username}
    assert case.pk in visible(hr_head)
    assert case.pk not in visible(personas["other_handler"])
