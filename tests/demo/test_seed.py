"""The demo district (``demo_seed``): every status, role, channel and matter type is there, accusations
never reach the accused, deadlines run late, personal data is encrypted, and the dates make sense.

One seed of 80 cases serves the whole module (it is rolled back at the end)."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import Count, Max, Min

from tests.conftest import at
from xinfang.accounts.access import cases_visible_to, unit_is_accused_in
from xinfang.accounts.models import Unit, User
from xinfang.alerts.models import Alert, AlertNote
from xinfang.alerts.rules import CLUSTER, SPIKE
from xinfang.analytics.selectors import hotspots, scope_resolve
from xinfang.cases.models import (
    Case,
    CaseAccused,
    CaseDeadline,
    CaseEvent,
    CasePetitioner,
    CaseRating,
    Petitioner,
)
from xinfang.core.audit import audit_verify
from xinfang.core.clock import clock_at
from xinfang.core.crypto import decrypt
from xinfang.core.idnumber import id_number_validate
from xinfang.core.models import AuditEntry
from xinfang.demo.alerts import SURGE_CASES
from xinfang.demo.district import HANDLING_KINDS, demo_units
from xinfang.demo.generator import PetitionGenerator, id_number_make
from xinfang.demo.logins import HANDLER_PREFIX, HEAD_PREFIX, demo_logins
from xinfang.demo.seed import DEMO_PASSWORD, demo_seed
from xinfang.petitioners.models import CaseLink

NOW = at("2026-11-20 10:00")
ID_NUMBER = re.compile(r"\d{17}[\dX]")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # noqa: ANN001 - pytest-django fixtures
    with django_db_blocker.unblock(), transaction.atomic():
        summary = demo_seed(cases=80, seed=7, now=NOW)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):  # noqa: ANN001
    return demo


def test_every_status_and_way_of_closing_appears(seeded):
    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    assert seeded.status_counts == dict(Case.objects.values_list("status").annotate(n=Count("id")))
    assert seeded.cases == Case.objects.count() == 80
    reasons = set(Case.objects.filter(status=Case.Status.CLOSED).values_list("closed_reason", flat=True))
    assert {"replied", "forwarded", "re_reviewed", "no_review_requested", "no_re_review_requested",
            "final_after_re_review"} <= reasons
    # Closed by expiry through case_close_expired: the system closed them, after the 30-day window.
    expired = Case.objects.filter(closed_reason="no_review_requested")
    for case in expired:
        assert case.events.filter(action="closed", actor__isnull=True).exists()
        assert case.closed_at - case.replied_at > timedelta(days=30)
    refused = Case.objects.filter(status=Case.Status.REFUSED)
    assert refused.exists() and not refused.filter(legal_channel="").exists()
    assert Case.objects.filter(status=Case.Status.ACCEPTED, extension_days__gt=0).exists()


def test_most_cases_are_closed_or_in_handling(seeded):
    counts = seeded.status_counts
    settled = counts["closed"] + counts["refused"] + counts["accepted"] + counts["replied"]
    assert settled > 0.6 * seeded.cases
    assert counts["closed"] > counts["registered"] + counts["routed"]


def test_channels_matter_types_groups_and_repeats(seeded):
    assert set(Case.objects.values_list("channel", flat=True)) == set(Case.Channel.values)
    assert set(Case.objects.values_list("matter_type", flat=True)) == set(Case.MatterType.values)
    groups = Case.objects.filter(channel=Case.Channel.VISIT, group_size__gt=5)
    assert groups.exists()
    for case in groups:
        representatives = CasePetitioner.objects.filter(case=case, is_representative=True).count()
        assert 1 <= representatives <= 5  # 信访工作条例 Art. 20
    # Linked repeats point to a case that was open; the final one to a case closed by re-review.
    for case in Case.objects.filter(status=Case.Status.LINKED):
        assert case.repeat_of is not None
        assert case.repeat_of.received_at < case.received_at
    for case in Case.objects.filter(closed_reason="final_after_re_review"):
        assert case.repeat_of.closed_reason == "re_reviewed"
        assert case.repeat_of.closed_at < case.received_at + timedelta(days=1)
    assert Case.objects.filter(status=Case.Status.ACCEPTED, repeat_of__isnull=False).exists()
    # The same person petitions again.
    repeat = Case.objects.filter(repeat_of__isnull=False).first()
    assert set(repeat.case_petitioners.values_list("petitioner", flat=True)) & set(
        repeat.repeat_of.case_petitioners.values_list("petitioner", flat=True))
    ratings = set(CaseRating.objects.values_list("rating", flat=True))
    assert CaseRating.Rating.DISSATISFIED in ratings and CaseRating.Rating.SATISFIED in ratings


def test_users_of_every_role_and_handlers_only_for_their_units(seeded):
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    handling = list(Unit.objects.filter(kind__in=HANDLING_KINDS))
    assert len(handling) == len([u for u in demo_units() if u.kind in HANDLING_KINDS])
    for unit in handling:
        handler = User.objects.get(username=f"{HANDLER_PREFIX}{unit.code.lower()}")
        head = User.objects.get(username=f"{HEAD_PREFIX}{unit.code.lower()}")
        assert (handler.role, handler.unit_id) == (User.Role.HANDLER, unit.pk)
        assert (head.role, head.unit_id) == (User.Role.UNIT_HEAD, unit.pk)
    unit_users = User.objects.filter(role__in=[User.Role.HANDLER, User.Role.UNIT_HEAD])
    assert unit_users.count() == 2 * len(handling)
    assert not unit_users.exclude(unit__kind__in=HANDLING_KINDS).exists()
    assert User.objects.get(username="registrar").unit.kind == Unit.Kind.BUREAU
    assert User.objects.get(username="suggestion").role == User.Role.SUGGESTION_OFFICER
    assert not User.objects.filter(role__in=["system_admin", "security_admin", "audit_admin"],
                                   unit__isnull=False).exists()
    assert check_password(DEMO_PASSWORD, User.objects.get(username="head-mh-fgj").password)
    assert {login.username for login in seeded.logins} == set(User.objects.values_list("username", flat=True))
    assert [login.username for login in demo_logins()][:3] == ["registrar", "officer", "leader"]


def test_accusations_are_never_handled_by_or_shown_to_the_accused(seeded):
    accusations = Case.objects.filter(matter_type=Case.MatterType.ACCUSATION)
    assert accusations.filter(accused__unit__isnull=False).exists()
    for case in accusations:
        accused = list(CaseAccused.objects.filter(case=case, unit__isnull=False).select_related("unit"))
        assert accused
        for event in case.events.filter(action="routed"):
            unit = Unit.objects.get(code=event.data["unit"])
            assert not unit_is_accused_in(unit=unit, case=case)
            assert unit.kind == Unit.Kind.DISCIPLINE
        if case.handling_unit is not None:
            assert not unit_is_accused_in(unit=case.handling_unit, case=case)
        for item in accused:
            below = Unit.objects.filter(path__startswith=item.unit.path)
            for user in User.objects.filter(unit__in=below):
                assert not cases_visible_to(user).filter(pk=case.pk).exists()


def test_some_deadlines_are_overdue(seeded):
    overdue = CaseDeadline.objects.filter(overdue_at__isnull=False)
    assert seeded.overdue_deadlines == overdue.count() > 0
    # Still open today: the bureau has not routed, or the unit has not accepted or answered.
    still_late = overdue.filter(met_at__isnull=True, due_date__lt=NOW.date())
    assert set(still_late.values_list("case__status", flat=True)) & {"registered", "routed", "accepted"}
    assert CaseEvent.objects.filter(action="deadline_overdue").count() == overdue.count()


def test_personal_data_is_stored_encrypted(seeded):
    people = list(Petitioner.objects.all())
    assert len(people) >= 80
    with_id = [p for p in people if p.id_number_encrypted]
    assert len(with_id) > 0.7 * len(people)
    for person in people:
        assert not ID_NUMBER.search(person.id_number_encrypted)
        assert not re.search(r"1[3-9]\d{9}", person.phone_encrypted)
    for person in with_id[:20]:
        number = decrypt(person.id_number_encrypted, context="petitioner.id_number")
        assert id_number_validate(number) == number
        assert person.id_masked == number[:6] + "********" + number[-4:]


def test_dates_spread_over_ten_months_and_follow_the_workflow(seeded):
    span = Case.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
    assert span["last"] - span["first"] > timedelta(days=240)
    assert span["last"] <= NOW
    assert not CaseEvent.objects.filter(at__gt=NOW).exists()
    for case in Case.objects.filter(status=Case.Status.CLOSED, closed_reason="re_reviewed"):
        moments = [e.at for e in case.events.order_by("id")]
        assert moments == sorted(moments)
        assert case.received_at <= moments[0]
    # Registrations are numbered in the order they were registered.
    numbers = list(Case.objects.order_by("id").values_list("number", flat=True))
    assert numbers == sorted(numbers)
    assert audit_verify().ok


def test_id_numbers_and_generator_are_reproducible():
    assert id_number_make(region="110101", born=date(1990, 3, 7), sequence=451) == "110101199003074514"
    one = PetitionGenerator(rng=random.Random(5), today=date(2026, 11, 20))
    two = PetitionGenerator(rng=random.Random(5), today=date(2026, 11, 20))
    people = [one.person(street=None) for _ in range(50)]
    assert people == [two.person(street=None) for _ in range(50)]
    for person in people:
        assert id_number_validate(person.id_number) == person.id_number
    assert len({p.id_number for p in people}) == 50


def test_repeats_after_re_review_refused_and_overridden(seeded):
    """Issue 6: one petition after re-review stays recorded and not accepted again (Art. 36 ¶3); another,
    with new facts, was accepted as a new matter by the bureau officer and assigned (Art. 22 (3))."""
    refused = Case.objects.filter(status=Case.Status.CLOSED, closed_reason="final_after_re_review")
    assert refused.exists()
    overridden = Case.objects.filter(events__action="accepted_new_facts").distinct()
    assert overridden.count() == 1
    case = overridden.get()
    original = case.repeat_of
    assert original.closed_reason == "re_reviewed"
    assert case.received_at > original.closed_at
    actions = list(case.events.order_by("id").values_list("action", flat=True))
    assert actions[:4] == ["registered", "not_accepted_again", "accepted_new_facts", "routed"]
    statement = case.events.get(action="accepted_new_facts")
    assert statement.actor.username == "officer" and len(statement.note) >= 10
    assert original.events.filter(action="new_facts_case", data__case=case.pk).exists()
    assert (case.status, case.route_mode) == (Case.Status.ROUTED, Case.RouteMode.ASSIGN)
    report = CaseDeadline.objects.get(case=case, kind="report_by")
    assert (report.days, report.met_at) == (30, None)
    assert AuditEntry.objects.filter(action="case.accept_new_facts", object_id=str(case.pk), result="ok").exists()


def test_case_links_of_every_kind_with_their_events(seeded):
    links = list(CaseLink.objects.select_related("from_case", "to_case", "created_by"))
    assert {link.kind for link in links} == set(CaseLink.Kind.values)
    for link in links:
        assert link.created_by.username == "officer"
        assert max(link.from_case.received_at, link.to_case.received_at) < link.created_at <= NOW
        for case in (link.from_case, link.to_case):
            assert case.events.filter(action="case_link", data__link=link.pk).exists()
    for link in (item for item in links if item.kind == CaseLink.Kind.DUPLICATE_OF):
        assert link.from_case.status == Case.Status.LINKED and link.from_case.repeat_of == link.to_case


def test_the_petitioner_pages_show_the_repeats(seeded, client):
    client.force_login(User.objects.get(username="officer"))
    link = CaseLink.objects.filter(kind=CaseLink.Kind.REPEAT_OF).first()
    person = link.from_case.case_petitioners.order_by("position").first().petitioner
    history = client.get(f"/petitioners/{person.pk}/")
    assert history.status_code == 200
    assert link.to_case.number in history.content.decode()
    overridden = Case.objects.filter(events__action="accepted_new_facts").get()
    person = overridden.case_petitioners.order_by("position").first().petitioner
    page = client.get(f"/petitioners/{person.pk}/").content.decode()
    assert overridden.number in page and overridden.repeat_of.number in page
    with clock_at(NOW):
        figures = client.get("/petitioners/repeats/")
    assert figures.status_code == 200
    top = figures.context["figures"].top_petitioners
    assert top and top[0].repeats >= 1


def test_the_planted_surge_raises_a_spike_a_cluster_and_a_hotspot(seeded):
    """The residents of one building petitioning about its lift in the last days (xinfang/demo/alerts.py): the
    demo's scan raises a spike of the category in the street and a cluster of similar petitions, well past
    the rules' minimums, and the officer's hotspots page shows the cell rising."""
    street_code, category_code = seeded.surge
    street = Unit.objects.get(code=street_code)
    surge = set(Case.objects.filter(street=street, category__code=category_code,
                                    received_at__gte=NOW - timedelta(days=10)).values_list("pk", flat=True))
    assert len(surge) >= SURGE_CASES
    spike = Alert.objects.get(rule=Alert.Rule.SPIKE, street=street, category__code=category_code)
    assert spike.status == Alert.Status.OPEN
    assert spike.figures["observed"] >= SPIKE.thresholds.min_count + 3
    assert spike.figures["adjusted_p"] < SPIKE.thresholds.alpha / 1000
    assert set(spike.case_ids) <= surge
    clusters = [alert for alert in Alert.objects.filter(rule=Alert.Rule.CLUSTER) if surge & set(alert.case_ids)]
    assert len(clusters) == 1
    cluster = clusters[0]
    assert set(cluster.case_ids) <= surge and cluster.street == street
    assert cluster.figures["observed"] >= CLUSTER.min_cases + 3 and cluster.figures["people"] >= CLUSTER.min_people + 3
    # Acknowledged by the officer, owned by the leader, with a note: like the announced group visits.
    assert (cluster.status, cluster.acknowledged_by.username, cluster.owner.username) == (
        Alert.Status.ACKNOWLEDGED, "officer", "leader")
    assert AlertNote.objects.filter(alert=cluster).exists()
    officer = User.objects.get(username="officer")
    hot = hotspots(user=officer, end=NOW.date(), scope=scope_resolve(user=officer), phrases=False)
    cells = {(cell.street.code, cell.category.code): cell.test for cell in hot.cells}
    assert (street_code, category_code) in cells
    assert cells[(street_code, category_code)].count >= SURGE_CASES
