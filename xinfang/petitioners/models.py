"""Links between cases set by a bureau officer (issue 6, 重复信访): a case is a repeat of, a duplicate of, or
related to another. ``Case.repeat_of`` stays what registration decided (joined to an open case, Art. 19 ¶3);
a link records a judgement made later, by a person, with a note."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xinfang.cases.models import Case


class CaseLink(models.Model):
    """``from_case`` is ``kind`` of ``to_case`` (e.g. a repeat of it). One link per ordered pair and kind,
    never from a case to itself; written and removed only by ``case_link`` / ``case_unlink``."""

    class Kind(models.TextChoices):
        REPEAT_OF = "repeat_of", _("重复信访")
        DUPLICATE_OF = "duplicate_of", _("重复登记")
        RELATED_TO = "related_to", _("相关事项")

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("关联类型"), max_length=16, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("事项关联")
        verbose_name_plural = _("事项关联")
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case", "kind"], name="uniq_case_link_pair_kind"),
            models.CheckConstraint(condition=~Q(from_case=F("to_case")), name="case_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} {self.kind} {self.to_case_id}"
