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


def _role_group_name(role: str) -> str:
    return f"role:{role}"


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
        group, _created = Group.objects.get_or_create(name=_role_group_name(role))
        group.permissions.set(perms)
    return True


def unit_create(*, code: str, name: str, kind: str, parent: Unit | None = None, sort: int = 0,
                scope_includes_children: bool = False, actor: Any = None) -> Unit:
    """Create a unit and fill in its materialized path. Audited when a person does it (``actor``: the
    reference pages); fixtures, the demo and benchmarks build their districts without an actor."""
    if kind not in Unit.Kind.values:
        raise ValidationFailed(_("未知的单位类型。"), errors={"kind": [_("未知的单位类型。")]})
    if Unit.objects.filter(code=code).exists():
        raise ValidationFailed(_("单位代码已存在。"), errors={"code": [_("单位代码已存在。")]})
    with transaction.atomic():
        unit = Unit.objects.create(code=code, name=name, kind=kind, parent=parent, sort=sort,
                                   scope_includes_children=scope_includes_children)
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
        if actor is not None:
            audit_record(actor=actor, action="unit.create", obj=unit,
                         detail={"code": code, "name": name, "kind": kind, "parent": parent.code if parent else None})
    return unit


def _role_check(role: str, unit: Unit | None) -> None:
    if role not in User.Role.values:
        raise ValidationFailed(_("未知的角色：%(role)s") % {"role": role}, errors={"role": [_("未知的角色。")]})
    if role in UNIT_ROLES and unit is None:
        raise ValidationFailed(_("承办单位角色必须指定所属单位。"), errors={"unit": [_("必须指定所属单位。")]})


def _role_fields(user: User, role: str, unit: Unit | None) -> None:
    user.role = role
    user.unit = unit
    # 三员 and everyone else: never a superuser; staff flag only gates the Django admin, unused here.
    user.is_superuser = False
    user.is_staff = role in ADMIN_ROLES


def _role_change_audit(*, actor: Any, user: User, old: str, role: str, unit: Unit | None) -> None:
    audit_record(actor=actor, action="user.role_change", obj=user,
                 detail={"from": old, "to": role, "unit": unit.code if unit else None})


def user_set_role(*, user: User, role: str, unit: Unit | None, actor: Any = None) -> User:
    """Give ``user`` exactly one role (and its group); unit roles need a unit."""
    _role_check(role, unit)
    with transaction.atomic():
        old = user.role
        _role_fields(user, role, unit)
        user.save(update_fields=["role", "unit", "is_superuser", "is_staff"])
        user.groups.set([Group.objects.get(name=_role_group_name(role))])
        # ModelBackend caches permissions on the instance: without this the user handed back would still
        # answer has_perm() for the role it no longer holds (tests/accounts/test_roles.py).
        for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(cache, None)
        _role_change_audit(actor=actor, user=user, old=old, role=role, unit=unit)
    return user


def user_create(*, username: str, role: str, unit: Unit | None = None, password: str | None = None,
                full_name: str = "", actor: Any = None) -> User:
    """Create a user holding ``role`` (and its group). Written with its role in one INSERT, audited as a
    role change from none and a creation, like a role given afterwards."""
    _role_check(role, unit)
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(_("用户名已存在。"), errors={"username": [_("用户名已存在。")]})
    with transaction.atomic():
        user = User(username=username, full_name=full_name)
        _role_fields(user, role, unit)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=_role_group_name(role)))
        _role_change_audit(actor=actor, user=user, old="", role=role, unit=unit)
        audit_record(actor=actor, action="user.create", obj=user, detail={"role": role})
    return user


# --- Editing the unit tree (the reference pages, xinfang/reference) ---------------------------

# Unit.path is a CharField(max_length=255); a move that would overflow it is refused, not truncated.
UNIT_PATH_MAX = 255


def _unit_lock(pks: list[int]) -> dict[int, Unit]:
    """Lock the rows of ``pks`` (in key order, so two editors never deadlock) and read them afresh."""
    return {u.pk: u for u in Unit.objects.select_for_update().filter(pk__in=sorted(set(pks))).order_by("pk")}


def unit_update(*, unit: Unit, actor: Any, code: str, name: str, kind: str, parent: Unit | None, sort: int = 0,
                scope_includes_children: bool = False) -> Unit:
    """Change a unit; a new parent moves the whole subtree. Refused: an unknown kind, a code taken by
    another unit, a parent that is the unit itself or one of its descendants (a cycle), an inactive
    parent. The unit's path and every descendant's are rewritten in the same transaction, so
    ``path__startswith`` scoping (SECURITY.md 1) never sees a half-moved tree."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    if kind not in Unit.Kind.values:
        raise ValidationFailed(_("未知的单位类型。"), errors={"kind": [_("未知的单位类型。")]})
    if Unit.objects.filter(code=code).exclude(pk=unit.pk).exists():
        raise ValidationFailed(_("单位代码已存在。"), errors={"code": [_("单位代码已存在。")]})
    with transaction.atomic():
        # The unit, the new parent and the parent's ancestors are locked before the cycle check: two
        # admins moving A under B and B under A at once both lock A and B, so the second one waits and
        # then sees the first one's paths.
        wanted = [unit.pk] + (parent.ancestor_ids() + [parent.pk] if parent is not None else [])
        locked = _unit_lock(wanted)
        current = locked[unit.pk]
        new_parent = locked.get(parent.pk) if parent is not None else None
        if parent is not None and new_parent is None:
            raise ValidationFailed(_("上级单位不存在。"), errors={"parent": [_("上级单位不存在。")]})
        if new_parent is not None and (new_parent.pk == current.pk or current.pk in new_parent.ancestor_ids()):
            message = _("不能把单位移到它自己或它的下级单位之下（会形成循环）。")
            raise ValidationFailed(message, errors={"parent": [message]})
        moved = (new_parent.pk if new_parent else None) != current.parent_id
        if moved and new_parent is not None and not new_parent.active:
            message = _("上级单位已停用。")
            raise ValidationFailed(message, errors={"parent": [message]})
        old_path = current.path
        new_path = f"{new_parent.path if new_parent else '/'}{current.pk}/"
        if moved:
            longest = max(len(p) for p in Unit.objects.filter(path__startswith=old_path).values_list("path", flat=True))
            if longest - len(old_path) + len(new_path) > UNIT_PATH_MAX:
                message = _("单位层级过深，无法移动到该上级单位之下。")
                raise ValidationFailed(message, errors={"parent": [message]})
        before = {"code": current.code, "name": current.name, "kind": current.kind,
                  "parent": current.parent.code if current.parent else None, "sort": current.sort,
                  "scope_includes_children": current.scope_includes_children}
        current.code, current.name, current.kind, current.sort = code, name, kind, sort
        current.scope_includes_children = scope_includes_children
        current.parent = new_parent
        current.save(update_fields=["code", "name", "kind", "sort", "scope_includes_children", "parent"])
        subtree = 0
        if moved:
            # One UPDATE for the unit and all its descendants: new prefix + the rest of the old path.
            subtree = Unit.objects.filter(path__startswith=old_path).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
            current.path = new_path
        after = {"code": code, "name": name, "kind": kind, "parent": new_parent.code if new_parent else None,
                 "sort": sort, "scope_includes_children": scope_includes_children}
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        audit_record(actor=actor, action="unit.update", obj=current,
                     detail={"changes": changes, "moved_units": subtree})
    unit.refresh_from_db()
    return unit


def unit_deactivate(*, unit: Unit, actor: Any) -> Unit:
    """Stop using a unit (units are never deleted: cases and the audit log point at them). Refused while
    it still has active sub-units, active users, open cases to handle, or is the default responsible unit
    of a category or a street route — each of those would send work to a unit nobody serves."""
    from django.db.models import Q

    from xinfang.cases.models import Case, Category, CategoryStreetRoute

    with transaction.atomic():
        current = _unit_lock([unit.pk])[unit.pk]
        if not current.active:
            return current
        problems: list[str] = []
        children = Unit.objects.filter(parent=current, active=True).count()
        if children:
            problems.append(_("还有 %(n)d 个启用的下级单位，请先停用或移走。") % {"n": children})
        users = User.objects.filter(unit=current, is_active=True).count()
        if users:
            problems.append(_("还有 %(n)d 个启用的用户属于该单位，请先调整。") % {"n": users})
        open_cases = Case.objects.filter(handling_unit=current, status__in=Case.OPEN_STATUSES).count()
        if open_cases:
            problems.append(_("还有 %(n)d 件未办结的信访事项由该单位承办。") % {"n": open_cases})
        categories = list(Category.objects.filter(default_unit=current).values_list("name", flat=True))
        if categories:
            problems.append(_("仍是分类的默认责任单位：%(c)s。") % {"c": "、".join(categories)})
        routes = CategoryStreetRoute.objects.filter(Q(unit=current) | Q(street=current)).count()
        if routes:
            problems.append(_("仍用于 %(n)d 条分类属地责任单位设置。") % {"n": routes})
        if problems:
            raise ValidationFailed(_("该单位不能停用。"), errors={"active": problems})
        current.active = False
        current.save(update_fields=["active"])
        audit_record(actor=actor, action="unit.deactivate", obj=current, detail={"code": current.code})
    unit.refresh_from_db()
    return unit


def unit_reactivate(*, unit: Unit, actor: Any) -> Unit:
    """Use a deactivated unit again; its parent must be active."""
    with transaction.atomic():
        current = _unit_lock([unit.pk])[unit.pk]
        if current.active:
            return current
        if current.parent is not None and not current.parent.active:
            raise ValidationFailed(_("上级单位已停用，请先启用上级单位。"),
                                   errors={"active": [_("上级单位已停用，请先启用上级单位。")]})
        current.active = True
        current.save(update_fields=["active"])
        audit_record(actor=actor, action="unit.reactivate", obj=current, detail={"code": current.code})
    unit.refresh_from_db()
    return unit
