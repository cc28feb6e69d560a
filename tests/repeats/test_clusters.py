"""Clusters of similar recent petitions from different people (xinfang/repeats/clusters.py)."""

from __future__ import annotations

from tests.conftest import at
from tests.repeats.conftest import BUS, ELEVATOR, SMELL, VALID_ID, WAGES
from xinfang.repeats.clusters import repeat_clusters

BUS_AGAIN = [
    ("公交线路调整后出行不便", "莘建路沿线新建了多个住宅小区，入住居民已有二百多户，附近却没有公交站点，建议增设站点并优化发车间隔。"),
    ("建议莘建路增设公交站", "建议在莘建路增设公交站点。莘建路沿线新建了多个住宅小区，入住居民已有二百多户，但附近没有公交站点。"),
    ("莘建路沿线无公交站点", "莘建路沿线新建多个住宅小区，居民已有二百多户，但附近没有公交站点，出行不便，建议增设站点。"),
]
NOW = at("2026-11-20 12:00")


def test_similar_petitions_of_different_people_form_a_cluster(petitions, personas):
    bus = [petitions.register(BUS, name="甲", when="2026-11-10 09:00")]
    bus += [petitions.register(text, name=name, when=f"2026-11-{day} 09:00")
            for text, name, day in zip(BUS_AGAIN, "乙丙丁", (12, 15, 18), strict=True)]
    petitions.register(WAGES, when="2026-11-11 09:00")
    petitions.register(ELEVATOR, when="2026-11-12 09:00")
    clusters = repeat_clusters(user=personas["officer"], now=NOW)
    assert len(clusters) == 1
    cluster = clusters[0]
    assert {c.pk for c in cluster.cases} == {c.pk for c in bus}
    assert cluster.size == 4 and cluster.people == 4
    assert cluster.representative.pk in {c.pk for c in bus}
    assert cluster.first_at == at("2026-11-10 09:00") and cluster.last_at == at("2026-11-18 09:00")
    assert cluster.streets == [("江川路街道", 4)] and cluster.categories == [("住房保障", 4)]
    assert cluster.shared


def test_one_persons_repeats_are_not_a_cluster(petitions, personas):
    for day, text in zip((10, 12, 15), [BUS, *BUS_AGAIN[:2]], strict=True):
        petitions.register(text, name="甲", id_number=VALID_ID, when=f"2026-11-{day} 09:00")
    assert repeat_clusters(user=personas["officer"], now=NOW) == []


def test_only_recent_petitions(petitions, personas):
    petitions.register(BUS, name="甲", when="2026-08-01 09:00")
    for text, name in zip(BUS_AGAIN[:2], "乙丙", strict=True):
        petitions.register(text, name=name, when="2026-11-15 09:00")
    assert repeat_clusters(user=personas["officer"], now=NOW) == []
    assert len(repeat_clusters(user=personas["officer"], now=NOW, days=120)) == 1


def test_clusters_come_through_the_gateway(petitions, personas):
    for text, name in zip([BUS, *BUS_AGAIN], "甲乙丙丁", strict=True):
        petitions.route(petitions.register(text, name=name, when="2026-11-15 09:00"), "housing")
    petitions.register(SMELL, when="2026-11-15 09:00")
    assert len(repeat_clusters(user=personas["handler"], now=NOW)) == 1
    assert repeat_clusters(user=personas["other_handler"], now=NOW) == []
    assert repeat_clusters(user=personas["audit_admin"], now=NOW) == []
