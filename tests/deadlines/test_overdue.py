"""The case clock's worker: ``deadlines_mark_overdue`` (each late duty marked once, with an event and
notifications), ``case_close_expired`` (the petitioner's windows, 信访工作条例 Art. 35, 36) and
``xinfang deadlines sweep``."""

from __future__ import annotations

import io
import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.conftest import at
from xinfang.cases.models import Case, CaseDeadline, CaseEvent
from xinfang.cases.services import case_close_expired, case_extend
from xinfang.cases.tasks import deadlines_sweep_periodic
from xinfang.core.clock import clock_at
from xinfang.deadlines.services import deadlines_mark_overdue
from xinfang.notifications.models import Notification

d = date.fromisoformat


def overdue_events(case: Case | None = None) -> list[dict]:
    events = CaseEvent.objects.filter(action="deadline_overdue")
    if case is not None:
        events = events.filter(case=case)
    return list(events.values_list("data", flat=True))


def overdue_recipients(case: Case) -> list[str]:
    return sorted(Notification.objects.filter(case=case, kind="overdue").values_list("user__username", flat=True))


def sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("deadlines", "sweep", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def routed(flow) -> Case:
    """Received and routed to 区房管局 on Tuesday 2026-09-01: the acceptance notice is due Wednesday 09-16
    (15 days, 信访工作条例 Art. 23), the objection window closes Tuesday 09-08 (5 working days, Art. 23)."""
    case = flow.register("2026-09-01 09:00")
    flow.route(case, "2026-09-01 10:00")
    assert CaseDeadline.objects.get(case=case, kind="accept_by").due_date == d("2026-09-16")
    assert CaseDeadline.objects.get(case=case, kind="object_by").due_date == d("2026-09-08")
    return case


# --- Marking overdue ------------------------------------------------------------------------------------

def test_routed_case_past_accept_by_is_marked_once(routed, personas):
    # On the last day the unit is still on time.
    assert deadlines_mark_overdue(today=d("2026-09-16")) == 0
    with clock_at(at("2026-09-17 00:10")):
        assert deadlines_mark_overdue() == 1

    row = CaseDeadline.objects.get(case=routed, kind="accept_by")
    assert row.overdue_at == at("2026-09-17 00:10")
    assert overdue_events(routed) == [{"kind": "accept_by", "due_date": "2026-09-16"}]
    event = CaseEvent.objects.get(case=routed, action="deadline_overdue")
    assert (event.actor_id, event.actor_name) == (None, "系统")
    # The handling unit's handlers and head, and the bureau's officers; nobody else.
    assert overdue_recipients(routed) == ["handler", "head", "officer"]
    assert "2026-09-16" in Notification.objects.filter(case=routed, kind="overdue").first().text

    # The second run, and any later one, changes nothing.
    with clock_at(at("2026-09-17 00:20")):
        assert deadlines_mark_overdue() == 0
    assert deadlines_mark_overdue(today=d("2026-10-30")) == 0
    assert CaseDeadline.objects.get(case=routed, kind="accept_by").overdue_at == at("2026-09-17 00:10")
    assert len(overdue_events(routed)) == 1
    assert Notification.objects.filter(case=routed, kind="overdue").count() == 3


def test_objection_window_lapses_and_is_never_overdue(routed):
    # 信访工作条例 Art. 23: the unit *may* object within 5 working days; after 09-08 it can no longer
    # object, but it is not late for anything until the acceptance notice is due (09-16).
    assert deadlines_mark_overdue(today=d("2026-09-10")) == 0
    assert deadlines_mark_overdue(today=d("2026-09-30")) == 1
    assert CaseDeadline.objects.get(case=routed, kind="object_by").overdue_at is None
    assert [e["kind"] for e in overdue_events(routed)] == ["accept_by"]


def test_routing_deadline_overdue_tells_the_bureau_only(flow):
    # 信访工作条例 Art. 22: route within 15 days of receipt; not routed by Wednesday 09-16.
    case = flow.register("2026-09-01 09:00")
    assert deadlines_mark_overdue(today=d("2026-09-17")) == 1
    assert overdue_events(case) == [{"kind": "route_by", "due_date": "2026-09-16"}]
    assert overdue_recipients(case) == ["officer"]


def test_met_deadlines_are_never_overdue(routed, flow):
    flow.accept(routed, "2026-09-10 10:00")           # accept_by met; decide_by Monday 11-09 (Art. 34)
    assert CaseDeadline.objects.get(case=routed, kind="decide_by").due_date == d("2026-11-09")
    assert deadlines_mark_overdue(today=d("2026-11-09")) == 0
    for kind in ("route_by", "accept_by"):
        assert CaseDeadline.objects.get(case=routed, kind=kind).overdue_at is None
    # Only the deadline still open is late the day after it ends.
    assert deadlines_mark_overdue(today=d("2026-11-10")) == 1
    assert [e["kind"] for e in overdue_events(routed)] == ["decide_by"]


def test_cancelled_deadlines_are_never_overdue(routed, flow):
    flow.accept(routed, "2026-09-02 10:00")           # the objection window is cancelled by acceptance
    row = CaseDeadline.objects.get(case=routed, kind="object_by")
    assert row.cancelled and row.met_at is None
    assert deadlines_mark_overdue(today=d("2026-09-30")) == 0
    assert CaseDeadline.objects.get(case=routed, kind="object_by").overdue_at is None


def test_petitioner_deadlines_are_never_overdue(flow):
    # Replied Thursday 09-10: the petitioner may ask for review for 30 days (信访工作条例 Art. 35) —
    # until Saturday 10-10, a make-up working day. Letting it pass is the petitioner's right, not a delay.
    case = flow.replied("2026-09-01 09:00", "2026-09-10 10:00")
    row = CaseDeadline.objects.get(case=case, kind="review_request_by")
    assert (row.due_date, row.on_petitioner) == (d("2026-10-10"), True)
    assert deadlines_mark_overdue(today=d("2026-12-31")) == 0
    assert CaseDeadline.objects.get(case=case, kind="review_request_by").overdue_at is None
    assert overdue_events(case) == []


def test_extended_deadline_is_overdue_only_after_the_extension(routed, flow, personas):
    flow.accept(routed, "2026-09-10 10:00")           # decide_by 11-09
    with clock_at(at("2026-10-20 10:00")):
        # 信访工作条例 Art. 34: one extension of at most 30 days, approved by the head.
        case_extend(case=routed, actor=personas["head"], days=30, reason="需要现场勘查")
    assert CaseDeadline.objects.get(case=routed, kind="decide_by").due_date == d("2026-12-09")
    assert deadlines_mark_overdue(today=d("2026-11-10")) == 0
    assert deadlines_mark_overdue(today=d("2026-12-10")) == 1


def test_restarted_deadline_can_be_overdue_again(flow, personas):
    from xinfang.cases.services import case_object

    # Not routed within 15 days (信访工作条例 Art. 22): late on 09-17.
    case = flow.register("2026-09-01 09:00")
    assert deadlines_mark_overdue(today=d("2026-09-17")) == 1
    flow.route(case, "2026-09-20 10:00")              # a Sunday, but a make-up working day
    # The unit objects within 5 working days (Art. 23); the bureau routes again within REROUTE_DAYS
    # (policy, 15) of the objection: a fresh deadline, 09-22 + 15 = 10-07 in National Day → 10-08,
    # with no overdue mark carried over.
    with clock_at(at("2026-09-22 10:00")):
        case_object(case=case, actor=personas["handler"], reason="不属于本单位职责范围")
    row = CaseDeadline.objects.get(case=case, kind="route_by")
    assert (row.due_date, row.met_at, row.overdue_at) == (d("2026-10-08"), None, None)
    assert deadlines_mark_overdue(today=d("2026-10-08")) == 0
    assert deadlines_mark_overdue(today=d("2026-10-09")) == 1
    assert overdue_events(case) == [{"kind": "route_by", "due_date": "2026-09-16"},
                                    {"kind": "route_by", "due_date": "2026-10-08"}]


@pytest.mark.postgres_only
def test_concurrent_sweeps_mark_each_deadline_once(transactional_db, flow):
    """Several workers (huey on several machines) sweep at once: the conditional UPDATE lets exactly one
    of them claim each row, and only that one writes the event and the notifications."""
    cases = []
    for i in range(12):
        case = flow.register(f"2026-09-01 09:{i:02d}")
        flow.route(case, "2026-09-01 10:00")
        cases.append(case)
    workers = 3
    barrier = threading.Barrier(workers)
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(deadlines_mark_overdue(today=d("2026-09-17")))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == workers
    assert sum(results) == len(cases)                 # one accept_by per case, each claimed once
    assert len(overdue_events()) == len(cases)
    assert Notification.objects.filter(kind="overdue").count() == 3 * len(cases)
    assert CaseDeadline.objects.filter(kind="accept_by", overdue_at__isnull=False).count() == len(cases)


# --- Closing expired cases (信访工作条例 Art. 35, 36) --------------------------------------------------

@pytest.fixture
def after_reply(flow) -> dict[str, Case]:
    cases = {}
    # Replied 09-10: review may be asked until Saturday 10-10 (a make-up working day, not rolled).
    cases["replied"] = flow.replied("2026-09-01 09:00", "2026-09-10 10:00")
    # Reviewed Tuesday 09-22: re-review may be asked until Thursday 10-22 (Art. 36).
    cases["reviewed"] = flow.replied("2026-09-01 09:01", "2026-09-10 10:01")
    flow.review_request(cases["reviewed"], "2026-09-15 10:00")
    flow.review_decide(cases["reviewed"], "2026-09-22 10:00")
    # Review asked in time and not yet decided: the petitioner acted, nothing lapses.
    cases["review_requested"] = flow.replied("2026-09-01 09:02", "2026-09-10 10:02")
    flow.review_request(cases["review_requested"], "2026-10-09 10:00")
    # Replied 10-01: review may be asked until Monday 11-02 (10-31 is a Saturday).
    cases["replied_later"] = flow.replied("2026-09-01 09:03", "2026-10-01 10:00")
    # A suggestion closes with the answer: there is no review to ask for.
    suggestion = flow.register("2026-09-01 09:04", matter_type=Case.MatterType.SUGGESTION, title="建议增设公交线路")
    flow.route(suggestion, "2026-09-01 10:04")
    flow.accept(suggestion, "2026-09-01 10:05")
    cases["suggestion"] = flow.reply(suggestion, "2026-09-10 10:05")
    assert CaseDeadline.objects.get(case=cases["replied"], kind="review_request_by").due_date == d("2026-10-10")
    assert CaseDeadline.objects.get(case=cases["reviewed"], kind="re_review_request_by").due_date == d("2026-10-22")
    assert CaseDeadline.objects.get(case=cases["replied_later"], kind="review_request_by").due_date == d("2026-11-02")
    return cases


def statuses(cases: dict[str, Case]) -> dict[str, tuple[str, str]]:
    return {name: tuple(Case.objects.filter(pk=case.pk).values_list("status", "closed_reason").get())
            for name, case in cases.items()}


def test_close_expired(after_reply):
    before = statuses(after_reply)
    # On the last day of each window nothing is closed.
    assert case_close_expired(today=d("2026-10-10")) == 0
    assert statuses(after_reply) == before

    with clock_at(at("2026-10-23 01:00")):
        assert case_close_expired() == 2

    after = statuses(after_reply)
    assert after["replied"] == (Case.Status.CLOSED, "no_review_requested")
    assert after["reviewed"] == (Case.Status.CLOSED, "no_re_review_requested")
    for name in ("review_requested", "replied_later", "suggestion"):
        assert after[name] == before[name]
    event = CaseEvent.objects.get(case=after_reply["replied"], action="closed")
    assert (event.from_status, event.to_status, event.data) == (
        Case.Status.REPLIED, Case.Status.CLOSED, {"reason": "no_review_requested"})
    assert CaseDeadline.objects.get(case=after_reply["replied"], kind="review_request_by").cancelled
    assert Case.objects.get(pk=after_reply["replied"].pk).closed_at == at("2026-10-23 01:00")

    # Again: nothing more to close until the later window passes.
    assert case_close_expired(today=d("2026-10-23")) == 0
    assert case_close_expired(today=d("2026-11-02")) == 0
    assert case_close_expired(today=d("2026-11-03")) == 1
    assert statuses(after_reply)["replied_later"] == (Case.Status.CLOSED, "no_review_requested")
    assert statuses(after_reply)["review_requested"] == before["review_requested"]


# --- xinfang deadlines sweep -------------------------------------------------------------------------

def test_sweep_command(routed, after_reply):
    # On 10-23 the routed case's acceptance notice (due 09-16) is late — the review requested on 10-09
    # is due only on 11-09 (Art. 35) — and two petitioners' windows have passed (Art. 35, 36).
    out = sweep("--today", "2026-10-23")
    assert out.splitlines() == ["标记逾期的期限：1 个", "期满办结的事项：2 件"]
    assert sweep("--today", "2026-10-23").splitlines() == ["标记逾期的期限：0 个", "期满办结的事项：0 件"]


def test_sweep_command_uses_today_by_default(routed):
    with clock_at(at("2026-09-17 08:00")):
        assert sweep().splitlines() == ["标记逾期的期限：1 个", "期满办结的事项：0 件"]


@pytest.mark.parametrize("bad", ["2026-13-01", "17.09.2026", "tomorrow"])
def test_sweep_command_refuses_a_bad_date(bad, routed):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        sweep("--today", bad)
    assert overdue_events() == []


def test_periodic_task_runs_both_services(routed, after_reply):
    with clock_at(at("2026-10-23 01:00")):
        assert deadlines_sweep_periodic.call_local() == {"overdue": 1, "closed": 2}
