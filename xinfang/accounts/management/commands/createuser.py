"""xinfang createuser --username U --role R [--unit CODE] [--password P | --password-stdin]"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import user_create
from xinfang.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a staff user with one role (and the unit, for unit roles)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=User.Role.values)
        parser.add_argument("--unit", help="unit code (required for handler and unit_head)")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--password", help="initial password (else none: the user cannot log in yet)")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    def handle(self, *args, **options) -> None:
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"unknown unit code: {options['unit']}")
        password = options["password"]
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        if password is not None and len(password) < 12:
            raise CommandError("the password must have at least 12 characters")
        try:
            user = user_create(username=options["username"], role=options["role"], unit=unit, password=password,
                               full_name=options["full_name"])
        except ApplicationError as exc:
            details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
            raise CommandError(f"{exc.message} {details}".strip()) from exc
        self.stdout.write(f"created {user.username} ({user.role}{', ' + unit.code if unit else ''})")
