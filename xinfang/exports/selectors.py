"""Reads of export jobs: a user sees and downloads their own jobs only."""

from __future__ import annotations

from typing import Any

from xinfang.core.audit import audit_record
from xinfang.core.errors import NotFound
from xinfang.exports.models import ExportJob

# The largest primary key a 64-bit column holds; a larger id in a URL names nothing.
MAX_ID = 2**63 - 1
JOBS_SHOWN = 50


def export_jobs_of(*, user: Any, limit: int = JOBS_SHOWN) -> list[ExportJob]:
    """The user's latest export jobs, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(ExportJob.objects.filter(owner_id=user.pk).order_by("-created_at", "-id")[:limit])


def export_job_of(*, user: Any, job_id: Any, action: str = "export.read") -> ExportJob:
    """The job ``job_id`` if ``user`` owns it; otherwise ``NotFound``, and someone else's job is an audited
    denial (its file may hold personal data; SECURITY.md 8)."""
    try:
        pk = int(job_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID or not getattr(user, "is_authenticated", False):
        raise NotFound()
    job = ExportJob.objects.filter(pk=pk, owner_id=user.pk).first()
    if job is None:
        if ExportJob.objects.filter(pk=pk).exists():
            audit_record(actor=user, action=action, object_type="exports.exportjob", object_id=str(pk),
                         result="denied", detail={"reason": "not_owner"})
        raise NotFound()
    return job
