"""The pure maths of the hotspots (xinfang/analytics/hotspots.py), against hand-computed values."""

from __future__ import annotations

import math

import pytest

from xinfang.analytics.hotspots import (
    cell_test,
    key_phrases,
    rising_cells,
    segment,
    words_of,
)


def test_expected_count_is_the_cells_own_daily_rate_times_the_window():
    # 84 cases over 84 days: one a day; 28 days expect 28.
    test = cell_test(count=28, baseline=84, window_days=28, baseline_days=84)
    assert test.expected == pytest.approx(28.0)
    assert test.ratio == pytest.approx(1.0)
    assert not test.rising


def test_one_to_two_is_never_a_hotspot():
    test = cell_test(count=2, baseline=1, window_days=28, baseline_days=84)
    assert test.ratio == pytest.approx(6.0)  # twice as many per day … but only two cases
    assert not test.rising


def test_a_planted_spike_is_found_with_the_poisson_tail():
    # Baseline 12 in 84 days → 4 expected in 28; 15 observed.
    test = cell_test(count=15, baseline=12, window_days=28, baseline_days=84)
    assert test.expected == pytest.approx(4.0)
    # P(X >= 15 | mean 4) by hand: 1 - sum_{k<15} e^-4 4^k / k!
    tail = 1 - sum(math.exp(-4) * 4 ** k / math.factorial(k) for k in range(15))
    assert test.p_value == pytest.approx(tail, rel=1e-9)
    assert test.rising and test.ratio == pytest.approx(3.75)


def test_a_new_cell_is_judged_against_half_a_case():
    test = cell_test(count=6, baseline=0, window_days=28, baseline_days=84)
    assert test.expected == pytest.approx(0.5 * 28 / 84)
    assert test.rising


def test_a_small_excess_is_not_enough():
    # 9 against 6 expected is not improbable (p ≈ 0.15) nor 3 above … exactly 3 above, but not significant.
    test = cell_test(count=9, baseline=18, window_days=28, baseline_days=84)
    assert test.expected == pytest.approx(6.0)
    assert test.p_value > 0.1 and not test.rising


def test_quiet_data_raises_no_alarm():
    cells = {(c, s): (10, 30) for c in range(5) for s in range(4)}  # every cell at its usual rate
    assert rising_cells(cells, window_days=28, baseline_days=84) == []


def test_rising_cells_are_ranked_by_rate_ratio():
    cells = {(1, 1): (20, 12), (2, 1): (10, 3), (3, 1): (4, 12)}
    found = rising_cells(cells, window_days=28, baseline_days=84)
    assert [cell for cell, _ in found] == [(2, 1), (1, 1)]
    assert found[0][1].ratio == pytest.approx(10.0)


def test_bad_periods_are_refused():
    with pytest.raises(ValueError):
        cell_test(count=1, baseline=1, window_days=0, baseline_days=84)


def test_words_of_drops_function_words_single_characters_and_numbers():
    assert words_of(["小区", "的", "电梯", "3号楼", "2026", "ab12", "问题", "物业"]) == {"小区", "电梯", "3号楼", "物业"}


def test_segment_uses_jieba_words():
    words = segment("小区电梯长期故障，物业一直不处理")
    assert {"电梯", "物业"} <= words
    assert "一直" not in words and "处理" not in words


def test_key_phrases_stand_out_against_the_baseline():
    current = [{"电梯", "物业"}] * 6 + [{"噪声"}] * 2
    baseline = [{"物业"}] * 10 + [{"停车"}] * 10
    phrases = key_phrases(current, baseline, min_docs=3)
    assert [p.text for p in phrases] == ["电梯", "物业"]
    assert phrases[0].text == "电梯" and phrases[0].docs == 6 and phrases[0].baseline_docs == 0
    assert "噪声" not in [p.text for p in phrases]  # in fewer than min_docs petitions


def test_key_phrases_of_nothing():
    assert key_phrases([], [{"物业"}]) == []


def test_segment_keeps_recent_texts_and_stays_bounded(monkeypatch):
    from xinfang.analytics import hotspots

    monkeypatch.setattr(hotspots, "SEGMENT_CACHE_SIZE", 3)
    monkeypatch.setattr(hotspots, "_segmented", type(hotspots._segmented)())
    calls = []
    import jieba

    real = jieba.lcut
    monkeypatch.setattr(jieba, "lcut", lambda text: calls.append(text) or real(text))
    first = segment("小区电梯长期故障")
    assert segment("小区电梯长期故障") is first and len(calls) == 1  # the second time from the cache
    for text in ("工地夜间施工噪音", "拖欠工资三个月", "物业费上涨"):
        segment(text)
    assert len(hotspots._segmented) == 3  # bounded: the oldest text went
    assert segment("小区电梯长期故障") == first and len(calls) == 5  # segmented again, same words
