"""Models of xinfang/nlp: trained classifier versions, and what officers did with each suggestion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, Category


class ClassifierVersion(models.Model):
    """One trained category classifier. The model itself is a file under ``DATA_DIR/nlp/`` written by
    ``xinfang nlp train``; ``sha256`` is checked before it is read, so a file changed or replaced on disk
    is refused, never loaded. ``heldout_macro_f1`` is its score on the held-out part of its training data:
    a new version replaces the active one only if it scores at least as well on the same held-out part
    (or with ``--force``, audited). At most one version is active."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    created_at = models.DateTimeField(_("训练时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    source = models.CharField(_("训练数据"), max_length=200)
    algorithm = models.CharField(_("算法"), max_length=200)
    labels = models.JSONField(_("分类"), default=list)
    train_count = models.PositiveIntegerField(_("训练样本数"))
    heldout_count = models.PositiveIntegerField(_("留出样本数"))
    heldout_macro_f1 = models.FloatField(_("留出集宏平均F1"))
    metrics = models.JSONField(default=dict)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    active = models.BooleanField(_("启用"), default=False)
    forced = models.BooleanField(_("强制替换"), default=False)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["active"], condition=models.Q(active=True),
                                               name="nlp_one_active_classifier")]
        verbose_name = _("分类模型版本")
        verbose_name_plural = _("分类模型版本")

    def __str__(self) -> str:
        return f"v{self.version} ({self.heldout_macro_f1:.3f})"

    @property
    def labelled_count(self) -> int:
        return self.train_count + self.heldout_count


class Suggestion(models.Model):
    """A suggestion shown to staff (a category at intake, a responsible unit at routing) and what they
    chose: accepted, or corrected to another. The corrections are the feedback the next training and the
    routing history learn from; the rates are in ``xinfang nlp status``."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("内容分类")
        UNIT = "unit", _("承办单位")

    class Source(models.TextChoices):
        MODEL = "model", _("分类模型")
        KEYWORDS = "keywords", _("关键词规则")
        DEFAULT = "default", _("分类默认单位")
        STREET = "street", _("街道属地单位")
        HISTORY = "history", _("历史转办")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    suggested_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")
    chosen_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    suggested_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    chosen_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accepted = models.BooleanField()
    confidence = models.FloatField(null=True, blank=True)
    model_version = models.PositiveIntegerField(null=True, blank=True)
    words = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "at"], name="nlp_suggestion_kind_at_idx")]
        verbose_name = _("智能建议记录")
        verbose_name_plural = _("智能建议记录")

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id} {'accepted' if self.accepted else 'corrected'}"
