"""/api/v1/governance/backlog/rules/ and /backlog/{id}/files/: the API twins of the rules page and of the
backlog page's upload, over the same selectors and services — same permissions, same scoping, same checks;
bad input changes nothing."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.cases.models import CaseDocument
from xinfang.core.models import AuditEntry
from xinfang.governance.models import BacklogRule
from xinfang.governance.rules import DEFAULT_RULES
from xinfang.governance.selectors import backlog_rules

BASE = "/api/v1/governance/backlog"


def _effective() -> dict[str, tuple[int, bool]]:
    return {r.kind: (r.threshold, r.active) for r in backlog_rules()}


def _pdf(name: str = "听证笔录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%minimal\n", content_type="application/pdf")


# --- Rules ------------------------------------------------------------------------------------------------

def test_the_rules_read_as_the_scan_applies_them(api):
    body = api("officer").get(f"{BASE}/rules/")
    assert body.status_code == 200, body.content
    rules = body.json()
    assert [r["code"] for r in rules] == list(DEFAULT_RULES)
    open_days = rules[0]
    assert open_days["threshold"] == open_days["default"] == 90 and open_days["enabled"] is True
    assert open_days["overridden"] is False and "第三十四条" in open_days["description"] and open_days["label"]


def test_only_the_officer_changes_a_rule_it_takes_effect_and_is_audited(api):
    payload = {"rules": [{"code": "open_days", "threshold": 60, "enabled": True},
                         {"code": "group_visit", "threshold": 5, "enabled": False}]}
    for name in ("leader", "handler"):
        refused = api(name).put(f"{BASE}/rules/", payload, format="json")
        assert refused.status_code == 403, (name, refused.content)
    assert not BacklogRule.objects.exists()
    changed = api("officer").put(f"{BASE}/rules/", payload, format="json")
    assert changed.status_code == 200, changed.content
    assert {r["code"]: (r["threshold"], r["enabled"]) for r in changed.json()}["open_days"] == (60, True)
    assert _effective()["open_days"] == (60, True) and _effective()["group_visit"] == (5, False)
    audits = AuditEntry.objects.filter(action="governance.backlog_rule_changed").order_by("id")
    assert [a.detail["kind"] for a in audits] == ["open_days", "group_visit"]
    assert audits[0].detail["before"] == {"threshold": 90, "active": True}
    assert audits[0].detail["after"] == {"threshold": 60, "active": True}


def test_bad_rules_are_refused_with_field_errors_and_nothing_changes(api):
    officer = api("officer")
    before = _effective()
    cases = [
        {"rules": [{"code": "open_days", "threshold": 60, "enabled": True},
                   {"code": "no_such_rule", "threshold": 3, "enabled": True}]},
        {"rules": [{"code": "open_days", "threshold": 60, "enabled": True},
                   {"code": "repeats", "threshold": -1, "enabled": True}]},
        {"rules": [{"code": "open_days", "threshold": 10, "enabled": True}]},  # below the minimum of 30
        {"rules": [{"code": "open_days", "threshold": "many", "enabled": True}]},
        {"rules": [{"code": "open_days", "threshold": 60, "enabled": True},
                   {"code": "open_days", "threshold": 70, "enabled": True}]},
        {"rules": []},
        {},
    ]
    for payload in cases:
        response = officer.put(f"{BASE}/rules/", payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        body = response.json()
        assert body["errors"], (payload, body)
    negative = officer.put(f"{BASE}/rules/", cases[1], format="json").json()
    assert "threshold" in negative["errors"]
    assert _effective() == before and not BacklogRule.objects.exists()
    assert AuditEntry.objects.filter(action="governance.backlog_rule_changed").count() == 0


def test_reading_the_rules_needs_the_permission(api):
    assert api("handler").get(f"{BASE}/rules/").status_code == 403
    assert api("officer").get(f"{BASE}/rules/").status_code == 200


# --- Files ------------------------------------------------------------------------------------------------

def test_the_team_uploads_through_the_api_and_lists_the_file(gov, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = gov.entry()
    leader = api("leader")
    created = leader.post(f"{BASE}/{entry.pk}/files/", {"attachments": [_pdf()]}, format="multipart")
    assert created.status_code == 201, created.content
    documents = created.json()["documents"]
    assert [d["title"] for d in documents] == ["听证笔录.pdf"]
    assert documents[0]["download"] == f"/api/v1/cases/{entry.case_id}/documents/{documents[0]['id']}/file/"
    listed = leader.get(f"{BASE}/{entry.pk}/files/")
    assert listed.status_code == 200 and [d["id"] for d in listed.json()] == [documents[0]["id"]]
    assert AuditEntry.objects.filter(action="governance.backlog_file_added", object_id=str(entry.pk)).count() == 1
    # The officer is not on the team: the page refuses them too (the service's rule).
    refused = api("officer").post(f"{BASE}/{entry.pk}/files/", {"attachments": [_pdf("b.pdf")]}, format="multipart")
    assert refused.status_code == 403, refused.content
    assert CaseDocument.objects.filter(case_id=entry.case_id, kind=CaseDocument.Kind.ATTACHMENT).count() == 1


def test_bad_uploads_are_refused_and_nothing_is_stored(gov, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.XINFANG = {**settings.XINFANG, "UPLOAD_MAX_BYTES": 1024}
    entry = gov.entry()
    leader = api("leader")
    bad = [
        SimpleUploadedFile("run.exe", b"MZ\x90\x00binary", content_type="application/octet-stream"),
        SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        SimpleUploadedFile("empty.txt", b"", content_type="text/plain"),
        SimpleUploadedFile("big.txt", b"a" * 2048, content_type="text/plain"),
    ]
    for upload in bad:
        response = leader.post(f"{BASE}/{entry.pk}/files/", {"attachments": [upload]}, format="multipart")
        assert response.status_code == 400, (upload.name, response.content)
        assert "attachments" in response.json()["errors"], upload.name
    none = leader.post(f"{BASE}/{entry.pk}/files/", {}, format="multipart")
    assert none.status_code == 400
    json = leader.post(f"{BASE}/{entry.pk}/files/", {"attachments": []}, format="json")
    assert json.status_code == 415
    assert not CaseDocument.objects.filter(case_id=entry.case_id, kind=CaseDocument.Kind.ATTACHMENT).exists()
    assert not AuditEntry.objects.filter(action="governance.backlog_file_added").exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_another_units_handler_gets_404_for_the_file(gov, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = gov.entry()
    other = api("other_handler")
    assert other.get(f"{BASE}/{entry.pk}/files/").status_code == 404
    response = other.post(f"{BASE}/{entry.pk}/files/", {"attachments": [_pdf()]}, format="multipart")
    assert response.status_code == 404
    assert api("leader").get(f"{BASE}/999999/files/").status_code == 404
    assert not CaseDocument.objects.filter(case_id=entry.case_id, kind=CaseDocument.Kind.ATTACHMENT).exists()
