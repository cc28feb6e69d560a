"""xinfang nlp train [--csv FILE] [--force] | evaluate --train FILE [--test FILE] [--json OUT] | status

- ``train``: a new category classifier from the district's confirmed cases (or a CSV of ``text,label`` /
  ``title,body,label``), versioned; it replaces the active version only if it scores at least as well on
  the same held-out rows (``--force`` overrides, audited). Refused below the minimum of labelled cases
  (``XINFANG_NLP_MIN_LABELLED``): the intake page then suggests by keyword rules.
- ``evaluate``: the same training on TRAIN, scored on TEST: macro-F1, accuracy, per-class figures, the
  confusion matrix, training seconds, predictions per second on one core and peak memory; without
  ``--test``, a stratified cross-validation on TRAIN. ``--json`` writes the report (docs/benchmarks.md).
- ``status``: the versions and how often suggestions were accepted.

Nothing here touches the database in ``evaluate``: it can score any CSV without a district.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from xinfang.accounts.models import User
from xinfang.core.errors import ValidationFailed
from xinfang.nlp.corpus import CorpusError, corpus_read
from xinfang.nlp.evaluation import classifier_cross_validate, classifier_evaluate


def _read(path: str) -> Any:
    try:
        return corpus_read(Path(path))
    except CorpusError as exc:
        raise CommandError(f"{path}: {exc}") from None


class Command(BaseCommand):
    help = "Category classifier: train a new version, evaluate on CSV files, show versions and feedback."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate,status}")
        train = actions.add_parser("train", help="train a new version from the confirmed cases (or --csv)")
        train.add_argument("--csv", help="train from this CSV (text,label or title,body,label) instead")
        train.add_argument("--force", action="store_true",
                           help="activate the new version even if it scores worse than the active one (audited)")
        train.add_argument("--user", help="the member of staff who asked for the training (audit log)")
        evaluate = actions.add_parser("evaluate", help="train on TRAIN and score on TEST (or cross-validate)")
        evaluate.add_argument("--train", required=True, help="CSV to train on")
        evaluate.add_argument("--test", help="CSV to score on (default: --folds cross-validation on TRAIN)")
        evaluate.add_argument("--folds", type=int, default=5, help="cross-validation folds without --test")
        evaluate.add_argument("--json", dest="json_path", help="write the report here")
        actions.add_parser("status", help="list the versions and the acceptance of suggestions")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "train":
            self._train(csv=options["csv"], force=options["force"], username=options["user"])
        elif action == "evaluate":
            self._evaluate(train=options["train"], test=options["test"], folds=options["folds"],
                           json_path=options["json_path"])
        else:
            self._status()

    def _train(self, *, csv: str | None, force: bool, username: str | None) -> None:
        from xinfang.nlp.selectors import training_corpus_from_cases
        from xinfang.nlp.services import classifier_train

        actor = None
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {username}")
        if csv:
            corpus, keys, source = _read(csv), None, f"csv:{Path(csv).name}"
        else:
            (corpus, case_keys), source = training_corpus_from_cases(), "cases"
            keys = case_keys
        try:
            result = classifier_train(corpus=corpus, keys=keys, source=source, actor=actor, force=force)
        except ValidationFailed as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(_("训练样本 %(t)d 条，留出样本 %(h)d 条，训练用时 %(s).1f 秒。") % {
            "t": result.train_count, "h": result.heldout_count, "s": result.train_seconds})
        self.stdout.write(_("新模型在留出样本上的宏平均F1：%(f).4f") % {"f": result.macro_f1})
        if result.previous_macro_f1 is not None:
            self.stdout.write(_("当前启用模型 v%(v)s 在同一留出样本上的宏平均F1：%(f).4f") % {
                "v": result.previous_version, "f": result.previous_macro_f1})
        if result.version is None:
            raise CommandError(_("新模型不如当前启用的模型，未替换。确需替换请加 --force（将记入审计日志）。"))
        if result.forced:
            self.stdout.write(_("已按 --force 强制替换（已记入审计日志）。"))
        self.stdout.write(_("已启用模型 v%(v)d（%(n)d 个分类）。") % {
            "v": result.version.version, "n": len(result.version.labels)})

    def _evaluate(self, *, train: str, test: str | None, folds: int, json_path: str | None) -> None:
        corpus = _read(train)
        if test:
            report = classifier_evaluate(train=corpus, test=_read(test))
        else:
            if folds < 2:
                raise CommandError("--folds must be at least 2")
            report = classifier_cross_validate(corpus=corpus, folds=folds)
        text = json.dumps(report, ensure_ascii=False, indent=2)
        if json_path:
            path = Path(json_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n", encoding="utf-8")
        self.stdout.write(text)

    def _status(self) -> None:
        from xinfang.nlp.models import ClassifierVersion, Suggestion
        from xinfang.nlp.selectors import labelled_case_count, nlp_minimum_labelled

        self.stdout.write(_("已确认分类的事项：%(n)d 件（训练至少需要 %(m)d 件）") % {
            "n": labelled_case_count(), "m": nlp_minimum_labelled()})
        for version in ClassifierVersion.objects.all()[:20]:
            flags = (" *" if version.active else "") + (" forced" if version.forced else "")
            self.stdout.write(f"v{version.version}{flags}  {version.created_at:%Y-%m-%d %H:%M}  {version.source}  "
                              f"train={version.train_count} heldout={version.heldout_count} "
                              f"macro_f1={version.heldout_macro_f1:.4f}  sha256={version.sha256[:12]}")
        rows = Suggestion.objects.values("kind", "source").annotate(
            n=Count("id"), accepted=Count("id", filter=Q(accepted=True))).order_by("kind", "source")
        for row in rows:
            rate = row["accepted"] / row["n"] if row["n"] else 0.0
            self.stdout.write(f"{row['kind']}/{row['source']}: {row['accepted']}/{row['n']} accepted ({rate:.0%})")
