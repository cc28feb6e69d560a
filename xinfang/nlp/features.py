"""Character n-gram TF-IDF in numpy: the features of the category classifier.

Why not scikit-learn's ``TfidfVectorizer(analyzer="char")``: it builds every n-gram as a Python string and
keeps a dict of them (hundreds of thousands of strings, ~100 MB, and a pickle to store). Here an n-gram of
up to three characters is one 64-bit integer — the code points side by side, 21 bits each (Unicode ends at
U+10FFFF < 2²¹) — so a whole batch of texts is turned into n-gram codes by a few vectorised shifts, looked
up in a sorted array with ``searchsorted``, and the vocabulary is stored as a plain integer array (no
pickle). The weighting is scikit-learn's (smooth idf, optional sublinear tf, l2 rows), so the numbers are
the same as ``TfidfVectorizer(analyzer="char", ngram_range=…, min_df=…, sublinear_tf=…)`` on the same
strings.

Input texts must already be folded (``xinfang.nlp.tokens.text_fold``): they contain no NUL, which serves
as the boundary between texts. Pure, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

BITS = 21
MASK = (1 << BITS) - 1
MAX_N = 3  # 3 × 21 bits fit an int64


def ngram_codes(texts: list[str], *, n_min: int, n_max: int) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram (``n_min`` ≤ n ≤ ``n_max``) of every text, as ``(codes, text index)`` arrays."""
    if not 1 <= n_min <= n_max <= MAX_N:
        raise ValueError(f"n-gram lengths must satisfy 1 <= n_min <= n_max <= {MAX_N}")
    joined = "\x00".join(texts)
    points = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(np.int64)
    boundary = points == 0
    owner = np.cumsum(boundary)
    codes: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for n in range(n_min, n_max + 1):
        count = len(points) - n + 1
        if count <= 0:
            continue
        code = points[:count].copy()
        crosses = boundary[:count].copy()
        for offset in range(1, n):
            code = (code << BITS) | points[offset:offset + count]
            crosses |= boundary[offset:offset + count]
        keep = ~crosses
        codes.append(code[keep])
        owners.append(owner[:count][keep])
    if not codes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(codes), np.concatenate(owners)


def ngram_code(text: str) -> int:
    """The code of one n-gram (1–3 characters)."""
    code = 0
    for char in text:
        code = (code << BITS) | ord(char)
    return code


def ngram_text(code: int) -> str:
    """The characters of an n-gram code (the inverse of ``ngram_code``)."""
    chars = []
    while code:
        chars.append(chr(code & MASK))
        code >>= BITS
    return "".join(reversed(chars))


def _pairs(codes: np.ndarray, owners: np.ndarray, n_max: int, n_texts: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``(code, owner)`` pairs, sorted by code then owner, with how often each occurs.

    Up to bigrams (42 bits) the owner fits into the low 21 bits of the same int64, and ``np.sort`` of
    plain integers is ~25× faster than ``argsort``; beyond, a stable argsort by code (the owners of one
    code are already in increasing order)."""
    if n_max <= 2 and n_texts <= MASK:
        packed = np.sort((codes << BITS) | owners)
        codes, owners = packed >> BITS, packed & MASK
    else:
        order = np.argsort(codes, kind="stable")
        codes, owners = codes[order], owners[order]
    if not len(codes):
        return codes, owners, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], (codes[1:] != codes[:-1]) | (owners[1:] != owners[:-1])]))
    counts = np.diff(np.append(starts, len(codes)))
    return codes[starts], owners[starts], counts


def _tfidf(rows: np.ndarray, columns: np.ndarray, counts: np.ndarray, *, n_rows: int, idf: np.ndarray,
           sublinear: bool) -> np.ndarray:
    """The tf-idf values of distinct ``(row, column)`` entries, each row l2-normalised."""
    data = counts.astype(np.float64)
    if sublinear:
        np.log(data, out=data)
        data += 1.0
    data *= idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_rows))
    norms[norms == 0] = 1.0
    data /= norms[rows]
    return data


@dataclass
class CharNgramTfidf:
    """A fitted vocabulary: ``codes`` (sorted n-gram codes) and their ``idf``."""

    n_min: int
    n_max: int
    sublinear: bool
    codes: np.ndarray
    idf: np.ndarray

    @classmethod
    def fit(cls, texts: list[str], *, n_min: int = 1, n_max: int = 2, min_df: int = 2,
            sublinear: bool = True) -> tuple[CharNgramTfidf, sp.csr_matrix]:
        """Learn the vocabulary (n-grams in at least ``min_df`` texts) and idf of ``texts``; returns the
        vectorizer and the tf-idf matrix of ``texts``."""
        codes, owners, counts = _pairs(*ngram_codes(texts, n_min=n_min, n_max=n_max), n_max, len(texts))
        # Pairs are distinct and sorted by code: the document frequency of a code is the length of its run.
        if len(codes):
            starts = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))
            df = np.diff(np.append(starts, len(codes)))
            vocabulary = codes[starts][df >= min_df]
            idf = np.log((1 + len(texts)) / (1 + df[df >= min_df])) + 1.0
        else:
            vocabulary, idf = np.zeros(0, dtype=np.int64), np.zeros(0)
        vectorizer = cls(n_min=n_min, n_max=n_max, sublinear=sublinear, codes=vocabulary, idf=idf)
        return vectorizer, vectorizer._matrix(codes, owners, counts, len(texts))

    @property
    def size(self) -> int:
        return len(self.codes)

    def columns(self, codes: np.ndarray) -> np.ndarray:
        """The column of each code, -1 where the code is not in the vocabulary."""
        if not self.size:
            return np.full(len(codes), -1, dtype=np.int64)
        found = np.searchsorted(self.codes, codes)
        found[found >= self.size] = 0
        found[self.codes[found] != codes] = -1
        return found

    def entries(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The non-zero tf-idf values of (folded) ``texts`` as ``(rows, columns, values)``, sorted by
        column; n-grams outside the vocabulary are ignored."""
        codes, owners, counts = _pairs(*ngram_codes(texts, n_min=self.n_min, n_max=self.n_max), self.n_max,
                                       len(texts))
        return self._entries(codes, owners, counts, len(texts))

    def _entries(self, codes: np.ndarray, owners: np.ndarray, counts: np.ndarray,
                 n_texts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # ``codes`` sorted: searchsorted walks the vocabulary in order (~10× faster than random look-ups).
        columns = self.columns(codes)
        hit = columns >= 0
        rows, columns = owners[hit], columns[hit]
        return rows, columns, _tfidf(rows, columns, counts[hit], n_rows=n_texts, idf=self.idf,
                                     sublinear=self.sublinear)

    def _matrix(self, codes: np.ndarray, owners: np.ndarray, counts: np.ndarray, n_texts: int) -> sp.csr_matrix:
        rows, columns, values = self._entries(codes, owners, counts, n_texts)
        # Entries sorted by column: every CSR row comes out sorted and without duplicates (no re-sort).
        return sp.csr_matrix((values, (rows, columns)), shape=(n_texts, self.size))

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """The tf-idf matrix (l2-normalised rows) of (folded) ``texts``."""
        return sp.csr_matrix(self._matrix(*_pairs(*ngram_codes(texts, n_min=self.n_min, n_max=self.n_max),
                                                  self.n_max, len(texts)), len(texts)))

    def feature_text(self, column: int) -> str:
        return ngram_text(int(self.codes[column]))
