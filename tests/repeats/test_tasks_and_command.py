"""The periodic jobs and `xinfang repeats` (they only call the services)."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from tests.repeats.conftest import ELEVATOR, SMELL, WAGES
from xinfang.cases.models import Case
from xinfang.repeats import services
from xinfang.repeats.models import CaseSignature, PendingCase, Vocabulary
from xinfang.repeats.tasks import repeats_index_nightly, repeats_index_periodic


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("repeats", *args, stdout=out)
    return json.loads(out.getvalue())


def test_periodic_task_indexes_pending_cases(petitions):
    for text in (ELEVATOR, WAGES, SMELL):
        petitions.register(text)
    assert repeats_index_periodic.call_local() == 3
    assert not PendingCase.objects.exists() and CaseSignature.objects.count() == 3
    assert repeats_index_periodic.call_local() == 0


def test_periodic_task_takes_the_first_vocabulary_once_there_are_enough_cases(petitions, monkeypatch):
    for text in (ELEVATOR, WAGES, SMELL):
        petitions.register(text)
    real = services.repeats_vocabulary_stale
    monkeypatch.setattr("xinfang.repeats.tasks.repeats_vocabulary_stale", lambda: real(minimum=2))
    repeats_index_pending_first = services.repeats_index_pending()
    assert repeats_index_pending_first == 3
    assert repeats_index_periodic.call_local() == 3
    assert Vocabulary.objects.get().documents == 3


def test_nightly_task_sweeps_and_rebuilds_when_stale(petitions, monkeypatch):
    for text in (ELEVATOR, WAGES):
        petitions.register(text)
    # A case whose signature was lost after it was indexed: only the sweep finds it.
    services.repeats_index_pending()
    lost = Case.objects.order_by("id").first().pk
    CaseSignature.objects.filter(case_id=lost).delete()
    petitions.register(SMELL)
    monkeypatch.setattr("xinfang.repeats.tasks.repeats_vocabulary_stale", lambda: True)
    assert repeats_index_nightly.call_local() == {"pending": 1, "swept": 1, "rebuilt": 3}
    assert Vocabulary.objects.count() == 1


def test_command_status_index_and_rebuild(petitions):
    for text in (ELEVATOR, WAGES, SMELL):
        petitions.register(text)
    status = run("status")
    assert status["cases"] == 3 and status["pending"] == 3 and status["indexed"] == 0
    assert status["vocabulary_version"] == 0
    assert run("index")["indexed"] == 3
    assert run("status")["indexed"] == 3
    rebuilt = run("index", "--rebuild")
    assert rebuilt["cases"] == 3 and rebuilt["postings"] == run("status")["postings"]
    assert run("status")["vocabulary_documents"] == 3
