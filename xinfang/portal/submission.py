"""Online petitions and suggestions from the public portal (网上信访, 信访工作条例 Art. 17, 21), with a limit
on submissions per client address per hour.

Where the per-address count lives: the audit log (a database table), not the cache.

- The count must hold across every web worker. The deployment cache is shared (Redis, or a file cache
  that all processes on the machine read), but a file cache culls entries when it passes ``MAX_ENTRIES``
  (300 by default) and its ``incr`` is a read-then-write: a busy hour could lose or undercount entries,
  and a limit that an eviction resets is not a limit. The test settings' local-memory cache is not
  shared at all.
- Every accepted submission already writes an audit row (``portal.submit``, with the client address and
  the time) in the same transaction as the case (SECURITY.md 8, 10). Counting those rows needs no new
  table and no second store to keep in step, and the count is exact: a rolled-back submission leaves
  no row behind.
- Races: two submissions from one address at the same moment could both pass a check made before
  writing. So the check is made twice: once before any work (cheap refusal), and once more inside the
  transaction after our own audit row is written. Every audit writer locks the chain head row until
  it commits (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time), so the second
  count sees every earlier committed submission, and the one over the limit rolls back whole. The lock
  is taken in the same order as in any staff registration (case number first, audit head second), so
  the extra check cannot deadlock with them.
- Cost: the count reads the last hour of audit rows through the index on ``at``, filtered by action
  and address; an hour of a district's audit log is small.

The query code is returned to the caller once, for the result page; it is never logged, audited or sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, Category
from xinfang.cases.services import PetitionerInput, RegistrationResult, case_register
from xinfang.core.audit import audit_record
from xinfang.core.errors import RateLimited
from xinfang.core.models import AuditEntry

PORTAL_SUBMIT = "portal.submit"
# The version of the privacy notice the submitter consented to (PIPL Art. 14, 17); bump it when the text
# of portal/privacy_notice.html changes, so the audit log says which text each consent was given to.
PRIVACY_NOTICE_VERSION = "2026-1"
# Matter types a citizen may choose online. 信访事项 (petitions) and 意见建议 (suggestions) are the two
# entries of the portal; staff may reclassify a matter when they route it (Art. 28–31).
PETITION_MATTER_TYPES = (Case.MatterType.CLAIM, Case.MatterType.INFORMATION, Case.MatterType.ACCUSATION)
SUGGESTION_MATTER_TYPES = (Case.MatterType.SUGGESTION,)


@dataclass(frozen=True)
class PortalSubmission:
    """What a citizen typed into the submit form, already checked by the form."""

    matter_type: str
    title: str
    content: str
    name: str
    id_number: str
    phone: str
    address: str
    category: Category | None = None
    street: Unit | None = None


def portal_submissions_recent(*, ip: str, since: datetime) -> int:
    """Accepted online submissions from ``ip`` since ``since`` (rows of the audit log)."""
    return AuditEntry.objects.filter(action=PORTAL_SUBMIT, result=AuditEntry.Result.OK, ip=ip, at__gte=since).count()


def portal_submission_refuse(*, ip: str, reason: str) -> None:
    """Audit a refused submission (rate limit, honeypot) in its own transaction, so the record stays even
    when the submission itself was rolled back. Nothing the citizen typed is recorded."""
    with transaction.atomic():
        audit_record(actor=AnonymousUser(), action=PORTAL_SUBMIT, result=AuditEntry.Result.DENIED, ip=ip,
                     detail={"reason": reason})


def _limit_reached(limit: int) -> RateLimited:
    return RateLimited(
        _("同一网络地址每小时最多可提交%(n)d件。请一小时后再试，或者通过来信、来访、来电等方式反映。") % {"n": limit}
    )


def portal_submission_register(*, submission: PortalSubmission, ip: str) -> RegistrationResult:
    """Register an online petition or suggestion as the public (no account): channel ``online``, the
    petitioner encrypted by ``case_register``, the 15-day routing deadline opened (Art. 22); a matter
    already open for the same person is joined to it (Art. 19 ¶3).

    At most ``XINFANG["PORTAL_SUBMISSIONS_PER_HOUR"]`` accepted submissions per client address per hour
    (policy; see the module docstring for why the count is kept in the audit log). Over the limit:
    ``RateLimited`` and nothing written but the audit row of the refusal."""
    limit = settings.XINFANG["PORTAL_SUBMISSIONS_PER_HOUR"]
    now = timezone.now()
    since = now - timedelta(hours=1)
    if portal_submissions_recent(ip=ip, since=since) >= limit:
        portal_submission_refuse(ip=ip, reason="rate_limited")
        raise _limit_reached(limit)
    # The portal is the public side whoever is signed in: a staff member's own petition is registered
    # as anyone's, never with their unit or their permission to register (case_register only checks
    # permissions and records the registrar for an authenticated actor).
    public = AnonymousUser()
    try:
        with transaction.atomic():
            result = case_register(
                actor=public, channel=Case.Channel.ONLINE, received_at=now, matter_type=submission.matter_type,
                title=submission.title, content=submission.content, category=submission.category,
                street=submission.street,
                petitioners=[PetitionerInput(name=submission.name, id_number=submission.id_number,
                                             phone=submission.phone, address=submission.address)],
            )
            audit_record(actor=public, action=PORTAL_SUBMIT, obj=result.case, ip=ip,
                         detail={"matter_type": submission.matter_type, "privacy_notice": PRIVACY_NOTICE_VERSION})
            # The authoritative count, under the audit chain lock (module docstring): our own row included.
            if portal_submissions_recent(ip=ip, since=since) > limit:
                raise _limit_reached(limit)
    except RateLimited:
        portal_submission_refuse(ip=ip, reason="rate_limited")
        raise
    return result
