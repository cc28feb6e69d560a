"""What was imported from where: the idempotency key of bulk imports (issue 4, "Import")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.cases.models import Case


class ImportedRecord(models.Model):
    """One row of an outside system (a 12345 work order, a ledger entry) that became a case. The source's
    own id is unique per source, so importing the same file again changes nothing: the rows already
    imported are counted and skipped (SECURITY.md 13)."""

    source = models.CharField(_("来源"), max_length=40)
    source_id = models.CharField(_("来源编号"), max_length=100)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("信访事项"))
    imported_at = models.DateTimeField(_("导入时间"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    # SHA-256 of the file the row came from (which upload or ledger version).
    file_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="uniq_import_source_id")]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id} -> {self.case_id}"
