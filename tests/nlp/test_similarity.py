"""Similarity of petitions and the keys of the repeat index (xinfang/nlp/similarity.py). Texts written for
these tests (no data set is copied)."""

from __future__ import annotations

import numpy as np
import pytest

from xinfang.nlp.similarity import (
    KEYS_PER_CASE,
    Vocabulary,
    address_similarity,
    index_keys,
    index_keys_batch,
    name_similarity,
    shared_terms,
    similarities,
    similarity,
    vocabulary_count,
    vocabulary_merge,
)
from xinfang.nlp.textnorm import petition_shingles, shingle_text

ORIGINAL = ("小区电梯反复故障物业拖延维修",
            "锦华苑12号楼电梯两个月来反复故障，多次困人，物业公司以维修资金尚未审批为由一直拖延。"
            "楼内有多位老人行动不便，出行十分困难。请求督促物业尽快修复。")
REWRITES = {
    "reordered": ("小区电梯反复故障物业拖延维修",
                  "请求督促物业尽快修复。楼内有多位老人行动不便，出行十分困难。"
                  "锦华苑12号楼电梯两个月来反复故障，多次困人，物业公司以维修资金尚未审批为由一直拖延。"),
    "new title": ("再次反映锦华苑电梯问题",
                  "锦华苑12号楼电梯两个月来反复故障，多次困人，物业公司以维修资金尚未审批为由一直拖延。"
                  "楼内有多位老人行动不便，出行十分困难。请求督促物业尽快修复。"),
    "synonyms": ("小区电梯反复故障物业拖延维修",
                 "锦华苑12号楼电梯两个月来屡次故障，屡次困人，物业单位以维修资金还未审批为由始终拖延。"
                 "楼里有好几位老年人行动不便，出行非常困难。恳请督促物业尽早修复。"),
    "traditional": ("小區電梯反復故障物業拖延維修",
                    "錦華苑12號樓電梯兩個月來反復故障，多次困人，物業公司以維修資金尚未審批為由一直拖延。"
                    "樓內有多位老人行動不便，出行十分困難。請求督促物業儘快修復。"),
    "full width": ("小区电梯反复故障物业拖延维修",
                   "锦华苑１２号楼电梯两个月来反复故障,多次困人,物业公司以维修资金尚未审批为由一直拖延."
                   "楼内有多位老人行动不便,出行十分困难.请求督促物业尽快修复!"),
    "dropped and added": ("小区电梯反复故障物业拖延维修",
                          "锦华苑12号楼电梯两个月来反复故障，多次困人，物业公司以维修资金尚未审批为由一直拖延。"
                          "此事已经反映过多次，一直没有结果。请求督促物业尽快修复。"),
}
UNRELATED = [
    ("公司拖欠工资数月未发", "本人在宏远物流有限公司从事快递分拣工作，公司自3月起拖欠工资共计1.2万元，多次讨要无果。"),
    ("建议增设公交站点", "莘建路沿线新建了多个住宅小区，入住居民已有二百户，附近没有公交站点，建议增设站点。"),
    ("餐饮店油烟直排扰民", "春晖新村5号楼下一家餐饮店油烟未经净化直接排放，楼上住户家中满是油烟味。请求依法查处。"),
]
# Siblings: the same complaint about another compound and building (what a template makes), differing only
# in what identifies the matter.
SIBLING = ("小区电梯反复故障物业拖延维修",
           "丽都家园3号楼电梯三个月来反复故障，多次困人，物业公司以维修资金尚未审批为由一直拖延。"
           "楼内有多位老人行动不便，出行十分困难。请求督促物业尽快修复。")


def codes(pair: tuple[str, str]) -> np.ndarray:
    return petition_shingles(title=pair[0], content=pair[1])


def corpus_vocabulary(pairs: list[tuple[str, str]]) -> Vocabulary:
    counted = vocabulary_count([codes(p) for p in pairs])
    return Vocabulary(codes=counted[0], counts=counted[1], documents=len(pairs), version=1)


# Document frequencies from a small district: many elevator complaints about other compounds, so their
# shared boilerplate weighs little and the compound and building weigh much.
DISTRICT = [ORIGINAL, SIBLING, *UNRELATED] + [
    (SIBLING[0], SIBLING[1].replace("丽都家园3号楼", f"{name}{n}号楼"))
    for n, name in enumerate(["春晖苑", "银杏新村", "绿洲花园", "虹景公寓", "梅林小区", "金桂雅苑"], start=4)
]


@pytest.mark.parametrize("kind", sorted(REWRITES))
def test_rewrites_stay_similar(kind):
    vocabulary = corpus_vocabulary(DISTRICT)
    score = similarity(codes(ORIGINAL), codes(REWRITES[kind]), vocabulary=vocabulary)
    unrelated = max(similarity(codes(REWRITES[kind]), codes(u), vocabulary=vocabulary) for u in UNRELATED)
    assert score >= 0.4, (kind, score)  # well above CONTENT_MIN (0.3)
    assert unrelated < 0.2, (kind, unrelated)


@pytest.mark.parametrize("kind", ["reordered", "traditional", "full width"])
def test_form_only_rewrites_are_identical(kind):
    assert similarity(codes(ORIGINAL), codes(REWRITES[kind]), vocabulary=Vocabulary()) == pytest.approx(
        1.0 if kind != "reordered" else 1.0)


@pytest.mark.parametrize("kind", sorted(REWRITES))
def test_rewrite_is_nearer_to_its_original_than_to_a_sibling(kind):
    """The IDF weights make the compound and building count: a rewrite of the 锦华苑 complaint is nearer to
    it than to the same complaint about 丽都家园."""
    vocabulary = corpus_vocabulary(DISTRICT)
    rewrite = codes(REWRITES[kind])
    assert similarity(rewrite, codes(ORIGINAL), vocabulary=vocabulary) > \
        similarity(rewrite, codes(SIBLING), vocabulary=vocabulary)


def test_similarity_is_symmetric_and_bounded():
    vocabulary = corpus_vocabulary(DISTRICT)
    a, b = codes(ORIGINAL), codes(REWRITES["synonyms"])
    assert similarity(a, b, vocabulary=vocabulary) == pytest.approx(similarity(b, a, vocabulary=vocabulary))
    assert similarity(a, a, vocabulary=vocabulary) == pytest.approx(1.0)
    assert similarity(a, np.zeros(0, dtype=np.uint32), vocabulary=vocabulary) == 0.0


def test_similarities_equal_one_by_one():
    vocabulary = corpus_vocabulary(DISTRICT)
    query = codes(REWRITES["synonyms"])
    many = [codes(p) for p in DISTRICT] + [np.zeros(0, dtype=np.uint32)]
    batch = similarities(query, many, vocabulary=vocabulary)
    assert batch == pytest.approx([similarity(query, c, vocabulary=vocabulary) for c in many])


def test_weights_are_idf():
    vocabulary = corpus_vocabulary(DISTRICT)
    everywhere = codes(("", "反复故障"))[0:1]  # in every elevator complaint
    rare = codes(("", "锦华"))
    unseen = codes(("", "龘龘"))
    assert vocabulary.weights(everywhere)[0] < vocabulary.weights(rare)[0] < vocabulary.weights(unseen)[0]
    assert Vocabulary().weights(rare).tolist() == [1.0]


def test_index_keys_are_the_rarest_and_shared_by_rewrites():
    vocabulary = corpus_vocabulary(DISTRICT)
    keys = index_keys(codes(ORIGINAL), vocabulary=vocabulary, k=KEYS_PER_CASE)
    assert keys.size == KEYS_PER_CASE
    assert {"锦华", "华苑", "12"} <= {shingle_text(k) for k in keys}
    for kind, rewrite in REWRITES.items():
        query_keys = index_keys(codes(rewrite), vocabulary=vocabulary, k=2 * KEYS_PER_CASE)
        assert np.intersect1d(keys, query_keys).size >= 3, kind


def test_index_keys_without_vocabulary_are_a_fixed_sketch():
    first = index_keys(codes(ORIGINAL), vocabulary=Vocabulary(), k=8)
    again = index_keys(codes(ORIGINAL)[::-1].copy(), vocabulary=Vocabulary(), k=8)
    assert np.array_equal(np.sort(first), np.sort(again))


def test_index_keys_batch_equals_one_by_one():
    vocabulary = corpus_vocabulary(DISTRICT)
    arrays = [codes(p) for p in DISTRICT] + [np.zeros(0, dtype=np.uint32), codes(("", "好的"))]
    offsets = np.concatenate([[0], np.cumsum([a.size for a in arrays])])
    owner, keys = index_keys_batch(np.concatenate(arrays), offsets, vocabulary=vocabulary, k=5)
    for index, array in enumerate(arrays):
        expected = index_keys(array, vocabulary=vocabulary, k=5)
        assert keys[owner == index].tolist() == expected.tolist()


def test_vocabulary_merge_adds_counts():
    a = vocabulary_count([codes(ORIGINAL), codes(SIBLING)])
    b = vocabulary_count([codes(SIBLING)])
    merged = vocabulary_merge(a, b)
    whole = vocabulary_count([codes(ORIGINAL), codes(SIBLING), codes(SIBLING)])
    assert merged[0].tolist() == whole[0].tolist() and merged[1].tolist() == whole[1].tolist()


def test_shared_terms_name_the_rarest_common_shingles():
    vocabulary = corpus_vocabulary(DISTRICT)
    shared = shared_terms(codes(ORIGINAL), codes(REWRITES["synonyms"]), vocabulary=vocabulary, top=3)
    assert len(shared) == 3
    # The rarest: each is in no other petition of the district (the compound, the building, ...).
    assert vocabulary.frequencies(np.array(shared, dtype=np.uint32)).tolist() == [1, 1, 1]
    assert all(shingle_text(c) in ORIGINAL[1] for c in shared)


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("王建华", "王建华", 1.0),
    ("王建華", "王 建华", 1.0),
    ("王建华", "王剑华", 0.8),
    ("王伟", "王玮", 0.0),  # two characters: one apart is another person
    ("王建华", "李建国", 0.0),
    ("", "王建华", 0.0),
])
def test_name_similarity(a, b, expected):
    assert name_similarity(a, b) == expected


def test_address_similarity():
    same = address_similarity("上海市闵行区江川路街道沪闵路123弄4号501室", "闵行区沪闵路123弄4号501室")
    shorter = address_similarity("上海市闵行区沪闵路123弄4号501室", "沪闵路123弄4号")
    other_house = address_similarity("上海市闵行区沪闵路123弄4号501室", "上海市闵行区沪闵路125弄4号501室")
    other_road = address_similarity("上海市闵行区莘松路1弄", "上海市闵行区沪闵路12弄")
    assert same == 1.0
    assert shorter >= 0.8
    assert other_house < 0.6
    assert other_road < 0.3
    assert address_similarity("", "沪闵路1号") == 0.0
