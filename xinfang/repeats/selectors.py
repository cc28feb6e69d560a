"""Reading the repeat index: earlier cases like a new petition, with the reason for each.

Every case reaches the caller through the gateway ``cases_visible_to`` (SECURITY.md 1–2): a unit's handler
is offered only their unit's cases, and an accusation is never offered to the accused unit or person — not
even as "a similar case exists". The index itself knows nothing of users; the gateway filters its answer
before anything is shown.

Reasons, strongest first (``RepeatCandidate.reasons``):

- ``id``: a petitioner with the same resident ID number (keyed hash, exact);
- ``phone``: the same phone number (keyed hash, exact);
- ``name_address``: the same or nearly the same name (one character apart) and a similar address;
- ``content``: a similar text (``xinfang.nlp.similarity``: robust to rewording, reordering, a changed title,
  traditional characters and full-width forms), with the similarity;
- ``street_category``: the same street and category within ``STREET_WINDOW_DAYS``.

A candidate's score combines its reasons' as independent evidence: ``1 − Π(1 − sᵢ)``.
"""

from __future__ import annotations

import threading
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.access import cases_visible_to
from xinfang.cases.models import Case, CasePetitioner, Petitioner
from xinfang.core.crypto import lookup_hash
from xinfang.nlp.similarity import (
    KEYS_PER_QUERY,
    Vocabulary,
    address_similarity,
    index_keys,
    name_similarity,
    shared_terms,
    similarities,
)
from xinfang.nlp.textnorm import name_normalize, petition_shingles, shingle_text, to_simplified
from xinfang.repeats.models import CaseSignature
from xinfang.repeats.models import Vocabulary as VocabularyRow

# A key in more cases than the limit is common: it is not read (known from the snapshot) or, when the
# snapshot has not seen it, read up to the limit and then ignored. The limit grows with the district (one
# case in 200) between these bounds: it bounds the rows a look-up reads (≤ 32 × limit), and in a large
# district the shingles that tell near-copies of one complaint apart (a compound, a road, an amount) are
# each in thousands of cases (docs/nlp.md: at 1,000,000 cases a fixed 1,000 found 0.44 of the generated
# repeats, 5,000 found 0.74, against 0.79 for exact search).
PER_KEY_LIMIT = 1000
PER_KEY_LIMIT_MAX = 5000
PER_KEY_SHARE = 200
# Cases re-ranked by their exact similarity, out of those sharing the most keys.
RERANK = 300
# Texts at least this similar are offered (a rewritten repeat scores ~0.5–0.9; unrelated petitions of the
# same kind ~0.1–0.25: docs/nlp.md).
CONTENT_MIN = 0.3
# An address this similar, with the same (or nearly the same) name, makes a ``name_address`` reason.
ADDRESS_MIN = 0.6
STREET_WINDOW_DAYS = 30
NAME_MATCH_MAX_PETITIONERS = 500
IDENTITY_MAX_CASES = 200
REASON_SCORES = {"id": 0.95, "phone": 0.85, "street_category": 0.2}

_cache_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "vocabulary": Vocabulary()}


def vocabulary_current() -> Vocabulary:
    """The newest vocabulary snapshot (an empty one before the first build): loaded once per process
    and snapshot, checked with one primary-key look-up per call."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, created_at FROM repeats_vocabulary ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        return Vocabulary()
    key = (connection.alias, connection.settings_dict.get("NAME"), row[0], str(row[1]))
    with _cache_lock:
        if _cache["key"] == key:
            return _cache["vocabulary"]
    stored = VocabularyRow.objects.get(pk=row[0])
    vocabulary = Vocabulary(
        codes=np.frombuffer(zlib.decompress(bytes(stored.codes)), dtype="<u4").astype(np.uint32),
        counts=np.frombuffer(zlib.decompress(bytes(stored.counts)), dtype="<u4").astype(np.uint32),
        documents=stored.documents, version=stored.pk)
    with _cache_lock:
        _cache.update(key=key, vocabulary=vocabulary)
    return vocabulary


def _index_fresh() -> None:
    # The one write a look-up may make: index maintenance (never a case) — see services.py.
    from xinfang.repeats.services import repeats_index_pending

    repeats_index_pending()


# --- Content ----------------------------------------------------------------------------------------

def per_key_limit(vocabulary: Vocabulary) -> int:
    """The posting-list length above which a key is too common to read (see ``PER_KEY_LIMIT``)."""
    return max(PER_KEY_LIMIT, min(PER_KEY_LIMIT_MAX, vocabulary.documents // PER_KEY_SHARE))


def content_key_candidates(codes: np.ndarray, *, vocabulary: Vocabulary, exclude: Sequence[int] = (),
                           limit: int = RERANK) -> list[int]:
    """The ``limit`` case ids sharing the most (IDF-weighted) keys with a petition of shingles ``codes``:
    one statement, one index range per key, newest postings first. Not scoped: callers filter through
    the gateway."""
    keys = index_keys(codes, vocabulary=vocabulary, k=KEYS_PER_QUERY)
    if keys.size == 0:
        return []
    limit_per_key = per_key_limit(vocabulary)
    keys = keys[vocabulary.frequencies(keys) <= limit_per_key]
    if keys.size == 0:
        return []
    weights = vocabulary.weights(keys)
    signed = keys.astype(np.uint32).view(np.int32).tolist()
    parts = []
    params: list[int] = []
    for position, key in enumerate(signed):
        # ``position`` is our own loop counter, not input: inlined so every branch has a typed column.
        parts.append(f"SELECT {position} AS k, case_id FROM (SELECT case_id FROM repeats_casekey "  # noqa: S608
                     f"WHERE key = %s ORDER BY case_id DESC LIMIT %s) AS p{position}")
        params += [key, limit_per_key + 1]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    if rows.size == 0:
        return []
    positions, case_ids = rows[:, 0], rows[:, 1]
    # A key with more postings than the limit is a common shingle the snapshot has not seen: it says nothing.
    useful = np.bincount(positions, minlength=keys.size) <= limit_per_key
    keep = useful[positions]
    if exclude:
        keep &= ~np.isin(case_ids, np.asarray(list(exclude), dtype=np.int64))
    found, inverse = np.unique(case_ids[keep], return_inverse=True)
    if found.size == 0:
        return []
    scores = np.bincount(inverse, weights=weights[positions[keep]], minlength=found.size)
    order = np.lexsort((-found, -scores))[:limit]  # most shared weight first, then the newest
    return [int(case_id) for case_id in found[order]]


@dataclass(frozen=True)
class SimilarCase:
    """A case whose text is like the query's: its id, the similarity (0..1) and the rarest shingles the
    two share (what makes them alike)."""

    case_id: int
    similarity: float
    shared: tuple[str, ...] = ()


def similar_cases(*, user: Any, title: str, content: str, exclude_case_id: int | None = None,
                  limit: int = 10, minimum: float = CONTENT_MIN, fresh: bool = True) -> list[SimilarCase]:
    """Cases ``user`` may see whose text is like ``title`` + ``content``, most similar first: candidates
    from the key index, re-ranked by the exact similarity on their stored shingles, then scoped by the
    gateway. ``fresh``: index the pending cases first (so a case registered a moment ago is found)."""
    if fresh:
        _index_fresh()
    codes = petition_shingles(title=title, content=content)
    if codes.size == 0:
        return []
    vocabulary = vocabulary_current()
    exclude = [exclude_case_id] if exclude_case_id else []
    candidates = content_key_candidates(codes, vocabulary=vocabulary, exclude=exclude)
    if not candidates:
        return []
    placeholders = ", ".join(["%s"] * len(candidates))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT case_id, shingles FROM repeats_casesignature WHERE case_id IN ({placeholders})",  # noqa: S608
                       candidates)
        stored = cursor.fetchall()
    ids = [row[0] for row in stored]
    arrays = [np.frombuffer(bytes(row[1]), dtype="<u4").astype(np.uint32) for row in stored]
    scores = similarities(codes, arrays, vocabulary=vocabulary)
    ranked = [i for i in np.argsort(-scores, kind="stable") if scores[i] >= minimum]
    if not ranked:
        return []
    # The gateway decides what may be shown, asked about the best-ranked first: a district-wide user sees
    # nearly all, so one small query usually settles it (a long IN list costs milliseconds to compile).
    found: list[SimilarCase] = []
    start, step = 0, limit + 5
    while start < len(ranked) and len(found) < limit:
        batch = ranked[start:start + step]
        visible = set(cases_visible_to(user).filter(id__in=[ids[i] for i in batch]).values_list("id", flat=True))
        for index in batch:
            if ids[index] in visible and len(found) < limit:
                shared = tuple(shingle_text(code) for code in shared_terms(codes, arrays[index], vocabulary=vocabulary))
                found.append(SimilarCase(case_id=ids[index], similarity=float(scores[index]), shared=shared))
        start, step = start + step, step * 2
    return found


# --- Candidates with reasons -------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonKeys:
    """What identifies a person named on a petition: the name, the keyed hashes of the ID and phone
    numbers (never the numbers), and the address."""

    name: str = ""
    id_hash: str = ""
    phone_hash: str = ""
    address: str = ""

    @classmethod
    def from_input(cls, *, name: str = "", id_number: str = "", phone: str = "", address: str = "") -> PersonKeys:
        """From validated, normalised numbers (``id_number_validate``, ``phone_normalize``)."""
        return cls(name=(name or "").strip(), address=(address or "").strip(),
                   id_hash=lookup_hash(id_number, context="id") if id_number else "",
                   phone_hash=lookup_hash(phone, context="phone") if phone else "")

    @classmethod
    def from_petitioner(cls, petitioner: Petitioner) -> PersonKeys:
        return cls(name=petitioner.name, id_hash=petitioner.id_hash, phone_hash=petitioner.phone_hash,
                   address=petitioner.address)


@dataclass(frozen=True)
class CandidateReason:
    """Why a case is offered: ``kind`` (see the module docstring), its weight 0..1 and details."""

    kind: str
    score: float
    similarity: float = 0.0
    shared: tuple[str, ...] = ()
    name: str = ""
    days: int = 0

    @property
    def label(self) -> str:
        if self.kind == "id":
            return _("同一身份证号")
        if self.kind == "phone":
            return _("同一联系电话")
        if self.kind == "name_address":
            return _("姓名相近、住址相近：%(name)s") % {"name": self.name}
        if self.kind == "content":
            return _("内容相似（%(percent)d%%）") % {"percent": round(self.similarity * 100)}
        return _("同街道、同分类（%(days)d天内）") % {"days": self.days}


@dataclass
class RepeatCandidate:
    """An earlier case that may be the same matter as the petition at hand, with every reason found."""

    case: Case
    score: float
    reasons: list[CandidateReason] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return [reason.kind for reason in self.reasons]


def _name_variants(name: str) -> list[str]:
    raw = (name or "").strip()
    variants = {raw, to_simplified(raw), name_normalize(raw), raw.replace(" ", "")}
    return sorted(v for v in variants if v)


def _identity_reasons(*, user: Any, people: Sequence[PersonKeys], exclude: set[int]) -> dict[int, list[CandidateReason]]:
    """Visible cases of the same people: by ID hash, phone hash, or exact name (any typed form) with a
    similar address. At most ``IDENTITY_MAX_CASES`` cases, newest first."""
    found: dict[int, list[CandidateReason]] = defaultdict(list)
    reasons_by_petitioner: dict[int, list[CandidateReason]] = defaultdict(list)
    id_hashes = sorted({p.id_hash for p in people if p.id_hash})
    phone_hashes = sorted({p.phone_hash for p in people if p.phone_hash})
    if id_hashes:
        for pk in Petitioner.objects.filter(id_hash__in=id_hashes).values_list("id", flat=True)[:IDENTITY_MAX_CASES]:
            reasons_by_petitioner[pk].append(CandidateReason(kind="id", score=REASON_SCORES["id"]))
    if phone_hashes:
        for pk in Petitioner.objects.filter(phone_hash__in=phone_hashes).values_list("id", flat=True)[:IDENTITY_MAX_CASES]:
            reasons_by_petitioner[pk].append(CandidateReason(kind="phone", score=REASON_SCORES["phone"]))
    for person in people:
        if not person.name or not person.address:
            continue
        named = Petitioner.objects.filter(name__in=_name_variants(person.name)).values_list("id", "name", "address")
        for pk, name, address in named[:NAME_MATCH_MAX_PETITIONERS]:
            reason = _name_address_reason(person, name, address)
            if reason is not None:
                reasons_by_petitioner[pk].append(reason)
    if not reasons_by_petitioner:
        return found
    links = (CasePetitioner.objects.filter(petitioner_id__in=list(reasons_by_petitioner),
                                           case__in=cases_visible_to(user))
             .order_by("-case_id").values_list("case_id", "petitioner_id")[:IDENTITY_MAX_CASES])
    for case_id, petitioner_id in links:
        if case_id in exclude:
            continue
        for reason in reasons_by_petitioner[petitioner_id]:
            if all(r.kind != reason.kind for r in found[case_id]):
                found[case_id].append(reason)
    return found


def _name_address_reason(person: PersonKeys, name: str, address: str) -> CandidateReason | None:
    name_score = name_similarity(person.name, name)
    if name_score < 0.8 or not person.address or not address:
        return None
    address_score = address_similarity(person.address, address)
    if address_score < ADDRESS_MIN:
        return None
    return CandidateReason(kind="name_address", score=round(0.4 + 0.4 * name_score * address_score, 3), name=name)


def _fuzzy_people_reasons(*, case_ids: Sequence[int], people: Sequence[PersonKeys],
                          found: dict[int, list[CandidateReason]]) -> None:
    """Names one character apart with a similar address, among the people of cases already found (a
    name typed differently cannot be looked up by index, but it can be recognised)."""
    named = [p for p in people if p.name and p.address]
    if not named or not case_ids:
        return
    links = CasePetitioner.objects.filter(case_id__in=list(case_ids)).values_list(
        "case_id", "petitioner__name", "petitioner__address")
    for case_id, name, address in links:
        if any(r.kind == "name_address" for r in found.get(case_id, [])):
            continue
        for person in named:
            reason = _name_address_reason(person, name, address)
            if reason is not None:
                found.setdefault(case_id, []).append(reason)
                break


def _same_street_category(*, user: Any, street_id: int, category_id: int, when: datetime, exclude: set[int],
                          limit: int) -> list[int]:
    """The newest visible cases of the same street and category within ``STREET_WINDOW_DAYS`` of ``when``:
    found through the index's own (street, category, received) index, confirmed on the cases themselves
    through the gateway."""
    start, end = when - timedelta(days=STREET_WINDOW_DAYS), when + timedelta(days=1)
    recent = list(CaseSignature.objects.filter(street_id=street_id, category_id=category_id,
                                               received_at__gte=start, received_at__lte=end)
                  .order_by("-received_at").values_list("case_id", flat=True)[:3 * limit + len(exclude)])
    if not recent:
        return []
    return list(cases_visible_to(user).filter(id__in=recent, street_id=street_id, category_id=category_id,
                                              received_at__gte=start, received_at__lte=end)
                .exclude(id__in=exclude).order_by("-received_at").values_list("id", flat=True)[:limit])


def repeat_candidates(*, user: Any, title: str = "", content: str = "", people: Sequence[PersonKeys] = (),
                      street_id: int | None = None, category_id: int | None = None,
                      received_at: datetime | None = None, exclude_case_id: int | None = None,
                      limit: int = 10) -> list[RepeatCandidate]:
    """Earlier cases ``user`` may see that may be the same matter as a petition (being registered, or
    ``exclude_case_id`` itself), ranked, each with its reasons."""
    exclude = {exclude_case_id} if exclude_case_id else set()
    _index_fresh()
    found: dict[int, list[CandidateReason]] = defaultdict(list)
    for case_id, reasons in _identity_reasons(user=user, people=people, exclude=exclude).items():
        found[case_id] += reasons
    if (title or "").strip() or (content or "").strip():
        for similar in similar_cases(user=user, title=title, content=content, exclude_case_id=exclude_case_id,
                                     limit=limit, fresh=False):
            found[similar.case_id].append(CandidateReason(kind="content", score=similar.similarity,
                                                          similarity=similar.similarity, shared=similar.shared))
    if street_id and category_id:
        for case_id in _same_street_category(user=user, street_id=street_id, category_id=category_id,
                                             when=received_at or timezone.now(), exclude=exclude, limit=limit):
            found[case_id].append(CandidateReason(kind="street_category", score=REASON_SCORES["street_category"],
                                                  days=STREET_WINDOW_DAYS))
    _fuzzy_people_reasons(case_ids=[pk for pk in found if not any(r.kind == "name_address" for r in found[pk])],
                          people=people, found=found)
    if not found:
        return []
    scored = []
    for case_id, reasons in found.items():
        remaining = 1.0
        for reason in reasons:
            remaining *= 1.0 - min(reason.score, 0.999)
        order = {"id": 0, "phone": 1, "name_address": 2, "content": 3, "street_category": 4}
        scored.append((1.0 - remaining, case_id, sorted(reasons, key=lambda r: order[r.kind])))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    top = scored[:limit]
    cases = cases_visible_to(user).select_related("category", "street", "handling_unit").in_bulk(
        [case_id for _score, case_id, _reasons in top])
    return [RepeatCandidate(case=cases[case_id], score=round(score, 3), reasons=reasons)
            for score, case_id, reasons in top if case_id in cases]


def case_repeat_candidates(*, user: Any, case: Case, limit: int = 10) -> list[RepeatCandidate]:
    """``repeat_candidates`` for an existing case (the case page): its own people, text, street and
    category; the case itself left out."""
    people = [PersonKeys.from_petitioner(link.petitioner)
              for link in CasePetitioner.objects.filter(case=case).select_related("petitioner")]
    return repeat_candidates(user=user, title=case.title, content=case.content, people=people,
                             street_id=case.street_id, category_id=case.category_id,
                             received_at=case.received_at, exclude_case_id=case.pk, limit=limit)
