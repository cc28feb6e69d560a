"""The demo accounts: their names, and the lines `xinfang seed-demo` and `xinfang serve` print about them.

Kept apart from ``seed`` so that `serve` can list the logins without loading the generator.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.db.models import Q
from django.utils.translation import gettext as _

from xinfang.accounts.models import User

# One password for every demo account (README: quick start).
DEMO_PASSWORD = "xinfang-demo-2026"  # noqa: S105 - a published demo password, not a secret

# Fixed demo accounts: username, role, unit code (None: no unit).
DISTRICT_ACCOUNTS: list[tuple[str, str, str | None]] = [
    ("registrar", User.Role.REGISTRAR, "MH-XFB"),
    ("officer", User.Role.OFFICER, "MH-XFB"),
    ("leader", User.Role.LEADER, "MH"),
    ("suggestion", User.Role.SUGGESTION_OFFICER, "MH-XFB-JY"),
    ("sysadmin", User.Role.SYSTEM_ADMIN, None),
    ("secadmin", User.Role.SECURITY_ADMIN, None),
    ("auditadmin", User.Role.AUDIT_ADMIN, None),
]
HANDLER_PREFIX = "handler-"
HEAD_PREFIX = "head-"
# Registrars at a neighbourhood service point (家门口服务站): the grassroots demo (xinfang/demo/grassroots.py).
POINT_PREFIX = "point-"


def handler_username(unit_code: str) -> str:
    return f"{HANDLER_PREFIX}{unit_code.lower()}"


def head_username(unit_code: str) -> str:
    return f"{HEAD_PREFIX}{unit_code.lower()}"


def point_username(unit_code: str) -> str:
    return f"{POINT_PREFIX}{unit_code.lower()}"


@dataclass(frozen=True)
class DemoLogin:
    """One demo account as printed: username, role (code and label) and unit name."""

    username: str
    role: str
    role_label: str
    unit: str


def demo_logins() -> list[DemoLogin]:
    """The demo accounts present in the database: district accounts first, then the handlers and heads
    of each unit in the unit tree's order. Empty when the demo was never loaded."""
    fixed = [name for name, _role, _unit in DISTRICT_ACCOUNTS]
    users = list(User.objects.filter(Q(username__in=fixed) | Q(username__startswith=HANDLER_PREFIX)
                                     | Q(username__startswith=HEAD_PREFIX)
                                     | Q(username__startswith=POINT_PREFIX))
                 .select_related("unit").order_by("unit__sort", "unit__code", "username"))
    rank = {name: index for index, name in enumerate(fixed)}
    users.sort(key=lambda u: (0, rank[u.username], "") if u.username in rank else (1, u.unit.sort if u.unit else 0,
                                                                                      u.username))
    return [DemoLogin(username=u.username, role=u.role, role_label=str(u.get_role_display()),
                      unit=u.unit.name if u.unit else "") for u in users]


def demo_password_unchanged() -> bool:
    """Whether the officer's account still has the demo password (one hash check: they are slow on purpose)."""
    officer = User.objects.filter(username="officer").only("password").first()
    return officer is not None and check_password(DEMO_PASSWORD, officer.password)


def display_pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def demo_logins_lines(logins: list[DemoLogin], *, password_known: bool = True) -> list[str]:
    """Printable lines: the district accounts one per line, then one line per unit with its handler
    and head."""
    if not logins:
        return []
    if password_known:
        lines = [_("演示账号（密码均为 %(p)s）：") % {"p": DEMO_PASSWORD}]
    else:
        lines = [_("演示账号（演示密码已被修改）：")]
    by_unit: dict[str, list[DemoLogin]] = {}
    for login in logins:
        if login.username.startswith((HANDLER_PREFIX, HEAD_PREFIX)):
            by_unit.setdefault(login.unit, []).append(login)
        else:
            lines.append(f"  {login.username:<12} {display_pad(login.role_label, 16)}{login.unit}")
    if by_unit:
        lines.append(_("  各承办单位（经办人 / 单位负责人）："))
        for unit, members in by_unit.items():
            names = " / ".join(m.username for m in sorted(members, key=lambda m: m.role != User.Role.HANDLER))
            lines.append(f"    {display_pad(unit, 14)} {names}")
    return lines
