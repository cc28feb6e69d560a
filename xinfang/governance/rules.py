"""The rules that put a case on the backlog register, as data (policy: DOMAIN.md, "Governance practice").

The law names no thresholds: 信访工作条例 Art. 18 ¶2 asks leaders to 包案化解 the problems the public feels
most strongly about, Art. 37 ¶3 asks for 疏导教育、矛盾化解、帮扶救助 even after a matter was closed by
re-review. Which matters count as 积案 is the district's policy, so each rule has a default here and a
``BacklogRule`` row overrides its threshold or switches it off (the rules page, /governance/rules/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from xinfang.governance.models import BacklogRule

Kind = BacklogRule.Kind


@dataclass(frozen=True)
class RuleSpec:
    """One rule: its default threshold, the smallest and largest threshold allowed, and what the
    threshold counts (for the rules page)."""

    kind: str
    threshold: int
    minimum: int
    maximum: int
    unit: Any
    explanation: Any


DEFAULT_RULES: dict[str, RuleSpec] = {
    spec.kind: spec
    for spec in (
        # Open (not yet closed, refused or linked) this many days after it was received. Art. 34 gives 60
        # days plus at most 30 of extension to decide: past 90 the matter is long overdue.
        RuleSpec(Kind.OPEN_DAYS, 90, 30, 3650, _("天"),
                 _("事项自收到之日起超过该天数仍未办结（《信访工作条例》第三十四条：60日内办结，延长不超过30日）。")),
        # Raised again this many times (cases linked to it as repeat petitions, open or not: a matter closed
        # after re-review that keeps coming back is exactly a backlog case, Art. 36 ¶3, Art. 37 ¶3).
        RuleSpec(Kind.REPEATS, 3, 1, 100, _("次"),
                 _("同一事项的重复信访达到该次数（含复核终结后再次信访）。")),
        # A group visit of at least this many people (Art. 20: at most 5 representatives), still open.
        RuleSpec(Kind.GROUP_VISIT, 5, 2, 1000, _("人"),
                 _("来访人数达到该人数的集体访，且事项尚未办结（《信访工作条例》第二十条）。")),
        # The petitioner rated the review or re-review answer 不满意 (Art. 35, 36): the threshold is not used.
        RuleSpec(Kind.DISSATISFIED_REVIEW, 1, 1, 1, "",
                 _("信访人对复查或复核意见评价为不满意（《信访工作条例》第三十五条、第三十六条）。")),
    )
}


@dataclass(frozen=True)
class EffectiveRule:
    """A rule as the scan applies it: the default, overridden by its ``BacklogRule`` row if there is one."""

    kind: str
    label: str
    threshold: int
    active: bool
    spec: RuleSpec
    overridden: bool


def rules_effective(rows: list[BacklogRule]) -> list[EffectiveRule]:
    """The four rules in their fixed order, each with the stored override applied."""
    stored = {row.kind: row for row in rows}
    result = []
    for kind, spec in DEFAULT_RULES.items():
        row = stored.get(kind)
        result.append(EffectiveRule(kind=kind, label=str(BacklogRule.Kind(kind).label),
                                    threshold=row.threshold if row else spec.threshold,
                                    active=row.active if row else True, spec=spec, overridden=row is not None))
    return result
