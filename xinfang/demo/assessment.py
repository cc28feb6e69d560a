"""Demo data of the assessment (docs/assessment.md): the scheme of the demo's current year, saved by the
bureau officer through the service, with a minimum n suited to a demo district (a few hundred cases a
year). The figures themselves need no seeding: they are computed from the cases, deadlines, ratings,
backlog entries and supervision orders the other demo steps made.

Call ``assessment_demo_seed(now=now, officer=users.officer)`` from ``xinfang/demo/seed.py`` after the
governance step (the lead wires it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from xinfang.assessment.metrics import DEFAULT_SCHEME
from xinfang.assessment.models import AssessmentScheme
from xinfang.assessment.services import scheme_update
from xinfang.core.clock import clock_at


def assessment_demo_seed(*, now: datetime, officer: Any) -> AssessmentScheme:
    """The scheme of ``now``'s year: the default weights, satisfaction weighted a little higher, minimum
    n 5 (the demo's units handle tens of cases each)."""
    metrics = {code: dict(values) for code, values in DEFAULT_SCHEME.items()}
    metrics["satisfaction"]["weight"] = 2.5
    with clock_at(now):
        return scheme_update(actor=officer, year=timezone.localdate(now).year, metrics=metrics, min_n=5,
                             max_interval=0.5, min_coverage=0.5)
