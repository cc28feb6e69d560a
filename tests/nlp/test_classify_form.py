"""Form 2 of the classifier's text (xinfang.nlp.tokens.text_classifier_form): what a segmented, stop-word-free
export lacks is dropped from raw text too, and models stored before form 2 keep form 1 (issue 5)."""

from __future__ import annotations

import io
import json

import numpy as np

from tests.nlp.classify_data import rows
from xinfang.nlp.classifier import ClassifierConfig, classifier_dumps, classifier_fit, classifier_loads
from xinfang.nlp.tokens import FORM_VERSION, text_classifier_form


def test_form_2_drops_letters_digits_and_more_function_words():
    raw = "A市A3区2019年3月，小区电梯仍然经常坏，到底什么时候才能修好？"
    # As an export tokenised with a stop-word list would have it: single letters and digits gone, A3 and
    # 2019 kept, function words gone.
    export = "市 A3 区 2019 年 月 小区 电梯 仍然 坏 能 修好"
    assert text_classifier_form(raw) == text_classifier_form(export) == "市区年月小区电梯然坏能修好"
    assert text_classifier_form(raw, version=1) == "a市a3区2019年3月小区电梯仍然经常坏到底时候才能修好"
    assert text_classifier_form(raw, drop_function_words=False) == "市区年月小区电梯仍然经常坏到底什么时候才能修好"
    assert FORM_VERSION == 2 and ClassifierConfig().form_version == 2
    assert ClassifierConfig().form(raw) == text_classifier_form(raw)
    assert ClassifierConfig(form_version=1).form(raw) == text_classifier_form(raw, version=1)


def _rewrite_header(blob: bytes, change) -> bytes:
    arrays = dict(np.load(io.BytesIO(blob), allow_pickle=False))
    header = json.loads(arrays["header"].tobytes().decode("utf-8"))
    change(header)
    arrays["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_a_model_stored_before_form_2_keeps_form_1():
    data = rows(20)
    texts, labels = [f"{t} {c}" for t, c, _ in data], [label for *_, label in data]
    old = classifier_fit(texts, labels, config=ClassifierConfig(form_version=1, calibration_folds=0))
    blob = _rewrite_header(classifier_dumps(old), lambda header: header["config"].pop("form_version"))
    loaded = classifier_loads(blob)
    assert loaded.config.form_version == 1
    assert np.array_equal(loaded.scores(texts[:5]), old.scores(texts[:5]))
    new = classifier_loads(classifier_dumps(classifier_fit(texts, labels, config=ClassifierConfig(calibration_folds=0))))
    assert new.config.form_version == 2
