"""One case beyond its detail, as the case page has it: the actions allowed now, related cases, documents
(list, .docx, attachments up and down) and draft texts — scoped by ``access_case`` (another unit: 404; the
accused unit: 404), with the page's permissions."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from docx import Document

from tests.api.builders import assert_error, check_each
from xinfang.cases import services
from xinfang.cases.models import Case, CaseDocument, CaseEvent
from xinfang.cases.selectors_actions import case_actions_allowed
from xinfang.core.models import AuditEntry

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _get(api: Any, name: str | None, url: str, **params: Any) -> Any:
    return api(name).get(url, params)


# -- actions and related cases --------------------------------------------------------------------------

def test_actions_are_the_pages(api, flow, personas):
    registered, _ = flow.case_at("registered")
    routed, _ = flow.case_at("routed")
    accepted, _ = flow.case_at("accepted")
    review, _ = flow.case_at("review_requested")
    expected = {
        ("officer", registered): ["route"], ("registrar", registered): [],
        ("handler", routed): ["accept", "refuse", "object"], ("officer", routed): [],
        ("handler", accepted): ["reply"], ("head", accepted): ["reply", "extend"],
        ("officer", review): ["review_decide"], ("leader", review): [],
    }
    for (name, case), allowed in expected.items():
        response = api(name).get(f"/api/v1/cases/{case.pk}/actions/")
        assert response.status_code == 200, (name, response.content)
        body = response.json()
        assert body["allowed"] == allowed, (name, case.status, body)
        # The page offers the same forms (one selector for both).
        case_fresh = Case.objects.prefetch_related("deadlines").get(pk=case.pk)
        assert body["allowed"] == case_actions_allowed(user=personas[name], case=case_fresh)
    assert api("head").get(f"/api/v1/cases/{accepted.pk}/actions/").json()["can_reveal"] is True
    assert api("handler").get(f"/api/v1/cases/{accepted.pk}/actions/").json()["can_reveal"] is False


def test_related_cases(api, flow):
    original, _ = flow.case_at("closed")
    repeat = services.case_register(
        actor=flow.personas["registrar"], channel=Case.Channel.LETTER, received_at=original.received_at,
        matter_type=Case.MatterType.CLAIM, title="电梯又坏了", content="同一问题再次反映",
        petitioners=[services.PetitionerInput(name="张三")], repeat_of=original).case
    body = api("officer").get(f"/api/v1/cases/{repeat.pk}/related/").json()
    assert datetime.fromisoformat(body[0].pop("received_at")) == original.received_at
    assert body == [{"id": original.pk, "number": original.number, "title": original.title, "status": "closed",
                     "is_original": True}]
    back = api("officer").get(f"/api/v1/cases/{original.pk}/related/").json()
    assert [(r["id"], r["is_original"]) for r in back] == [(repeat.pk, False)]


# -- documents -------------------------------------------------------------------------------------

@pytest.fixture
def replied(flow) -> Case:
    case, _ = flow.case_at("replied")
    return case


def test_documents_list_and_docx(api, replied, personas):
    response = api("handler").get(f"/api/v1/cases/{replied.pk}/documents/")
    assert response.status_code == 200
    documents = response.json()
    assert [d["kind"] for d in documents] == ["acceptance_notice", "reply_opinion"]
    reply = documents[1]
    assert reply["public"] and reply["download"] == f"/api/v1/cases/{replied.pk}/documents/{reply['id']}/docx/"
    download = api("handler").get(reply["download"])
    assert download.status_code == 200 and download["Content-Type"] == DOCX_TYPE
    assert "attachment;" in download["Content-Disposition"] and replied.number in download["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(download.content)).paragraphs)
    assert "处理意见书" in text and "已督促物业于十日内修复电梯" in text
    assert AuditEntry.objects.filter(action="case.print", object_id=str(replied.pk), username="handler").exists()
    # The same bytes as the page's download (one builder for both).
    page = Client()
    page.force_login(personas["handler"])
    page_docx = page.get(f"/cases/{replied.pk}/documents/{reply['id']}.docx")
    assert page_docx.status_code == 200
    page_text = "\n".join(p.text for p in Document(io.BytesIO(page_docx.content)).paragraphs)
    assert page_text == text
    # Asking for the file's own type is fine; errors stay JSON whatever is asked for.
    assert api("handler").get(reply["download"], HTTP_ACCEPT=DOCX_TYPE).status_code == 200
    missing = api("handler").get(f"/api/v1/cases/{replied.pk}/documents/999999/docx/", HTTP_ACCEPT=DOCX_TYPE)
    assert_error(missing, 404)


def test_documents_are_scoped(api, replied, flow):
    accusation, _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                  accused_units=("housing",))
    flow.route(accusation, unit="discipline")
    services.case_accept(case=accusation, actor=flow.personas["discipline_handler"])
    notice = CaseDocument.objects.get(case=accusation)
    doc = CaseDocument.objects.filter(case=replied).first()
    check_each({
        "other unit, list": lambda: assert_error(api("other_handler").get(f"/api/v1/cases/{replied.pk}/documents/"),
                                                 404),
        "other unit, docx": lambda: assert_error(
            api("other_handler").get(f"/api/v1/cases/{replied.pk}/documents/{doc.pk}/docx/"), 404),
        "accused unit, list": lambda: assert_error(api("head").get(f"/api/v1/cases/{accusation.pk}/documents/"), 404),
        "accused unit, docx": lambda: assert_error(
            api("handler").get(f"/api/v1/cases/{accusation.pk}/documents/{notice.pk}/docx/"), 404),
        "accused unit, actions": lambda: assert_error(api("head").get(f"/api/v1/cases/{accusation.pk}/actions/"), 404),
        "accused unit, related": lambda: assert_error(api("head").get(f"/api/v1/cases/{accusation.pk}/related/"), 404),
        "another case's document": lambda: assert_error(
            api("discipline_handler").get(f"/api/v1/cases/{accusation.pk}/documents/{doc.pk}/docx/"), 404),
        "an issued document is no attachment": lambda: assert_error(
            api("handler").get(f"/api/v1/cases/{replied.pk}/documents/{doc.pk}/file/"), 404),
        "a huge id": lambda: assert_error(
            api("handler").get(f"/api/v1/cases/{replied.pk}/documents/{2**64}/docx/"), 404),
        "no case role": lambda: assert_error(api("system_admin").get(f"/api/v1/cases/{replied.pk}/documents/"), 403),
        "anonymous": lambda: assert_error(api(None).get(f"/api/v1/cases/{replied.pk}/documents/"), 401),
    })
    assert AuditEntry.objects.filter(result="denied", object_id=str(accusation.pk)).exists()
    assert api("discipline_handler").get(f"/api/v1/cases/{accusation.pk}/documents/").status_code == 200


# -- attachments -----------------------------------------------------------------------------------

def _upload(api: Any, name: str | None, case: Case, *files: Any) -> Any:
    return api(name).post(f"/api/v1/cases/{case.pk}/attachments/", {"files": list(files)}, format="multipart")


def test_attachments_of_a_registered_case(api, flow):
    case, _ = flow.case_at("registered")
    response = _upload(api, "registrar", case, SimpleUploadedFile("来信原件.pdf", PDF, "application/pdf"),
                       SimpleUploadedFile("说明.txt", "电梯坏了".encode(), "text/plain"))
    assert response.status_code == 201, response.content
    documents = response.json()["documents"]
    assert [d["title"] for d in documents] == ["来信原件.pdf", "说明.txt"]
    assert all(d["kind"] == "attachment" and not d["public"] for d in documents)
    assert CaseEvent.objects.filter(case=case, action="attachments_added").count() == 1
    download = api("officer").get(documents[0]["download"])
    assert download.status_code == 200 and download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == PDF
    assert f'{case.number}-' in download["Content-Disposition"] and "来信原件" not in download["Content-Disposition"]
    assert AuditEntry.objects.filter(action="case.document.read", object_id=str(case.pk)).exists()
    listed = api("officer").get(f"/api/v1/cases/{case.pk}/documents/").json()
    assert [d["id"] for d in listed] == [d["id"] for d in documents]


def test_attachment_refusals_store_nothing(api, flow, settings):
    case, _ = flow.case_at("registered")
    routed, _ = flow.case_at("routed")
    pdf = lambda: SimpleUploadedFile("a.pdf", PDF, "application/pdf")  # noqa: E731
    check_each({
        "an exe named pdf": lambda: assert_error(
            _upload(api, "registrar", case, SimpleUploadedFile("a.pdf", b"MZ\x90\x00" * 10, "application/pdf")), 400,
            "attachments"),
        "a type not allowed": lambda: assert_error(
            _upload(api, "registrar", case, SimpleUploadedFile("a.exe", b"MZ\x90\x00", "application/pdf")), 400,
            "attachments"),
        "no file": lambda: assert_error(_upload(api, "registrar", case), 400),
        "not a file": lambda: assert_error(api("registrar").post(f"/api/v1/cases/{case.pk}/attachments/",
                                                                 {"files": "x"}, format="multipart"), 400, "files.0"),
        "too many": lambda: assert_error(_upload(api, "registrar", case, *[pdf() for _ in range(6)]), 400,
                                         "attachments"),
        "json": lambda: assert_error(api("registrar").post(f"/api/v1/cases/{case.pk}/attachments/", {"files": []},
                                                           format="json"), 415),
        "already routed": lambda: assert_error(_upload(api, "officer", routed, pdf()), 409),
        "no permission": lambda: assert_error(_upload(api, "leader", case, pdf()), 403),
        "out of scope": lambda: assert_error(_upload(api, "handler", case, pdf()), 404),
        "anonymous": lambda: assert_error(_upload(api, None, case, pdf()), 401),
    })
    assert not CaseDocument.objects.filter(kind=CaseDocument.Kind.ATTACHMENT).exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


# -- drafts --------------------------------------------------------------------------------------------

def test_drafts(api, flow):
    accepted, _ = flow.case_at("accepted")
    review, _ = flow.case_at("review_requested")
    reply = api("handler").get(f"/api/v1/cases/{accepted.pk}/drafts/reply/", {"outcome": "support"})
    assert reply.status_code == 200 and accepted.number in reply.json()["text"] and "〔待填写" in reply.json()["text"]
    decision = api("officer").get(f"/api/v1/cases/{review.pk}/drafts/review/", {"outcome": "uphold"})
    assert decision.status_code == 200 and decision.json()["text"].strip()
    assert api("officer").get(f"/api/v1/cases/{review.pk}/drafts/re-review/", {"outcome": "revoke"}).status_code == 200
    nothing_saved = CaseEvent.objects.filter(case=accepted).count()
    check_each({
        "bad outcome": lambda: assert_error(api("handler").get(f"/api/v1/cases/{accepted.pk}/drafts/reply/",
                                                               {"outcome": "uphold"}), 400, "outcome"),
        "no outcome": lambda: assert_error(api("handler").get(f"/api/v1/cases/{accepted.pk}/drafts/reply/"), 400),
        "other unit": lambda: assert_error(api("other_handler").get(f"/api/v1/cases/{accepted.pk}/drafts/reply/",
                                                                    {"outcome": "support"}), 404),
    })
    assert CaseEvent.objects.filter(case=accepted).count() == nothing_saved
