"""The score formula, the small-sample rules and the ranking; the scheme's validation (bad input changes
nothing); the scope of each role."""

from __future__ import annotations

import pytest

from tests.assessment.conftest import NOW, YEAR
from xinfang.assessment import services
from xinfang.assessment.metrics import DEFAULT_SCHEME, METRICS_BY_CODE
from xinfang.assessment.models import AssessmentScheme
from xinfang.assessment.selectors import (
    Figure,
    assessment_scores,
    metric_drill,
    scheme_for_year,
    unit_score,
    wilson_interval,
)
from xinfang.core.clock import clock_at
from xinfang.core.errors import Forbidden, NotFound, ValidationFailed
from xinfang.core.models import AuditEntry


def _scheme(**overrides):
    values = {"metrics": {k: dict(v) for k, v in DEFAULT_SCHEME.items()}, "min_n": 10, "max_interval": 0.4,
              "min_coverage": 0.5}
    values.update(overrides)
    return values


def _fig(code, hits, n, *, weight=1.0, target=0.9, small=False):
    return Figure(metric=METRICS_BY_CODE[code], numerator=hits, n=n, case_ids=[], weight=weight, target=target,
                  small=small, small_reason="x" if small else "", interval=wilson_interval(hits, n))


def test_wilson_interval_known_values():
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(8, 10)
    assert (low, high) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_attainment_higher_and_lower_is_better():
    assert _fig("decide_on_time", 9, 10, target=0.9).attainment == pytest.approx(1.0)
    assert _fig("decide_on_time", 45, 100, target=0.9).attainment == pytest.approx(0.5)
    assert _fig("repeat_rate", 1, 10, target=0.2).attainment == 1.0
    assert _fig("repeat_rate", 6, 10, target=0.2).attainment == pytest.approx(0.5)  # (1 - .6) / (1 - .2)
    assert _fig("repeat_rate", 0, 0).attainment is None


def test_score_leaves_out_small_samples_and_reports_coverage(district):
    figures = [_fig("decide_on_time", 45, 100, weight=2, target=0.9),  # attainment .5
               _fig("satisfaction", 90, 100, weight=1, target=0.9),  # 1
               _fig("accept_on_time", 0, 3, weight=1, small=True)]  # small: left out
    row = unit_score(district["housing"], figures, scheme_for_year(year=YEAR))
    assert row.score == pytest.approx(100 * (2 * 0.5 + 1 * 1.0) / 3, abs=0.05)
    assert row.coverage == pytest.approx(3 / 4)


def test_scores_and_ranking_with_a_small_sample_unit(world, personas, district):
    """min_n 2, no interval rule, coverage 0.3 (hand-computed in docs/assessment.md's worked example):
    hr 70.4 ranks first, housing 68.6 second; the bureau's only figure (routing 5/6 → 87.7) carries too
    little of the weight: shown apart, not ranked, although its score is the highest."""
    services.scheme_update(actor=personas["officer"], year=YEAR, **_scheme(min_n=2, max_interval=1.0,
                                                                           min_coverage=0.3))
    with clock_at(NOW):
        result = assessment_scores(user=personas["officer"], year=YEAR)
    ranked = [(r.unit.code, r.score, r.rank) for r in result.ranked]
    assert ranked == [("MH-RSJ", 70.4, 1), ("MH-FGJ", 68.6, 2)]
    small = {r.unit.code: r for r in result.small}
    assert set(small) == {"MH-XFB"}
    assert small["MH-XFB"].score == 87.7 and small["MH-XFB"].rank is None
    hr = result.ranked[0]
    rating = next(f for f in hr.figures if f.code == "rating_participation")
    assert (rating.numerator, rating.n, rating.small) == (0, 1, True)


def test_default_scheme_flags_everything_in_a_tiny_year(world, personas):
    """With the default minimum of 10 no figure of the small year counts: nobody is ranked."""
    with clock_at(NOW):
        result = assessment_scores(user=personas["officer"], year=YEAR)
    assert result.ranked == [] and {r.unit.code for r in result.small} == {"MH-XFB", "MH-FGJ", "MH-RSJ"}
    assert all(f.small for r in result.small for f in r.figures)
    assert not result.scheme.saved


def test_equal_scores_share_a_rank(world, personas):
    metrics = {k: {"weight": 0.0, "target": 0.5} for k in DEFAULT_SCHEME}
    metrics["accept_on_time"] = {"weight": 1.0, "target": 0.5}  # housing 2/4 = .5 → 100; hr 2/2 → 100
    services.scheme_update(actor=personas["officer"], year=YEAR, **_scheme(metrics=metrics, min_n=1,
                                                                           max_interval=1.0, min_coverage=0.5))
    with clock_at(NOW):
        result = assessment_scores(user=personas["officer"], year=YEAR)
    assert [(r.unit.code, r.score, r.rank) for r in result.ranked] == [("MH-FGJ", 100.0, 1), ("MH-RSJ", 100.0, 1)]


@pytest.mark.parametrize("change, field", [
    ({"metrics": {**DEFAULT_SCHEME, "decide_on_time": {"weight": -1, "target": 0.9}}}, "decide_on_time.weight"),
    ({"metrics": {**DEFAULT_SCHEME, "decide_on_time": {"weight": 1, "target": 0}}}, "decide_on_time.target"),
    ({"metrics": {**DEFAULT_SCHEME, "decide_on_time": {"weight": 1, "target": 1.5}}}, "decide_on_time.target"),
    ({"metrics": {**DEFAULT_SCHEME, "decide_on_time": {"weight": "x", "target": 0.5}}}, "decide_on_time.weight"),
    ({"metrics": {k: {"weight": 0, "target": 0.5} for k in DEFAULT_SCHEME}}, "metrics"),
    ({"metrics": {k: v for k, v in DEFAULT_SCHEME.items() if k != "satisfaction"}}, "satisfaction.weight"),
    ({"metrics": {**DEFAULT_SCHEME, "made_up": {"weight": 1, "target": 0.5}}}, "metrics"),
    ({"min_n": 0}, "min_n"),
    ({"min_n": 2.5}, "min_n"),
    ({"max_interval": 0}, "max_interval"),
    ({"min_coverage": 1.2}, "min_coverage"),
    ({"max_interval": float("nan")}, "max_interval"),
])
def test_bad_scheme_is_refused_and_changes_nothing(personas, change, field):
    services.scheme_update(actor=personas["officer"], year=YEAR, **_scheme())
    before = AssessmentScheme.objects.get(year=YEAR)
    with pytest.raises(ValidationFailed) as caught:
        services.scheme_update(actor=personas["officer"], year=YEAR, **_scheme(**change))
    assert field in caught.value.errors
    after = AssessmentScheme.objects.get(year=YEAR)
    assert (after.metrics, after.min_n, after.max_interval, after.min_coverage, after.updated_at) == \
        (before.metrics, before.min_n, before.max_interval, before.min_coverage, before.updated_at)


def test_scheme_save_is_audited_and_only_for_the_officer(personas):
    with pytest.raises(Forbidden):
        services.scheme_update(actor=personas["leader"], year=YEAR, **_scheme())
    assert not AssessmentScheme.objects.exists()
    services.scheme_update(actor=personas["officer"], year=YEAR, **_scheme(min_n=5))
    scheme = scheme_for_year(year=YEAR)
    assert scheme.saved and scheme.min_n == 5 and scheme.updated_by == "officer"
    entry = AuditEntry.objects.filter(action="assessment.scheme_update").get()
    assert entry.detail["before"] is None and entry.detail["after"]["min_n"] == 5


def test_unit_head_sees_only_their_unit(world, personas, district):
    with clock_at(NOW):
        result = assessment_scores(user=personas["head"], year=YEAR)
        assert [r.unit.code for r in result.units] == ["MH-FGJ"]
        officer = assessment_scores(user=personas["officer"], year=YEAR, unit_id=district["housing"].pk)
        # The same figures as the officer's for that unit.
        mine = {f.code: (f.numerator, f.n) for f in result.units[0].figures}
        assert mine == {f.code: (f.numerator, f.n) for f in officer.units[0].figures}
        with pytest.raises(NotFound):
            assessment_scores(user=personas["head"], year=YEAR, unit_id=district["hr"].pk)
        with pytest.raises(NotFound):
            metric_drill(user=personas["head"], year=YEAR, unit_id=district["hr"].pk, code="decide_on_time")
        drill = metric_drill(user=personas["head"], year=YEAR, unit_id=district["housing"].pk, code="decide_on_time",
                             only="miss")
    assert [r.case.pk for r in drill.rows] == [world.cases["C"].pk]
    assert (drill.numerator, drill.n) == (2, 3)


def test_an_accusation_never_reaches_the_accused_unit_through_a_drill_down(world, personas, district, categories):
    """A case accusing the housing bureau, handled by the discipline body: counted for the discipline body;
    the housing head cannot open that unit's figures, and it never shows in any housing drill-down."""
    from tests.conftest import at
    from xinfang.cases import services as case_services
    from xinfang.cases.models import Case

    with clock_at(at("2026-04-01 09:00")):
        case = case_services.case_register(
            actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=at("2026-04-01 09:00"),
            matter_type=Case.MatterType.ACCUSATION, title="房管局干部违规", content="房管局某干部违规收受好处，请查处。",
            petitioners=[case_services.PetitionerInput(name="周九", id_number="", phone="")],
            category=categories["housing"], accused_units=[district["housing"]], force_new=True).case
        case_services.case_route(case=case, unit=district["discipline"], mode=Case.RouteMode.TRANSFER,
                                 actor=personas["officer"])
    with clock_at(NOW):
        officer = metric_drill(user=personas["officer"], year=YEAR, unit_id=district["discipline"].pk,
                               code="accept_on_time")
        assert [r.case.pk for r in officer.rows] == [case.pk]
        with pytest.raises(NotFound):
            metric_drill(user=personas["head"], year=YEAR, unit_id=district["discipline"].pk, code="accept_on_time")
        for code in DEFAULT_SCHEME:
            drill = metric_drill(user=personas["head"], year=YEAR, unit_id=district["housing"].pk, code=code)
            assert case.pk not in {r.case.pk for r in drill.rows}


def test_demo_scheme(personas):
    from xinfang.demo.assessment import assessment_demo_seed

    scheme = assessment_demo_seed(now=NOW, officer=personas["officer"])
    assert scheme.year == YEAR and scheme.min_n == 5 and scheme.metrics["satisfaction"]["weight"] == 2.5
