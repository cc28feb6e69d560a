"""Petitioners, cases (信访事项), their append-only event log, deadlines, ratings and documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit


class Category(models.Model):
    """A content category of the district's own taxonomy (editable tree, DOMAIN.md "Categories"), with
    the unit that handles it by default."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级分类"))
    default_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("默认责任单位"))
    active = models.BooleanField(_("启用"), default=True)
    sort = models.IntegerField(_("排序"), default=0)
    # The keyword rules that suggest this category until the trained classifier takes over (xinfang/nlp,
    # docs/nlp.md): words separated by spaces, commas or new lines; the name counts as one of them.
    keywords = models.TextField(_("关键词"), blank=True, default="")

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("分类")
        verbose_name_plural = _("分类")

    def __str__(self) -> str:
        return self.name


class CategoryStreetRoute(models.Model):
    """The default responsible unit for a category in one street (overrides ``Category.default_unit``)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="street_routes")
    street = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "street"], name="uniq_category_street_route")]
        verbose_name = _("分类属地责任单位")
        verbose_name_plural = _("分类属地责任单位")

    def __str__(self) -> str:
        return f"{self.category_id}@{self.street_id} -> {self.unit_id}"



class Petitioner(models.Model):
    """A person who petitions. The ID number and phone are stored encrypted (AES-GCM) with a keyed hash
    for look-up and a masked form for display; the clear value never sits in the database
    (SECURITY.md 5–7)."""

    name = models.CharField(_("姓名"), max_length=50)
    id_number_encrypted = models.TextField(blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    id_masked = models.CharField(_("身份证号"), max_length=18, blank=True, default="")
    phone_encrypted = models.TextField(blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True, default="")
    address = models.CharField(_("住址"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")
        indexes = [models.Index(fields=["name"], name="petitioner_name_idx")]

    def __str__(self) -> str:
        return self.name


# 信访工作条例 Art. 20: several people raising a common matter by visiting elect at most 5 representatives;
# a matter of 5 or more people is a group matter (集体访, DOMAIN.md). One constant for the filters, the
# analytics, the early-warning rules and the registration hook.
GROUP_MIN_PEOPLE = 5


class Case(models.Model):
    """One petition matter (信访事项) from registration to closure. The status field is changed only by
    the services in ``xinfang.cases.services``; every change appends a ``CaseEvent``."""

    class Channel(models.TextChoices):
        LETTER = "letter", _("来信")
        VISIT = "visit", _("来访")
        ONLINE = "online", _("网上信访")
        PHONE = "phone", _("来电")
        FAX = "fax", _("传真")
        HOTLINE = "hotline", _("12345热线转办")
        SERVICE_POINT = "service_point", _("家门口服务点")

    class MatterType(models.TextChoices):
        # 信访工作条例 Art. 29–31.
        SUGGESTION = "suggestion", _("建议意见")
        ACCUSATION = "accusation", _("检举控告")
        CLAIM = "claim", _("申诉求决")
        INFORMATION = "information", _("反映情况")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("待转送交办")
        OBJECTED = "objected", _("被退回")
        ROUTED = "routed", _("待受理")
        ACCEPTED = "accepted", _("办理中")
        REFUSED = "refused", _("不予受理")
        REPLIED = "replied", _("已答复")
        REVIEW_REQUESTED = "review_requested", _("复查中")
        REVIEWED = "reviewed", _("已复查")
        RE_REVIEW_REQUESTED = "re_review_requested", _("复核中")
        LINKED = "linked", _("已并案")
        CLOSED = "closed", _("已办结")

    class RouteMode(models.TextChoices):
        # 信访工作条例 Art. 22: 转送 to the competent body; 交办 with a feedback deadline and 办结报告.
        TRANSFER = "transfer", _("转送")
        ASSIGN = "assign", _("交办")

    class Outcome(models.TextChoices):
        # 信访工作条例 Art. 32; Art. 33 for a mediation or settlement agreement.
        SUPPORT = "support", _("支持")
        EXPLAIN = "explain", _("解释说明")
        REJECT = "reject", _("不予支持")
        MEDIATED = "mediated", _("调解/和解")

    class ReviewOutcome(models.TextChoices):
        UPHOLD = "uphold", _("维持")
        REVISE = "revise", _("变更")
        REVOKE = "revoke", _("撤销重办")

    number = models.CharField(_("编号"), max_length=20, unique=True)
    query_code_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    # Indexed by ``case_received_idx`` (Meta), which begins with it.
    received_at = models.DateTimeField(_("收到时间"))
    matter_type = models.CharField(_("事项类型"), max_length=16, choices=MatterType.choices)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                                 verbose_name=_("分类"))
    street = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="street_cases",
                               verbose_name=_("所属街道"))
    group_size = models.PositiveIntegerField(_("人数"), default=1)
    # Indexed through (status, received_at) below.
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices)
    registered_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("登记单位"), db_index=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+", db_index=False)
    # Indexed through (handling_unit, status) below.
    handling_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, db_index=False,
                                      related_name="handled_cases", verbose_name=_("承办单位"))
    route_mode = models.CharField(_("转交方式"), max_length=16, choices=RouteMode.choices, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(default=0)
    refuse_reason = models.TextField(blank=True)
    legal_channel = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(_("处理意见"), max_length=16, choices=Outcome.choices, blank=True)
    reply_text = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices, blank=True)
    re_review_outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=32, blank=True)
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="repeats",
                                  verbose_name=_("重复信访原件"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("信访事项")
        verbose_name_plural = _("信访事项")
        indexes = [
            models.Index(fields=["handling_unit", "status"], name="case_unit_status_idx"),
            models.Index(fields=["status", "received_at"], name="case_status_received_idx"),
            # The analytics roll-up reads the cases changed since its watermark before every overview
            # (docs/analytics.md); without it, a scan of the whole table.
            models.Index(fields=["updated_at"], name="case_updated_idx"),
            # Every period filter (lists, figures, exports) ranges over received_at; the hotspots count a
            # period's cases per category × street from this index alone, without reading the table
            # (docs/analytics.md; `id` for PostgreSQL's index-only scans, SQLite has it anyway).
            models.Index(fields=["received_at", "category", "street", "id"], name="case_received_idx"),
        ]
        permissions = [
            ("register_case", "Register petitions"),
            ("route_case", "Transfer or assign cases to units"),
            ("handle_case", "Accept, refuse, object to and reply to cases of the own unit"),
            ("approve_extension", "Approve extensions of the handling deadline"),
            ("decide_review", "Record review and re-review decisions"),
            ("reveal_personal_data", "See full ID and phone numbers, with a stated reason"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    OPEN_STATUSES = frozenset({Status.REGISTERED, Status.OBJECTED, Status.ROUTED, Status.ACCEPTED,
                               Status.REPLIED, Status.REVIEW_REQUESTED, Status.REVIEWED,
                               Status.RE_REVIEW_REQUESTED})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CaseNumberSequence(models.Model):
    """The last case number used in a year; rows are locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"



class CasePetitioner(models.Model):
    """A person named on a case: a petitioner or, for a group visit, one of its ≤5 representatives
    (信访工作条例 Art. 20)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_petitioners", db_index=False)
    petitioner = models.ForeignKey(Petitioner, on_delete=models.PROTECT, related_name="case_links")
    is_representative = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["case", "petitioner"], name="uniq_case_petitioner")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.petitioner_id}"



class CaseAccused(models.Model):
    """A person or unit that an accusation (检举控告) is made against. Cases are never routed to, shown to,
    searched by or notified to them (信访工作条例 Art. 30 ¶3, Art. 46(5))."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accused")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    name = models.CharField(max_length=50, blank=True)
    position = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["unit"], name="accused_unit_idx")]

    def __str__(self) -> str:
        return self.name or str(self.unit_id)



class CaseEvent(models.Model):
    """Append-only log of everything that happened to a case: who, when, what, old → new status, why.
    The database rejects UPDATE and DELETE on this table."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_constraint=False, db_index=False)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_at_idx")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"



# An open duty deadline: not met, not cancelled, owed by the authorities (not the petitioner's own window).
# The condition of the partial indexes below; a query uses them when it filters on all three.
OPEN_DUTY = models.Q(met_at__isnull=True, cancelled=False, on_petitioner=False)


class CaseDeadline(models.Model):
    """A statutory deadline of a case, stored on its own row (the Healthchecks habit): the start, the
    rule, the due date and whether it rests on a year with no official calendar. ``met_at`` is set when
    the act happens; the overdue worker claims rows with a conditional update on ``overdue_at``."""

    class Kind(models.TextChoices):
        ROUTE_BY = "route_by", _("转送交办期限")
        ACCEPT_BY = "accept_by", _("受理告知期限")
        OBJECT_BY = "object_by", _("异议期限")
        DECIDE_BY = "decide_by", _("办结期限")
        REPORT_BY = "report_by", _("交办反馈期限")
        REVIEW_REQUEST_BY = "review_request_by", _("申请复查期限")
        REVIEW_DECIDE_BY = "review_decide_by", _("复查期限")
        RE_REVIEW_REQUEST_BY = "re_review_request_by", _("申请复核期限")
        RE_REVIEW_DECIDE_BY = "re_review_decide_by", _("复核期限")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines", db_index=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    start_date = models.DateField()
    days = models.PositiveSmallIntegerField()
    counting = models.CharField(max_length=10)
    due_date = models.DateField()
    provisional = models.BooleanField(default=False)
    # Whose duty the deadline is: the petitioner's own deadlines (review requests) are never "overdue".
    on_petitioner = models.BooleanField(default=False)
    met_at = models.DateTimeField(null=True, blank=True)
    # The deadline no longer applies (e.g. the objection window once the unit has accepted).
    cancelled = models.BooleanField(default=False)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="uniq_case_deadline_kind")]
        indexes = [
            models.Index(fields=["met_at", "cancelled", "overdue_at", "due_date"], name="deadline_open_idx"),
            # Two partial indexes over the open duty deadlines only (a small share of the table): the
            # workbench's deadline queues by kind, overdue mark and due date, and the next deadline of a
            # case (the row's badge and the sort by deadline) — docs/benchmarks.md, bench pages.
            models.Index(fields=["kind", "overdue_at", "due_date", "case"], condition=OPEN_DUTY,
                         name="deadline_duty_queue_idx"),
            models.Index(fields=["case", "due_date", "kind"], condition=OPEN_DUTY, name="deadline_duty_next_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.due_date}"



class CaseRating(models.Model):
    """The petitioner's satisfaction with an answer (信访事项办理群众满意度评价工作办法, 2014): one per stage."""

    class Stage(models.TextChoices):
        REPLY = "reply", _("处理意见")
        REVIEW = "review", _("复查意见")
        RE_REVIEW = "re_review", _("复核意见")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    rating = models.CharField(max_length=24, choices=Rating.choices)
    unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "stage"], name="uniq_case_rating_stage")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.rating}"



def _document_path(instance: CaseDocument, filename: str) -> str:
    # Generated names only (SECURITY.md 14): the uploaded name is kept in ``original_name``.
    return f"cases/{instance.case_id}/{instance.key}"


class CaseDocument(models.Model):
    """A document of a case: an issued notice or opinion (published to the petitioner) or an attachment."""

    class Kind(models.TextChoices):
        ACCEPTANCE_NOTICE = "acceptance_notice", _("受理告知书")
        REFUSAL_NOTICE = "refusal_notice", _("不予受理告知书")
        EXTENSION_NOTICE = "extension_notice", _("延期告知书")
        REPLY_OPINION = "reply_opinion", _("处理意见书")
        REVIEW_OPINION = "review_opinion", _("复查意见书")
        RE_REVIEW_OPINION = "re_review_opinion", _("复核意见书")
        ATTACHMENT = "attachment", _("附件")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    key = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to=_document_path, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    public = models.BooleanField(default=False)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title
