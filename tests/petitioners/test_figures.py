"""The repeat-petition rate against the hand-computed table of conftest.py (period 2026-10-01..31: c0 is
before it): officer — 6 cases, 3 repeats; by unit housing 2/3, hr 1/2, discipline 0/1; by category
住房保障 1/3, 物业服务 1/1, 劳动和社会保障 1/2; by street 江川路街道 1/4, 莘庄镇 2/2; 张三 2 repeats of 4
cases, 李四 1 of 2. The housing handler does not see the accusation c6 nor hr's cases: 3 cases, 2 repeats."""

from __future__ import annotations

from datetime import date

from django.test import Client
from django.urls import reverse

from xinfang.petitioners.selectors import figures_period_problem, repeat_figures

OCTOBER = {"start": date(2026, 10, 1), "end": date(2026, 10, 31)}


def _by_name(rows) -> dict[str, tuple[int, int, float]]:
    return {r.name: (r.total, r.repeats, r.rate) for r in rows}


def test_rate_hand_computed_for_the_officer(world):
    figures = repeat_figures(user=world.personas["officer"], **OCTOBER)
    assert (figures.total.total, figures.total.repeats, figures.total.rate) == (6, 3, 0.5)
    assert _by_name(figures.by_unit) == {"区房管局": (3, 2, 0.6667), "区人社局": (2, 1, 0.5),
                                         "区纪委监委": (1, 0, 0.0)}
    assert _by_name(figures.by_category) == {"住房保障": (3, 1, 0.3333), "物业服务": (1, 1, 1.0),
                                             "劳动和社会保障": (2, 1, 0.5)}
    assert _by_name(figures.by_street) == {"江川路街道": (4, 1, 0.25), "莘庄镇": (2, 2, 1.0)}
    assert [(p.name, p.repeats, p.total) for p in figures.top_petitioners] == [("张三", 2, 4), ("李四", 1, 2)]
    # Highest rate first.
    assert [r.name for r in figures.by_street] == ["莘庄镇", "江川路街道"]


def test_period_bounds_are_inclusive_days(world):
    figures = repeat_figures(user=world.personas["officer"], start=date(2026, 9, 20), end=date(2026, 10, 2))
    assert (figures.total.total, figures.total.repeats) == (2, 1)
    empty = repeat_figures(user=world.personas["officer"], start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert (empty.total.total, empty.total.rate, empty.by_unit, empty.top_petitioners) == (0, 0.0, [], [])


def test_scoped_by_the_gateway(world):
    figures = repeat_figures(user=world.personas["handler"], **OCTOBER)
    assert (figures.total.total, figures.total.repeats) == (3, 2)
    assert _by_name(figures.by_unit) == {"区房管局": (3, 2, 0.6667)}
    assert [(p.name, p.repeats, p.total) for p in figures.top_petitioners] == [("张三", 2, 3)]
    nothing = repeat_figures(user=world.personas["audit_admin"], **OCTOBER)
    assert nothing.total.total == 0


def test_period_problems():
    assert figures_period_problem(date(2026, 2, 1), date(2026, 1, 1))
    assert figures_period_problem(date(1999, 1, 1), date(2000, 1, 1))
    assert figures_period_problem(date(2000, 1, 1), date(2010, 1, 1))
    assert figures_period_problem(date(2026, 1, 1), date(2026, 12, 31)) is None


def test_repeats_page(world):
    client = Client()
    client.force_login(world.personas["officer"])
    page = client.get(reverse("petitioners:repeats"), {"start": "2026-10-01", "end": "2026-10-31"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "50.0%" in text and "66.7%" in text and "莘庄镇" in text
    assert reverse("petitioners:history", args=[world.petitioner_ids["张三"]]) in text
    assert client.get(reverse("petitioners:repeats"), {"start": "2026-10-31", "end": "2026-10-01"}).status_code == 400
    assert client.get(reverse("petitioners:repeats")).status_code == 200
