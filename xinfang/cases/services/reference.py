"""Writes on the category taxonomy and its routing defaults (DOMAIN.md "Categories": the taxonomy is data,
with a mapping from category, and street, to the default responsible unit).

What these services write is exactly what ``category_default_unit`` (``xinfang/cases/selectors.py``)
reads: ``Category.default_unit``, overridden per street by a ``CategoryStreetRoute``. Each write is one
transaction with its audit row.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Category, CategoryStreetRoute
from xinfang.core.audit import audit_record
from xinfang.core.errors import ValidationFailed


def _unit_check(unit: Unit | None, *, field: str) -> None:
    """A default responsible unit must be in use (an inactive one would receive work nobody serves)."""
    if unit is not None and not unit.active:
        message = _("所选单位已停用。")
        raise ValidationFailed(message, errors={field: [message]})


def _parent_check(category: Category | None, parent: Category | None) -> None:
    """The parent must not be the category itself or one of its descendants (the tree has no path
    column; categories are a few dozen rows, so the walk up is short)."""
    if parent is None or category is None or category.pk is None:
        return
    seen: set[int] = set()
    node: Category | None = parent
    while node is not None and node.pk not in seen:
        if node.pk == category.pk:
            message = _("不能把分类移到它自己或它的下级分类之下（会形成循环）。")
            raise ValidationFailed(message, errors={"parent": [message]})
        seen.add(node.pk)
        node = Category.objects.filter(pk=node.parent_id).first() if node.parent_id else None


def _code_check(code: str, *, exclude: int | None = None) -> None:
    taken = Category.objects.filter(code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        message = _("分类代码已存在。")
        raise ValidationFailed(message, errors={"code": [message]})


def category_create(*, actor: Any, code: str, name: str, parent: Category | None = None,
                    default_unit: Unit | None = None, sort: int = 0, keywords: str = "") -> Category:
    """Add a category to the taxonomy, with its default responsible unit (may be left empty: the bureau
    then routes by hand) and the keywords that suggest it at intake (xinfang/nlp)."""
    _code_check(code)
    _unit_check(default_unit, field="default_unit")
    with transaction.atomic():
        category = Category.objects.create(code=code, name=name, parent=parent, default_unit=default_unit,
                                           sort=sort, keywords=keywords.strip())
        audit_record(actor=actor, action="category.create", obj=category,
                     detail={"code": code, "name": name, "parent": parent.code if parent else None,
                             "default_unit": default_unit.code if default_unit else None,
                             "keywords": keywords.strip()})
    return category


def category_update(*, category: Category, actor: Any, code: str, name: str, parent: Category | None,
                    default_unit: Unit | None, sort: int = 0, active: bool = True,
                    keywords: str | None = None) -> Category:
    """Change a category: name, code, place in the tree (no cycles), default responsible unit, order,
    whether it is offered at intake (``active``; categories are never deleted, cases keep theirs) and its
    keywords (None: unchanged)."""
    _code_check(code, exclude=category.pk)
    _parent_check(category, parent)
    if default_unit is not None and default_unit.pk != category.default_unit_id:
        _unit_check(default_unit, field="default_unit")
    with transaction.atomic():
        current = Category.objects.select_for_update().get(pk=category.pk)
        before = {"code": current.code, "name": current.name, "parent": current.parent_id,
                  "default_unit": current.default_unit_id, "sort": current.sort, "active": current.active,
                  "keywords": current.keywords}
        keywords = current.keywords if keywords is None else keywords.strip()
        current.code, current.name, current.sort, current.active = code, name, sort, active
        current.parent = parent
        current.default_unit = default_unit
        current.keywords = keywords
        current.save(update_fields=["code", "name", "parent", "default_unit", "sort", "active", "keywords"])
        after = {"code": code, "name": name, "parent": parent.pk if parent else None,
                 "default_unit": default_unit.pk if default_unit else None, "sort": sort, "active": active,
                 "keywords": keywords}
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        audit_record(actor=actor, action="category.update", obj=current, detail={"changes": changes})
    category.refresh_from_db()
    return category


def category_street_route_set(*, category: Category, street: Unit, unit: Unit | None, actor: Any) -> bool:
    """Set (``unit``) or remove (``None``) the responsible unit of ``category`` in ``street``, which then
    overrides the category's default unit for cases of that street. Returns whether anything changed
    (an unchanged route writes nothing and is not audited)."""
    if street.kind != Unit.Kind.STREET:
        message = _("只能为街道（镇）设置属地责任单位。")
        raise ValidationFailed(message, errors={"street": [message]})
    with transaction.atomic():
        route = CategoryStreetRoute.objects.select_for_update().filter(category=category, street=street).first()
        old = route.unit_id if route is not None else None
        new = unit.pk if unit is not None else None
        if old == new:
            return False
        _unit_check(unit, field="unit")
        if unit is None:
            assert route is not None
            route.delete()
        elif route is None:
            CategoryStreetRoute.objects.create(category=category, street=street, unit=unit)
        else:
            route.unit = unit
            route.save(update_fields=["unit"])
        audit_record(actor=actor, action="category.route_set", obj=category,
                     detail={"street": street.code, "from": old, "to": new,
                             "to_code": unit.code if unit is not None else None})
    return True


def category_street_routes_replace(*, category: Category, routes: dict[Unit, Unit | None], actor: Any) -> int:
    """Apply a whole routing table of ``category`` (street → unit or None) at once: all rows or none.
    Returns how many streets changed."""
    changed = 0
    with transaction.atomic():
        for street, unit in routes.items():
            changed += category_street_route_set(category=category, street=street, unit=unit, actor=actor)
    return changed
