"""The unit tree (``unit_create``, ``unit_update``, ``Unit.ancestor_ids``): materialized paths, the
refusals, and the gateway following a move."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from tests.accounts.conftest import case_make
from xinfang.accounts.access import cases_visible_to, unit_is_accused_in
from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create, unit_update, user_create
from xinfang.core.errors import ValidationFailed


def visible(user: User) -> set[int]:
    return set(cases_visible_to(user).values_list("id", flat=True))


def test_unit_create_builds_the_path_from_the_parent(db):
    root = unit_create(code="R", name="区", kind=Unit.Kind.GOVERNMENT)
    street = unit_create(code="R-S", name="街道", kind=Unit.Kind.STREET, parent=root)
    block = unit_create(code="R-S-1", name="居委", kind=Unit.Kind.NEIGHBOURHOOD, parent=street, sort=3,
                        scope_includes_children=True)
    assert root.path == f"/{root.pk}/"
    assert street.path == f"/{root.pk}/{street.pk}/"
    assert block.path == f"/{root.pk}/{street.pk}/{block.pk}/"
    # Stored, not only set on the instance.
    stored = Unit.objects.get(pk=block.pk)
    assert (stored.path, stored.parent_id, stored.sort, stored.scope_includes_children) == \
        (block.path, street.pk, 3, True)
    assert Unit.objects.filter(path__startswith=street.path).count() == 2


def test_ancestor_ids_run_from_the_root_down_to_the_unit(district):
    gov, housing, office = district["gov"], district["housing"], district["housing_office"]
    assert office.ancestor_ids() == [gov.pk, housing.pk, office.pk]
    assert housing.ancestor_ids() == [gov.pk, housing.pk]
    assert gov.ancestor_ids() == [gov.pk]
    assert Unit(path="").ancestor_ids() == []


def test_every_district_path_follows_the_parent_links(district):
    for unit in Unit.objects.all():
        chain = []
        node: Unit | None = unit
        while node is not None:
            chain.append(node.pk)
            node = node.parent
        assert unit.ancestor_ids() == chain[::-1]


def test_unknown_kind_is_refused_and_nothing_is_created(db):
    with pytest.raises(ValidationFailed) as refused:
        unit_create(code="X", name="X", kind="ministry")
    assert "kind" in refused.value.errors
    assert not Unit.objects.filter(code="X").exists()


def test_duplicate_code_is_refused(district):
    with pytest.raises(ValidationFailed) as refused:
        unit_create(code="MH-FGJ", name="另一个房管局", kind=Unit.Kind.DEPARTMENT, parent=district["gov"])
    assert "code" in refused.value.errors
    assert Unit.objects.filter(code="MH-FGJ").count() == 1


def test_an_unsaved_parent_is_refused(db):
    with pytest.raises(ValueError, match="unsaved related object"):
        unit_create(code="ORPHAN", name="X", kind=Unit.Kind.STREET, parent=Unit(code="GHOST", name="G", kind="street"))
    assert not Unit.objects.filter(code="ORPHAN").exists()


def test_a_new_unit_cannot_close_a_cycle(district):
    """A new unit is always a leaf below an existing path, so creating one cannot close a loop: each id
    appears once in every path (moves are checked by ``unit_update``, below)."""
    parent = district["housing_office"]
    child = unit_create(code="MH-FGJ-01-A", name="物业科一组", kind=Unit.Kind.DEPARTMENT, parent=parent)
    ids = child.ancestor_ids()
    assert len(ids) == len(set(ids))
    assert ids[:-1] == parent.ancestor_ids()
    assert child.pk not in parent.ancestor_ids()


def test_a_unit_with_sub_units_cannot_be_deleted(district):
    with pytest.raises(ProtectedError):
        district["housing"].delete()
    assert Unit.objects.filter(pk=district["housing_office"].pk, path__startswith=district["housing"].path).exists()


# --- Moving units (unit_update): the tree stays a tree and the gateway follows the move ------------------

def move(unit: Unit, parent: Unit | None, actor) -> Unit:  # noqa: ANN001
    unit = Unit.objects.get(pk=unit.pk)
    return unit_update(unit=unit, actor=actor, code=unit.code, name=unit.name, kind=unit.kind, parent=parent,
                       sort=unit.sort, scope_includes_children=unit.scope_includes_children)


def paths(district: dict[str, Unit]) -> dict[str, str]:
    return {name: Unit.objects.get(pk=u.pk).path for name, u in district.items()}


@pytest.mark.parametrize(("mover", "target"), [("housing", "housing"), ("housing", "housing_office"),
                                               ("gov", "housing_office"), ("gov", "street")])
def test_a_move_under_itself_or_its_descendant_is_refused(district, personas, mover, target):
    before = paths(district)
    with pytest.raises(ValidationFailed) as refused:
        move(district[mover], Unit.objects.get(pk=district[target].pk), personas["system_admin"])
    assert "parent" in refused.value.errors
    assert paths(district) == before
    assert Unit.objects.get(pk=district[mover].pk).parent_id == district[mover].parent_id


def test_a_move_under_an_inactive_unit_is_refused(district, personas):
    Unit.objects.filter(pk=district["street2"].pk).update(active=False)
    before = paths(district)
    with pytest.raises(ValidationFailed) as refused:
        move(district["housing"], district["street2"], personas["system_admin"])
    assert "parent" in refused.value.errors
    assert paths(district) == before


def test_a_move_rewrites_the_subtree_and_scoping_follows(district, personas):
    street = district["street"]
    Unit.objects.filter(pk=street.pk).update(scope_includes_children=True)
    office_case = case_make(handling_unit=district["housing_office"], matter_type="claim")
    street_head = user_create(username="jcl-head", role=User.Role.UNIT_HEAD, unit=street)
    assert office_case.pk not in visible(street_head)

    move(district["housing"], Unit.objects.get(pk=street.pk), personas["system_admin"])

    gov, housing, office = district["gov"], district["housing"], district["housing_office"]
    assert Unit.objects.get(pk=housing.pk).ancestor_ids() == [gov.pk, street.pk, housing.pk]
    assert Unit.objects.get(pk=office.pk).ancestor_ids() == [gov.pk, street.pk, housing.pk, office.pk]
    # Untouched elsewhere.
    assert Unit.objects.get(pk=district["hr"].pk).ancestor_ids() == [gov.pk, district["hr"].pk]
    assert office_case.pk in visible(User.objects.get(pk=street_head.pk))
    assert office_case.pk in visible(personas["office_handler"])


def test_moving_under_an_accused_unit_hides_the_accusation(district, personas):
    """A unit moved below an accused unit is below it from then on (Art. 30 ¶3); moved away, it is not."""
    case = case_make(handling_unit=district["housing_office"], accused_units=[district["street"]])
    office_handler = personas["office_handler"]
    assert case.pk in visible(office_handler)
    move(district["housing"], Unit.objects.get(pk=district["street"].pk), personas["system_admin"])
    assert case.pk not in visible(User.objects.get(pk=office_handler.pk))
    assert unit_is_accused_in(unit=Unit.objects.get(pk=district["housing_office"].pk), case=case)
    move(district["housing"], Unit.objects.get(pk=district["gov"].pk), personas["system_admin"])
    assert case.pk in visible(User.objects.get(pk=office_handler.pk))
    assert not unit_is_accused_in(unit=Unit.objects.get(pk=district["housing_office"].pk), case=case)
