"""Roles and what each may do. The group of each role is created from this table after every migrate
(``roles_sync``); changing the table and migrating is how permissions change."""

from __future__ import annotations

from xinfang.accounts.models import User

Role = User.Role

# Roles whose members see every case of the district (bureau-level work), accusation rule aside.
DISTRICT_WIDE_ROLES = frozenset({Role.REGISTRAR, Role.OFFICER, Role.LEADER})
# Roles whose members see their unit's cases only (and sub-units' where the unit says so).
UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_HEAD})
# 三员: no petition content by default (DOMAIN.md, SECURITY.md 3).
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Permission codenames live on cases.Case (Meta.permissions) unless prefixed with another app label.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.REGISTRAR: ["cases.register_case", "cases.view_case"],
    Role.OFFICER: ["cases.register_case", "cases.view_case", "cases.route_case", "cases.decide_review",
                   "cases.reveal_personal_data"],
    Role.HANDLER: ["cases.view_case", "cases.handle_case"],
    Role.UNIT_HEAD: ["cases.view_case", "cases.handle_case", "cases.approve_extension",
                     "cases.reveal_personal_data"],
    Role.LEADER: ["cases.view_case"],
    Role.SUGGESTION_OFFICER: [],
    # The reference data (units, categories and their routing defaults, the holiday calendar): not
    # petition content, so it stays with the system admin (三员).
    Role.SYSTEM_ADMIN: ["accounts.view_unit", "accounts.add_unit", "accounts.change_unit",
                        "cases.view_category", "cases.add_category", "cases.change_category",
                        "deadlines.change_calendarday", "deadlines.add_calendarday"],
    Role.SECURITY_ADMIN: ["accounts.view_user", "accounts.change_user"],
    Role.AUDIT_ADMIN: ["core.view_auditentry"],
}
