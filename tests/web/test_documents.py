"""Official documents (issue 3): the .docx of every issued notice and opinion in official-letter layout
(title, 文号, addressee, body, legal notice, issuing unit, date in Chinese), downloaded through the
gateway and audited; the drafts per outcome; the date and number helpers."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote

import docx
import pytest
from django.test import Client

# The case page tests' clock (in Chinese, at NOW): an autouse fixture, registered by import.
from tests.web.test_case_page import _frozen_clock  # noqa: F401
from xinfang.cases import services
from xinfang.cases.documents import (
    DRAFT_PLACEHOLDER,
    chinese_date,
    decision_draft,
    document_number,
    reply_draft,
)
from xinfang.cases.models import Case, CaseDocument
from xinfang.core.models import AuditEntry

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(client: Client, case: Case, kind: str) -> tuple[list[str], object]:
    document = CaseDocument.objects.get(case=case, kind=kind)
    response = client.get(f"/cases/{case.pk}/documents/{document.pk}.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    opened = docx.Document(io.BytesIO(response.content))
    return [p.text for p in opened.paragraphs], response


def test_chinese_date():
    assert chinese_date(date(2026, 11, 23)) == "二〇二六年十一月二十三日"
    assert chinese_date(date(2026, 1, 10)) == "二〇二六年一月十日"
    assert chinese_date(date(2026, 10, 31)) == "二〇二六年十月三十一日"
    assert chinese_date(date(2027, 12, 20)) == "二〇二七年十二月二十日"
    assert chinese_date(date(2030, 2, 5)) == "二〇三〇年二月五日"


def test_document_number_from_the_case_number():
    assert document_number(Case(number="XF-2026-000123")) == "〔2026〕第000123号"


def test_acceptance_notice_docx(cases, login):
    case = cases.accepted()
    texts, response = download(login("handler"), case, CaseDocument.Kind.ACCEPTANCE_NOTICE)
    assert texts[0] == "受理告知书"
    assert texts[1] == document_number(case) and texts[1].startswith("〔2026〕第")
    assert texts[2] == "张三："
    joined = "\n".join(texts)
    assert f"您反映的信访事项（{case.number}）已由区房管局受理" in joined
    assert "第二十三条" in joined and "二〇二七年一月" in joined
    # Seal line: the issuing unit, then the date in Chinese.
    assert texts[-2:] == ["区房管局", "二〇二六年十一月二十日"]
    document = CaseDocument.objects.get(case=case, kind=CaseDocument.Kind.ACCEPTANCE_NOTICE)
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.number}-acceptance_notice-{document.pk}.docx"; '
        f"filename*=utf-8''{quote(f'{case.number}-受理告知书-{document.pk}.docx')}"
    )
    assert AuditEntry.objects.filter(action="case.print", object_id=str(case.pk)).exists()


def test_title_is_centred_in_large_type(cases, login):
    case = cases.accepted()
    document = CaseDocument.objects.get(case=case, kind=CaseDocument.Kind.ACCEPTANCE_NOTICE)
    response = login("handler").get(f"/cases/{case.pk}/documents/{document.pk}.docx")
    opened = docx.Document(io.BytesIO(response.content))
    title = opened.paragraphs[0]
    assert title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size.pt == 22
    assert opened.paragraphs[-1].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT


def test_refusal_notice_names_the_legal_channel(cases, login):
    case = services.case_refuse(case=cases.routed(), actor=cases.personas["handler"],
                                reason="属于劳动争议，应当申请劳动仲裁", legal_channel="arbitration")
    texts, _ = download(login("handler"), case, CaseDocument.Kind.REFUSAL_NOTICE)
    joined = "\n".join(texts)
    assert texts[0] == "不予受理告知书" and texts[1] == document_number(case)
    assert "属于劳动争议，应当申请劳动仲裁" in joined
    assert "请您依法通过以下途径提出：仲裁（含劳动人事争议仲裁）。" in joined and "第三十一条" in joined


def test_extension_notice_gives_the_new_deadline(cases, login):
    case = services.case_extend(case=cases.accepted(), actor=cases.personas["head"], days=30,
                                reason="需要组织现场勘查")
    deadline = case.deadlines.get(kind="decide_by")
    texts, _ = download(login("head"), case, CaseDocument.Kind.EXTENSION_NOTICE)
    joined = "\n".join(texts)
    assert texts[0] == "延期告知书"
    assert "需要组织现场勘查" in joined and "第三十四条" in joined
    assert f"办理期限延长至{chinese_date(deadline.due_date)}" in joined


def test_reply_opinion_carries_the_body_and_the_review_route(cases, login):
    case = cases.replied()
    texts, _ = download(login("handler"), case, CaseDocument.Kind.REPLY_OPINION)
    joined = "\n".join(texts)
    window = case.deadlines.get(kind="review_request_by")
    assert texts[0] == "处理意见书" and texts[1] == document_number(case) and texts[2] == "张三："
    assert "经核查，已督促物业于十日内修复电梯。" in joined
    assert "30日内请求原办理机关的上一级机关复查" in joined and "第三十五条" in joined
    assert f"复查申请的截止日期为{chinese_date(window.due_date)}" in joined


def test_review_and_re_review_opinions_are_issued_by_the_reviewing_body(cases, login):
    case = cases.review_requested()
    services.case_review_decide(case=case, actor=cases.personas["officer"], outcome="uphold",
                                text="经复查，原处理意见认定事实清楚，予以维持。")
    texts, _ = download(login("officer"), case, CaseDocument.Kind.REVIEW_OPINION)
    assert texts[0] == "复查意见书" and "第三十六条" in "\n".join(texts) and texts[-2] == "区信访办"
    services.case_re_review_request(case=case, reason="仍不服，请求复核")
    services.case_re_review_decide(case=case, actor=cases.personas["officer"], outcome="uphold",
                                   text="经复核，维持复查意见，本意见为最终意见。")
    texts, _ = download(login("officer"), case, CaseDocument.Kind.RE_REVIEW_OPINION)
    assert texts[0] == "复核意见书" and "不再受理" in "\n".join(texts)


def test_download_is_scoped_through_the_gateway(cases, login):
    case = cases.accepted()
    other = cases.accepted(title="另一个小区的电梯问题", id_number="310112198506120027")
    document = CaseDocument.objects.get(case=case, kind=CaseDocument.Kind.ACCEPTANCE_NOTICE)
    assert login("other_handler").get(f"/cases/{case.pk}/documents/{document.pk}.docx").status_code == 404
    # A document id of another case under this case's address: 404.
    assert login("handler").get(f"/cases/{other.pk}/documents/{document.pk}.docx").status_code == 404
    assert not AuditEntry.objects.filter(action="case.print", result="ok").exists()
    assert AuditEntry.objects.filter(action="case.print", result="denied", object_id=str(case.pk)).exists()


@pytest.mark.parametrize("outcome", Case.Outcome.values)
def test_reply_drafts_exist_for_every_outcome(cases, outcome):
    case = cases.accepted()
    text = reply_draft(case=case, outcome=outcome)
    assert case.number in text and DRAFT_PLACEHOLDER in text and "&" not in text


@pytest.mark.parametrize("stage", ["review", "re_review"])
@pytest.mark.parametrize("outcome", Case.ReviewOutcome.values)
def test_decision_drafts_exist_for_every_outcome(cases, stage, outcome):
    case = cases.accepted()
    text = decision_draft(case=case, outcome=outcome, stage=stage)
    assert case.number in text and DRAFT_PLACEHOLDER in text
    assert ("第三十五条" if stage == "review" else "第三十六条") in text


def test_draft_is_not_html_escaped(cases):
    case = cases.accepted(title="A&B小区“电梯”<故障>")
    assert "A&B小区“电梯”<故障>" in reply_draft(case=case, outcome="support")


def test_attachment_downloads_under_a_generated_name(cases, login, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    case = cases.accepted()
    attachment = CaseDocument(case=case, kind=CaseDocument.Kind.ATTACHMENT, title="现场照片", key="k1",
                              original_name="../../现场<script>.JPG")
    attachment.file.save("ignored.jpg", ContentFile(b"\xff\xd8\xff fake jpeg"), save=True)
    html = login("handler").get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/documents/{attachment.pk}/file" in html and "现场照片" in html
    response = login("handler").get(f"/cases/{case.pk}/documents/{attachment.pk}/file")
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff fake jpeg"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and case.number in disposition
    assert "script" not in disposition and ".." not in disposition and disposition.endswith(".jpg")
    assert login("other_handler").get(f"/cases/{case.pk}/documents/{attachment.pk}/file").status_code == 404
    # An attachment is not a letter: no .docx of it.
    assert login("handler").get(f"/cases/{case.pk}/documents/{attachment.pk}.docx").status_code == 404
