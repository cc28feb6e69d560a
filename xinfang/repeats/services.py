"""Writes of the repeat index: mark, index, rebuild. Nothing here changes a case.

How a new case reaches the index (no nightly rebuild needed to see today's cases):

1. ``case_register`` and ``cases_register_batch`` call ``repeats_mark_pending`` inside their transaction:
   one tiny row per case (a few microseconds; the registration benchmark counts them), so a committed case
   is always either indexed or pending, whatever the commit order of concurrent registrations.
2. Every look-up first calls ``repeats_index_pending``: the pending cases, and any case above the highest
   indexed id (rows bulk-inserted without the services), are indexed before the search (at most
   ``PENDING_BATCH`` a call; the rest on the next call).
3. The periodic task (``tasks.py``) does the same every few minutes, so look-ups rarely find work, and
   once a night sweeps for any case without a signature and rebuilds when the district has doubled since
   the vocabulary snapshot.

``repeats_index_rebuild`` (``xinfang repeats index --rebuild``) takes a new vocabulary snapshot and files
every case again: the measured "index build" of ``xinfang bench nlp``.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.nlp.similarity import (
    KEYS_PER_CASE,
    Vocabulary,
    index_keys,
    index_keys_batch,
    vocabulary_merge,
)
from xinfang.nlp.textnorm import petition_shingles_batch
from xinfang.repeats.models import CaseSignature
from xinfang.repeats.models import Vocabulary as VocabularyRow
from xinfang.repeats.selectors import vocabulary_current

# Cases indexed by one call of ``repeats_index_pending`` (a look-up never waits for more than ~1 s).
PENDING_BATCH = 2000
# Cases read per query by the rebuild, and postings written per statement.
REBUILD_CHUNK = 20_000
WRITE_CHUNK = 50_000


def keys_encode(keys: np.ndarray) -> bytes:
    """Index keys (uint32 codes) as stored: signed 32-bit little endian (the column is a signed integer)."""
    return keys.astype(np.uint32).view(np.int32).astype("<i4").tobytes()


def keys_decode(blob: bytes | memoryview | None) -> np.ndarray:
    return np.frombuffer(bytes(blob or b""), dtype="<i4").astype(np.int32)


def shingles_encode(codes: np.ndarray) -> bytes:
    return codes.astype("<u4").tobytes()


def shingles_decode(blob: bytes | memoryview | None) -> np.ndarray:
    return np.frombuffer(bytes(blob or b""), dtype="<u4").astype(np.uint32)


SIGNATURE_INSERT = ("INSERT INTO repeats_casesignature (case_id, vocabulary_version, keys, shingles, street_id, "
                    "category_id, received_at, indexed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
SIGNATURE_UPSERT = (SIGNATURE_INSERT + " ON CONFLICT (case_id) DO UPDATE SET "
                    "vocabulary_version = excluded.vocabulary_version, keys = excluded.keys, "
                    "shingles = excluded.shingles, street_id = excluded.street_id, "
                    "category_id = excluded.category_id, received_at = excluded.received_at, "
                    "indexed_at = excluded.indexed_at")
CASE_COLUMNS = ("id", "title", "content", "street_id", "category_id", "received_at")


def _datetime(value: Any) -> Any:
    """A datetime as the ORM would store it (SQLite: naive UTC text), for raw statements."""
    return connection.ops.adapt_datetimefield_value(value)


def repeats_mark_pending(*, case_ids: Iterable[int]) -> None:
    """Note new cases for the index, inside the caller's transaction (the registration services). One
    plain INSERT per case: no shingling, no index writes, nothing the registration waits for."""
    rows = [[int(pk)] for pk in case_ids]
    if not rows:
        return
    with connection.cursor() as cursor:
        sql = "INSERT INTO repeats_pendingcase (case_id) VALUES (%s) ON CONFLICT DO NOTHING"
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)


def _postings_insert(cursor: Any, rows: list[tuple[int, int]]) -> None:
    if rows:
        cursor.executemany("INSERT INTO repeats_casekey (key, case_id) VALUES (%s, %s) ON CONFLICT DO NOTHING", rows)


def repeats_index_cases(*, case_ids: Sequence[int], vocabulary: Vocabulary | None = None) -> int:
    """File the cases ``case_ids`` under their keys (again, if they were indexed before: their old rows are
    removed first). Answers how many cases were indexed (missing ids are skipped)."""
    if not case_ids:
        return 0
    vocabulary = vocabulary if vocabulary is not None else vocabulary_current()
    now = timezone.now()
    indexed = 0
    ids = sorted({int(pk) for pk in case_ids})
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        rows = list(Case.objects.filter(id__in=chunk).values_list(*CASE_COLUMNS))
        if not rows:
            continue
        found = [row[0] for row in rows]
        old = dict(CaseSignature.objects.filter(case_id__in=found).values_list("case_id", "keys"))
        removals: list[tuple[int, int]] = []
        postings: list[tuple[int, int]] = []
        signatures: list[tuple[Any, ...]] = []
        all_codes, offsets = petition_shingles_batch([(row[1], row[2]) for row in rows])
        for index, (pk, _title, _content, street_id, category_id, received_at) in enumerate(rows):
            codes = all_codes[offsets[index]:offsets[index + 1]]
            blob = keys_encode(index_keys(codes, vocabulary=vocabulary, k=KEYS_PER_CASE))
            if pk in old:
                removals += [(int(key), pk) for key in keys_decode(old[pk]).tolist()]
            postings += [(int(key), pk) for key in np.frombuffer(blob, dtype="<i4").tolist()]
            signatures.append((pk, vocabulary.version, blob, shingles_encode(codes), street_id, category_id,
                               _datetime(received_at), _datetime(now)))
        with transaction.atomic(), connection.cursor() as cursor:
            if removals:
                cursor.executemany("DELETE FROM repeats_casekey WHERE key = %s AND case_id = %s", removals)
            _postings_insert(cursor, sorted(postings))
            cursor.executemany(SIGNATURE_UPSERT, signatures)
        indexed += len(rows)
    return indexed


def repeats_index_pending(*, limit: int = PENDING_BATCH) -> int:
    """Index the pending cases and any case above the highest indexed id (at most ``limit`` of each),
    then clear their pending marks. Cheap when there is nothing to do: three index look-ups, no write."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_id FROM repeats_pendingcase ORDER BY case_id LIMIT %s", [limit])
        pending = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT MAX(case_id) FROM repeats_casesignature")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT id FROM cases_case WHERE id > %s ORDER BY id LIMIT %s", [top, limit])
        fresh = [row[0] for row in cursor.fetchall()]
    ids = sorted(set(pending) | set(fresh))
    if not ids:
        return 0
    with transaction.atomic():
        count = repeats_index_cases(case_ids=ids)
        if pending:
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM repeats_pendingcase WHERE case_id = %s", [[pk] for pk in pending])
    return count


def repeats_index_sweep(*, batch: int = 5000) -> int:
    """Index every case without a signature (whatever wrote it): the nightly safety net."""
    total = 0
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.id FROM cases_case c LEFT JOIN repeats_casesignature s ON s.case_id = c.id "
                "WHERE c.id > %s AND s.case_id IS NULL ORDER BY c.id LIMIT %s", [last, batch])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return total
        total += repeats_index_cases(case_ids=ids)
        last = ids[-1]


def _vocabulary_row_create(*, codes: np.ndarray, counts: np.ndarray, documents: int) -> Vocabulary:
    row = VocabularyRow.objects.create(
        documents=documents, codes=zlib.compress(codes.astype("<u4").tobytes(), 6),
        counts=zlib.compress(counts.astype("<u4").tobytes(), 6))
    return Vocabulary(codes=codes.astype(np.uint32), counts=counts.astype(np.uint32), documents=documents,
                      version=row.pk)


def _postings_write(cursor: Any, keys: np.ndarray, cases: np.ndarray) -> None:
    """All postings of a rebuild, in key order (appends to the b-tree instead of random inserts)."""
    order = np.lexsort((cases, keys))
    keys, cases = keys[order], cases[order]
    raw = getattr(cursor, "cursor", cursor)
    if connection.vendor == "postgresql" and hasattr(raw, "copy"):
        # COPY: several times faster than INSERT for millions of rows.
        with raw.copy("COPY repeats_casekey (key, case_id) FROM STDIN") as copy:
            for start in range(0, keys.size, WRITE_CHUNK):
                for key, case_id in zip(keys[start:start + WRITE_CHUNK].tolist(),
                                        cases[start:start + WRITE_CHUNK].tolist(), strict=True):
                    copy.write_row((key, case_id))
        return
    for start in range(0, keys.size, WRITE_CHUNK):
        cursor.executemany("INSERT INTO repeats_casekey (key, case_id) VALUES (%s, %s)",
                           list(zip(keys[start:start + WRITE_CHUNK].tolist(),
                                    cases[start:start + WRITE_CHUNK].tolist(), strict=True)))


def _index_empty(cursor: Any) -> None:
    """Empty the postings and signatures: TRUNCATE on PostgreSQL (instant), unless this transaction has
    written rows with foreign keys still to check (then PostgreSQL refuses it: DELETE)."""
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                cursor.execute("TRUNCATE repeats_casekey, repeats_casesignature")
            return
        except DatabaseError:
            pass
    cursor.execute("DELETE FROM repeats_casekey")
    cursor.execute("DELETE FROM repeats_casesignature")


def repeats_index_rebuild(*, chunk: int = REBUILD_CHUNK, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """A new vocabulary snapshot from every case, and every case filed again under keys chosen with it.

    Two passes: the shingles of all cases (kept in memory as one array per chunk, ~0.5 GB per million
    cases) give the document frequencies; then the keys of every case, written in key order in one
    transaction. Look-ups keep working meanwhile (on the old rows until the commit)."""
    started = time.perf_counter()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[Any, Any, Any]]]] = []
    tally = (np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32))
    pending_tally: list[np.ndarray] = []
    documents = 0
    last = 0
    while True:
        rows = list(Case.objects.filter(id__gt=last).order_by("id").values_list(*CASE_COLUMNS)[:chunk])
        if not rows:
            break
        codes, offsets = petition_shingles_batch([(row[1], row[2]) for row in rows])
        parts.append((np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)), codes, offsets,
                      [(r[3], r[4], _datetime(r[5])) for r in rows]))
        pending_tally.append(codes)
        if sum(p.size for p in pending_tally) > 20_000_000:
            tally = vocabulary_merge(tally, np.unique(np.concatenate(pending_tally), return_counts=True))
            pending_tally = []
        documents += len(rows)
        last = rows[-1][0]
        if log:
            log(f"shingles: {documents} cases")
    if pending_tally:
        tally = vocabulary_merge(tally, np.unique(np.concatenate(pending_tally), return_counts=True))
    shingled = time.perf_counter()

    with transaction.atomic():
        vocabulary = _vocabulary_row_create(codes=tally[0], counts=tally[1], documents=documents)
        stamp = _datetime(timezone.now())
        key_parts: list[np.ndarray] = []
        case_parts: list[np.ndarray] = []
        with connection.cursor() as cursor:
            _index_empty(cursor)
            for ids, codes, offsets, places in parts:
                owner, keys = index_keys_batch(codes, offsets, vocabulary=vocabulary, k=KEYS_PER_CASE)
                signed = keys.astype(np.uint32).view(np.int32)
                key_parts.append(signed)
                case_parts.append(ids[owner])
                # ``owner`` is sorted: each case's keys are one run.
                bounds = np.searchsorted(owner, np.arange(ids.size + 1))
                encoded = signed.astype("<i4")
                stored = codes.astype("<u4")
                cursor.executemany(SIGNATURE_INSERT, [
                    (int(pk), vocabulary.version, encoded[bounds[i]:bounds[i + 1]].tobytes(),
                     stored[offsets[i]:offsets[i + 1]].tobytes(), *places[i], stamp)
                    for i, pk in enumerate(ids.tolist())])
            keyed = time.perf_counter()
            all_keys = np.concatenate(key_parts) if key_parts else np.zeros(0, dtype=np.int32)
            all_cases = np.concatenate(case_parts) if case_parts else np.zeros(0, dtype=np.int64)
            del key_parts, case_parts, parts
            _postings_write(cursor, all_keys, all_cases)
            cursor.execute("DELETE FROM repeats_pendingcase WHERE case_id <= %s", [last])
    finished = time.perf_counter()
    return {
        "cases": documents,
        "postings": int(all_keys.size),
        "keys_per_case": KEYS_PER_CASE,
        "vocabulary_version": vocabulary.version,
        "vocabulary_terms": int(tally[0].size),
        "seconds_shingles": round(shingled - started, 2),
        "seconds_keys_and_signatures": round(keyed - shingled, 2),
        "seconds_postings": round(finished - keyed, 2),
        "seconds": round(finished - started, 2),
    }


def repeats_vocabulary_stale(*, factor: float = 2.0, minimum: int = 1000) -> bool:
    """True when the indexed cases have grown ``factor`` times past the vocabulary snapshot (or there is
    none and at least ``minimum`` cases): the nightly task then rebuilds."""
    current = vocabulary_current()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM repeats_casesignature")
        indexed = cursor.fetchone()[0]
    return indexed >= max(minimum, factor * current.documents)
