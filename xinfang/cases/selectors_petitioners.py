"""Finding petitioners at intake (登记): who is this person, and what have they raised before?

Look-up keys (SECURITY.md 5): the ID number and the phone number are stored only encrypted, so they are
found by their keyed hash (exact match only); the name is stored in clear (indexed) and is matched
exactly. Cases come through the gateway ``cases_visible_to``: a petitioner whose only cases the user may
not see (e.g. an accusation against the user's own unit, 信访工作条例 Art. 30 ¶3) is not shown at all —
not even the fact that the person has petitioned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from xinfang.accounts.access import cases_visible_to
from xinfang.cases.models import Case, CasePetitioner, Petitioner
from xinfang.core.audit import audit_record
from xinfang.core.crypto import lookup_hash

LOOKUP_MAX_PETITIONERS = 20
LOOKUP_MAX_CASES = 200


@dataclass
class PetitionerMatch:
    """A known petitioner with the cases of theirs the user may see, newest first."""

    petitioner: Petitioner
    cases: list[Case] = field(default_factory=list)

    @property
    def open_cases(self) -> list[Case]:
        return [case for case in self.cases if case.is_open]

    @property
    def closed_cases(self) -> list[Case]:
        return [case for case in self.cases if not case.is_open]


def petitioner_lookup(*, user: Any, id_number: str = "", phone: str = "", name: str = "") -> list[PetitionerMatch]:
    """Petitioners matching every given key (a validated, normalized ID number; a normalized phone
    number; an exact name), each with the cases ``user`` may see. Audited without the keys themselves
    (SECURITY.md 5: never an ID number in a log)."""
    conditions = Q()
    if id_number:
        conditions &= Q(id_hash=lookup_hash(id_number, context="id"))
    if phone:
        conditions &= Q(phone_hash=lookup_hash(phone, context="phone"))
    if name:
        conditions &= Q(name=name.strip())
    if not conditions:
        return []
    petitioner_ids = Petitioner.objects.filter(conditions).values("id")
    links = (
        CasePetitioner.objects.filter(petitioner_id__in=petitioner_ids, case__in=cases_visible_to(user))
        .select_related("petitioner", "case", "case__category", "case__handling_unit")
        .order_by("-case__received_at", "-case_id")[:LOOKUP_MAX_CASES]
    )
    matches: dict[int, PetitionerMatch] = {}
    for link in links:
        match = matches.get(link.petitioner_id)
        if match is None:
            if len(matches) >= LOOKUP_MAX_PETITIONERS:
                continue
            match = matches[link.petitioner_id] = PetitionerMatch(petitioner=link.petitioner)
        match.cases.append(link.case)
    keys = [key for key, given in (("id_number", id_number), ("phone", phone), ("name", name)) if given]
    audit_record(actor=user, action="petitioner.lookup", object_type="cases.petitioner",
                 detail={"by": keys, "found": len(matches)})
    return list(matches.values())
