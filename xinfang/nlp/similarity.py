"""How alike two petitions are, and what the repeat index stores of each: pure functions on shingles.

- **Similarity** is the cosine of two petitions' shingle sets (``textnorm.petition_shingles``), each shingle
  weighted by its inverse document frequency (IDF) in the district's cases. Boilerplate every petition
  has (``反映``, ``请求``, ``有关部门``) weighs almost nothing; what makes a matter itself (a compound, a
  company, an amount, a person) weighs most. Sets, not sequences: reordered sentences score the same,
  a synonym changes two or three bigrams out of a hundred, and a changed title a handful.
- **Index keys**: each case is filed under its ``KEYS_PER_CASE`` rarest shingles (lowest document frequency;
  ties broken by a fixed hash so the choice is the same in every process). A rewritten petition keeps
  most of what is rare in it, so it shares several keys with the original while a common word never
  becomes a key of anything.
- **Vocabulary**: the document frequencies, a snapshot taken when the index is built (``xinfang repeats
  index --rebuild``). Without one every shingle counts the same (IDF 1) and the keys are a plain
  bottom-k MinHash sketch of the shingle set.
- **Identity**: ``name_similarity`` and ``address_similarity`` for the fuzzy name + address reason.

No Django here; ``xinfang.repeats`` stores and queries, this module only computes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from xinfang.nlp.textnorm import name_normalize, shingles, text_normalize

# Index keys per case and per query. More keys per case find more rewrites but grow the table (N × k rows);
# a query uses twice as many so that a rewrite whose rarest shingles moved (sentences added or dropped)
# still meets the original's (docs/nlp.md, "Repeats and similarity": measured choices).
KEYS_PER_CASE = 16
KEYS_PER_QUERY = 32
# Odd 32-bit multiplier (Knuth's golden ratio hash): a fixed pseudo-random order among equally rare shingles.
_MIX = np.uint64(0x9E3779B1)
_MASK32 = np.uint64(0xFFFFFFFF)


def _mix(codes: np.ndarray) -> np.ndarray:
    return (codes.astype(np.uint64) * _MIX) & _MASK32


@dataclass(frozen=True)
class Vocabulary:
    """Document frequencies of shingles over ``documents`` cases: ``codes`` sorted (``uint32``) with their
    ``counts``. ``version`` names the snapshot the index keys were chosen with."""

    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    documents: int = 0
    version: int = 0

    def frequencies(self, codes: np.ndarray) -> np.ndarray:
        """The document frequency of each code (0 for a shingle the snapshot has not seen)."""
        if self.codes.size == 0 or codes.size == 0:
            return np.zeros(codes.shape, dtype=np.int64)
        position = np.searchsorted(self.codes, codes)
        position = np.minimum(position, self.codes.size - 1)
        found = self.codes[position] == codes
        return np.where(found, self.counts[position].astype(np.int64), 0)

    def weights(self, codes: np.ndarray) -> np.ndarray:
        """Smoothed IDF, ``ln((1 + N) / (1 + df)) + 1``: 1 for a shingle in every case, highest for one
        never seen; all 1 without a snapshot."""
        df = self.frequencies(codes)
        return (np.log((1.0 + self.documents) / (1.0 + df)) + 1.0).astype(np.float64)


def vocabulary_count(code_arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes of ``code_arrays`` (each one case's distinct shingles) with how many arrays hold
    each: ``(codes, counts)``, ready to merge with ``vocabulary_merge``."""
    if not code_arrays:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32)
    codes, counts = np.unique(np.concatenate(code_arrays), return_counts=True)
    return codes.astype(np.uint32), counts.astype(np.uint32)


def vocabulary_merge(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two ``(codes, counts)`` tallies added up."""
    codes = np.concatenate([a[0], b[0]])
    counts = np.concatenate([a[1], b[1]]).astype(np.uint64)
    merged, inverse = np.unique(codes, return_inverse=True)
    totals = np.bincount(inverse, weights=counts, minlength=merged.size)
    return merged.astype(np.uint32), totals.astype(np.uint32)


def index_keys(codes: np.ndarray, *, vocabulary: Vocabulary, k: int = KEYS_PER_CASE) -> np.ndarray:
    """The ``k`` rarest shingles of one petition (ties in a fixed hashed order): the keys it is filed
    under, or, with ``KEYS_PER_QUERY``, the keys a look-up reads. ``uint32`` codes."""
    if codes.size == 0:
        return codes
    order = np.lexsort((_mix(codes), vocabulary.frequencies(codes)))
    return codes[order[:k]]


def index_keys_batch(codes: np.ndarray, offsets: np.ndarray, *, vocabulary: Vocabulary,
                     k: int = KEYS_PER_CASE) -> tuple[np.ndarray, np.ndarray]:
    """``index_keys`` of many petitions at once (the index build): ``codes`` is the concatenation of each
    petition's shingles, petition ``i`` owning ``codes[offsets[i]:offsets[i + 1]]``. Answers two parallel
    arrays: the petition index and the key."""
    sizes = np.diff(offsets)
    owner = np.repeat(np.arange(sizes.size), sizes)
    order = np.lexsort((_mix(codes), vocabulary.frequencies(codes), owner))
    ranked_owner = owner[order]
    rank = np.arange(order.size) - offsets[:-1][ranked_owner]
    keep = rank < k
    return ranked_owner[keep], codes[order][keep]


def norm(codes: np.ndarray, *, vocabulary: Vocabulary) -> float:
    """The length of a petition's weighted shingle vector."""
    weights = vocabulary.weights(codes)
    return float(np.sqrt(np.dot(weights, weights)))


def similarity(a: np.ndarray, b: np.ndarray, *, vocabulary: Vocabulary) -> float:
    """IDF-weighted cosine of two shingle sets, 0..1 (1: the same shingles)."""
    return float(similarities(a, [b], vocabulary=vocabulary)[0])


def similarities(query: np.ndarray, candidates: Sequence[np.ndarray], *, vocabulary: Vocabulary) -> np.ndarray:
    """``similarity(query, c)`` for every candidate ``c``, in one vectorised pass (the re-ranking of a
    look-up and the exact search of the benchmark)."""
    result = np.zeros(len(candidates), dtype=np.float64)
    if query.size == 0 or not candidates:
        return result
    sizes = np.fromiter((c.size for c in candidates), dtype=np.int64, count=len(candidates))
    if sizes.sum() == 0:
        return result
    codes = np.concatenate(candidates)
    owner = np.repeat(np.arange(len(candidates)), sizes)
    squared = vocabulary.weights(codes) ** 2
    shared = np.isin(codes, query, assume_unique=False)
    dots = np.bincount(owner[shared], weights=squared[shared], minlength=len(candidates))
    lengths = np.sqrt(np.bincount(owner, weights=squared, minlength=len(candidates)))
    query_length = norm(query, vocabulary=vocabulary)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = dots / (lengths * query_length)
    return np.nan_to_num(np.clip(scores, 0.0, 1.0))


def shared_terms(a: np.ndarray, b: np.ndarray, *, vocabulary: Vocabulary, top: int = 6) -> list[int]:
    """The ``top`` rarest shingles two petitions share (what made them similar), rarest first."""
    common = np.intersect1d(a, b, assume_unique=True)
    if common.size == 0:
        return []
    order = np.lexsort((_mix(common), vocabulary.frequencies(common)))
    return [int(code) for code in common[order[:top]]]


# --- Identity -------------------------------------------------------------------------------------

# The administrative prefix every address of the district shares (上海市, 闵行区, 江川路街道): it says
# nothing about whether two addresses are the same home.
_ADDRESS_PREFIX = re.compile(r"^(?:\S{0,8}?[省市])?(?:\S{0,8}?[区县])?(?:\S{0,8}?(?:街道|镇|乡))?")
_DIGITS = re.compile(r"\d+")


def name_similarity(a: str, b: str) -> float:
    """1 for the same name however typed (traditional, full width, spaces); 0.8 for names of the same
    length (three characters or more) differing in one character (a mistyped homophone: 王建华/王剑华);
    else 0."""
    x, y = name_normalize(a), name_normalize(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    if len(x) == len(y) >= 3 and sum(1 for p, q in zip(x, y, strict=True) if p != q) == 1:
        return 0.8
    return 0.0


def _address_core(address: str) -> str:
    return _ADDRESS_PREFIX.sub("", text_normalize(address).replace(" ", ""), count=1)


def address_similarity(a: str, b: str) -> float:
    """How likely two addresses name the same home, 0..1: the shingle overlap of what follows the district
    prefix (containment: one may be written shorter), halved when their house numbers differ."""
    x, y = _address_core(a), _address_core(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    sx, sy = shingles(x), shingles(y)
    if sx.size == 0 or sy.size == 0:
        return 0.0
    overlap = np.intersect1d(sx, sy, assume_unique=True).size / min(sx.size, sy.size)
    digits_x, digits_y = _DIGITS.findall(x), _DIGITS.findall(y)
    if digits_x and digits_y and digits_x != digits_y:
        shorter, longer = sorted((digits_x, digits_y), key=len)
        if longer[:len(shorter)] != shorter:
            overlap *= 0.5
    return float(min(1.0, overlap))
