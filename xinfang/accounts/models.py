"""Users, roles and the unit tree (单位)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """A unit of the district: the petition bureau, a functional department, a street (街道), a
    neighbourhood (居委), a 政法 or 纪检监察 body, a service point. Units form a tree; ``path`` is the
    materialized path of primary keys (``/1/4/17/``) so that "this unit and everything below it" is one
    indexed prefix query on SQLite and PostgreSQL alike."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("信访部门")
        DEPARTMENT = "department", _("职能部门")
        STREET = "street", _("街道（镇）")
        NEIGHBOURHOOD = "neighbourhood", _("居（村）委")
        POLITICS_LAW = "politics_law", _("政法单位")
        DISCIPLINE = "discipline", _("纪检监察")
        SERVICE_POINT = "service_point", _("家门口服务点")
        GOVERNMENT = "government", _("党委政府")

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级单位"))
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    # SECURITY.md 1: a handler sees their unit's cases, and its sub-units' where this is set.
    scope_includes_children = models.BooleanField(_("可查看下级单位案件"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.IntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to and including this unit."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class User(AbstractUser):
    """A member of staff. ``role`` is the one role the account holds (三员 separation: no account holds
    two); permissions come from the role's group, kept in step by ``user_set_role``."""

    class Role(models.TextChoices):
        REGISTRAR = "registrar", _("登记员")
        OFFICER = "officer", _("信访办经办人")
        HANDLER = "handler", _("承办单位经办人")
        UNIT_HEAD = "unit_head", _("单位负责人")
        LEADER = "leader", _("区领导")
        SUGGESTION_OFFICER = "suggestion_officer", _("人民建议征集办")
        SYSTEM_ADMIN = "system_admin", _("系统管理员")
        SECURITY_ADMIN = "security_admin", _("安全管理员")
        AUDIT_ADMIN = "audit_admin", _("审计管理员")

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="users",
                             verbose_name=_("所属单位"))
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # SECURITY.md 4: failed logins in a row, keyed on the username (offices share one NAT address).
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username
