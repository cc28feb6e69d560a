"""The backlog register (信访积案台账) with its leaders in charge (领导包案), and supervision orders (督查督办).

DOMAIN.md, "Governance practice": a long-unresolved matter gets one leader, one team, one plan and one file
(信访工作条例 Art. 18 ¶2: leaders 包案化解 the problems the public feels most strongly about), progress notes,
meetings and hearings, and an outcome — 案结事了 or 息诉罢访 — with after-care (Art. 37). Supervision orders
carry a required reply and a deadline; serious failures are listed (挂牌督办, Art. 39 ¶3, Art. 40).

Rows change only through the services in ``xinfang.governance.services``; every step also appends a
``CaseEvent`` to the case's timeline and an audit row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case


class BacklogRule(models.Model):
    """A rule that puts cases on the backlog register when the periodic scan runs (``backlog_scan``).
    The defaults live in code (``xinfang.governance.rules.DEFAULT_RULES``); a row here overrides the
    threshold or switches the rule off (policy: DOMAIN.md says the rules are configurable)."""

    class Kind(models.TextChoices):
        OPEN_DAYS = "open_days", _("超过规定天数仍未办结")
        REPEATS = "repeats", _("重复信访达到规定次数")
        GROUP_VISIT = "group_visit", _("集体访（来访人数达到规定人数）")
        DISSATISFIED_REVIEW = "dissatisfied_review", _("复查或复核后仍不满意")

    kind = models.CharField(_("规则"), max_length=24, choices=Kind.choices, unique=True)
    threshold = models.PositiveIntegerField(_("阈值"))
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        default_permissions = ("view", "change")
        verbose_name = _("积案列入规则")
        verbose_name_plural = _("积案列入规则")

    def __str__(self) -> str:
        return f"{self.kind} >= {self.threshold}"


class BacklogEntry(models.Model):
    """One case on the backlog register: why it entered (the rules it met, or an officer's reason), the
    leader in charge, the team, the resolution plan, and the outcome. One entry per case (the unique case
    makes the periodic scan safe with several workers). ``unit`` is the unit handling the case when it
    entered: the stock and flow figures count the entry there."""

    class Source(models.TextChoices):
        RULE = "rule", _("按规则列入")
        MANUAL = "manual", _("经办人决定列入")

    class Outcome(models.TextChoices):
        OPEN = "open", _("化解中")
        RESOLVED = "resolved", _("案结事了")
        STOPPED = "stopped", _("息诉罢访")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="backlog_entry",
                                verbose_name=_("信访事项"))
    source = models.CharField(_("列入方式"), max_length=8, choices=Source.choices)
    # The rules the case met when it entered: [{"rule": "open_days", "value": 120}, …].
    rules = models.JSONField(default=list, blank=True)
    reason = models.TextField(_("列入理由"), blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("责任单位"))
    entered_at = models.DateTimeField(_("列入时间"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="backlog_led", verbose_name=_("包案领导"))
    leader_assigned_at = models.DateTimeField(null=True, blank=True)
    plan = models.TextField(_("化解方案"), blank=True)
    plan_updated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("化解结果"), max_length=8, choices=Outcome.choices, default=Outcome.OPEN)
    closed_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closing_summary = models.TextField(_("化解情况"), blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        default_permissions = ()
        permissions = [
            ("view_backlog", "See the backlog register (scoped like cases)"),
            ("register_backlog", "Enter cases in the backlog register with a reason; assign the leader in charge"),
            ("lead_backlog", "Be the leader in charge of backlog cases: team, plan, notes, outcome"),
        ]
        indexes = [
            models.Index(fields=["outcome", "entered_at"], name="backlog_outcome_idx"),
            models.Index(fields=["leader", "outcome"], name="backlog_leader_idx"),
            models.Index(fields=["unit", "entered_at"], name="backlog_unit_idx"),
        ]
        verbose_name = _("积案")
        verbose_name_plural = _("积案台账")

    def __str__(self) -> str:
        return f"backlog {self.case_id} {self.outcome}"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN


class BacklogTeamMember(models.Model):
    """A member of the team working a backlog case with its leader (一个专班)."""

    entry = models.ForeignKey(BacklogEntry, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="backlog_teams")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "user"], name="uniq_backlog_team_member")]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.user_id}"


class BacklogMilestone(models.Model):
    """A step of the resolution plan with its due date; done once, by the leader or the team."""

    entry = models.ForeignKey(BacklogEntry, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_date = models.DateField(_("完成期限"))
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{self.title} {self.due_date}"


class BacklogNote(models.Model):
    """A progress note, a meeting (会商/协调会) or a hearing (听证, 信访工作条例 Art. 31(6), Art. 36 ¶2) of a
    backlog case: when it took place, who took part, what was found or agreed."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("进展情况")
        MEETING = "meeting", _("会商协调")
        HEARING = "hearing", _("听证")

    entry = models.ForeignKey(BacklogEntry, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    participants = models.CharField(_("参加人员"), max_length=300, blank=True)
    text = models.TextField(_("内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_on}"


class AfterCareTask(models.Model):
    """After-care of a backlog case (信访工作条例 Art. 37 ¶2–3: 疏导教育, 帮扶, 救助): tasks that may be added
    and done after the case is closed."""

    class Kind(models.TextChoices):
        COUNSELLING = "counselling", _("疏导")
        ASSISTANCE = "assistance", _("帮扶")
        RELIEF = "relief", _("救助")

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        DONE = "done", _("已完成")

    entry = models.ForeignKey(BacklogEntry, on_delete=models.CASCADE, related_name="aftercare")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("内容"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("责任人"))
    due_date = models.DateField(_("完成期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


class SupervisionOrder(models.Model):
    """A supervision order (督办单) on a case or on a unit, issued by the bureau or a leader, with a reply
    the supervised unit owes by ``reply_due`` (信访工作条例 Art. 38 ¶2, Art. 40 ¶1). ``listed`` marks
    挂牌督办 (Art. 39 ¶3). ``reminder_stage`` is claimed with conditional updates by the reminder job
    (0 none sent, 1 "due soon" sent, 2 "overdue" sent), so several workers never remind twice."""

    class Grounds(models.TextChoices):
        # 信访工作条例 Art. 40 ¶1; Art. 38 ¶3 for the difficult and complex matters.
        IRREGULAR = "irregular", _("违反信访工作规定受理、办理")
        SHIRKING = "shirking", _("推诿")
        PERFUNCTORY = "perfunctory", _("敷衍")
        DELAY = "delay", _("拖延")
        FALSIFICATION = "falsification", _("弄虚作假")
        NON_EXECUTION = "non_execution", _("拒不执行信访处理意见")
        DIFFICULT = "difficult", _("疑难复杂信访问题")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待回复")
        REPLIED = "replied", _("已回复")
        CLOSED = "closed", _("已办结")

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="supervision_orders", verbose_name=_("信访事项"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("被督办单位"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("督办人"))
    issuer_role = models.CharField(max_length=32)
    issued_at = models.DateTimeField(_("督办时间"))
    grounds = models.CharField(_("督办事由"), max_length=16, choices=Grounds.choices)
    text = models.TextField(_("督办要求"))
    reply_due = models.DateField(_("回复期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    listed = models.BooleanField(_("挂牌督办"), default=False)
    listed_at = models.DateTimeField(null=True, blank=True)
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    listed_reason = models.TextField(blank=True)
    reminder_stage = models.PositiveSmallIntegerField(default=0)
    overdue_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closing_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        default_permissions = ()
        permissions = [
            ("view_supervision", "See supervision orders (scoped like cases)"),
            ("issue_supervision", "Issue supervision orders, review replies, list orders for listed supervision"),
            ("reply_supervision", "Reply to supervision orders on the own unit"),
        ]
        indexes = [
            models.Index(fields=["status", "reply_due"], name="supervision_due_idx"),
            models.Index(fields=["unit", "status"], name="supervision_unit_idx"),
            models.Index(fields=["listed", "status"], name="supervision_listed_idx"),
        ]
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")

    def __str__(self) -> str:
        return f"supervision {self.pk} {self.status}"

    @property
    def number(self) -> str:
        """The order's number as printed (督办〔year〕N号)."""
        return f"DB{self.issued_at:%Y}-{self.pk:05d}"


class SupervisionReply(models.Model):
    """The supervised unit's written reply to an order (Art. 40 ¶4: 书面反馈), and what the issuer made of
    it: accepted (the order is closed) or returned for a better reply."""

    class Review(models.TextChoices):
        PENDING = "", _("待审核")
        ACCEPTED = "accepted", _("认可")
        RETURNED = "returned", _("退回重报")

    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="replies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("回复内容"))
    at = models.DateTimeField()
    late = models.BooleanField(default=False)
    review = models.CharField(max_length=8, choices=Review.choices, blank=True, default="")
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"reply {self.order_id} {self.at:%Y-%m-%d}"
