"""xinfang token create USERNAME | xinfang token revoke USERNAME"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record


class Command(BaseCommand):
    help = "Create (prints the token alone) or revoke a user's API token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("username")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']}")
        if options["action"] == "revoke":
            Token.objects.filter(user=user).delete()
            audit_record(actor=None, action="token.revoke", obj=user)
            self.stdout.write(f"revoked the token of {user.username}")
            return
        # One token per user: a new one replaces the old, which stops working at once.
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit_record(actor=None, action="token.create", obj=user)
        self.stdout.write(token.key)
