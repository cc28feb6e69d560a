"""xinfang seed-demo [--if-empty] [--cases N] [--seed S]: load the demo district (all or nothing)."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case
from xinfang.core.errors import ApplicationError
from xinfang.demo.logins import demo_logins_lines, display_pad

# Why a case was closed (``Case.closed_reason``), as printed in the summary.
CLOSED_REASONS = {
    "replied": gettext_lazy("答复办结"),
    "forwarded": gettext_lazy("转送办结（反映情况）"),
    "no_review_requested": gettext_lazy("未申请复查"),
    "no_re_review_requested": gettext_lazy("未申请复核"),
    "re_reviewed": gettext_lazy("复核终结"),
    "final_after_re_review": gettext_lazy("复核后重复信访不再受理"),
}


class Command(BaseCommand):
    help = "Load the demo district (闵行区): units, categories, users of every role and a few hundred petitions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when the database already has units (for `make demo`)")
        parser.add_argument("--cases", type=int, default=300, help="number of petitions (default 300)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed, the same demo")

    def handle(self, *args, **options) -> None:
        from xinfang.demo.seed import demo_seed

        if options["cases"] < 1 or options["cases"] > 100_000:
            raise CommandError("--cases must be between 1 and 100000")
        if Unit.objects.exists():
            if options["if_empty"]:
                self.stdout.write(_("数据库中已有单位数据，未载入演示数据。"))
                return
            raise CommandError(_("数据库中已有单位数据：演示数据只能载入空数据库（可用 --if-empty 跳过）。"))
        self.stdout.write(_("正在生成演示数据（%(n)d 件信访事项）……") % {"n": options["cases"]})
        # The nightly sweeps of ten months would log every overdue deadline they mark.
        quiet = logging.getLogger("xinfang.deadlines")
        level = quiet.level
        quiet.setLevel(logging.WARNING)
        try:
            with transaction.atomic():
                summary = demo_seed(cases=options["cases"], seed=options["seed"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        finally:
            quiet.setLevel(level)
        out = self.stdout
        out.write(self.style.SUCCESS(
            _("演示数据已载入：%(u)d 个单位，%(p)d 个用户，%(c)d 件信访事项（%(s).1f 秒）。")
            % {"u": summary.units, "p": summary.users_created, "c": summary.cases, "s": summary.seconds}))
        out.write(_("按状态："))
        for status, count in summary.status_counts.items():
            out.write(f"  {display_pad(str(Case.Status(status).label), 12)}{count:>5}")
        if summary.closed_reasons:
            out.write(_("其中已办结：") + "，".join(f"{CLOSED_REASONS.get(reason, reason)} {count}"
                                                for reason, count in summary.closed_reasons.items()))
        out.write(_("逾期的期限：%(n)d 个") % {"n": summary.overdue_deadlines})
        for line in demo_logins_lines(summary.logins):
            out.write(line)
        if summary.query_codes:
            out.write(_("可用于公开查询接口 /api/v1/portal/track/<查询码>/ 的查询码："))
            for number, status, code in summary.query_codes:
                out.write(f"  {number}  {display_pad(status, 8)}{code}")
