"""Writes on cases: one service per step of the statutory workflow (STYLE.md habit 1).

Each service checks the rule, changes the case with a conditional update on its status, appends a
``CaseEvent``, moves the deadlines and queues notifications on commit — all in one transaction.
"""

from xinfang.cases.services.after_reply import (
    case_close_expired,
    case_rate,
    case_re_review_decide,
    case_re_review_request,
    case_review_decide,
    case_review_request,
)
from xinfang.cases.services.handling import (
    case_accept,
    case_extend,
    case_object,
    case_refuse,
    case_reply,
    case_route,
)
from xinfang.cases.services.new_facts import case_accept_new_facts
from xinfang.cases.services.registration import (
    PetitionerInput,
    RegistrationResult,
    case_register,
    petitioner_reveal,
)

__all__ = [
    "PetitionerInput",
    "RegistrationResult",
    "case_accept",
    "case_accept_new_facts",
    "case_close_expired",
    "case_extend",
    "case_object",
    "case_rate",
    "case_re_review_decide",
    "case_re_review_request",
    "case_refuse",
    "case_register",
    "case_reply",
    "case_review_decide",
    "case_review_request",
    "case_route",
    "petitioner_reveal",
]
