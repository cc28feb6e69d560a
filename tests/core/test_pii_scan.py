"""SECURITY.md 5 and 7: after real work (registrations by service and API, routing, acceptance with an SMS
sent, reads, a reveal), no full ID number sits in any column of any table, nor in the log output."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from tests.conftest import at
from xinfang.cases.models import Case, Petitioner
from xinfang.cases.services import case_accept, case_route
from xinfang.core.clock import clock_at
from xinfang.core.idnumber import id_number_mask

pytestmark = pytest.mark.django_db

# Valid GB 11643 numbers (check digits verified in test_idnumber.py), two of them with X.
ID_A = "110101199003074514"
ID_B = "11010519491231002X"
ID_C = "310112198506120027"
ID_D = "44030619990101001X"
PHONE_A = "13812345678"
PHONE_D = "13987654321"


def database_text() -> str:
    """Every value of every row of every table in the database, as text."""
    parts: list[str] = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        assert "cases_petitioner" in tables and "core_auditentry" in tables
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - names from the introspection
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    parts.append(str(value))
    return "\n".join(parts)


def full_numbers_in(text: str, numbers: list[str]) -> list[str]:
    lowered = text.lower()
    return [n for n in numbers if n.lower() in lowered]


def test_no_full_id_number_in_the_database_or_the_logs(api, personas, district, register, caplog,
                                                      django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    full_width_b = "".join(chr(ord(c) + 0xFEE0) for c in ID_B[:17]) + "ｘ"

    # By the service: plain, lower-case x, full-width.
    case_a = register(id_number=ID_A, phone=PHONE_A)
    register(id_number=ID_B.lower(), title="楼道堆物", name="李四")
    register(id_number=full_width_b, title="噪声扰民", name="李四")
    # By the API, with the request logged.
    response = api("registrar").post("/api/v1/cases/", {
        "channel": "letter", "received_at": "2026-10-09T10:00:00+08:00", "matter_type": "claim",
        "title": "拖欠工资", "content": "公司拖欠三个月工资。",
        "petitioners": [{"name": "王五", "id_number": ID_C, "phone": "138 0000 1111"},
                        {"name": "赵六", "id_number": f" {ID_D} ", "phone": PHONE_D}],
        "category": "LDSB", "street": "MH-JCL", "group_size": 2,
    }, format="json")
    assert response.status_code == 201, response.json()
    case_c = response.json()["id"]
    # A refused registration (bad title) that still carries a valid ID number.
    refused = api("registrar").post("/api/v1/cases/", {
        "channel": "letter", "received_at": "2026-10-09T10:00:00+08:00", "matter_type": "claim",
        "title": "", "content": "x", "petitioners": [{"name": "王五", "id_number": ID_C}],
    }, format="json")
    assert refused.status_code == 400

    # Routing and acceptance queue and send an SMS (the gateway logs), reads are audited.
    with clock_at(at("2026-09-02 10:00")), django_capture_on_commit_callbacks(execute=True):
        case_route(case=case_a, unit=district["housing"], mode=Case.RouteMode.TRANSFER,
                   actor=personas["officer"])
        case_accept(case=Case.objects.get(pk=case_a.pk), actor=personas["handler"])
    assert api("officer").get(f"/api/v1/cases/{case_c}/").status_code == 200
    assert api("officer").get("/api/v1/cases/").status_code == 200

    # A reveal answers the full number to the caller; it must not be kept anywhere.
    petitioner = Petitioner.objects.get(name="王五")
    revealed = api("officer").post(f"/api/v1/cases/{case_c}/petitioners/{petitioner.pk}/reveal/",
                                   {"reason": "电话回访核实身份"}, format="json")
    assert revealed.status_code == 200, revealed.json()
    assert revealed.json()["id_number"] == ID_C

    ids = [ID_A, ID_B, ID_C, ID_D, full_width_b]
    dump = database_text()
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    # The scan saw the data: the masked forms are there ...
    for number in (ID_A, ID_B, ID_C, ID_D):
        assert id_number_mask(number) in dump
    assert Petitioner.objects.filter(id_hash__gt="").count() == 4  # B twice, found again by its hash
    assert "delivered" in logs  # the SMS went through the log-only gateway
    # ... and no full number, nor a full phone number.
    assert full_numbers_in(dump, ids) == []
    assert full_numbers_in(logs, ids) == []
    assert full_numbers_in(dump + logs, [PHONE_A, PHONE_D, "13800001111"]) == []


def test_the_scan_finds_a_number_that_is_there(register):
    """The scanner itself: a full number written into a column is found."""
    case = register(id_number=ID_A)
    assert full_numbers_in(database_text(), [ID_A]) == []
    Case.objects.filter(pk=case.pk).update(title=f"身份证 {ID_B.lower()}")
    assert full_numbers_in(database_text(), [ID_A, ID_B]) == [ID_B]
