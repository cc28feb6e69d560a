"""The demo district's categories carry keyword rules (xinfang/demo/district.py CATEGORY_KEYWORDS), so the
category suggestion of ``make demo`` is sensible before any model is trained (issue 5)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from xinfang.accounts.models import Unit
from xinfang.cases.models import Category
from xinfang.demo.district import CATEGORIES, CATEGORY_KEYWORDS
from xinfang.demo.texts import TEMPLATES
from xinfang.nlp.keywords import keyword_rules, keywords_parse, keywords_predict
from xinfang.nlp.selectors import category_suggest, classifier_forget


def _rules():
    return keyword_rules((c.code, c.name, CATEGORY_KEYWORDS.get(c.code, "")) for c in CATEGORIES)


def test_every_demo_category_but_other_has_keywords():
    for spec in CATEGORIES:
        words = keywords_parse(CATEGORY_KEYWORDS.get(spec.code, ""))
        if spec.code == "QT":
            assert not words
        else:
            assert len(words) >= 8, spec.code
    assert set(CATEGORY_KEYWORDS) <= {c.code for c in CATEGORIES}


def test_the_demo_petitions_get_their_own_category_from_the_keywords():
    """The demo generator's petition templates, classified by the keyword rules alone: nearly all get the
    category they were written for (a few are honestly ambiguous: 河道发黑发臭 is 农村农业 or 环境保护)."""
    rules = _rules()
    right = wrong = 0
    for template in TEMPLATES:
        if template.category == "QT":
            continue
        prediction = keywords_predict(f"{template.title} {template.body}", rules)
        if prediction is not None and prediction.label == template.category:
            right += 1
        else:
            wrong += 1
    assert right / (right + wrong) >= 0.9, (right, wrong)


@pytest.mark.django_db
def test_a_seeded_demo_category_is_suggested_by_its_keywords(settings, tmp_path):
    from xinfang.demo.district import district_create

    settings.DATA_DIR = tmp_path
    cache.clear()
    classifier_forget()
    Category.objects.all().delete()
    Unit.objects.all().delete()
    district = district_create()
    assert district.categories["LDSB"].keywords == CATEGORY_KEYWORDS["LDSB"]
    suggestion = category_suggest(title="老板拖欠工资", content="在工地干了半年，工资一直没发，多次讨薪无果。")
    assert suggestion.source == "keywords" and suggestion.category.code == "LDSB"
    assert {w.text for w in suggestion.words} >= {"拖欠工资", "讨薪"}
    suggestion = category_suggest(title="物业擅自涨物业费", content="小区物业公司未经业主大会同意上调物业费。")
    assert suggestion.category.code == "WYFW"
