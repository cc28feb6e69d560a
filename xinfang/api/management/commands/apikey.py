"""xinfang apikey create --name N --unit CODE --allow ACTION[,ACTION] [--channel hotline|online]
xinfang apikey revoke NAME
xinfang apikey list"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.api.clients import ACTIONS, api_client_create, api_client_revoke
from xinfang.api.models import ApiClient
from xinfang.core.errors import ApplicationError


def _error_text(exc: ApplicationError) -> str:
    lines = [str(exc.message)]
    for field, messages in exc.errors.items():
        lines += [f"  {field}: {m}" for m in messages]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Create (prints the key alone, once), revoke or list the API keys of external systems."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a client and print its key")
        create.add_argument("--name", required=True)
        create.add_argument("--unit", required=True, help="code of the unit the client acts for")
        create.add_argument("--allow", required=True, help=f"comma-separated actions: {', '.join(sorted(ACTIONS))}")
        create.add_argument("--channel", default=ApiClient.Channel.ONLINE, choices=ApiClient.Channel.values,
                            help="channel of the cases it submits (default: online)")
        revoke = sub.add_parser("revoke", help="revoke a client's key")
        revoke.add_argument("name")
        sub.add_parser("list", help="list the clients (never their keys)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApplicationError as exc:
            raise CommandError(_error_text(exc)) from None

    def _create(self, options: dict[str, Any]) -> None:
        _client, key = api_client_create(name=options["name"], unit_code=options["unit"],
                                         actions=options["allow"].split(","), channel=options["channel"])
        # The key alone on stdout, so that `KEY=$(xinfang apikey create …)` works; it is shown only now.
        self.stdout.write(key)
        self.stderr.write(_("请立即保存该密钥：系统只保存其摘要，之后无法再次显示。"))

    def _revoke(self, options: dict[str, Any]) -> None:
        client = api_client_revoke(name=options["name"])
        self.stdout.write(_("已吊销接口客户端 %(name)s 的密钥（%(prefix)s）。") % {
            "name": client.name, "prefix": client.key_prefix})

    def _list(self, options: dict[str, Any]) -> None:
        clients = list(ApiClient.objects.select_related("unit").order_by("name"))
        if not clients:
            self.stdout.write(_("没有接口客户端。"))
            return

        def when(value: Any) -> str:
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"

        header = [_("名称"), _("密钥前缀"), _("单位"), _("渠道"), _("允许的操作"), _("创建时间"), _("最近使用"),
                  _("状态")]
        self.stdout.write("\t".join(header))
        for c in clients:
            state = _("已吊销 %(at)s") % {"at": when(c.revoked_at)} if c.revoked_at else _("有效")
            self.stdout.write("\t".join([c.name, c.key_prefix, c.unit.code, c.channel, ",".join(c.actions),
                                         when(c.created_at), when(c.last_used_at), state]))
