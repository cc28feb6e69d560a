from tests.conftest import VALID_ID


def test_lifecycle_smoke(api, categories, district):
    registrar = api("registrar")
    r = registrar.post("/api/v1/cases/", {
        "channel": "letter", "received_at": "2026-09-30T10:00:00+08:00", "matter_type": "claim",
        "title": "小区电梯长期故障", "content": "我住在江川路某小区，电梯已经坏了三个月，物业一直不修。",
        "petitioners": [{"name": "张三", "id_number": VALID_ID, "phone": "13812345678", "address": "江川路1号"}],
        "category": "ZFBZ", "street": "MH-JCL",
    }, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["number"].startswith("XF-")
    case_id = body["id"]
    r = api("officer").post(f"/api/v1/cases/{case_id}/route/", {"unit": "MH-FGJ", "mode": "transfer"}, format="json")
    assert r.status_code == 200, r.json()
    r = api("handler").post(f"/api/v1/cases/{case_id}/accept/", {}, format="json")
    assert r.status_code == 200, r.json()
    r = api("head").post(f"/api/v1/cases/{case_id}/extend/", {"days": 30, "reason": "需要现场勘查"}, format="json")
    assert r.status_code == 200, r.json()
    r = api("handler").post(f"/api/v1/cases/{case_id}/reply/", {"outcome": "support", "text": "经核查，已督促物业于十日内修复电梯。"}, format="json")
    assert r.status_code == 200, r.json()
    code = body["query_code"]
    r = api(None).get(f"/api/v1/portal/track/{code}/")
    assert r.status_code == 200, r.json()
    r = api(None).post("/api/v1/portal/rate/", {"query_code": code, "rating": "dissatisfied"}, format="json")
    assert r.status_code == 200, r.json()
    r = api(None).post("/api/v1/portal/review/", {"query_code": code, "reason": "电梯仍未修好"}, format="json")
    assert r.status_code == 200, r.json()
    r = api("officer").post(f"/api/v1/cases/{case_id}/review/decide/", {"outcome": "uphold", "text": "维持原处理意见，督促落实。"}, format="json")
    assert r.status_code == 200, r.json()
    r = api(None).post("/api/v1/portal/re-review/", {"query_code": code, "reason": "仍不满意原处理"}, format="json")
    assert r.status_code == 200, r.json()
    r = api("officer").post(f"/api/v1/cases/{case_id}/re-review/decide/", {"outcome": "uphold", "text": "维持复查意见，本事项终结。"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "closed"
    r = api("other_handler").get(f"/api/v1/cases/{case_id}/")
    assert r.status_code == 404


def test_an_in_memory_sqlite_suite_stays_in_memory_in_every_worker(db):
    """`make test` runs SQLite with DATABASE_URL=sqlite:///:memory: in several processes (pytest-xdist): each
    worker's test database must be in memory too, not a file named after ":memory:" in the working tree."""
    import os

    import pytest
    from django.db import connection

    if os.environ.get("DATABASE_URL", "sqlite:///:memory:") != "sqlite:///:memory:":
        pytest.skip("the suite runs on PostgreSQL or on a SQLite file chosen on purpose")
    assert connection.vendor == "sqlite"
    assert connection.is_in_memory_db(), connection.settings_dict["NAME"]
