"""Writes on users and units."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.accounts.models import Unit, User
from xinfang.accounts.roles import ADMIN_ROLES, ROLE_PERMISSIONS, UNIT_ROLES
from xinfang.core.audit import audit_record
from xinfang.core.errors import ValidationFailed


def roles_sync() -> bool:
    """Create one group per role with exactly the permissions of ``ROLE_PERMISSIONS``.

    Runs after each app's migrations; until the last app has created its permissions it changes
    nothing and answers False (the final run then does the whole job).
    """
    wanted: dict[str, list[Permission]] = {}
    for role, dotted_names in ROLE_PERMISSIONS.items():
        wanted[role] = []
        for dotted in dotted_names:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None:
                return False
            wanted[role].append(perm)
    for role, perms in wanted.items():
        group, _created = Group.objects.get_or_create(name=f"role:{role}")
        group.permissions.set(perms)
    return True


def unit_create(*, code: str, name: str, kind: str, parent: Unit | None = None, sort: int = 0,
                scope_includes_children: bool = False) -> Unit:
    """Create a unit and fill in its materialized path."""
    if kind not in Unit.Kind.values:
        raise ValidationFailed(_("未知的单位类型。"), errors={"kind": [_("未知的单位类型。")]})
    if Unit.objects.filter(code=code).exists():
        raise ValidationFailed(_("单位代码已存在。"), errors={"code": [_("单位代码已存在。")]})
    with transaction.atomic():
        unit = Unit.objects.create(code=code, name=name, kind=kind, parent=parent, sort=sort,
                                   scope_includes_children=scope_includes_children)
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
    return unit


def user_set_role(*, user: User, role: str, unit: Unit | None, actor: Any = None) -> User:
    """Give ``user`` exactly one role (and its group); unit roles need a unit."""
    if role not in User.Role.values:
        raise ValidationFailed(_("未知的角色：%(role)s") % {"role": role}, errors={"role": [_("未知的角色。")]})
    if role in UNIT_ROLES and unit is None:
        raise ValidationFailed(_("承办单位角色必须指定所属单位。"), errors={"unit": [_("必须指定所属单位。")]})
    with transaction.atomic():
        old = user.role
        user.role = role
        user.unit = unit
        # 三员 and everyone else: never a superuser; staff flag only gates the Django admin, unused here.
        user.is_superuser = False
        user.is_staff = role in ADMIN_ROLES
        user.save(update_fields=["role", "unit", "is_superuser", "is_staff"])
        user.groups.set([Group.objects.get(name=f"role:{role}")])
        audit_record(actor=actor, action="user.role_change", obj=user,
                     detail={"from": old, "to": role, "unit": unit.code if unit else None})
    return user


def user_create(*, username: str, role: str, unit: Unit | None = None, password: str | None = None,
                full_name: str = "", actor: Any = None) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(_("用户名已存在。"), errors={"username": [_("用户名已存在。")]})
    with transaction.atomic():
        user = User(username=username, full_name=full_name)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user_set_role(user=user, role=role, unit=unit, actor=actor)
        audit_record(actor=actor, action="user.create", obj=user, detail={"role": role})
    return user
