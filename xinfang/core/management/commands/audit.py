"""xinfang audit verify: check the hash chain of the audit log and name the first altered row
(SECURITY.md 9).

Added because README.md, docs/security.md and ``AuditEntry``'s docstring promise this command but it
did not exist; it is a thin wrapper over ``xinfang.core.audit.audit_verify``. A broken chain ends in a
``CommandError`` (exit status 1), so a cron job or a monitoring check notices.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from xinfang.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools: `verify` checks the hash chain and names the first altered row."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        actions.add_parser("verify", help="check the hash chain; exit 1 naming the first altered row")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            if result.first_bad_id is not None:
                message = _("审计日志校验失败：第一条被改动的记录 id=%(id)d（%(reason)s），之前 %(n)d 条完好。")
            else:
                message = _("审计日志校验失败：链尾缺少记录（%(reason)s），%(n)d 条完好。")
            values = {"id": result.first_bad_id, "reason": result.reason, "n": result.checked}
            raise CommandError(message % values)
        self.stdout.write(_("审计日志完整：%(n)d 条记录。") % {"n": result.checked})
