"""xinfang alerts scan|digest: the early-warning jobs by hand (the worker runs the scan every 15 minutes and
the digest every morning; docs/alerts.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.alerts.scan import SCANS, alerts_scan
from xinfang.alerts.services import alerts_digest


def _moment(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(_("时间 %(d)r 不是 YYYY-MM-DDTHH:MM。") % {"d": text}) from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class Command(BaseCommand):
    help = "Early warning: run the rules (scan) or write the leaders' daily digest (digest)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{scan,digest}")
        scan = actions.add_parser("scan", help="run the rules once")
        scan.add_argument("--now", help="judge as if it were this moment (YYYY-MM-DDTHH:MM; default: now)")
        scan.add_argument("--rule", action="append", choices=sorted(SCANS), help="only this rule (repeatable)")
        scan.add_argument("--json", action="store_true", help="print the counts as JSON")
        actions.add_parser("digest", help="write today's digest to every leader not yet sent one")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "digest":
            self.stdout.write(_("已发送预警日报：%(n)d 份") % {"n": alerts_digest()})
            return
        now = _moment(options["now"]) if options.get("now") else None
        result = alerts_scan(now=now, only=options.get("rule"))
        if options.get("json"):
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(_("新预警：%(r)d 条；更新：%(u)d 条；近期已关闭未再升高：%(s)d 条") % {
            "r": result["raised"], "u": result["updated"], "s": result["suppressed"]})
        if result["sensitive_period"]:
            self.stdout.write(_("敏感时期：%(p)s") % {"p": result["sensitive_period"]})
