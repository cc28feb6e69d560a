"""The responsible unit to suggest: the district's routing table (category × street, DOMAIN.md
"Categories"), corrected by what actually happened to earlier cases of the same category and street.

The table says who *should* handle a matter; the history says who *did*: a unit that accepted such cases
(a confirmed routing) gains, a unit that objected to them (退回, 信访工作条例 Art. 23 ¶3) loses. The table's
unit starts with a head start of ``PRIOR`` confirmed routings, so a few odd cases do not overturn it; once
another unit has at least ``MIN_HISTORY`` confirmed routings and outscores it, that unit is suggested and
the reason says so ("8 of the last 10 such cases were handled by …"). Pure, no Django: the selector
(``xinfang.nlp.selectors``) counts, this decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PRIOR = 2.0
MIN_HISTORY = 3


@dataclass(frozen=True)
class RoutingHistory:
    """Earlier cases of one category (and street): confirmed routings and objections per unit id."""

    accepted: Mapping[int, int] = field(default_factory=dict)
    objected: Mapping[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.accepted.values())


@dataclass(frozen=True)
class UnitChoice:
    """A unit to suggest, why (``source``: "street", "default" or "history"), how sure (0..1), and the
    history behind it (confirmed routings of this unit / of all units)."""

    unit_id: int
    source: str
    confidence: float
    confirmed: int = 0
    total: int = 0


def unit_candidates(*, table_unit_id: int | None, table_source: str, history: RoutingHistory) -> list[UnitChoice]:
    """Every unit worth suggesting, best first. ``table_unit_id``: the routing table's unit (``table_source``
    "street" for a street's own route, "default" for the category's default unit), or None."""
    scores: dict[int, float] = {}
    for unit_id, count in history.accepted.items():
        scores[unit_id] = float(count)
    for unit_id, count in history.objected.items():
        scores[unit_id] = scores.get(unit_id, 0.0) - float(count)
    if table_unit_id is not None:
        scores[table_unit_id] = scores.get(table_unit_id, 0.0) + PRIOR
    total = history.total + (PRIOR if table_unit_id is not None else 0.0)
    choices = []
    for unit_id, score in scores.items():
        confirmed = history.accepted.get(unit_id, 0)
        is_table = unit_id == table_unit_id
        if not is_table and confirmed < MIN_HISTORY:
            continue
        if score <= 0 and not is_table:
            continue
        confidence = max(score, 0.0) / total if total else 0.0
        choices.append(UnitChoice(unit_id=unit_id, source=table_source if is_table else "history",
                                  confidence=round(min(confidence, 1.0), 4), confirmed=confirmed,
                                  total=history.total))
    # Best score first; on a tie the routing table's unit.
    choices.sort(key=lambda c: (-(scores[c.unit_id]), c.unit_id != table_unit_id))
    return choices
