"""Writes of the governance app (issue 6): the backlog register with its leaders in charge, and
supervision. One service per step (STYLE.md habit 1); see ``backlog.py`` and ``supervision.py``."""

from xinfang.governance.services.backlog import (
    aftercare_add,
    aftercare_done,
    backlog_candidates,
    backlog_close,
    backlog_file_add,
    backlog_leader_assign,
    backlog_milestone_add,
    backlog_milestone_done,
    backlog_note_add,
    backlog_plan_update,
    backlog_register,
    backlog_rule_update,
    backlog_scan,
    backlog_team_set,
)
from xinfang.governance.services.supervision import (
    supervision_escalate,
    supervision_issue,
    supervision_remind,
    supervision_reply,
    supervision_review,
)

__all__ = [
    "aftercare_add",
    "aftercare_done",
    "backlog_candidates",
    "backlog_close",
    "backlog_file_add",
    "backlog_leader_assign",
    "backlog_milestone_add",
    "backlog_milestone_done",
    "backlog_note_add",
    "backlog_plan_update",
    "backlog_register",
    "backlog_rule_update",
    "backlog_scan",
    "backlog_team_set",
    "supervision_escalate",
    "supervision_issue",
    "supervision_remind",
    "supervision_reply",
    "supervision_review",
]
