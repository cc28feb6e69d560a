from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):  # noqa: ANN001 - signal signature
    from xinfang.accounts.services import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "xinfang.accounts"
    label = "accounts"
    verbose_name = "accounts"

    def ready(self) -> None:
        # After the last app's migrations: every permission in the role table exists by then.
        post_migrate.connect(_sync_roles, dispatch_uid="xinfang.accounts.roles_sync")
