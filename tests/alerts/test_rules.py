"""The rules against the database: planted situations fire with their figures explained, quiet data and
unrelated petitions do not, thresholds tighten during a sensitive period, group matters alert at once."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from tests.alerts.conftest import NOW, TODAY
from xinfang.alerts.models import Alert, AlertAccused
from xinfang.alerts.scan import alerts_scan
from xinfang.cases import services as case_services
from xinfang.cases.models import Case
from xinfang.notifications.models import Notification

pytestmark = pytest.mark.django_db
WEEK = timedelta(days=7)


def _baseline(plant, per_week: int, **kwargs):
    """``per_week`` cases a week in each of the 8 weeks before the window."""
    for week in range(1, 9):
        end = NOW - WEEK * week
        plant.many(per_week, start=end - WEEK + timedelta(hours=1), end=end - timedelta(hours=1), **kwargs)


def test_planted_spike_fires_with_its_numbers(plant):
    _baseline(plant, 1)
    _baseline(plant, 2, street="street2", category="labour", unit="hr")
    planted = plant.many(10, start=NOW - timedelta(days=6), end=NOW - timedelta(hours=1))
    plant.many(2, start=NOW - timedelta(days=6), end=NOW - timedelta(hours=1), street="street2", category="labour",
               unit="hr")
    result = alerts_scan(only=["spike"])
    assert result["raised"] == 1
    alert = Alert.objects.get()
    assert alert.rule == Alert.Rule.SPIKE and alert.street.code == "MH-JCL" and alert.category.code == "ZFBZ"
    assert alert.unit == alert.street
    assert sorted(alert.case_ids) == sorted(c.pk for c in planted)
    figures = alert.figures
    assert figures["observed"] == 10 and figures["expected"] == pytest.approx(1.0)
    assert figures["window_days"] == 7 and figures["baseline_days"] == 56 and figures["alpha"] == 0.01
    assert figures["p_value"] < 1e-5 and figures["adjusted_p"] <= 0.01
    for text in ("江川路街道", "住房保障", "10 件", "预期约 1.0 件", "p = ", "Benjamini–Hochberg"):
        assert text in alert.explanation
    # Never a petition's text in the explanation.
    assert "小区电梯" not in alert.explanation


@pytest.mark.parametrize("seed", range(3))
def test_quiet_data_raises_no_alarm(plant, seed):
    """Steady Poisson arrivals in every street × category (two streets, three categories) for 9 weeks."""
    rng = np.random.default_rng(seed)
    for street, unit in (("street", "housing"), ("street2", "hr")):
        for category in ("housing", "labour", "property"):
            rate = rng.uniform(0.2, 1.5)  # a day
            for day in range(63):
                for _ in range(int(rng.poisson(rate))):
                    plant.case(received=NOW - timedelta(days=day, hours=int(rng.integers(1, 20))), street=street,
                               category=category, unit=unit)
    assert alerts_scan(only=["spike"])["raised"] == 0
    assert not Alert.objects.exists()


def test_sensitive_period_tightens_the_spike_rule(plant, critical_period):
    # 3 cases this week in a street × category that had 1 in 8 weeks: below the normal bar (5), above the
    # bar of a critical period (3, alpha 0.05).
    plant.case(received=NOW - timedelta(days=30))
    plant.many(3, start=NOW - timedelta(days=5), end=NOW - timedelta(hours=2))
    critical_period.delete()
    assert alerts_scan(only=["spike"])["raised"] == 0
    critical_period.save()
    result = alerts_scan(only=["spike"])
    assert result["raised"] == 1 and result["sensitive_period"] == "全国两会"
    alert = Alert.objects.get()
    assert alert.sensitive_period == critical_period
    assert alert.figures["alpha"] == 0.05 and alert.figures["min_count"] == 3
    assert "全国两会" in alert.explanation and "阈值已收紧" in alert.explanation


CLUSTER_TEXTS = [
    "莘庄工业区某电子厂拖欠工人三个月工资，老板失联，要求政府帮助追讨欠薪",
    "某电子厂老板失联，拖欠我们工人三个月工资，请求政府帮助追讨欠薪",
    "莘庄工业区电子厂拖欠工资三个月，老板已经失联，要求追讨欠薪",
    "电子厂老板失联了，工人三个月工资被拖欠，要求政府帮忙追讨欠薪",
    "莘庄工业区某电子厂拖欠三个月工资，老板失联，工人要求追讨欠薪",
    "某电子厂拖欠工人三个月工资老板失联，希望政府帮助追讨欠薪",
]
UNRELATED_TEXTS = [
    "小区电梯长期故障，物业一直不修，老人上下楼困难",
    "道路施工夜间噪声扰民，影响休息，请求限制施工时间",
    "菜市场周边占道经营严重，交通堵塞，请加强管理",
    "申请廉租房三年未有结果，请求说明审核进度",
    "邻居违章搭建阳光房，遮挡采光，请求拆除",
    "公交线路调整后出行不便，建议恢复原站点",
]


def test_cluster_of_similar_petitions_from_many_people_fires(plant):
    cases = [plant.case(received=NOW - timedelta(days=3, hours=i), title=text[:20], content=text, category="labour",
                        street="street2", unit="hr") for i, text in enumerate(CLUSTER_TEXTS)]
    assert alerts_scan(only=["cluster"])["raised"] == 1
    alert = Alert.objects.get()
    assert alert.rule == Alert.Rule.CLUSTER and set(alert.case_ids) == {c.pk for c in cases}
    assert alert.figures["people"] == 6 and alert.figures["observed"] == 6
    assert "6 名不同的信访人" in alert.explanation and "莘庄镇" in alert.explanation
    assert alert.unit.code == "MH-RSJ"
    # The same group seen again (one more petition): the same alert, updated.
    more = plant.case(received=NOW - timedelta(hours=5), title="电子厂欠薪", content=CLUSTER_TEXTS[0] + "，请尽快处理",
                      category="labour", street="street2", unit="hr")
    assert alerts_scan(only=["cluster"]) == {"raised": 0, "updated": 1, "suppressed": 0, "sensitive_period": None}
    alert.refresh_from_db()
    assert more.pk in alert.case_ids and alert.times_seen == 2


def test_the_same_number_of_unrelated_petitions_does_not(plant):
    for i, text in enumerate(UNRELATED_TEXTS):
        plant.case(received=NOW - timedelta(days=3, hours=i), title=text[:20], content=text)
    assert alerts_scan(only=["cluster"])["raised"] == 0


def test_similar_petitions_from_one_person_are_no_cluster(plant):
    for i, text in enumerate(CLUSTER_TEXTS):
        plant.case(received=NOW - timedelta(days=3, hours=i), title=text[:20], content=text, person="王某某")
    assert alerts_scan(only=["cluster"])["raised"] == 0


def test_cluster_with_an_accusation_leaves_out_the_shared_words(plant):
    for i, text in enumerate(CLUSTER_TEXTS):
        plant.case(received=NOW - timedelta(days=3, hours=i), title=text[:20], content=text,
                   matter_type=Case.MatterType.ACCUSATION if i == 0 else Case.MatterType.CLAIM,
                   accused_units=("hr",) if i == 0 else ())
    alerts_scan(only=["cluster"])
    alert = Alert.objects.get()
    assert "共同用语" not in alert.explanation
    assert AlertAccused.objects.filter(alert=alert, unit__code="MH-RSJ").exists()


def test_accelerating_petitioner(plant):
    first = plant.case(received=NOW - timedelta(days=110), person="李建国")
    plant.case(received=NOW - timedelta(days=80), person="李建国", repeat_of=first)
    repeats = [plant.case(received=NOW - timedelta(days=d), person="李建国", repeat_of=first)
               for d in (25, 18, 12, 8, 4, 1)]
    # Another petitioner repeating at a steady pace: once a month.
    origin = plant.case(received=NOW - timedelta(days=119), person="王秀英")
    for d in (100, 70, 40, 10):
        plant.case(received=NOW - timedelta(days=d), person="王秀英", repeat_of=origin)
    assert alerts_scan(only=["acceleration"])["raised"] == 1
    alert = Alert.objects.get()
    assert alert.rule == Alert.Rule.ACCELERATION
    assert alert.figures["observed"] == 6 and alert.figures["expected"] == pytest.approx(1 / 3, abs=0.01)
    assert set(c.pk for c in repeats) <= set(alert.case_ids)
    assert "李某" in alert.explanation and "李建国" not in alert.explanation and "李建国" not in alert.title
    assert alert.unit.code == "MH-FGJ"


def test_repeats_linked_later_by_an_officer_count(plant, personas):
    from xinfang.petitioners.models import CaseLink

    first = plant.case(received=NOW - timedelta(days=100), person="赵强")
    later = [plant.case(received=NOW - timedelta(days=d), person="赵强") for d in (20, 15, 9, 5, 2)]
    for case in later:
        CaseLink.objects.create(from_case=case, to_case=first, kind=CaseLink.Kind.REPEAT_OF, created_at=NOW)
    assert alerts_scan(only=["acceleration"])["raised"] == 1


def test_unit_deadline_risk_against_its_own_normal(plant):
    # The housing bureau: usually 1 deadline at risk; now 8 due within 3 working days or overdue.
    for week in range(1, 9):
        day = TODAY - timedelta(weeks=week)
        case = plant.case(received=NOW - timedelta(days=90))
        plant.deadline(case, due=day + timedelta(days=1), met_at=NOW - timedelta(weeks=week) + timedelta(days=1))
    at_risk = []
    for i in range(8):
        case = plant.case(received=NOW - timedelta(days=50))
        # Opened four days ago (so at risk in no earlier snapshot); two of them already overdue.
        plant.deadline(case, due=TODAY + timedelta(days=i % 3) - timedelta(days=2 if i < 2 else 0),
                       start=TODAY - timedelta(days=4))
        at_risk.append(case)
    # The HR bureau: 6 at risk now, as every week.
    for week in range(0, 9):
        for _ in range(6):
            case = plant.case(received=NOW - timedelta(days=90), unit="hr", category="labour")
            met = None if week == 0 else NOW - timedelta(weeks=week) + timedelta(days=2)
            plant.deadline(case, due=TODAY - timedelta(weeks=week) + timedelta(days=1), met_at=met)
    assert alerts_scan(only=["deadlines"])["raised"] == 1
    alert = Alert.objects.get()
    assert alert.rule == Alert.Rule.DEADLINES and alert.unit.code == "MH-FGJ"
    assert alert.figures["observed"] == 8 and alert.figures["overdue"] == 2
    # Its normal: one a week (two around the National Day holidays, when 3 working days reach further).
    assert len(alert.figures["history"]) == 8 and set(alert.figures["history"]) <= {1, 2}
    assert alert.figures["expected"] == pytest.approx(sum(alert.figures["history"]) / 8, abs=0.01)
    assert set(alert.case_ids) == {c.pk for c in at_risk}
    assert "区房管局" in alert.explanation and "第三十四条" in alert.explanation


def _register_group(personas, district, categories, *, size: int):
    return case_services.case_register(
        actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=NOW - timedelta(hours=1),
        matter_type=Case.MatterType.CLAIM, title="动迁安置补偿不到位", content="某地块动迁居民反映安置补偿标准不一致，要求统一。",
        petitioners=[case_services.PetitionerInput(name="代表甲", id_number="", phone="", address="")],
        group_size=size, representatives=[], category=categories["housing"], street=district["street"],
        force_new=True).case


def test_group_matter_in_a_sensitive_period_alerts_at_once(personas, district, categories, critical_period,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = _register_group(personas, district, categories, size=30)
    assert len(callbacks) >= 1
    alert = Alert.objects.get(rule=Alert.Rule.GROUP_SENSITIVE)
    assert alert.case_ids == [case.pk] and alert.severity == "high" and alert.sensitive_period == critical_period
    assert "30 人" in alert.explanation and "第二十条" in alert.explanation
    # The bureau officer and the leader are told at once, without case content.
    texts = list(Notification.objects.filter(kind="alert").values_list("user__username", "text"))
    assert {u for u, _ in texts} == {"officer", "leader"}
    assert all("/alerts/" in t and "安置补偿" not in t for _, t in texts)
    # The periodic scan does not raise it again, even once closed.
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.CLOSED, closed_at=NOW)
    assert alerts_scan(only=["group_sensitive"])["raised"] == 0


def test_group_matter_outside_a_sensitive_period_or_small_does_not(personas, district, categories, critical_period,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _register_group(personas, district, categories, size=3)
    assert callbacks == []  # below the threshold the hook is not even queued
    critical_period.delete()
    with django_capture_on_commit_callbacks(execute=True):
        _register_group(personas, district, categories, size=12)
    assert not Alert.objects.exists()


def test_the_scan_catches_group_matters_the_hook_missed(plant, critical_period):
    case = plant.case(received=NOW - timedelta(hours=3), group_size=8)
    assert alerts_scan(only=["group_sensitive"])["raised"] == 1
    assert Alert.objects.get().case_ids == [case.pk]
