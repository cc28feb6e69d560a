"""Property-based proof of the gateway's two rules over generated unit trees (SECURITY.md 1–2):

- unit scoping: district-wide roles see every case; handlers and unit heads see the cases their unit
  handles, and those of the units below it only where their unit has ``scope_includes_children``;
  everyone else (the three admins, the suggestion office, inactive accounts) sees none;
- accusations never reach the accused (信访工作条例 Art. 30 ¶3, Art. 46(5)): a case naming a unit is
  invisible to the members of that unit and of every unit below it, whatever their role, and a case
  naming a user is invisible to that user; routing to such a unit is refused (``unit_is_accused_in``).

The oracle below works on the generated parent list only. It shares nothing with the implementation: not
``Unit.path``, not ``ancestor_ids``, not the role sets of ``roles.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts.conftest import case_make
from xinfang.accounts.access import access_case, cases_visible_to, unit_is_accused_in, user_is_accused_in
from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create
from xinfang.cases.models import CaseAccused
from xinfang.core.errors import NotFound
from xinfang.core.models import AuditEntry

# Written out from SECURITY.md / DOMAIN.md, not imported from roles.py.
SEES_THE_DISTRICT = {"registrar", "officer", "leader"}
SEES_ITS_UNIT = {"handler", "unit_head"}


@dataclass(frozen=True)
class UserSpec:
    role: str
    unit: int | None
    active: bool


@dataclass(frozen=True)
class CaseSpec:
    handling: int | None
    # Each row of CaseAccused: (unit index | None, user index | None); (None, None) is a name only.
    accused: tuple[tuple[int | None, int | None], ...]


@dataclass(frozen=True)
class Scenario:
    parents: tuple[int | None, ...]
    scope: tuple[bool, ...]
    users: tuple[UserSpec, ...]
    cases: tuple[CaseSpec, ...]

    def lineage(self, unit: int) -> set[int]:
        """``unit`` and every unit above it, from the generated parent list."""
        seen: set[int] = set()
        node: int | None = unit
        while node is not None:
            assert node not in seen, "generated a cycle"
            seen.add(node)
            node = self.parents[node]
        return seen

    def accused_units(self, case: CaseSpec) -> set[int]:
        return {unit for unit, _user in case.accused if unit is not None}

    def accused_users(self, case: CaseSpec) -> set[int]:
        return {user for _unit, user in case.accused if user is not None}

    def unit_is_accused(self, unit: int, case: CaseSpec) -> bool:
        return bool(self.lineage(unit) & self.accused_units(case))

    def user_is_accused(self, index: int, case: CaseSpec) -> bool:
        user = self.users[index]
        return index in self.accused_users(case) or (user.unit is not None and self.unit_is_accused(user.unit, case))

    def in_scope(self, user: UserSpec, case: CaseSpec) -> bool:
        if user.role in SEES_THE_DISTRICT:
            return True
        if user.role in SEES_ITS_UNIT and user.unit is not None and case.handling is not None:
            if case.handling == user.unit:
                return True
            return self.scope[user.unit] and user.unit in self.lineage(case.handling)
        return False

    def sees(self, index: int, case: CaseSpec) -> bool:
        user = self.users[index]
        return user.active and self.in_scope(user, case) and not self.user_is_accused(index, case)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    size = draw(st.integers(min_value=1, max_value=10))
    forest = draw(st.booleans())
    parents: list[int | None] = [None]
    for i in range(1, size):
        # Chains (i-1) give depth, any earlier node gives breadth; a forest has several roots.
        choices = [st.just(i - 1), st.integers(min_value=0, max_value=i - 1)]
        if forest:
            choices.append(st.none())
        parents.append(draw(st.one_of(*choices)))
    scope = tuple(draw(st.lists(st.booleans(), min_size=size, max_size=size)))
    unit_index = st.integers(min_value=0, max_value=size - 1)
    # Every unit has a member (unit roles drawn more often: theirs is the intricate rule), then a few
    # accounts anywhere or nowhere.
    role = st.sampled_from([*User.Role.values, "handler", "unit_head", "handler", "unit_head"])
    active = st.sampled_from([True, True, True, False])
    members = [UserSpec(role=draw(role), unit=i, active=draw(active)) for i in range(size)]
    others = draw(st.lists(st.builds(UserSpec, role=role, unit=st.none() | unit_index, active=active),
                           max_size=3))
    users = tuple(members + others)
    user_index = st.integers(min_value=0, max_value=len(users) - 1)
    accused_row = st.tuples(st.none() | unit_index, st.none() | user_index)
    cases = tuple(draw(st.lists(
        st.builds(CaseSpec, handling=st.one_of(unit_index, unit_index, unit_index, st.none()),
                  accused=st.lists(accused_row, max_size=3).map(tuple)),
        min_size=1, max_size=3,
    )))
    return Scenario(parents=tuple(parents), scope=scope, users=users, cases=cases)


def _build(scenario: Scenario) -> tuple[list[Unit], list[User], list]:
    units: list[Unit] = []
    kinds = Unit.Kind.values
    for i, parent in enumerate(scenario.parents):
        units.append(unit_create(code=f"HYP-{i}", name=f"单位{i}", kind=kinds[i % len(kinds)],
                                 parent=units[parent] if parent is not None else None,
                                 scope_includes_children=scenario.scope[i]))
    # Straight into the table: the gateway reads role, unit and is_active only, and this also reaches
    # accounts the services refuse to make (a unit role without a unit must still fail closed).
    users = [User.objects.create(username=f"hyp-{i}", role=spec.role, is_active=spec.active,
                                 unit=units[spec.unit] if spec.unit is not None else None)
             for i, spec in enumerate(scenario.users)]
    cases = []
    for spec in scenario.cases:
        case = case_make(handling_unit=units[spec.handling] if spec.handling is not None else None)
        CaseAccused.objects.bulk_create([
            CaseAccused(case=case, unit=units[u] if u is not None else None,
                        user=users[x] if x is not None else None, name="某某")
            for u, x in spec.accused
        ])
        cases.append(case)
    return units, users, cases


# The ``db`` fixture opens the test transaction once; every example runs in its own savepoint, rolled
# back at its end, so examples never see each other's rows.
@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
def test_gateway_matches_the_oracle_on_generated_trees(db, scenario: Scenario):
    with transaction.atomic():
        units, users, cases = _build(scenario)
        case_index = {case.pk: i for i, case in enumerate(cases)}

        # Sanity of the fixture itself: the paths were built from the generated tree.
        for i, unit in enumerate(units):
            assert {units.index(u) for u in units if u.pk in unit.ancestor_ids()} == scenario.lineage(i)

        denied_before = AuditEntry.objects.filter(result="denied").count()
        expected_denials = 0
        for i, user in enumerate(users):
            expected = {case.pk for case, spec in zip(cases, scenario.cases, strict=True) if scenario.sees(i, spec)}
            got = set(cases_visible_to(user).values_list("id", flat=True))
            assert got == expected, (
                f"user {i} {scenario.users[i]}: sees {sorted(case_index[c] for c in got)}, "
                f"should see {sorted(case_index[c] for c in expected)}"
            )
            for case, spec in zip(cases, scenario.cases, strict=True):
                assert user_is_accused_in(user=user, case=case) == scenario.user_is_accused(i, spec), (i, spec)
                if case.pk in expected:
                    assert access_case(user=user, case_id=case.pk) == case
                else:
                    with pytest.raises(NotFound):
                        access_case(user=user, case_id=case.pk)
                    expected_denials += 1
        # Every refusal by access_case left its audit row.
        assert AuditEntry.objects.filter(result="denied").count() - denied_before == expected_denials

        # Routing guard: refused exactly for an accused unit and every unit below one.
        for case, spec in zip(cases, scenario.cases, strict=True):
            for i, unit in enumerate(units):
                assert unit_is_accused_in(unit=unit, case=case) == scenario.unit_is_accused(i, spec), (i, spec)

        transaction.set_rollback(True)
