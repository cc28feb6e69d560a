"""The pure parts of the category classifier (issue 5): text folding of raw and segmented text, the numpy
n-gram TF-IDF (checked against scikit-learn's), training and prediction with driving words, storage
without pickle, CSV reading (layouts, encodings, delimiters) and the evaluation report."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from sklearn.feature_extraction.text import TfidfVectorizer

from tests.nlp.classify_data import rows, segmented, write_csv
from xinfang.nlp.classifier import (
    ClassifierConfig,
    ClassifierFormatError,
    classifier_dumps,
    classifier_fit,
    classifier_loads,
)
from xinfang.nlp.corpus import CorpusError, corpus_parse, corpus_read
from xinfang.nlp.evaluation import classification_metrics, classifier_evaluate
from xinfang.nlp.features import CharNgramTfidf, ngram_code, ngram_text
from xinfang.nlp.keywords import keyword_rules, keywords_parse, keywords_predict
from xinfang.nlp.routing import RoutingHistory, unit_candidates
from xinfang.nlp.tokens import text_content, text_desegment, text_fold, text_is_segmented

FAST = ClassifierConfig(calibration_folds=0)


# --- Tokenisation: raw and segmented text ------------------------------------------------------------


def test_raw_and_segmented_text_fold_to_the_same_form():
    raw = "江川路小区物业乱收费！业主多次反映无果。"
    assert text_fold(raw) == text_fold("江川路 小区 物业 乱 收费 ！ 业主 多次 反映 无果 。") == "江川路小区物业乱收费业主多次反映无果"
    # Full-width letters and digits, upper case, ideographic space, compatibility forms.
    assert text_fold("Ａ３区\u3000１２３４５热线") == "a3区12345热线"
    assert text_fold("㈠ 关于") == "一关于"
    assert text_fold("") == "" and text_fold(" ，。！ ") == ""


def test_function_words_are_dropped_for_the_classifier():
    assert text_content(text_fold("我们小区的电梯坏了，因为物业不管")) == "小区电梯坏物业不管"
    assert ClassifierConfig().form("我们 小区 的 电梯") == ClassifierConfig().form("我们小区的电梯") == "小区电梯"
    assert ClassifierConfig(drop_function_words=False).form("我们小区的电梯") == "我们小区的电梯"


def test_segmented_text_is_recognised_and_can_be_joined_back():
    assert text_is_segmented("市 西湖 建筑 集团 占 道 施工 安全隐患")
    assert not text_is_segmented("A市西湖建筑集团占道施工有安全隐患，请尽快处理。")
    assert not text_is_segmented("短")
    assert text_desegment("小区 物业 乱 收费 hello world") == "小区物业乱收费 hello world"


# --- Features ----------------------------------------------------------------------------------------


def test_ngram_codes_round_trip():
    for gram in ("物", "物业", "物业费", "a3", "𠀀字"):
        if len(gram) <= 3:
            assert ngram_text(ngram_code(gram)) == gram


def test_char_tfidf_equals_scikit_learns():
    texts = [text_fold(f"{t} {c}") for t, c, _label in rows(6)] + ["", "一"]
    ours, matrix = CharNgramTfidf.fit(texts, n_min=1, n_max=2, min_df=2, sublinear=True)
    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=False)
    expected = reference.fit_transform(texts)
    # Same vocabulary (scikit-learn orders strings, we order codes: compare by n-gram).
    names = [ngram_text(int(code)) for code in ours.codes]
    assert sorted(names) == sorted(reference.get_feature_names_out())
    order = [reference.vocabulary_[name] for name in names]
    assert np.allclose(matrix.toarray(), expected.toarray()[:, order])
    # And transform of new text agrees too (unknown n-grams ignored).
    new = [text_fold("物业费上涨，电梯故障，从未见过的词语鑫")]
    assert np.allclose(ours.transform(new).toarray(), reference.transform(new).toarray()[:, order])


# --- Classifier --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model():
    data = rows(30)
    return classifier_fit([f"{t} {c}" for t, c, _ in data], [label for *_, label in data])


def test_the_classifier_learns_the_categories_and_says_why(model):
    prediction = model.predict(["颛桥镇公租房轮候多年还没有分到房子，请帮助解决住房困难"])[0]
    assert prediction.label == "ZFBZ"
    assert 0.5 < prediction.confidence <= 1.0
    assert [s.label for s in prediction.ranking][0] == "ZFBZ" and len(prediction.ranking) == 3
    assert abs(sum(s.confidence for s in prediction.ranking) - 1.0) < 1e-6
    words = [w.text for w in prediction.words]
    assert words and all(len(w) >= 2 for w in words)
    # The words are taken from the text itself (as the classifier reads it: folded, function words out),
    # and they are the category's own words.
    assert all(w in model.config.form("颛桥镇公租房轮候多年还没有分到房子，请帮助解决住房困难") for w in words)
    assert any(w in "公租房轮候" or "租房" in w or "轮候" in w for w in words)
    assert model.predict_labels(["公司拖欠农民工工资三个月", "电梯困人物业不来"]) == ["LDSB", "WYFW"]


def test_segmented_input_is_classified_like_raw_input(model):
    raw = "公司老板三个月不发工资，单位没有给职工缴纳社会保险"
    assert model.predict_labels([segmented(raw)]) == model.predict_labels([raw]) == ["LDSB"]
    assert np.allclose(model.scores([segmented(raw)]), model.scores([raw]))


def test_one_text_and_a_batch_score_alike(model):
    texts = [f"{t} {c}" for t, c, _ in rows(3, seed=5)]
    batch = model.scores(texts)
    for index, text in enumerate(texts):
        assert np.allclose(model.scores([text])[0], batch[index])


def test_the_stored_model_predicts_exactly_the_same(model):
    blob = classifier_dumps(model)
    loaded = classifier_loads(blob)
    texts = [f"{t} {c}" for t, c, _ in rows(5, seed=9)]
    assert np.array_equal(loaded.scores(texts), model.scores(texts))
    assert loaded.labels == model.labels and loaded.temperature == model.temperature
    assert b"pickle" not in blob[:200]


def test_a_stored_model_with_objects_is_refused_not_unpickled(model, tmp_path):
    marker = tmp_path / "unpickled"

    class Evil:
        def __reduce__(self):
            return (marker.touch, ())

    buffer = io.BytesIO()
    arrays = dict(np.load(io.BytesIO(classifier_dumps(model)), allow_pickle=False))
    arrays["codes"] = np.array([Evil()], dtype=object)
    np.savez(buffer, **arrays)
    with pytest.raises(ClassifierFormatError):
        classifier_loads(buffer.getvalue())
    assert not marker.exists()
    with pytest.raises(ClassifierFormatError):
        classifier_loads(b"not a model at all")


def test_two_categories_and_no_calibration_work_too():
    data = [row for row in rows(10) if row[2] != "WYFW"]
    model = classifier_fit([f"{t} {c}" for t, c, _ in data], [label for *_, label in data], config=FAST)
    assert model.temperature == 1.0 and model.weights.shape[1] == 2
    assert model.predict_labels(["拖欠工资"]) == ["LDSB"]
    with pytest.raises(ValueError):
        classifier_fit(["一", "二"], ["A", "A"])


# --- Keyword rules and routing (pure) -------------------------------------------------------------------


def test_keyword_rules():
    assert keywords_parse("物业费，电梯、保安\n停车 物业费") == ("物业费", "电梯", "保安", "停车")
    rules = keyword_rules([("WYFW", "物业服务", "物业费 电梯 保安"), ("LDSB", "劳动和社会保障", "工资 社保")])
    prediction = keywords_predict("小区电梯坏了，物业费还涨价", rules)
    # Only this category matches, with five characters of evidence: 5 / (5 + 4).
    assert prediction is not None and prediction.label == "WYFW" and prediction.confidence == round(5 / 9, 4)
    assert [w.text for w in prediction.words] == ["物业费", "电梯"]
    mixed = keywords_predict("物业公司拖欠保安工资", rules)
    assert mixed is not None and mixed.label == "WYFW" and 0 < mixed.confidence < 1
    assert keywords_predict("今天天气很好", rules) is None


def test_routing_history_corrects_the_table_only_with_enough_confirmed_cases():
    table = dict(table_unit_id=1, table_source="default")
    assert unit_candidates(**table, history=RoutingHistory())[0].unit_id == 1
    # Two cases handled elsewhere: not enough to overturn the table.
    assert unit_candidates(**table, history=RoutingHistory(accepted={2: 2}))[0].unit_id == 1
    best = unit_candidates(**table, history=RoutingHistory(accepted={2: 5, 1: 1}))[0]
    assert best.unit_id == 2 and best.source == "history" and best.confirmed == 5 and best.total == 6
    # Objections (退回) count against a unit.
    assert unit_candidates(**table, history=RoutingHistory(accepted={2: 3}, objected={2: 2}))[0].unit_id == 1
    assert unit_candidates(table_unit_id=None, table_source="default", history=RoutingHistory()) == []


# --- CSV ----------------------------------------------------------------------------------------------


def test_csv_layouts_encodings_and_delimiters(tmp_path):
    data = rows(4)
    text = corpus_read(write_csv(tmp_path / "a.csv", data))
    assert text.layout == "text,label" and len(text) == 12 and text.labels[0] == data[0][2]
    assert text.texts[0] == f"{data[0][0]} {data[0][1]}"
    split = corpus_read(write_csv(tmp_path / "b.csv", data, layout="title,body,label", encoding="utf-8-sig"))
    assert split.layout == "title,body,label" and split.texts == text.texts and split.encoding == "utf-8-sig"
    gbk = corpus_read(write_csv(tmp_path / "c.csv", data, encoding="gbk", delimiter="\t"))
    assert gbk.encoding == "gb18030" and gbk.delimiter == "\t" and gbk.texts == text.texts
    segmented_corpus = corpus_read(write_csv(tmp_path / "d.csv", data, segment=True))
    assert segmented_corpus.segmented == 12 and text.segmented == 0
    assert [text_fold(t) for t in segmented_corpus.texts] == [text_fold(t) for t in text.texts]


def test_csv_problems_are_explained(tmp_path):
    chinese = corpus_parse("标题,正文,分类\n小区电梯坏了,请尽快修理,WYFW\n,,\n只有标题,,LDSB\n")
    assert chinese.layout == "title,body,label" and len(chinese) == 2 and chinese.skipped == 1
    with pytest.raises(CorpusError, match="表头"):
        corpus_parse("a,b\n1,2\n")
    with pytest.raises(CorpusError, match="没有带分类"):
        corpus_parse("text,label\n,\n")
    (tmp_path / "bin.csv").write_bytes(b"text,label\n\x00\x01\x02")
    with pytest.raises(CorpusError, match="UTF-16"):
        corpus_read(tmp_path / "bin.csv")
    (tmp_path / "bad.csv").write_bytes("text,label\n好".encode()[:-1] + b"\xff\xfe\xfa\x30")
    with pytest.raises(CorpusError, match="编码"):
        corpus_read(tmp_path / "bad.csv")
    with pytest.raises(CorpusError):
        corpus_read(tmp_path / "missing.csv")


# --- Evaluation ---------------------------------------------------------------------------------------


def test_metrics_are_those_of_scikit_learn():
    from sklearn.metrics import accuracy_score, f1_score

    truth = ["a", "a", "b", "b", "c", "c", "c"]
    predicted = ["a", "b", "b", "b", "c", "a", "d"]
    metrics = classification_metrics(truth, predicted)
    assert metrics["macro_f1"] == round(f1_score(truth, predicted, average="macro"), 4)
    assert metrics["accuracy"] == round(accuracy_score(truth, predicted), 4)
    assert metrics["labels"] == ["a", "b", "c", "d"]
    assert metrics["confusion_matrix"][2] == [1, 0, 1, 1]
    assert metrics["per_class"]["b"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}


def test_evaluate_reports_sane_metrics_and_all_keys(tmp_path):
    train = write_csv(tmp_path / "train.csv", rows(25, seed=2), segment=True)
    test = write_csv(tmp_path / "test.csv", rows(8, seed=3), layout="title,body,label", encoding="gbk")
    report = classifier_evaluate(train=corpus_read(train), test=corpus_read(test))
    assert report["macro_f1"] >= 0.9 and report["accuracy"] >= 0.9
    for key in ("macro_f1", "accuracy", "per_class", "confusion_matrix", "labels", "train_seconds",
                "predictions_per_second", "predictions_per_second_one_by_one", "peak_memory_mb", "model", "train",
                "test", "threads"):
        assert key in report, key
    assert set(report["per_class"]) == {"ZFBZ", "LDSB", "WYFW"}
    assert report["train"]["segmented_rows"] == 75 and report["test"]["encoding"] == "gb18030"
    assert report["predictions_per_second"] > 0 and report["peak_memory_mb"] > 0
    assert sum(map(sum, report["confusion_matrix"])) == 24


def test_the_evaluate_command_writes_the_json_report(tmp_path):
    train = write_csv(tmp_path / "train.csv", rows(20, seed=2))
    test = write_csv(tmp_path / "test.csv", rows(5, seed=3), layout="title,body,label")
    out = tmp_path / "reports" / "nlp-classify.json"
    stdout = io.StringIO()
    call_command("nlp", "evaluate", "--train", str(train), "--test", str(test), "--json", str(out), stdout=stdout)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["benchmark"] == "nlp-classify" and report["test"]["rows"] == 15
    assert json.loads(stdout.getvalue())["macro_f1"] == report["macro_f1"]
    stdout = io.StringIO()
    call_command("nlp", "evaluate", "--train", str(train), "--folds", "3", stdout=stdout)
    cv = json.loads(stdout.getvalue())
    assert cv["benchmark"] == "nlp-classify-cv" and len(cv["fold_macro_f1"]) == 3 and cv["macro_f1"] >= 0.9
