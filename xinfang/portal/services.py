"""The public side: find a case by its query code, with wrong codes rate-limited per client address."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils.translation import gettext as _

from xinfang.cases.models import Case
from xinfang.cases.selectors import case_find_by_query_code_hash
from xinfang.cases.services.registration import QUERY_CODE_ALPHABET, QUERY_CODE_LENGTH, query_code_normalize
from xinfang.core.audit import audit_record
from xinfang.core.crypto import token_hash
from xinfang.core.errors import NotFound, RateLimited

# Who looks a code up: the public, not the system (``actor=None`` wrote "system" into the audit log).
PUBLIC = AnonymousUser()


def _failure_key(ip: str) -> str:
    return f"portal:fail:{ip or 'unknown'}"


def portal_case_by_code(*, query_code: str, ip: str) -> Case:
    """The case with this query code. After too many wrong codes from one address the address is refused
    for the window (SECURITY.md; 80-bit codes are not guessable, the limit stops scanning anyway)."""
    limit = settings.XINFANG["PORTAL_FAILURES_PER_WINDOW"]
    window = settings.XINFANG["PORTAL_WINDOW_SECONDS"]
    key = _failure_key(ip)
    if (cache.get(key) or 0) >= limit:
        raise RateLimited(_("查询码错误次数过多，请稍后再试。"))
    code = query_code_normalize(query_code)
    case = None
    if len(code) == QUERY_CODE_LENGTH and all(ch in QUERY_CODE_ALPHABET for ch in code):
        case = case_find_by_query_code_hash(token_hash(code))
    if case is None:
        if cache.add(key, 1, timeout=window) is False:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=window)
        audit_record(actor=PUBLIC, action="portal.lookup", result="denied", ip=ip, detail={"reason": "wrong_code"})
        raise NotFound(_("查询码不正确。"))
    # SECURITY.md 8: every read of a case is logged, the petitioner's own included.
    audit_record(actor=PUBLIC, action="portal.lookup", obj=case, ip=ip)
    return case
