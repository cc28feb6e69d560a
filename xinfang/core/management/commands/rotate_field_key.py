"""xinfang rotate-field-key: re-encrypt personal data with the current field key (docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = ("After putting a new key in XINFANG_FIELD_KEY and the old one in XINFANG_FIELD_KEYS_OLD: "
            "re-encrypt every ID and phone number with the new key and rewrite the look-up hashes.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        from xinfang.cases.services.field_keys import petitioners_rekey
        from xinfang.core.crypto import current_key_id
        from xinfang.grassroots.services import parties_rekey

        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if not settings.FIELD_KEYS_OLD:
            self.stdout.write(_("提示：XINFANG_FIELD_KEYS_OLD 为空，旧密钥加密的数据将无法解密。"))
        try:
            result = petitioners_rekey(batch_size=options["batch_size"])
            # The parties of grassroots disputes and mediations hold ID and phone numbers the same way.
            parties = parties_rekey(batch_size=options["batch_size"])
        except Exception as exc:  # a missing old key: say which, change nothing more
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("当前密钥 %(k)s：重新加密 %(n)d 人，已是当前密钥 %(c)d 人。")
                          % {"k": current_key_id(), "n": result.rekeyed, "c": result.already_current})
        self.stdout.write(_("矛盾纠纷和调解当事人：重新加密 %(n)d 人。") % {"n": parties})
