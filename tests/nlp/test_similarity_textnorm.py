"""Text normalisation for repeat detection (xinfang/nlp/textnorm.py): one form for every way of typing."""

from __future__ import annotations

import numpy as np
import pytest

from xinfang.nlp.textnorm import (
    name_normalize,
    petition_shingles,
    sentences,
    shingle_text,
    shingles,
    text_normalize,
    to_simplified,
)


@pytest.mark.parametrize(("raw", "folded"), [
    # Traditional characters → simplified.
    ("來訪人反映小區電梯壞了", "来访人反映小区电梯坏了"),
    ("請儘快處理，謝謝", "请尽快处理 谢谢"),
    # Full-width letters and digits → half width, letters lower case.
    ("ＡＢＣ１２３號樓", "abc123号楼"),
    # Chinese and ASCII punctuation and any white space fold into one space.
    ("电梯坏了！！！物业（某公司）不管……", "电梯坏了 物业 某公司 不管"),
    ("电梯  坏了\n\t物业,不管", "电梯 坏了 物业 不管"),
    ("　全角空格　", "全角空格"),
    ("", ""),
])
def test_text_normalize(raw, folded):
    assert text_normalize(raw) == folded


def test_simplified_text_is_unchanged():
    text = "江川路某小区3号楼电梯已经坏了三个月，物业一直不处理"
    assert to_simplified(text) == text


def test_name_normalize_ignores_form_and_spaces():
    assert name_normalize("王 建華") == name_normalize("王建华") == "王建华"
    assert name_normalize("买买提·艾力") == "买买提艾力"


def test_shingles_are_bigrams_within_segments():
    codes = shingles("电梯坏了，物业")
    texts = {shingle_text(c) for c in codes}
    assert texts == {"电梯", "梯坏", "坏了", "物业"}  # no bigram across the comma
    assert codes.dtype == np.uint32 and list(codes) == sorted(set(codes.tolist()))


def test_shingles_of_equivalent_forms_are_equal():
    assert np.array_equal(shingles("錦華苑３號樓電梯，反復故障！"), shingles("锦华苑3号楼电梯 反复故障"))


def test_reordered_sentences_keep_their_shingles():
    a = petition_shingles(title="电梯故障", content="电梯坏了三个月。物业一直不修。请尽快处理。")
    b = petition_shingles(title="电梯故障", content="请尽快处理。物业一直不修。电梯坏了三个月。")
    assert np.array_equal(a, b)


def test_short_texts_have_no_or_few_shingles():
    assert shingles("").size == 0
    assert shingles("好").size == 0
    assert shingles("好，的").size == 0


def test_sentences_split_on_chinese_and_ascii_ends():
    assert sentences("一。二！三？四；五") == ["一。", "二！", "三？", "四；", "五"]
    assert sentences("a! b? c") == ["a!", " b?", " c"]
