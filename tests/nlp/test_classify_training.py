"""Training versions of the category classifier (``xinfang nlp train``): the minimum of labelled cases, the
held-out comparison (a better model replaces the active one, a worse one is refused, ``--force``
overrides and is audited), models trained from the district's confirmed cases, the fallback to keyword
rules, and model files checked against their SHA-256 before anything is read."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from tests.conftest import at
from tests.nlp.classify_data import rows, write_csv
from xinfang.cases import services as case_services
from xinfang.cases.models import Case
from xinfang.core.errors import ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.nlp.corpus import Corpus
from xinfang.nlp.models import ClassifierVersion
from xinfang.nlp.selectors import (
    category_suggest,
    classifier_active,
    classifier_forget,
    training_corpus_from_cases,
)
from xinfang.nlp.services import classifier_train, heldout_row
from xinfang.nlp.store import ModelIntegrityError, model_directory, model_file_read

MINIMUM = 40


@pytest.fixture(autouse=True)
def _nlp_settings(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.XINFANG = {**settings.XINFANG, "NLP_MIN_LABELLED": MINIMUM}
    cache.clear()
    classifier_forget()
    yield
    classifier_forget()


def corpus(data: list[tuple[str, str, str]]) -> Corpus:
    return Corpus(texts=[f"{t} {c}" for t, c, _ in data], labels=[label for *_, label in data], source="test")


ROTATE = {"ZFBZ": "LDSB", "LDSB": "WYFW", "WYFW": "ZFBZ"}


def spoiled(data: list[tuple[str, str, str]], share: float = 1.0) -> Corpus:
    """The same texts, with the labels of (a ``share`` of) the training part rotated: a model trained on it
    is wrong where the held-out part (labels intact) checks it."""
    clean = corpus(data)
    labels = list(clean.labels)
    training = [i for i, text in enumerate(clean.texts) if not heldout_row(text)]
    for i in training[:int(len(training) * share)]:
        labels[i] = ROTATE[labels[i]]
    return Corpus(texts=clean.texts, labels=labels, source="spoiled")


def test_the_held_out_part_is_stable_and_about_a_fifth():
    keys = [f"2026-{n:06d}" for n in range(2000)]
    share = sum(map(heldout_row, keys)) / len(keys)
    assert 0.17 < share < 0.23
    assert [heldout_row(k) for k in keys[:50]] == [heldout_row(k) for k in keys[:50]]


def test_below_the_minimum_nothing_is_trained(db):
    with pytest.raises(ValidationFailed, match="少于训练所需"):
        classifier_train(corpus=corpus(rows(10)), source="test", actor=None)
    assert not ClassifierVersion.objects.exists()


def test_better_replaces_worse_is_refused_force_overrides(db, personas):
    data = rows(30)
    first = classifier_train(corpus=spoiled(data, share=0.4), source="noisy", actor=None)
    assert first.version is not None and first.version.version == 1 and first.version.active
    assert first.previous_macro_f1 is None

    better = classifier_train(corpus=corpus(data), source="clean", actor=personas["officer"])
    assert better.version is not None and better.version.version == 2
    assert better.macro_f1 >= better.previous_macro_f1
    assert list(ClassifierVersion.objects.filter(active=True).values_list("version", flat=True)) == [2]

    worse = classifier_train(corpus=spoiled(data), source="spoiled", actor=None)
    assert worse.refused and worse.macro_f1 < worse.previous_macro_f1
    assert list(ClassifierVersion.objects.values_list("version", flat=True)) == [2, 1]
    denied = AuditEntry.objects.filter(action="nlp.classifier.train", result="denied").get()
    assert denied.detail["reason"] == "worse_than_active"

    forced = classifier_train(corpus=spoiled(data), source="spoiled", actor=personas["officer"], force=True)
    assert forced.forced and forced.version is not None and forced.version.forced and forced.version.active
    entry = AuditEntry.objects.filter(action="nlp.classifier.train", result="ok").order_by("-id").first()
    assert entry.detail["forced"] is True and entry.username == "officer"
    assert ClassifierVersion.objects.filter(active=True).count() == 1


def test_the_train_command_from_csv_with_force(db, tmp_path):
    good = write_csv(tmp_path / "good.csv", rows(30))
    out = io.StringIO()
    call_command("nlp", "train", "--csv", str(good), stdout=out)
    assert "已启用模型 v1" in out.getvalue()
    bad = tmp_path / "bad.csv"
    spoilt = spoiled(rows(30))
    bad.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in zip(spoilt.texts, spoilt.labels,
                                                                                   strict=True)), encoding="utf-8")
    with pytest.raises(CommandError, match="--force"):
        call_command("nlp", "train", "--csv", str(bad), stdout=io.StringIO())
    out = io.StringIO()
    call_command("nlp", "train", "--csv", str(bad), "--force", stdout=out)
    assert "强制替换" in out.getvalue() and ClassifierVersion.objects.get(active=True).version == 2
    with pytest.raises(CommandError, match="少于训练所需"):
        call_command("nlp", "train", "--csv", str(write_csv(tmp_path / "few.csv", rows(5))), stdout=io.StringIO())
    out = io.StringIO()
    call_command("nlp", "status", stdout=out)
    assert "v2 * forced" in out.getvalue()


def _confirmed_cases(personas, district, categories, per_label: int) -> None:
    """Register and route ``per_label`` synthetic petitions per category (routed: the category counts as
    confirmed)."""
    for title, content, label in rows(per_label, seed=4):
        category = next(c for c in categories.values() if c.code == label)
        case = case_services.case_register(
            actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=at("2026-11-20 10:00"),
            matter_type=Case.MatterType.CLAIM, title=title, content=content, force_new=True,
            petitioners=[case_services.PetitionerInput(name="张三")], category=category, street=district["street"],
        ).case
        case_services.case_route(case=case, unit=category.default_unit, mode=Case.RouteMode.TRANSFER,
                                 actor=personas["officer"])


def test_training_from_confirmed_cases_and_the_fallback_to_keywords(db, personas, district, categories, settings):
    text = {"title": "单位拖欠工资", "content": "公司老板三个月不发工资，也没有缴纳社会保险"}
    # No model: keyword rules (the category's name and keywords), and the page is told why.
    categories["labour"].keywords = "工资 社保 社会保险"
    categories["labour"].save(update_fields=["keywords"])
    suggestion = category_suggest(**text)
    assert suggestion.source == "keywords" and suggestion.fallback == "no_model"
    assert suggestion.category == categories["labour"] and "工资" in [w.text for w in suggestion.words]

    _confirmed_cases(personas, district, categories, per_label=20)
    corpus_, keys = training_corpus_from_cases()
    assert len(corpus_) == 60 and set(corpus_.labels) == {"ZFBZ", "LDSB", "WYFW"} and keys[0].startswith("XF-")
    call_command("nlp", "train", stdout=io.StringIO())
    version = ClassifierVersion.objects.get(active=True)
    assert version.source == "cases" and version.labelled_count == 60

    suggestion = category_suggest(**text)
    assert suggestion.source == "model" and suggestion.model_version == version.version
    assert suggestion.category == categories["labour"] and suggestion.words and suggestion.confidence > 0.5

    # The minimum raised above what the model was trained on: keyword rules again, and it says so.
    settings.XINFANG = {**settings.XINFANG, "NLP_MIN_LABELLED": 100}
    suggestion = category_suggest(**text)
    assert suggestion.source == "keywords" and suggestion.fallback == "too_few" and suggestion.labelled == 60


def test_a_model_file_with_a_wrong_hash_is_never_loaded(db, caplog):
    classifier_train(corpus=corpus(rows(30)), source="test", actor=None)
    version = ClassifierVersion.objects.get(active=True)
    assert classifier_active().model is not None
    path = model_directory() / version.file_name
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0xFF
    path.write_bytes(bytes(blob))
    classifier_forget()
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        model_file_read(name=version.file_name, sha256=version.sha256)
    active = classifier_active()
    assert active is not None and active.model is None and active.error == "integrity"
    assert "refused" in caplog.text
    suggestion = category_suggest(title="电梯故障", content="物业不来修")
    assert suggestion.source in ("keywords", "") and suggestion.fallback == "integrity"
    # Names from the database are bare file names: nothing outside the model directory is opened.
    with pytest.raises(ModelIntegrityError):
        model_file_read(name="../secret.key", sha256=version.sha256)
    # A new training replaces the refused model whatever it scores.
    assert classifier_train(corpus=corpus(rows(30)), source="test", actor=None).version is not None


def test_a_model_that_knows_none_of_the_categories_leaves_it_to_the_keywords(db, categories):
    data = rows(30)
    foreign = Corpus(texts=[f"{t} {c}" for t, c, _ in data], labels=[f"X{label}" for *_, label in data])
    classifier_train(corpus=foreign, source="foreign", actor=None)
    suggestion = category_suggest(title="电梯故障", content="物业服务太差")
    assert suggestion.fallback == "labels" and suggestion.source == "keywords"
    assert suggestion.category == categories["property"]
