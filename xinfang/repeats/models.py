"""The repeat index in the database: what survives a restart and is shared by every process.

- ``CaseKey``: the inverted index, one row per (key, case): each case filed under its rarest shingles
  (``xinfang.nlp.similarity.index_keys``). A look-up reads the rows of its own keys through the primary
  key index and re-ranks the cases found by their exact similarity.
- ``CaseSignature``: one row per indexed case: which vocabulary its keys were chosen with, the keys
  themselves (to replace them when the case is indexed again) and its shingles (the exact re-ranking).
- ``PendingCase``: cases registered but not indexed yet, written in the registration's own transaction
  (one tiny row); the next look-up or the periodic task indexes them.
- ``Vocabulary``: document frequencies of shingles, a snapshot taken by a (re)build.

Nothing here is the case itself: every row can be rebuilt from ``cases_case`` (``xinfang repeats index
--rebuild``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.cases.models import Case


class Vocabulary(models.Model):
    """Document frequencies of shingles over ``documents`` cases (one snapshot; the newest is current).

    ``codes`` and ``counts`` are zlib-compressed arrays of unsigned 32-bit integers (little endian), codes
    sorted: loaded once per process and per snapshot into ``xinfang.nlp.similarity.Vocabulary``."""

    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    documents = models.PositiveIntegerField(_("信访事项数"))
    codes = models.BinaryField()
    counts = models.BinaryField()

    class Meta:
        verbose_name = _("相似度词频快照")
        verbose_name_plural = _("相似度词频快照")

    def __str__(self) -> str:
        return f"vocabulary {self.pk} ({self.documents})"


class CaseSignature(models.Model):
    """A case that is in the index, and its compact signature: the vocabulary snapshot its keys were chosen
    with (0: none), the keys (signed 32-bit integers, little endian), so that indexing it again removes
    exactly its rows, and all its shingles (unsigned 32-bit, sorted), so that a look-up re-ranks candidates
    without reading and normalising their texts again (~4 bytes a character)."""

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="+")
    vocabulary_version = models.PositiveIntegerField(default=0)
    keys = models.BinaryField()
    shingles = models.BinaryField()
    # The case's street, category and receipt time, copied for the "same street and category lately"
    # look-up: SQLite has no statistics to pick a good plan over three single-column indexes of the case
    # table (it chose the category's, reading a sixth of all cases). A stale copy can only hide a case:
    # what is shown is checked against the case itself through the gateway.
    street_id = models.IntegerField(null=True)
    category_id = models.IntegerField(null=True)
    received_at = models.DateTimeField(null=True)
    indexed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("相似度索引记录")
        verbose_name_plural = _("相似度索引记录")
        indexes = [models.Index(fields=["street_id", "category_id", "received_at"], name="repeats_street_cat_idx")]

    def __str__(self) -> str:
        return f"signature {self.pk}"


class CaseKey(models.Model):
    """One posting of the inverted index: case ``case_id`` is filed under shingle ``key`` (a 32-bit code,
    stored signed). The composite primary key is the look-up index; no foreign key, so that the table
    needs no second index (cases are never deleted: their events protect them)."""

    pk = models.CompositePrimaryKey("key", "case_id")
    key = models.IntegerField()
    case_id = models.IntegerField()

    class Meta:
        verbose_name = _("相似度索引项")
        verbose_name_plural = _("相似度索引项")

    def __str__(self) -> str:
        return f"{self.key}:{self.case_id}"


class PendingCase(models.Model):
    """A case registered since the index last looked: written by the registration services inside their
    transaction (so a committed case is always either indexed or pending), removed when indexed."""

    case_id = models.IntegerField(primary_key=True)

    class Meta:
        verbose_name = _("待索引信访事项")
        verbose_name_plural = _("待索引信访事项")

    def __str__(self) -> str:
        return str(self.case_id)
