"""Pieces of `xinfang bench nlp` (xinfang/repeats/bench.py): the rewriter, the reader of the message file,
exact search and its tie-aware recall. The benchmark itself runs in its own database (docs/benchmarks.md)."""

from __future__ import annotations

import random

import pytest

from tests.repeats.conftest import BUS, ELEVATOR, ELEVATOR_REWRITE, SMELL, WAGES
from xinfang.nlp.similarity import Vocabulary, similarity
from xinfang.nlp.textnorm import petition_shingles, text_normalize
from xinfang.repeats.bench import ExactAnswer, exact_search, rewrite_petition, teddy_messages
from xinfang.repeats.selectors import similar_cases, vocabulary_current
from xinfang.repeats.services import repeats_index_rebuild


def test_rewrites_change_the_form_and_keep_the_matter():
    rng = random.Random(3)
    operations: set[str] = set()
    for _ in range(40):
        rewrite = rewrite_petition(ELEVATOR[0], ELEVATOR[1], rng)
        operations |= set(rewrite.operations)
        assert rewrite.content != ELEVATOR[1]
        assert "reorder" in rewrite.operations
        codes = petition_shingles(title=rewrite.title, content=rewrite.content)
        assert similarity(codes, petition_shingles(title=ELEVATOR[0], content=ELEVATOR[1]),
                          vocabulary=Vocabulary()) > 0.3
    assert operations == {"reorder", "drop", "add", "synonyms", "title", "traditional", "fullwidth"}


def test_traditional_and_full_width_rewrites_fold_back():
    rng = random.Random(0)
    seen = set()
    for _ in range(60):
        rewrite = rewrite_petition(ELEVATOR[0], ELEVATOR[1], rng)
        if "traditional" in rewrite.operations:
            seen.add("traditional")
            assert text_normalize(rewrite.content) != rewrite.content
        if "fullwidth" in rewrite.operations:
            seen.add("fullwidth")
            assert "，" not in rewrite.content and "," in rewrite.content
    assert seen == {"traditional", "fullwidth"}


def test_messages_file_is_read_when_present(tmp_path):
    path = tmp_path / "messages.csv"
    path.write_text("source,id,user,time,title,body\nA,1,u,2019-01-01,标题一,内容一\nA,2,u,2019-01-02,标题二,\n",
                    encoding="utf-8")
    assert teddy_messages(path) == [("标题一", "内容一")]
    assert teddy_messages(tmp_path / "missing.csv") == []
    assert teddy_messages(None) == []


@pytest.mark.parametrize(("better", "ties", "found"), [(0, 1, 1.0), (4, 1, 1.0), (5, 1, 0.0), (3, 4, 0.5),
                                                       (0, 1000, 0.005)])
def test_exact_answer_breaks_ties_at_random(better, ties, found):
    assert ExactAnswer(top=[], better=better, ties=ties).found == pytest.approx(found)


def test_exact_search_agrees_with_the_index(petitions, personas):
    elevator = petitions.register(ELEVATOR)
    for text in (WAGES, SMELL, BUS):
        petitions.register(text)
    repeats_index_rebuild()
    vocabulary = vocabulary_current()
    query = petition_shingles(title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1])
    [answer] = exact_search([query], [elevator.pk], vocabulary=vocabulary, chunk=2)
    assert answer.top[0] == elevator.pk and answer.better == 0 and answer.ties == 1 and answer.found == 1.0
    index = similar_cases(user=personas["officer"], title=ELEVATOR_REWRITE[0], content=ELEVATOR_REWRITE[1],
                          minimum=0.0)
    assert index[0].case_id == elevator.pk
