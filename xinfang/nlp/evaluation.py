"""Measuring the category classifier: the metrics (macro-F1 first: every category counts alike, small ones
included), training time, prediction throughput on one core and peak memory.

``classifier_evaluate`` is what ``xinfang nlp evaluate`` runs: the same ``classifier_fit`` as ``xinfang nlp
train``, so the figures are those of the model the district would get. No Django, no database.
"""

from __future__ import annotations

import platform
import resource
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from xinfang.nlp.classifier import ALGORITHM, ClassifierConfig, TextClassifier, classifier_fit
from xinfang.nlp.corpus import Corpus

# Timed passes over the test set for the throughput (the median is reported).
THROUGHPUT_ROUNDS = 3
# Texts predicted one at a time (as the intake page does), and with their driving words.
SINGLE_TEXTS = 300


def classification_metrics(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Macro-F1, accuracy, per-label precision/recall/F1/support and the confusion matrix (rows: truth,
    columns: prediction), over the labels of either side (as scikit-learn's ``f1_score`` does)."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    labels = sorted(set(truth) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(truth, predicted, strict=True):
        confusion[index[t], index[p]] += 1
    per_class: dict[str, dict[str, float | int]] = {}
    f1s = []
    for i, label in enumerate(labels):
        tp = int(confusion[i, i])
        predicted_n = int(confusion[:, i].sum())
        support = int(confusion[i, :].sum())
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_class[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                            "support": support}
    total = int(confusion.sum())
    return {
        "macro_f1": round(float(np.mean(f1s)), 4) if f1s else 0.0,
        "accuracy": round(float(np.trace(confusion)) / total, 4) if total else 0.0,
        "per_class": per_class,
        "labels": labels,
        "confusion_matrix": confusion.tolist(),
    }


def peak_memory_mb() -> float:
    """The peak resident memory of this process so far (``ru_maxrss``, KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _one_core() -> Any:
    """BLAS/OpenMP pools limited to one thread: the figures are those of one core."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def throughput(model: TextClassifier, texts: Sequence[str]) -> dict[str, float]:
    """Predictions per second on one core: the whole list in one call (the median of a few passes), one
    text per call (as a page asks), and one text per call with its driving words."""
    texts = list(texts)
    model.predict_labels(texts[:10])  # warm-up (first calls allocate)
    rates = []
    for _ in range(THROUGHPUT_ROUNDS):
        start = time.perf_counter()
        model.predict_labels(texts)
        rates.append(len(texts) / max(time.perf_counter() - start, 1e-9))
    sample = texts[:SINGLE_TEXTS]
    start = time.perf_counter()
    for text in sample:
        model.predict_labels([text])
    single = len(sample) / max(time.perf_counter() - start, 1e-9)
    start = time.perf_counter()
    for text in sample:
        model.predict([text])
    explained = len(sample) / max(time.perf_counter() - start, 1e-9)
    return {"predictions_per_second": round(statistics.median(rates), 1),
            "predictions_per_second_one_by_one": round(single, 1),
            "explained_predictions_per_second": round(explained, 1)}


def classifier_evaluate(*, train: Corpus, test: Corpus, config: ClassifierConfig | None = None) -> dict[str, Any]:
    """Train on ``train``, score on ``test``: the report of ``xinfang nlp evaluate`` (JSON-ready)."""
    config = config or ClassifierConfig()
    with _one_core():
        start = time.perf_counter()
        model = classifier_fit(train.texts, train.labels, config=config)
        train_seconds = time.perf_counter() - start
        start = time.perf_counter()
        predicted = model.predict_labels(test.texts)
        predict_seconds = time.perf_counter() - start
        speed = throughput(model, test.texts)
    report: dict[str, Any] = {
        "benchmark": "nlp-classify",
        "algorithm": ALGORITHM,
        "model": config.describe(),
        "config": asdict(config),
        "train": train.describe(),
        "test": test.describe(),
        "features": model.info.get("features", model.vectorizer.size),
        "temperature": round(model.temperature, 4),
    }
    report.update(classification_metrics(test.labels, predicted))
    report.update({
        "train_seconds": round(train_seconds, 2),
        "predict_seconds": round(predict_seconds, 3),
        **speed,
        "peak_memory_mb": peak_memory_mb(),
        "threads": 1,
        "machine": {"python": platform.python_version(), "processor": platform.machine(),
                    "system": platform.system()},
    })
    return report


def classifier_cross_validate(*, corpus: Corpus, folds: int = 5, config: ClassifierConfig | None = None,
                              seed: int = 0) -> dict[str, Any]:
    """Stratified k-fold cross-validation of ``classifier_fit`` on ``corpus`` alone (how the model was
    chosen: see docs/nlp.md): the pooled out-of-fold metrics and each fold's macro-F1."""
    from sklearn.model_selection import StratifiedKFold

    config = config or ClassifierConfig()
    labels = np.asarray(corpus.labels, dtype=object)
    texts = np.asarray(corpus.texts, dtype=object)
    predicted = np.empty(len(labels), dtype=object)
    fold_scores = []
    start = time.perf_counter()
    with _one_core():
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train_index, test_index in splitter.split(np.zeros(len(labels)), labels):
            model = classifier_fit(texts[train_index].tolist(), labels[train_index].tolist(), config=config)
            predicted[test_index] = model.predict_labels(texts[test_index].tolist())
            fold_scores.append(classification_metrics(labels[test_index].tolist(),
                                                      predicted[test_index].tolist())["macro_f1"])
    report: dict[str, Any] = {"benchmark": "nlp-classify-cv", "algorithm": ALGORITHM, "model": config.describe(),
                              "config": asdict(config), "train": corpus.describe(), "folds": folds}
    report.update(classification_metrics(labels.tolist(), predicted.tolist()))
    report.update({"fold_macro_f1": fold_scores, "seconds": round(time.perf_counter() - start, 1),
                   "peak_memory_mb": peak_memory_mb()})
    return report
