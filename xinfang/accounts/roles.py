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
    # exports.export_full: a case list with clear ID and phone numbers, with a stated reason (docs/export.md):
    # the bureau officer only, whose lists span the district and who may reveal a single number on the case
    # page as well (cases.reveal_personal_data); never a unit's staff, nor leaders, who may not reveal.
    Role.OFFICER: ["cases.register_case", "cases.view_case", "cases.route_case", "cases.decide_review",
                   "cases.reveal_personal_data", "exports.export_full"],
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

# Governance of hard cases (docs/governance.md): the backlog register and supervision. Leaders take charge
# of backlog cases (包案, 信访工作条例 Art. 18 ¶2) and may supervise; the bureau enters cases on the register,
# sets its rules and supervises (Art. 38 ¶2, Art. 40 ¶1); the units' staff reply to orders on their unit
# (Art. 40 ¶4). What each sees is still the case gateway's (access.py).
_GOVERNANCE_PERMISSIONS: dict[str, list[str]] = {
    Role.REGISTRAR: ["governance.view_backlog", "governance.view_supervision"],
    Role.OFFICER: ["governance.view_backlog", "governance.register_backlog", "governance.view_backlogrule",
                   "governance.change_backlogrule", "governance.view_supervision", "governance.issue_supervision"],
    Role.LEADER: ["governance.view_backlog", "governance.lead_backlog", "governance.view_supervision",
                  "governance.issue_supervision"],
    Role.HANDLER: ["governance.view_backlog", "governance.view_supervision", "governance.reply_supervision"],
    Role.UNIT_HEAD: ["governance.view_backlog", "governance.view_supervision", "governance.reply_supervision"],
}
for _role, _permissions in _GOVERNANCE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_permissions]

# Mediation and grassroots work (xinfang/grassroots, docs/grassroots.md). Kept as its own table, added to
# the roles above. Which records each member sees is decided by the unit tree (grassroots/selectors.py):
# the bureau and the leaders see the district's, everyone else their own unit's and the units below it.
# Turning a dispute, a visit's finding or a reception into a case also needs cases.register_case.
GRASSROOTS_PERMISSIONS: dict[str, list[str]] = {
    # Registrars work at the bureau and at the service points (家门口服务点): intake, disputes, mediation.
    Role.REGISTRAR: ["grassroots.view_grassroots", "grassroots.record_dispute", "grassroots.mediate",
                     "grassroots.record_visit", "grassroots.record_reception"],
    Role.OFFICER: ["grassroots.view_grassroots", "grassroots.record_dispute", "grassroots.mediate",
                   "grassroots.record_visit", "grassroots.schedule_reception", "grassroots.record_reception"],
    # 上门办信: the handler visits the petitioner of a case of the unit.
    Role.HANDLER: ["grassroots.view_grassroots", "grassroots.record_dispute", "grassroots.mediate",
                   "grassroots.record_visit"],
    Role.UNIT_HEAD: ["grassroots.view_grassroots", "grassroots.record_dispute", "grassroots.mediate",
                     "grassroots.record_visit", "grassroots.record_reception"],
    # 信访工作条例 Art. 18 ¶2: leaders receive the public on set days and go down to the grassroots (下访).
    Role.LEADER: ["grassroots.view_grassroots", "grassroots.record_visit", "grassroots.record_reception"],
}
for _role, _permissions in GRASSROOTS_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_permissions]

# Situation analysis, early warning and assessment (issue 7). Each table is owned by its app
# (xinfang/analytics, xinfang/alerts, xinfang/assessment; docs/analytics.md, docs/alerts.md,
# docs/assessment.md) and added to the roles above. What each member sees is still decided by the case
# gateway (access.py) and, for unit roles, by their unit.
# 形势研判 (docs/analytics.md): the bureau and the leaders read the district's figures; a unit's head and
# handlers read their unit's (the scope picker offers only what the gateway lets them see).
ANALYTICS_PERMISSIONS: dict[str, list[str]] = {
    Role.REGISTRAR: ["analytics.view_analytics"],
    Role.OFFICER: ["analytics.view_analytics"],
    Role.LEADER: ["analytics.view_analytics"],
    Role.UNIT_HEAD: ["analytics.view_analytics"],
    Role.HANDLER: ["analytics.view_analytics"],
}
# Early warning (docs/alerts.md): the bureau officer and the leaders handle alerts district-wide (acknowledge,
# assign, notes, close); the registrar reads them (the front desk should know what is brewing); a unit's
# head handles and a handler reads the alerts about their own unit only (alerts/selectors.py). Streets, units
# and the registrars report announced group visits (集体访苗头). The sensitive-period calendar is maintained
# by the bureau officer alone: which days tighten the watch is a judgement of petition work that changes
# what the rules raise, not a technical setting, so it is not the system admin's (三员, no petition work).
ALERTS_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICER: ["alerts.view_alert", "alerts.handle_alert", "alerts.report_group_notice",
                   "alerts.view_sensitiveperiod", "alerts.add_sensitiveperiod", "alerts.change_sensitiveperiod",
                   "alerts.delete_sensitiveperiod"],
    Role.LEADER: ["alerts.view_alert", "alerts.handle_alert", "alerts.view_sensitiveperiod"],
    Role.REGISTRAR: ["alerts.view_alert", "alerts.report_group_notice", "alerts.view_sensitiveperiod"],
    Role.UNIT_HEAD: ["alerts.view_alert", "alerts.handle_alert", "alerts.report_group_notice"],
    Role.HANDLER: ["alerts.view_alert", "alerts.report_group_notice"],
}
# Assessment (xinfang/assessment, docs/assessment.md; 信访工作条例 Art. 39, 41): the bureau sets the scheme
# and writes the yearly report; leaders read and report; a unit head sees their own unit's scores and the
# cases behind them. Handlers get none: the results are reported "within an appropriate scope" to judge
# leading groups (Art. 39 ¶1), and a handler already sees each deadline of their cases in the workbench.
ASSESSMENT_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICER: ["assessment.view_assessment", "assessment.configure_assessment", "assessment.report_assessment"],
    Role.LEADER: ["assessment.view_assessment", "assessment.report_assessment"],
    Role.UNIT_HEAD: ["assessment.view_assessment"],
}
for _table in (ANALYTICS_PERMISSIONS, ALERTS_PERMISSIONS, ASSESSMENT_PERMISSIONS):
    for _role, _permissions in _table.items():
        ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_permissions]
