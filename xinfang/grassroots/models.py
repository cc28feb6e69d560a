"""Mediation and grassroots work (issue 6; DOMAIN.md, "Governance practice").

- ``Dispute``: a dispute found by grassroots screening (矛盾纠纷排查, 信访工作条例 Art. 10), recorded without a
  petition; it can be mediated, resolved, referred, or turned into a case (信访事项) in one step.
- ``Mediation``: 人民调解, 三所联动 (police station, judicial office and a law firm taking part) or 行政调解
  (Art. 37: 人民调解、行政调解、司法调解联动), with its participants, sessions, outcome, agreement (Art. 33:
  调解协议书) and follow-up visits (履行回访).
- ``Visit``: 上门办信 (a handler visits the petitioner of a case), 下访 and 走访 (Art. 18 ¶2: leaders 定期下访),
  with findings (``VisitFinding``) that can be turned into cases in one step.
- ``ReceptionDay`` / ``Reception``: the schedule of leaders' reception days (Art. 18 ¶2: 定期接待群众来访;
  ¶3: 联合接访) and the people received.
- ``Party``: a person named on any of these, protected like a petitioner (SECURITY.md 5–7): the ID and phone
  numbers encrypted (AES-GCM), found by keyed hash, shown masked.

Every record belongs to a ``unit`` (where it was recorded: a service point, a neighbourhood, a street, a
department or the bureau) and usually a ``street``; who sees what is decided in ``selectors.py`` from the
unit tree. Rows change only through ``services.py``; every step writes an audit row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, Category


class Dispute(models.Model):
    """A dispute found by grassroots screening (矛盾纠纷排查化解, 信访工作条例 Art. 10, Art. 15 ¶3: 小事不出村、
    大事不出镇、矛盾不上交), recorded without a petition. ``case`` is the case it was turned into."""

    class Status(models.TextChoices):
        OPEN = "open", _("待化解")
        MEDIATING = "mediating", _("调解中")
        RESOLVED = "resolved", _("已化解")
        # 信访工作条例 Art. 31 (1)–(2): matters for litigation or arbitration go into those procedures.
        REFERRED = "referred", _("已导入法定途径")
        CONVERTED = "converted", _("已转为信访事项")

    class Risk(models.TextChoices):
        LOW = "low", _("一般")
        MEDIUM = "medium", _("较大")
        HIGH = "high", _("重大")

    class Source(models.TextChoices):
        SCREENING = "screening", _("排查发现")
        VISIT = "visit", _("走访发现")
        GRID = "grid", _("网格员上报")
        WALK_IN = "walk_in", _("群众到服务点反映")
        HOTLINE = "hotline", _("12345热线")
        REFERRAL = "referral", _("部门移交")
        OTHER = "other", _("其他")

    title = models.CharField(_("纠纷名称"), max_length=200)
    description = models.TextField(_("纠纷情况"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("分类"))
    street = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("所属街道"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记单位"))
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=Risk.choices)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    found_on = models.DateField(_("发现日期"))
    resolution = models.TextField(_("化解情况"), blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("信访事项"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-found_on", "-id"]
        default_permissions = ()
        permissions = [
            ("view_grassroots", "See disputes, mediations, visits and service points of the own area"),
            ("record_dispute", "Record disputes found by screening and resolve them"),
        ]
        indexes = [models.Index(fields=["status", "found_on"], name="dispute_status_found_idx")]
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")

    def __str__(self) -> str:
        return self.title


class Mediation(models.Model):
    """A mediation (调解): 人民调解, 三所联动 (police station 派出所, judicial office 司法所 and a law firm
    律师事务所 taking part) or 行政调解 (信访工作条例 Art. 37). It may start from a dispute and may belong to a
    case (Art. 33: mediation while handling a claim, with the parties' consent)."""

    class Kind(models.TextChoices):
        PEOPLE = "people", _("人民调解")
        JOINT = "joint", _("三所联动调解")
        ADMINISTRATIVE = "administrative", _("行政调解")

    class Status(models.TextChoices):
        ONGOING = "ongoing", _("调解中")
        CONCLUDED = "concluded", _("调解终结")

    class Outcome(models.TextChoices):
        AGREEMENT = "agreement", _("达成调解协议")
        NO_AGREEMENT = "no_agreement", _("未达成协议")
        # 诉访分离 (信访工作条例 Art. 31 (1)–(2)): the parties are guided into litigation or arbitration.
        LITIGATION = "litigation", _("引导诉讼")
        ARBITRATION = "arbitration", _("引导仲裁")

    kind = models.CharField(_("调解类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("调解事项"), max_length=200)
    matter = models.TextField(_("纠纷事实和争议事项"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("调解单位"))
    street = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("所属街道"))
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="mediations", verbose_name=_("矛盾纠纷"))
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("信访事项"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ONGOING)
    outcome = models.CharField(_("调解结果"), max_length=16, choices=Outcome.choices, blank=True)
    started_on = models.DateField(_("受理日期"))
    concluded_at = models.DateTimeField(_("调解终结时间"), null=True, blank=True)
    agreement_terms = models.TextField(_("协议内容"), blank=True)
    performance = models.CharField(_("履行方式和期限"), max_length=500, blank=True)
    performance_due = models.DateField(_("履行期限"), null=True, blank=True)
    referral_note = models.TextField(_("导入法定途径说明"), blank=True)
    fulfilled_at = models.DateTimeField(_("协议履行完毕时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        default_permissions = ()
        permissions = [("mediate", "Record mediations, their sessions, outcome, agreement and follow-up")]
        indexes = [models.Index(fields=["status", "started_on"], name="mediation_status_started_idx")]
        verbose_name = _("调解")
        verbose_name_plural = _("调解")

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> str:
        """The 文号 of the agreement: 〔2026〕调字第12号 (year the mediation started, row id)."""
        return f"〔{self.started_on.year}〕调字第{self.pk}号"


class MediationParticipant(models.Model):
    """An organisation taking part in a mediation and the mediator it sends (三所联动: 派出所, 司法所,
    律师事务所; or the 人民调解委员会 of a neighbourhood). ``unit`` when the organisation is a unit of the
    district (a police station, a judicial office); a law firm is named only."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("人民调解委员会")
        POLICE_STATION = "police_station", _("派出所")
        JUDICIAL_OFFICE = "judicial_office", _("司法所")
        LAW_FIRM = "law_firm", _("律师事务所")
        DEPARTMENT = "department", _("职能部门")
        OTHER = "other", _("其他")

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("参与单位类型"), max_length=16, choices=Kind.choices)
    organisation = models.CharField(_("参与单位"), max_length=100)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mediator = models.CharField(_("调解员"), max_length=50)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.organisation} {self.mediator}"


class MediationSession(models.Model):
    """One mediation meeting: when, where, who came and what was said."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=200)
    notes = models.TextField(_("调解记录"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_at", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.mediation_id} {self.held_at:%Y-%m-%d}"


class MediationFollowUp(models.Model):
    """A follow-up visit checking that an agreement is kept (履行回访)."""

    class Method(models.TextChoices):
        HOME = "home", _("上门回访")
        PHONE = "phone", _("电话回访")
        OTHER = "other", _("其他方式")

    class Result(models.TextChoices):
        PERFORMED = "performed", _("已履行完毕")
        PARTLY = "partly", _("部分履行")
        NOT_PERFORMED = "not_performed", _("未履行")

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="follow_ups")
    visited_on = models.DateField(_("回访日期"))
    method = models.CharField(_("回访方式"), max_length=8, choices=Method.choices)
    result = models.CharField(_("履行情况"), max_length=16, choices=Result.choices)
    notes = models.TextField(_("回访情况"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.mediation_id} {self.visited_on} {self.result}"


class Visit(models.Model):
    """A visit by staff or leaders: 上门办信 (a handler visits the petitioner of ``case``), 下访 (leaders go
    down to the grassroots, 信访工作条例 Art. 18 ¶2) or 走访 (staff call on households)."""

    class Kind(models.TextChoices):
        HOME = "home", _("上门办信")
        DOWN = "down", _("领导下访")
        WALK = "walk", _("走访")

    kind = models.CharField(_("走访类型"), max_length=8, choices=Kind.choices)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("信访事项"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记单位"))
    street = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("所属街道"))
    visited_at = models.DateTimeField(_("走访时间"))
    place = models.CharField(_("地点"), max_length=200)
    visitors = models.CharField(_("走访人员"), max_length=200)
    summary = models.TextField(_("走访情况"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_at", "-id"]
        default_permissions = ()
        permissions = [("record_visit", "Record visits (上门办信, 下访, 走访) and their findings")]
        verbose_name = _("走访")
        verbose_name_plural = _("走访")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_at:%Y-%m-%d}"


class VisitFinding(models.Model):
    """A problem found on a visit; it can be turned into a case in one step (``case``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        CONVERTED = "converted", _("已转为信访事项")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题情况"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("分类"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("信访事项"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.title


class ReceptionDay(models.Model):
    """A leader's reception day (领导接访日, 信访工作条例 Art. 18 ¶2: leaders 定期接待群众来访), at a
    reception place (Art. 20 ¶1), possibly with other units receiving jointly (联合接访, Art. 18 ¶3)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已安排")
        HELD = "held", _("已接访")
        CANCELLED = "cancelled", _("已取消")

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("接访领导"))
    date = models.DateField(_("接访日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    place = models.CharField(_("接访地点"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("接访单位"))
    topic = models.CharField(_("接访主题"), max_length=200, blank=True)
    joint_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("联合接访单位"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "starts_at", "id"]
        default_permissions = ()
        permissions = [
            ("schedule_reception", "Schedule and cancel leaders' reception days"),
            ("record_reception", "Record the people received on a reception day"),
        ]
        verbose_name = _("领导接访日")
        verbose_name_plural = _("领导接访日")

    def __str__(self) -> str:
        return f"{self.date} {self.leader_id}"


class Reception(models.Model):
    """The people received on a reception day (at most 5 representatives of a group, Art. 20 ¶3), what
    they asked and the answer on the spot; ``case`` when the matter was registered as a case."""

    day = models.ForeignKey(ReceptionDay, on_delete=models.CASCADE, related_name="receptions")
    received_at = models.DateTimeField(_("接待时间"))
    matter = models.TextField(_("反映事项"))
    response = models.TextField(_("接访领导答复"), blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("信访事项"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day_id} {self.received_at:%H:%M}"


class Party(models.Model):
    """A person (or organisation) named on a dispute, a mediation, a visit finding or a reception. Protected
    exactly like a petitioner (SECURITY.md 5–7): the ID and phone numbers are stored encrypted (AES-GCM,
    bound to this column), with a keyed hash for look-up (the same hash as petitioners', so the same
    person is found across both) and a masked form for display. Belongs to exactly one record."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        OTHER = "other", _("其他当事人")

    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.CASCADE, related_name="parties")
    mediation = models.ForeignKey(Mediation, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="parties")
    finding = models.ForeignKey(VisitFinding, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="parties")
    reception = models.ForeignKey(Reception, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="parties")
    role = models.CharField(_("当事人身份"), max_length=12, choices=Role.choices, default=Role.APPLICANT)
    name = models.CharField(_("姓名（名称）"), max_length=100)
    id_number_encrypted = models.TextField(blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    id_masked = models.CharField(_("身份证号"), max_length=18, blank=True, default="")
    phone_encrypted = models.TextField(blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True, default="")
    address = models.CharField(_("住址"), max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(dispute__isnull=False, mediation__isnull=True, finding__isnull=True, reception__isnull=True)
                    | Q(dispute__isnull=True, mediation__isnull=False, finding__isnull=True, reception__isnull=True)
                    | Q(dispute__isnull=True, mediation__isnull=True, finding__isnull=False, reception__isnull=True)
                    | Q(dispute__isnull=True, mediation__isnull=True, finding__isnull=True, reception__isnull=False)
                ),
                name="party_belongs_to_one_record",
            ),
        ]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return self.name
