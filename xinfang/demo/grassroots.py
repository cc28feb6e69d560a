"""The demo's grassroots work (issue 6, docs/grassroots.md), made through the services under ``clock_at``
like the rest of the demo: a registrar at a service point (家门口服务站) in three streets, disputes found by
screening, mediations — one 三所联动 with 江川路's police station, judicial office and a law firm, with
sessions, an agreement and its follow-up visits — a people's mediation that failed and whose dispute was
then turned into a case, one guided into arbitration (诉访分离), a mediation of an open case, visits
(走访 with a finding turned into a case, 领导下访, 上门办信 on a case), and leaders' reception days: held ones
with the people received (one registered as a case), scheduled ones and a cancelled one.

It registers exactly ``GRASSROOTS_CASES`` cases (through ``case_register``); ``demo_seed`` plans that many
fewer petitions so that the demo still has the number of cases asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import user_create
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at
from xinfang.demo.district import District
from xinfang.demo.generator import PetitionGenerator
from xinfang.demo.logins import point_username
from xinfang.grassroots import services
from xinfang.grassroots.models import Dispute, Mediation, MediationFollowUp, MediationParticipant, Visit

# The cases the grassroots demo registers (a dispute, a walk's finding, a reception); at least this many
# petitions must be asked for, or none of them is made.
GRASSROOTS_CASES = 3
MIN_CASES = 20
# Streets with a service point registrar (their first 家门口服务站).
POINT_STREETS = ["MH-JCL", "MH-GML", "MH-XZ"]
LAW_FIRM = "上海申江律师事务所"
P = MediationParticipant.Kind


@dataclass
class GrassrootsSummary:
    disputes: int = 0
    mediations: int = 0
    visits: int = 0
    reception_days: int = 0
    cases: int = 0
    accounts: int = 0


class _Demo:
    def __init__(self, *, district: District, generator: PetitionGenerator, now: datetime, users: dict[str, User],
                 handlers: dict[str, User], heads: dict[str, User]):
        self.district = district
        self.gen = generator
        self.now = now
        self.users = users
        self.handlers = handlers
        self.heads = heads
        self.summary = GrassrootsSummary()
        self.points: dict[str, Unit] = {}
        self.staff: dict[str, User] = {}

    def at(self, days_ago: int, hour: int = 10, minute: int = 0) -> datetime:
        """A moment ``days_ago`` days before now (never later than now), Shanghai time."""
        day = timezone.localdate(self.now) - timedelta(days=days_ago)
        moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
        return min(moment, self.now)

    def at_this_year(self, days_ago: int, hour: int = 10) -> datetime:
        """As ``at``, but not before the first of January: a case registered here is numbered in the
        current year, after every case of the replay (the numbers stay in registration order)."""
        first = timezone.make_aware(datetime(timezone.localdate(self.now).year, 1, 1, 9))
        return min(max(self.at(days_ago, hour), first), self.now)

    def party(self, street: Unit | None, *, role: str = "applicant", with_id: bool = True) -> services.PartyInput:
        person = self.gen.person(street=street, with_id=with_id)
        return services.PartyInput(name=person.name, role=role, id_number=person.id_number, phone=person.phone,
                                   address=person.address)

    def parties(self, street: Unit) -> list[services.PartyInput]:
        return [self.party(street), self.party(street, role="respondent")]

    # --- set-up --------------------------------------------------------------------------------------

    def accounts(self) -> None:
        for code in POINT_STREETS:
            street = self.district.units[code]
            point = self.district.service_points_of(street)[0]
            self.points[code] = point
            self.staff[code] = user_create(username=point_username(point.code), role=User.Role.REGISTRAR,
                                           unit=point, full_name=self.gen.name())
            self.summary.accounts += 1

    def dispute(self, code: str, days_ago: int, title: str, description: str, *, risk: str = "low",
                source: str = "screening") -> Dispute:
        street = self.district.units[code]
        with clock_at(self.at(days_ago, 9)):
            dispute = services.dispute_record(
                actor=self.staff[code], title=title, description=description, risk_level=risk, source=source,
                found_on=timezone.localdate(), parties=self.parties(street))
        self.summary.disputes += 1
        return dispute

    def session(self, actor: User, mediation: Mediation, days_ago: int, notes: str, hour: int = 14) -> None:
        with clock_at(self.at(days_ago, hour + 2)):
            services.mediation_session_add(actor=actor, mediation=mediation, held_at=self.at(days_ago, hour),
                                           place=f"{mediation.unit.name}调解室", notes=notes)

    # --- the stories ---------------------------------------------------------------------------------

    def joint_mediation(self) -> None:
        """江川路: a leak between neighbours, mediated by 三所联动, agreed, followed up until performed."""
        code = "MH-JCL"
        actor = self.staff[code]
        units = self.district.units
        dispute = self.dispute(code, 40, "楼上漏水致楼下受损纠纷",
                               "东风新村12号楼上住户卫生间长期渗漏，楼下住户天花板霉变。双方多次争吵，曾报警处理。",
                               risk="medium")
        with clock_at(self.at(39, 9)):
            mediation = services.mediation_open(
                actor=actor, kind=Mediation.Kind.JOINT, title="", matter="", started_on=timezone.localdate(),
                parties=[], dispute=dispute, participants=[
                    services.ParticipantInput(kind=P.POLICE_STATION, organisation="", mediator="江川路派出所 民警",
                                              unit=units["MH-GA-JCL"]),
                    services.ParticipantInput(kind=P.JUDICIAL_OFFICE, organisation="", mediator="司法所 人民调解员",
                                              unit=units["MH-SFJ-JCL"]),
                    services.ParticipantInput(kind=P.LAW_FIRM, organisation=LAW_FIRM, mediator="驻点律师"),
                ])
        self.session(actor, mediation, 38, "双方陈述事实。民警说明出警情况，律师解释相邻关系的法律规定。")
        self.session(actor, mediation, 33, "物业到场确认渗漏点。双方就维修和赔偿金额初步达成一致。")
        with clock_at(self.at(33, 17)):
            services.mediation_conclude(
                actor=actor, mediation=mediation, outcome=Mediation.Outcome.AGREEMENT,
                agreement_terms="一、楼上住户于十五日内委托有资质的单位修复卫生间防水。\n"
                                "二、楼上住户一次性补偿楼下住户天花板粉刷费用人民币二千五百元。\n"
                                "三、双方今后友好相处，不再就本事项发生争执。",
                performance="修复防水后由居委会见证支付补偿款", performance_due=timezone.localdate() + timedelta(days=15))
        with clock_at(self.at(25, 15)):
            services.mediation_follow_up_add(actor=actor, mediation=mediation, visited_on=timezone.localdate(),
                                             method=MediationFollowUp.Method.PHONE,
                                             result=MediationFollowUp.Result.PARTLY, notes="防水已修复，补偿款尚未支付。")
        with clock_at(self.at(17, 15)):
            services.mediation_follow_up_add(actor=actor, mediation=mediation, visited_on=timezone.localdate(),
                                             method=MediationFollowUp.Method.HOME,
                                             result=MediationFollowUp.Result.PERFORMED, notes="补偿款已当面支付，双方满意。")
        self.summary.mediations += 1
        self.dispute(code, 6, "小区公共绿地被占用种菜", "红旗小区部分居民在公共绿地种菜，其他居民意见较大。")

    def failed_mediation_then_case(self) -> None:
        """古美路: a people's mediation fails; the dispute is then registered as a case at the point."""
        code = "MH-GML"
        actor = self.staff[code]
        dispute = self.dispute(code, 30, "装修噪声扰民纠纷",
                               "古美一村某户装修持续三个月，周末和夜间施工，邻居多次投诉无果。", risk="medium")
        with clock_at(self.at(29, 9)):
            mediation = services.mediation_open(
                actor=actor, kind=Mediation.Kind.PEOPLE, title="", matter="", started_on=timezone.localdate(),
                parties=[], dispute=dispute, participants=[services.ParticipantInput(
                    kind=P.COMMITTEE, organisation="古美一村居委人民调解委员会", mediator=self.gen.name())])
        self.session(actor, mediation, 27, "装修户不同意调整施工时间，调解未能达成一致。")
        with clock_at(self.at(27, 17)):
            services.mediation_conclude(actor=actor, mediation=mediation, outcome=Mediation.Outcome.NO_AGREEMENT)
        self.summary.mediations += 1
        with clock_at(self.at_this_year(3, 10)):
            services.dispute_convert(actor=actor, dispute=dispute, matter_type=Case.MatterType.CLAIM,
                                     title="反映古美一村装修噪声扰民")
        self.summary.cases += 1
        self.dispute(code, 2, "停车位归属争议", "平南小区地面停车位划分引发业主与物业争议。", source="grid")

    def arbitration_and_ongoing(self) -> None:
        """莘庄: a wage dispute guided into labour arbitration, and a mediation still under way."""
        code = "MH-XZ"
        actor = self.staff[code]
        wages = self.dispute(code, 21, "装修工人讨要工钱", "西湖小区装修工人反映包工头拖欠工钱八千元。",
                             risk="high", source="walk_in")
        with clock_at(self.at(21, 11)):
            mediation = services.mediation_open(
                actor=actor, kind=Mediation.Kind.PEOPLE, title="", matter="", started_on=timezone.localdate(),
                parties=[], dispute=wages, participants=[services.ParticipantInput(
                    kind=P.COMMITTEE, organisation="西湖居委人民调解委员会", mediator=self.gen.name())])
        self.session(actor, mediation, 20, "包工头不认可欠款数额，双方分歧较大。")
        with clock_at(self.at(20, 17)):
            services.mediation_conclude(
                actor=actor, mediation=mediation, outcome=Mediation.Outcome.ARBITRATION,
                referral_note="属于劳动报酬争议，已告知当事人向区劳动人事争议仲裁委员会申请仲裁（仲裁时效一年）。")
        pets = self.dispute(code, 8, "饲养宠物纠纷", "莘松小区居民饲养大型犬未拴绳，邻居担心安全。")
        with clock_at(self.at(7, 9)):
            ongoing = services.mediation_open(
                actor=actor, kind=Mediation.Kind.PEOPLE, title="", matter="", started_on=timezone.localdate(),
                parties=[], dispute=pets, participants=[services.ParticipantInput(
                    kind=P.COMMITTEE, organisation="莘松居委人民调解委员会", mediator=self.gen.name())])
        self.session(actor, ongoing, 5, "养犬户同意外出拴绳，邻居要求书面承诺，约定下次再议。")
        self.summary.mediations += 2

    def case_mediation(self) -> None:
        """An open case handled by a street, mediated by the street (信访工作条例 Art. 33)."""
        case = Case.objects.filter(status=Case.Status.ACCEPTED, matter_type=Case.MatterType.CLAIM,
                                   handling_unit__kind=Unit.Kind.STREET).select_related("handling_unit").first()
        if case is None or case.handling_unit is None or case.handling_unit.code not in self.handlers:
            return
        handler = self.handlers[case.handling_unit.code]
        start = max(self.at(4, 9), case.accepted_at or self.at(4, 9))
        with clock_at(start):
            mediation = services.mediation_open(
                actor=handler, kind=Mediation.Kind.ADMINISTRATIVE, title=case.title, matter=case.content,
                started_on=timezone.localdate(), case=case,
                parties=[self.party(case.street), self.party(case.street, role="respondent", with_id=False)],
                participants=[services.ParticipantInput(kind=P.DEPARTMENT, organisation="", mediator=str(handler),
                                                        unit=case.handling_unit)])
        if start < self.at(1, 9):
            self.session(handler, mediation, 1, "信访人和被反映方均到场，街道提出调解方案，双方表示考虑。", hour=9)
        self.summary.mediations += 1

    def visits(self) -> None:
        units = self.district.units
        code = "MH-JCL"
        street = units[code]
        handler = self.handlers[code]
        with clock_at(self.at_this_year(2, 17)):
            walk = services.visit_record(
                actor=handler, kind=Visit.Kind.WALK, visited_at=self.at_this_year(2, 15), place="红旗小区",
                visitors=f"江川路街道信访办 {handler}", summary="走访红旗小区居民，听取对老旧小区改造的意见。", unit=street,
                findings=[services.FindingInput(title="小区雨污混接导致下水道返味",
                                                description="红旗小区8号楼下水道雨天返味，居民多次向物业反映未解决。",
                                                parties=[self.party(street)])])
            finding = walk.findings.get()
        with clock_at(self.at_this_year(1, 10)):
            services.finding_convert(actor=self.users["officer"], finding=finding, matter_type=Case.MatterType.CLAIM)
        self.summary.cases += 1
        xz = units["MH-XZ"]
        with clock_at(self.at(12, 17)):
            services.visit_record(
                actor=self.users["leader"], kind=Visit.Kind.DOWN, visited_at=self.at(12, 14), place="莘庄镇西湖居委",
                visitors=f"区领导 {self.users['leader']}、区信访办", unit=units["MH"], street=xz,
                summary="领导下访西湖居委，与居民代表座谈，听取加装电梯和停车难问题。",
                findings=[services.FindingInput(title="加装电梯意见不一", description="西湖小区多幢楼加装电梯意见难以统一。")])
        self.summary.visits += 2
        case = Case.objects.filter(status=Case.Status.ACCEPTED, handling_unit__kind=Unit.Kind.DEPARTMENT,
                                   accepted_at__lt=self.at(3)).select_related("handling_unit").first()
        if case is not None and case.handling_unit is not None and case.handling_unit.code in self.handlers:
            handler = self.handlers[case.handling_unit.code]
            with clock_at(self.at(2, 17)):
                services.visit_record(actor=handler, kind=Visit.Kind.HOME, case=case, visited_at=self.at(2, 15),
                                      place="信访人家中", visitors=str(handler),
                                      summary="上门听取信访人诉求，核实现场情况，说明办理进度。")
            self.summary.visits += 1

    def reception_days(self) -> None:
        units = self.district.units
        officer, leader = self.users["officer"], self.users["leader"]
        housing_head = self.heads.get("MH-FGJ")
        held = [(35, leader, "住房保障", [units["MH-FGJ"]]), (14, housing_head or leader, "物业服务", []),
                (7, leader, "劳动和社会保障", [units["MH-RSJ"]])]
        registered = False
        for days_ago, who, topic, joint in held:
            day_date = timezone.localdate(self.now) - timedelta(days=days_ago)
            with clock_at(self.at(days_ago + 10)):
                day = services.reception_day_schedule(
                    actor=officer, leader=who, day=day_date, starts_at=time(9), ends_at=time(11, 30),
                    place="区信访接待大厅", unit=units["MH-XFB"], topic=topic, joint_units=joint)
            for index in range(2):
                with clock_at(self.at(days_ago, 9, 20 + 30 * index)):
                    reception = services.reception_record(
                        actor=officer, day=day, matter=f"反映{topic}方面的具体困难，请求协调解决。",
                        response="已当场答复，责成有关部门两周内反馈。" if index == 0 else "",
                        persons=[self.party(None)])
                if not registered and index == 1 and days_ago == 7:
                    with clock_at(self.at_this_year(days_ago, 11)):
                        services.reception_register_case(actor=officer, reception=reception,
                                                         matter_type=Case.MatterType.CLAIM,
                                                         title=f"领导接访反映{topic}问题")
                    registered = True
                    self.summary.cases += 1
            self.summary.reception_days += 1
        with clock_at(self.now):
            today = timezone.localdate()
            for offset, who, topic in ((3, leader, "城乡建设"), (10, housing_head or leader, "住房保障"),
                                       (17, leader, "信访积案化解")):
                day = services.reception_day_schedule(
                    actor=officer, leader=who, day=today + timedelta(days=offset), starts_at=time(9),
                    ends_at=time(11, 30), place="区信访接待大厅", unit=units["MH-XFB"], topic=topic)
                self.summary.reception_days += 1
            services.reception_day_cancel(actor=officer, day=day, reason="接访领导临时参加市里会议，改期另行公布。")


def demo_grassroots(*, district: District, generator: PetitionGenerator, now: datetime, registrar: User,
                    officer: User, handlers: dict[str, User], heads: dict[str, User]) -> GrassrootsSummary:
    """Create the grassroots demo data (after the petitions have been replayed)."""
    leader = User.objects.get(username="leader")
    users: dict[str, Any] = {"registrar": registrar, "officer": officer, "leader": leader}
    demo = _Demo(district=district, generator=generator, now=now, users=users, handlers=handlers, heads=heads)
    with clock_at(now - timedelta(days=90)):
        demo.accounts()
    demo.joint_mediation()
    demo.failed_mediation_then_case()
    demo.arbitration_and_ongoing()
    demo.case_mediation()
    demo.visits()
    demo.reception_days()
    return demo.summary

