"""The repeat index in the database: cases registered a moment ago are found, the index is rebuilt and
swept, and nothing a look-up needs lives only in a process (xinfang/repeats/services.py)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.db import connection

from tests.conftest import at
from tests.repeats.conftest import ELEVATOR, ELEVATOR_REWRITE, SMELL, WAGES
from xinfang.bench.lifecycle import _insert_many
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput
from xinfang.cases.services.registration_batch import BatchPetition, cases_register_batch
from xinfang.nlp.similarity import KEYS_PER_CASE
from xinfang.repeats import selectors
from xinfang.repeats.models import CaseKey, CaseSignature, PendingCase, Vocabulary
from xinfang.repeats.selectors import similar_cases, vocabulary_current
from xinfang.repeats.services import (
    repeats_index_pending,
    repeats_index_rebuild,
    repeats_index_sweep,
    repeats_vocabulary_stale,
)

REPO = Path(__file__).resolve().parents[2]


def ids(found):
    return [f.case_id for f in found]


def test_registration_marks_the_case_pending_in_its_transaction(petitions):
    case = petitions.register(ELEVATOR)
    assert list(PendingCase.objects.values_list("case_id", flat=True)) == [case.pk]
    assert not CaseSignature.objects.exists()


def test_a_case_registered_a_moment_ago_is_found_by_the_next_look_up(petitions, personas):
    petitions.register(WAGES)
    first = similar_cases(user=personas["officer"], title=SMELL[0], content=SMELL[1])
    assert first == []
    smell = petitions.register(SMELL)
    elevator = petitions.register(ELEVATOR)
    found = similar_cases(user=personas["officer"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1])
    assert ids(found)[:1] == [elevator.pk]
    assert smell.pk not in ids(found)
    assert not PendingCase.objects.exists()
    assert CaseSignature.objects.count() == 3
    assert CaseKey.objects.filter(case_id=elevator.pk).count() == KEYS_PER_CASE


def test_batch_registration_marks_every_case(petitions, personas, categories):
    petition = BatchPetition(channel="letter", received_at=at("2026-11-20 09:00"), matter_type="claim", title=ELEVATOR[0], content=ELEVATOR[1],
                             petitioners=[PetitionerInput(name="李四")], category=categories["housing"])
    made = cases_register_batch(actor=personas["registrar"], petitions=[petition, petition])
    assert sorted(PendingCase.objects.values_list("case_id", flat=True)) == sorted(r.case.pk for r in made)
    found = similar_cases(user=personas["officer"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1])
    assert {r.case.pk for r in made} <= set(ids(found))


def test_cases_written_without_the_services_are_indexed_too(petitions, personas, district):
    """Rows bulk-inserted by other code (a migration, a restore, the benchmark) carry no pending mark:
    those above the highest indexed id are picked up by the next look-up, the rest by the sweep."""
    petitions.register(WAGES)
    repeats_index_pending()
    _insert_many(Case, [Case(number="BULK-1", query_code_hash="bulk-1", channel="letter",
                             received_at=at("2026-11-20 09:00"), matter_type="claim", title=ELEVATOR[0],
                             content=ELEVATOR[1], status=Case.Status.REGISTERED)])
    bulk = Case.objects.get(number="BULK-1")
    assert ids(similar_cases(user=personas["officer"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1])) \
        == [bulk.pk]
    # A row below the highest indexed id (as if its signature had been lost): only the sweep finds it.
    petitions.register(SMELL)
    repeats_index_pending()
    CaseSignature.objects.filter(case_id=bulk.pk).delete()
    CaseKey.objects.filter(case_id=bulk.pk).delete()
    assert repeats_index_pending() == 0
    assert not CaseSignature.objects.filter(case_id=bulk.pk).exists()
    assert repeats_index_sweep() == 1
    assert CaseSignature.objects.filter(case_id=bulk.pk).exists()


def test_indexing_again_replaces_the_keys(petitions):
    case = petitions.register(ELEVATOR)
    repeats_index_pending()
    before = set(CaseKey.objects.filter(case_id=case.pk).values_list("key", flat=True))
    Case.objects.filter(pk=case.pk).update(title=WAGES[0], content=WAGES[1])
    from xinfang.repeats.services import repeats_index_cases

    repeats_index_cases(case_ids=[case.pk])
    after = set(CaseKey.objects.filter(case_id=case.pk).values_list("key", flat=True))
    assert after and after != before
    assert CaseKey.objects.filter(case_id=case.pk).count() == len(after)


def test_rebuild_takes_a_vocabulary_and_keeps_answers(petitions, personas):
    elevator = petitions.register(ELEVATOR)
    for text in (WAGES, SMELL):
        petitions.register(text)
    before = ids(similar_cases(user=personas["officer"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1]))
    report = repeats_index_rebuild()
    assert report["cases"] == 3 and report["postings"] == CaseKey.objects.count()
    vocabulary = vocabulary_current()
    assert vocabulary.documents == 3 and vocabulary.version == Vocabulary.objects.get().pk
    assert set(CaseSignature.objects.values_list("vocabulary_version", flat=True)) == {vocabulary.version}
    after = ids(similar_cases(user=personas["officer"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1]))
    assert before[:1] == after[:1] == [elevator.pk]


def test_vocabulary_is_stale_when_the_district_doubled(petitions):
    for text in (ELEVATOR, WAGES, SMELL):
        petitions.register(text)
    repeats_index_pending()
    assert not repeats_vocabulary_stale(minimum=1000)
    assert repeats_vocabulary_stale(minimum=3)
    repeats_index_rebuild()
    assert not repeats_vocabulary_stale(minimum=3)


def test_nothing_lives_only_in_the_process(petitions, personas):
    """Without the process's cache (as in a fresh process) the same answer comes from the tables alone; the
    next test starts a real second process."""
    elevator = petitions.register(ELEVATOR)
    petitions.register(WAGES)
    repeats_index_rebuild()
    selectors._cache.update(key=None, vocabulary=selectors.Vocabulary())
    found = similar_cases(user=personas["officer"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1],
                          fresh=False)
    assert ids(found)[:1] == [elevator.pk]
    assert vocabulary_current().documents == 2


LOOKUP_SCRIPT = """
import json, os, sys
import django
django.setup()
from xinfang.accounts.models import User
from xinfang.repeats.selectors import similar_cases
user = User.objects.get(username="officer")
found = similar_cases(user=user, title=sys.argv[1], content=sys.argv[2], fresh=False)
print(json.dumps([f.case_id for f in found]))
"""


def test_the_index_survives_a_new_process(transactional_db, petitions, personas, tmp_path):
    """Index in this process, commit, look up from another process on the same database."""
    elevator = petitions.register(ELEVATOR)
    petitions.register(WAGES)
    repeats_index_rebuild()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings_test")
    if connection.vendor == "sqlite":
        path = tmp_path / "copy.sqlite3"
        target = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        settings = connection.settings_dict
        env["DATABASE_URL"] = (f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
                               f"{settings['PORT'] or 5432}/{settings['NAME']}")
    result = subprocess.run([sys.executable, "-c", LOOKUP_SCRIPT, ELEVATOR_REWRITE[0], ELEVATOR_REWRITE[1]],  # noqa: S603
                            env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])[:1] == [elevator.pk]
