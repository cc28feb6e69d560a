"""The demo's repeat petitions beyond registration (issue 6, 重复信访): the links a bureau officer sets
between cases (repeat of, duplicate of, related to), and a petition that came back after re-review with
new facts, accepted as a new matter by the officer (信访工作条例 Art. 36 ¶3) — beside the history's own
repeat that was recorded and not accepted again.

Run by ``demo_seed`` after the petitions' history. It registers exactly ``REPEAT_CASES`` case (through
``case_register``); ``demo_seed`` plans that many fewer, so the demo keeps the number of cases asked for.
Every step goes through the services under ``clock_at``, after the cases' own events and before ``now``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import combinations

from django.db.models import Max
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, case_accept_new_facts, case_register, case_route
from xinfang.core.clock import clock_at
from xinfang.core.crypto import decrypt
from xinfang.petitioners.models import CaseLink
from xinfang.petitioners.services import case_link

REPEAT_CASES = 1
# The new petition comes at least this long before ``now``: received, accepted as new, assigned.
OVERRIDE_LEAD_DAYS = 12

NEW_FACTS = [
    "信访人提交了复核后新出具的房屋安全鉴定报告，证明损坏系相邻工程施工所致，复核时未涉及该事实。",
    "信访人提供了复核后才取得的原单位书面证明，证实其工龄计算有误，属于新的事实和理由。",
    "复核后相关政策作出调整，信访人依据新政策提出诉求，理由与原事项不同。",
]
NEW_FACTS_TEXT = "此前事项已复核办结。现有新的情况：{facts}请求有关部门依据新的事实重新处理。"
DUPLICATE_NOTE = "同一信访人就同一事项通过不同渠道重复提交，已并入正在办理的事项。"
REPEAT_NOTE = "信访人系原事项所涉群体成员，登记时未能识别，经核实系就同一事项再次信访。"
RELATED_NOTE = "同一街道同类问题，涉及同一责任单位，合并研究处理。"
NEW_MATTER_NOTE = "复核后提出新的事实和理由，作为新事项受理；与原复核事项相关。"


@dataclass
class RepeatsDemo:
    overridden: Case | None = None
    links: int = 0


def _office_hours(day: datetime, hour: int) -> datetime:
    return datetime.combine(timezone.localdate(day), time(hour, 15), tzinfo=timezone.get_current_timezone())


class _Repeats:
    def __init__(self, *, now: datetime, rng: random.Random, officer: User, registrar: User):
        self.now, self.rng, self.officer, self.registrar = now, rng, officer, registrar
        self.summary = RepeatsDemo()

    def _last_event(self, *cases: Case) -> datetime:
        last = Case.objects.filter(pk__in=[c.pk for c in cases]).aggregate(last=Max("events__at"))["last"]
        return last or max(c.received_at for c in cases)

    def _link_time(self, *cases: Case) -> datetime | None:
        """A working hour a few days after the last event of ``cases``, before ``now``; None if there is none."""
        start = self._last_event(*cases) + timedelta(days=self.rng.randint(1, 5))
        moment = _office_hours(start, self.rng.randint(9, 16))
        while moment.weekday() >= 5:
            moment += timedelta(days=1)
        return moment if moment < self.now - timedelta(hours=1) else None

    def _link(self, case: Case, other: Case, kind: str, note: str) -> bool:
        when = self._link_time(case, other)
        if when is None:
            return False
        with clock_at(when):
            case_link(actor=self.officer, case=case, other=other, kind=kind, note=note)
        self.summary.links += 1
        return True

    # -- A petition after re-review with new facts, accepted as a new matter (Art. 36 ¶3) ---------------

    def override(self) -> None:
        latest = self.now - timedelta(days=OVERRIDE_LEAD_DAYS + 8)
        finals = set(Case.objects.filter(closed_reason="final_after_re_review").values_list("repeat_of_id", flat=True))
        originals = list(Case.objects.filter(closed_reason="re_reviewed", closed_at__lt=latest,
                                             handling_unit__isnull=False)
                         .exclude(pk__in=finals).order_by("closed_at", "pk"))
        if not originals:
            originals = list(Case.objects.filter(closed_reason="re_reviewed", closed_at__lt=latest,
                                                 handling_unit__isnull=False).order_by("closed_at", "pk"))
        # Its own timeline stays in order: the new petition comes after the original's last event.
        originals = [c for c in originals if self._last_event(c) < latest]
        if not originals:
            return
        original = self.rng.choice(originals)
        unit = original.handling_unit
        assert unit is not None  # filtered above
        link = original.case_petitioners.select_related("petitioner").order_by("position").first()
        if link is None:
            return
        person = link.petitioner
        petitioner = PetitionerInput(
            name=person.name, address=person.address,
            id_number=decrypt(person.id_number_encrypted, context="petitioner.id_number")
            if person.id_number_encrypted else "",
            phone=decrypt(person.phone_encrypted, context="petitioner.phone") if person.phone_encrypted else "")
        facts = self.rng.choice(NEW_FACTS)
        last = self._last_event(original)
        span = max(2, (self.now - timedelta(days=OVERRIDE_LEAD_DAYS) - last).days)
        received = _office_hours(last + timedelta(days=self.rng.randint(min(5, span - 1), span - 1)),
                                 self.rng.randint(9, 11))
        received = max(min(received, self.now - timedelta(days=OVERRIDE_LEAD_DAYS)), last + timedelta(hours=1))
        with clock_at(received):
            # Recorded and not accepted again: the same refusal as any repeat after re-review …
            case = case_register(
                actor=self.registrar, channel=Case.Channel.VISIT, received_at=received,
                matter_type=original.matter_type, title=original.title,
                content=NEW_FACTS_TEXT.format(facts=facts), petitioners=[petitioner], category=original.category,
                street=original.street, repeat_of=original).case
        # … until the officer reads the new facts and takes it up as a new matter.
        with clock_at(received + timedelta(days=1, hours=2)):
            case_accept_new_facts(case=case, actor=self.officer, statement=facts)
        with clock_at(received + timedelta(days=2, hours=1)):
            case.refresh_from_db()
            # Assigned (交办) to the unit that handled the original, to report back within 30 days (Art. 22).
            case_route(case=case, unit=unit, mode=Case.RouteMode.ASSIGN, actor=self.officer,
                       note="复核后新的事实和理由，请依法重新调查处理，限期报告办理结果。", report_days=30)
        self.summary.overridden = case
        with clock_at(received + timedelta(days=2, hours=2)):
            case_link(actor=self.officer, case=case, other=original, kind=CaseLink.Kind.RELATED_TO,
                      note=NEW_MATTER_NOTE)
        self.summary.links += 1

    # -- Links set by the officer --------------------------------------------------------------------------

    def links(self) -> None:
        # 重复登记: a petition joined to the open matter (Art. 19 ¶3), marked a duplicate of it.
        joined = list(Case.objects.filter(status=Case.Status.LINKED, repeat_of__isnull=False).order_by("pk"))
        for case in joined[:2]:
            if case.repeat_of is not None:
                self._link(case, case.repeat_of, CaseLink.Kind.DUPLICATE_OF, DUPLICATE_NOTE)
        # 重复信访 the registration could not see (another person of the same group, no common ID number), and
        # 相关事项: claims of the same category in the same street.
        claims = list(Case.objects.filter(matter_type=Case.MatterType.CLAIM, repeat_of__isnull=True,
                                          category__isnull=False, street__isnull=False)
                      .exclude(status=Case.Status.LINKED).order_by("received_at", "pk"))
        taken: set[int] = {c.pk for c in joined}
        pairs = [(a, b) for a, b in combinations(claims, 2)
                 if a.category_id == b.category_id and a.street_id == b.street_id]
        if len(pairs) < 2:
            pairs += [(a, b) for a, b in combinations(claims, 2) if a.category_id == b.category_id
                      and (a, b) not in pairs]
        self.rng.shuffle(pairs)
        wanted = [(CaseLink.Kind.REPEAT_OF, REPEAT_NOTE), (CaseLink.Kind.RELATED_TO, RELATED_NOTE),
                  (CaseLink.Kind.RELATED_TO, RELATED_NOTE)]
        for earlier, later in pairs:
            if not wanted:
                break
            if earlier.pk in taken or later.pk in taken or earlier.received_at >= later.received_at:
                continue
            kind, note = wanted[0]
            if self._link(later, earlier, kind, note):
                wanted.pop(0)
                taken |= {earlier.pk, later.pk}


def repeats_demo_seed(*, now: datetime, rng: random.Random, officer: User, registrar: User) -> RepeatsDemo:
    """The override after re-review and the officer's links (see the module docstring)."""
    demo = _Repeats(now=now, rng=rng, officer=officer, registrar=registrar)
    demo.override()
    demo.links()
    return demo.summary
