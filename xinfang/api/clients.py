"""API keys for external systems (issue 4): create, revoke, and find the client a key belongs to.

A key reads ``xfk_<prefix>_<secret>``: the 8-character prefix is stored in clear (it names the key in
``apikey list`` and in the audit log), the 32-character secret never is. 190 random bits in all, so a
plain SHA-256 of the key is enough to store it (``core.crypto.token_hash``, as for query codes); the
comparison is constant-time.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.models import Unit
from xinfang.api.models import ApiClient
from xinfang.core.audit import audit_record
from xinfang.core.crypto import token_hash
from xinfang.core.errors import NotFound, ValidationFailed

KEY_PREFIX = "xfk"
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: keys are sometimes read out loud
_KEY_RE = re.compile(rf"^{KEY_PREFIX}_([{_ALPHABET}]{{8}})_([{_ALPHABET}]{{32}})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# The actions a client may be allowed. Only actions something checks are listed: an allowed action that
# nothing enforces would promise a scope that does not exist.
ACTIONS = {
    # POST /open311/v2/requests.{fmt}: register a petition (xinfang/open311).
    "open311.submit": gettext_lazy("通过 Open311 提交信访事项"),
    # GET /open311/v2/…: read without the per-address limit of the public (a partner system polling).
    "open311.read": gettext_lazy("读取 Open311 公开数据（不受单一地址频率限制）"),
}


class ApiClientActor(AnonymousUser):
    """The acting party when a request carries an API key. Not a user: it holds no permissions and no
    session, ``cases_visible_to`` gives it nothing, and ``case_register`` treats it like the public (no
    registrar permission is checked, a known petitioner's details are not overwritten). The audit log names
    it ``apikey:<name>`` (``core.audit.audit_record`` reads ``audit_username``)."""

    def __init__(self, client: ApiClient):
        super().__init__()
        self.client = client

    @property
    def audit_username(self) -> str:
        return f"apikey:{self.client.name}"

    def __str__(self) -> str:
        return self.audit_username


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@transaction.atomic
def api_client_create(*, name: str, unit_code: str, actions: Iterable[str], channel: str = ApiClient.Channel.ONLINE,
                      actor: Any = None) -> tuple[ApiClient, str]:
    """Create a client and its key; the key is returned here and never again (audited, without the key)."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not _NAME_RE.match(name):
        errors["name"] = [_("名称只能由字母、数字、“_”“-”“.”组成，不超过64个字符。")]
    elif ApiClient.objects.filter(name=name).exists():
        errors["name"] = [_("已有同名的接口客户端：%(name)s") % {"name": name}]
    unit = Unit.objects.filter(code=(unit_code or "").strip(), active=True).first()
    if unit is None:
        errors["unit"] = [_("未找到启用的单位：%(code)s") % {"code": unit_code}]
    wanted = sorted({a.strip() for a in actions if a and a.strip()})
    unknown = [a for a in wanted if a not in ACTIONS]
    if not wanted:
        errors["actions"] = [_("请至少指定一项允许的操作。")]
    elif unknown:
        errors["actions"] = [_("未知的操作：%(actions)s（可选：%(known)s）") % {
            "actions": ", ".join(unknown), "known": ", ".join(sorted(ACTIONS))}]
    if channel not in ApiClient.Channel.values:
        errors["channel"] = [_("未知的信访渠道：%(v)s") % {"v": channel}]
    if errors:
        raise ValidationFailed(_("接口客户端信息有误。"), errors=errors)
    assert unit is not None  # noqa: S101 - checked above
    prefix = _random(8)
    while ApiClient.objects.filter(key_prefix=prefix).exists():  # 32**8 prefixes: practically never
        prefix = _random(8)
    key = f"{KEY_PREFIX}_{prefix}_{_random(32)}"
    client = ApiClient.objects.create(name=name, unit=unit, channel=channel, actions=wanted, key_prefix=prefix,
                                      key_hash=token_hash(key), created_at=timezone.now())
    audit_record(actor=actor, action="apikey.create", obj=client,
                 detail={"name": name, "unit": unit.code, "actions": wanted, "channel": channel,
                         "prefix": prefix})
    return client, key


@transaction.atomic
def api_client_revoke(*, name: str, actor: Any = None) -> ApiClient:
    """Revoke a client's key at once (audited). Revoking a revoked client changes nothing."""
    client = ApiClient.objects.select_for_update().filter(name=(name or "").strip()).first()
    if client is None:
        raise NotFound(_("未找到接口客户端：%(name)s") % {"name": name})
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="apikey.revoke", obj=client, detail={"prefix": client.key_prefix})
    return client


def api_client_by_key(key: str) -> ApiClient | None:
    """The active client whose key this is, or None (unknown, malformed, revoked, or its unit closed)."""
    match = _KEY_RE.match((key or "").strip())
    if match is None:
        return None
    client = ApiClient.objects.select_related("unit").filter(key_prefix=match.group(1)).first()
    if client is None or not hmac.compare_digest(client.key_hash, token_hash(match.group(0))):
        return None
    if client.revoked_at is not None or not client.unit.active:
        return None
    return client


def api_key_prefix(key: str) -> str:
    """The prefix of something that looks like a key (for the audit log of a refused key), else ""."""
    match = re.match(rf"^{KEY_PREFIX}_([{_ALPHABET}]{{8}})_", (key or "").strip())
    return match.group(1) if match else ""


def api_client_touch(*, client: ApiClient, request_method: str, request_path: str, ip: str | None = None) -> None:
    """Record one use of a key: ``last_used_at`` and an audit row (SECURITY.md 8: every use audited)."""
    now = timezone.now()
    with transaction.atomic():
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        audit_record(actor=ApiClientActor(client), action="apikey.use", obj=client, ip=ip,
                     detail={"method": request_method, "path": request_path[:200]})
    client.last_used_at = now


def api_key_refuse(*, key: str, reason: str, request_method: str, request_path: str) -> None:
    """Audit a refused key (unknown, revoked, in the URL): the prefix only, never the key."""
    with transaction.atomic():
        audit_record(actor=AnonymousUser(), action="apikey.use", result="denied",
                     detail={"reason": reason, "prefix": api_key_prefix(key), "method": request_method,
                             "path": request_path[:200]})
