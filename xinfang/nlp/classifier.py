"""The category classifier: character n-gram TF-IDF and a linear SVM, with calibrated confidence and the
words that drove each suggestion. Pure functions and dataclasses, no Django, no database: the services
(``xinfang.nlp.services``) store what ``classifier_fit`` returns, the selectors load it and call
``TextClassifier.predict``.

Why this model (docs/nlp.md has the numbers): on the Teddy Cup 2020 messages, cross-validated on the
training file, character 1–2-grams with sublinear tf and a class-balanced ``LinearSVC`` score as well as
everything heavier that was tried (word n-grams from jieba, trigrams, NB-SVM, TF-IDF → SVD → RBF-SVM,
logistic regression, ensembles), train in seconds and predict thousands of petitions a second on one core.

Confidence: the decision values of the SVM go through a softmax whose temperature is fitted, by maximum
likelihood, on decision values of a cross-validation inside the training set — so "0.9" means about nine
right in ten on unseen petitions, not a raw margin.

Explanation: a linear model's score for a class is the sum over the text's n-grams of tf-idf value ×
coefficient; the n-grams that add most to the chosen class are merged where they overlap in the text
(``物业`` + ``业费`` → ``物业费``) and shown as the words that drove the suggestion.

Storage: ``classifier_dumps`` writes numpy arrays and a JSON header with ``numpy.savez``;
``classifier_loads`` reads them with ``allow_pickle=False``. No pickle is ever written or read.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp

from xinfang.nlp.features import CharNgramTfidf, ngram_codes
from xinfang.nlp.tokens import FORM_VERSION, text_classifier_form

FORMAT = "xinfang-nlp-classifier/1"
_EDGE_CODES = re.compile(r"^[a-z0-9]+|[a-z0-9]+$")
ALGORITHM = "char-ngram-tfidf+linear-svm"


class ClassifierFormatError(ValueError):
    """A stored classifier that is not one this code wrote (wrong header, shapes or types)."""


@dataclass(frozen=True)
class ClassifierConfig:
    """The settings of ``classifier_fit`` (the defaults are the ones chosen by cross-validation)."""

    n_min: int = 1
    n_max: int = 2
    min_df: int = 2
    sublinear_tf: bool = True
    # A second block of n-gram features from the first ``lead_chars`` characters only, scaled by
    # ``lead_weight``: the title (or a text's first words) says more about the matter than the rest.
    lead_chars: int = 15
    lead_weight: float = 0.5
    # Drop function words (的, 我们, 因为 …) before counting n-grams (xinfang.nlp.tokens.text_content).
    drop_function_words: bool = True
    # The text form (xinfang.nlp.tokens.text_classifier_form): 2 also drops Latin letters, digits and more
    # function characters. Stored models without it were trained on form 1 and keep it.
    form_version: int = FORM_VERSION
    # LinearSVC's C, and class weights inversely proportional to class frequency (macro-F1 counts every
    # category alike, small ones included).
    c: float = 1.0
    balanced: bool = True
    # Folds of the inner cross-validation that fits the confidence temperature (0: no calibration).
    calibration_folds: int = 3
    seed: int = 0

    def form(self, text: str) -> str:
        """What the n-grams are counted on: ``text`` folded, without function words if so configured."""
        return text_classifier_form(text, drop_function_words=self.drop_function_words, version=self.form_version)

    def describe(self) -> str:
        weights = "balanced" if self.balanced else "none"
        lead = (f" + the same on the first {self.lead_chars} characters (×{self.lead_weight})"
                if self.lead_chars else "")
        function_words = ", function words dropped" if self.drop_function_words else ""
        if self.form_version >= 2:
            function_words += ", letters and digits dropped"
        return (f"char {self.n_min}-{self.n_max}-gram tf-idf (min_df={self.min_df}, sublinear={self.sublinear_tf}"
                f"{function_words})"
                f"{lead} + LinearSVC(C={self.c}, class_weight={weights}), softmax temperature from "
                f"{self.calibration_folds}-fold CV")


@dataclass(frozen=True)
class Word:
    """A word (or phrase) of the text that drove a suggestion, and how much it added to the score."""

    text: str
    weight: float


@dataclass(frozen=True)
class LabelScore:
    label: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    """The suggested label of one text: its confidence (0..1), the other labels in order, and the words
    that drove it."""

    label: str
    confidence: float
    ranking: tuple[LabelScore, ...] = ()
    words: tuple[Word, ...] = ()


@dataclass
class TextClassifier:
    """A fitted classifier: two blocks of n-gram features — the whole text (``vectorizer``) and its first
    ``config.lead_chars`` characters (``lead``, optional) — and a linear model over both:
    ``scores = X @ weights + X_lead @ lead_weights + bias``."""

    config: ClassifierConfig
    vectorizer: CharNgramTfidf
    labels: tuple[str, ...]
    weights: np.ndarray  # (features, labels)
    bias: np.ndarray  # (labels,)
    lead: CharNgramTfidf | None = None
    lead_weights: np.ndarray | None = None  # (lead features, labels), lead_weight already applied
    temperature: float = 1.0
    info: dict = field(default_factory=dict)

    def _blocks(self) -> list[tuple[CharNgramTfidf, np.ndarray, int]]:
        blocks = [(self.vectorizer, self.weights, 0)]
        if self.lead is not None and self.lead_weights is not None:
            blocks.append((self.lead, self.lead_weights, self.config.lead_chars))
        return blocks

    def _scores(self, folded: list[str]) -> np.ndarray:
        total = np.zeros((len(folded), len(self.labels))) + self.bias
        for vectorizer, weights, cut in self._blocks():
            texts = [t[:cut] for t in folded] if cut else folded
            if len(texts) == 1:
                # One text (a page asking): a dot product over its n-grams, without building a sparse
                # matrix (scipy's constructors cost more than the arithmetic here).
                _rows, columns, values = vectorizer.entries(texts)
                total[0] += values @ weights[columns]
            else:
                total += np.asarray(vectorizer.transform(texts) @ weights)
        return total

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Decision values, one row per text, one column per label."""
        return self._scores([self.config.form(t) for t in texts])

    def predict_labels(self, texts: Sequence[str]) -> list[str]:
        """The best label of each text (the fast path of ``xinfang nlp evaluate``)."""
        if not texts:
            return []
        best = self.scores(texts).argmax(axis=1)
        return [self.labels[i] for i in best]

    def confidences(self, scores: np.ndarray) -> np.ndarray:
        return _softmax(scores / self.temperature)

    def predict(self, texts: Sequence[str], *, words: int = 5) -> list[Prediction]:
        """The suggestion for each text, with its ranking and up to ``words`` driving words."""
        predictions = []
        for text in texts:
            folded = self.config.form(text)
            probabilities = self.confidences(self._scores([folded]))[0]
            order = np.argsort(-probabilities, kind="stable")
            best = int(order[0])
            ranking = tuple(LabelScore(self.labels[i], float(probabilities[i])) for i in order)
            drivers = self._words(folded, best, words) if words else ()
            predictions.append(Prediction(label=self.labels[best], confidence=float(probabilities[best]),
                                          ranking=ranking, words=drivers))
        return predictions

    def _words(self, text: str, label: int, limit: int) -> tuple[Word, ...]:
        """The words of ``text`` (folded) that add most to the score of ``label``: each n-gram's tf-idf
        value × its coefficient (in either block); overlapping positive n-grams of at least two characters
        are merged into one phrase as they stand in the text."""
        # (block, column) → contribution, and the positions each covers.
        contribution: dict[tuple[int, int], float] = {}
        spans: list[tuple[int, int, tuple[int, int]]] = []
        shortest = max(2 if self.config.n_max >= 2 else 1, self.config.n_min)
        for block, (vectorizer, weights, cut) in enumerate(self._blocks()):
            part = text[:cut] if cut else text
            _rows, columns, values = vectorizer.entries([part])
            for column, value in zip(columns.tolist(), (values * weights[columns, label]).tolist(), strict=True):
                contribution[(block, column)] = value
            for n in range(shortest, self.config.n_max + 1):
                # One text: its n-grams come out in the order of their start positions.
                found = vectorizer.columns(ngram_codes([part], n_min=n, n_max=n)[0]).tolist()
                spans.extend((start, start + n, (block, column)) for start, column in enumerate(found) if column >= 0)
        positive = [v for v in contribution.values() if v > 0]
        if not positive:
            return ()
        threshold = max(positive) * 0.2
        covered = [False] * len(text)
        keys_at: dict[int, set[tuple[int, int]]] = {}
        for start, end, key in spans:
            if contribution.get(key, 0.0) >= threshold:
                for position in range(start, end):
                    covered[position] = True
                keys_at.setdefault(start, set()).add(key)
        phrases: dict[str, float] = {}
        start = 0
        while start < len(text):
            if not covered[start]:
                start += 1
                continue
            end = start
            while end < len(text) and covered[end]:
                end += 1
            keys: set[tuple[int, int]] = set()
            for position in range(start, end):
                keys |= keys_at.get(position, set())
            weight = sum(contribution[k] for k in keys)
            phrase = text[start:end]
            if len(phrase) > 8:
                # A long run reads as a sentence, not a word: keep its strongest n-gram.
                block, column = max(keys, key=lambda k: contribution[k])
                phrase, weight = self._blocks()[block][0].feature_text(column), contribution[(block, column)]
            # Letters and digits at the edges are codes and numbers (``a3区``, ``2019年``), not words.
            phrase = _EDGE_CODES.sub("", phrase)
            if len(phrase) >= shortest:
                phrases[phrase] = max(weight, phrases.get(phrase, 0.0))
            start = end
        ranked = sorted(phrases.items(), key=lambda item: -item[1])[:limit]
        return tuple(Word(text=p, weight=round(w, 4)) for p, w in ranked)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _linear_svm(matrix: sp.csr_matrix, labels: np.ndarray, config: ClassifierConfig,
                classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(weights (features × classes), bias (classes,)) of a LinearSVC, one column per class of
    ``classes`` even for two classes (LinearSVC then fits one separating vector)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=config.c, class_weight="balanced" if config.balanced else None,
                      random_state=config.seed, max_iter=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(matrix, labels)
    coef = model.coef_.T
    intercept = np.atleast_1d(model.intercept_)
    if len(model.classes_) == 2:
        coef = np.hstack([-coef, coef])
        intercept = np.array([-intercept[0], intercept[0]])
    # Columns in the order of ``classes`` (a fold may lack none: folds are stratified).
    index = {label: i for i, label in enumerate(model.classes_)}
    order = [index[label] for label in classes]
    return np.ascontiguousarray(coef[:, order], dtype=np.float64), intercept[order].astype(np.float64)


def _temperature(matrix: sp.csr_matrix, labels: np.ndarray, classes: np.ndarray,
                 config: ClassifierConfig) -> float:
    """The softmax temperature that makes cross-validated decision values most likely (1.0 when a class
    has too few texts for the folds)."""
    # Training only, imported here: scipy.optimize would add ~0.2 s to every process's start-up.
    from scipy.optimize import minimize_scalar
    from sklearn.model_selection import StratifiedKFold

    folds = config.calibration_folds
    counts = np.unique(labels, return_counts=True)[1]
    if folds < 2 or counts.min() < folds:
        return 1.0
    scores = np.zeros((len(labels), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        weights, bias = _linear_svm(matrix[train], labels[train], config, classes)
        scores[test] = np.asarray(matrix[test] @ weights) + bias
    truth = np.searchsorted(classes, labels)

    def loss(log_t: float) -> float:
        probabilities = _softmax(scores / np.exp(log_t))
        return float(-np.log(np.clip(probabilities[np.arange(len(truth)), truth], 1e-12, None)).mean())

    result = minimize_scalar(loss, bounds=(np.log(0.01), np.log(100.0)), method="bounded")
    return float(np.exp(result.x))


def classifier_fit(texts: Sequence[str], labels: Sequence[str], *,
                   config: ClassifierConfig | None = None) -> TextClassifier:
    """Train on ``texts`` (raw or word-segmented) with their ``labels``. Needs at least two labels."""
    config = config or ClassifierConfig()
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    y = np.asarray([str(label) for label in labels], dtype=object)
    classes = np.asarray(sorted(set(y.tolist())), dtype=object)
    if len(classes) < 2:
        raise ValueError("at least two different labels are needed")
    folded = [config.form(t) for t in texts]
    def fit(texts: list[str]) -> tuple[CharNgramTfidf, sp.csr_matrix]:
        return CharNgramTfidf.fit(texts, n_min=config.n_min, n_max=config.n_max, min_df=config.min_df,
                                  sublinear=config.sublinear_tf)

    vectorizer, matrix = fit(folded)
    lead = None
    if config.lead_chars:
        lead, lead_matrix = fit([t[:config.lead_chars] for t in folded])
        matrix = sp.csr_matrix(sp.hstack([matrix, lead_matrix * config.lead_weight]))
    weights, bias = _linear_svm(matrix, y, config, classes)
    # Stored as float32: round now, so that the model in memory and the one loaded later agree exactly.
    weights = weights.astype(np.float32).astype(np.float64)
    temperature = _temperature(matrix, y, classes, config)
    # The lead block's features were scaled by lead_weight: fold the scale into its weights.
    lead_weights = weights[vectorizer.size:] * config.lead_weight if lead is not None else None
    return TextClassifier(config=config, vectorizer=vectorizer, labels=tuple(classes.tolist()),
                          weights=np.ascontiguousarray(weights[:vectorizer.size]), bias=bias, lead=lead,
                          lead_weights=np.ascontiguousarray(lead_weights) if lead_weights is not None else None,
                          temperature=temperature,
                          info={"texts": len(texts), "features": matrix.shape[1], "algorithm": ALGORITHM})


# --- Storage (numpy arrays and JSON, never pickle) ---------------------------------------------------


def classifier_dumps(model: TextClassifier) -> bytes:
    """The classifier as bytes (an ``.npz`` archive of plain arrays plus a JSON header)."""
    header = {"format": FORMAT, "config": asdict(model.config), "labels": list(model.labels),
              "temperature": model.temperature, "info": model.info}
    lead = model.lead
    buffer = io.BytesIO()
    np.savez(buffer, header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
             codes=model.vectorizer.codes.astype(np.int64), idf=model.vectorizer.idf.astype(np.float64),
             weights=model.weights.astype(np.float32), bias=model.bias.astype(np.float64),
             lead_codes=lead.codes.astype(np.int64) if lead is not None else np.zeros(0, dtype=np.int64),
             lead_idf=lead.idf.astype(np.float64) if lead is not None else np.zeros(0),
             lead_weights=(model.lead_weights if model.lead_weights is not None
                           else np.zeros((0, len(model.labels)))).astype(np.float32))
    return buffer.getvalue()


_ARRAYS = ("header", "codes", "idf", "weights", "bias", "lead_codes", "lead_idf", "lead_weights")


def _vocabulary_ok(codes: np.ndarray, idf: np.ndarray, weights: np.ndarray, labels: int) -> bool:
    return (codes.dtype == np.int64 and codes.ndim == 1 and idf.shape == codes.shape
            and weights.shape == (len(codes), labels) and not np.any(np.diff(codes) <= 0))


def classifier_loads(blob: bytes) -> TextClassifier:
    """The classifier written by ``classifier_dumps``; ``ClassifierFormatError`` for anything else. Never
    unpickles (``allow_pickle=False``): an object array in the archive is refused, not loaded."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in _ARRAYS}
        header = json.loads(arrays["header"].tobytes().decode("utf-8"))
        if header.get("format") != FORMAT:
            raise ClassifierFormatError(f"not a {FORMAT} archive")
        # Archives written before the text form had a version were trained on form 1.
        config = ClassifierConfig(**{"form_version": 1, **header["config"]})
        labels = tuple(str(label) for label in header["labels"])
        weights = arrays["weights"].astype(np.float64)
        lead_weights = arrays["lead_weights"].astype(np.float64)
        bias = arrays["bias"]
        if (len(labels) < 2 or bias.shape != (len(labels),)
                or not _vocabulary_ok(arrays["codes"], arrays["idf"], weights, len(labels))
                or not _vocabulary_ok(arrays["lead_codes"], arrays["lead_idf"], lead_weights, len(labels))
                or bool(config.lead_chars) != bool(len(arrays["lead_codes"]))):
            raise ClassifierFormatError("inconsistent arrays")
        temperature = float(header["temperature"])
        if not temperature > 0:
            raise ClassifierFormatError("bad temperature")
    except ClassifierFormatError:
        raise
    except (ValueError, KeyError, TypeError, OSError, UnicodeDecodeError) as exc:
        raise ClassifierFormatError(str(exc)) from exc
    def block(codes: np.ndarray, idf: np.ndarray) -> CharNgramTfidf:
        return CharNgramTfidf(n_min=config.n_min, n_max=config.n_max, sublinear=config.sublinear_tf, codes=codes,
                              idf=idf)

    vectorizer = block(arrays["codes"], arrays["idf"])
    lead = block(arrays["lead_codes"], arrays["lead_idf"]) if config.lead_chars else None
    return TextClassifier(config=config, vectorizer=vectorizer, labels=labels, weights=np.ascontiguousarray(weights),
                          bias=bias, lead=lead, lead_weights=np.ascontiguousarray(lead_weights) if lead else None,
                          temperature=temperature, info=dict(header.get("info") or {}))
