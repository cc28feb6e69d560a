"""Official documents of a case: drafts of the written answers and the .docx of issued notices.

The services write a ``CaseDocument`` row (kind, title, body, issued_at) when a notice or opinion is
issued; this module turns such a row into a letter in the layout of official documents (公文格式, after
GB/T 9704-2012, without the red header: title centred in large type, the document number (文号), the
addressee, the body, the legal notice of the kind, the issuing unit and the date written in Chinese).

Drafts: the handler starts from the template of the chosen outcome (``templates/cases/detail/drafts/``),
edits it and issues it; the text issued is the text the service stores.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from xinfang.cases.models import Case, CaseDocument
from xinfang.cases.services.handling import LEGAL_CHANNELS

# A marker the drafts put where the handler must write; a text still holding one is not issued.
DRAFT_PLACEHOLDER = "〔待填写"

_DIGITS = "〇一二三四五六七八九"
_NUMBER_RE = re.compile(r"^[A-Z]*-?(?P<year>\d{4})-(?P<seq>\d+)$")

# GB/T 9704-2012 §5.2 and §7: 3号 仿宋 for the text, 2号 小标宋 for the title; fonts fall back on
# machines without them (Word substitutes), nothing is embedded or downloaded.
TITLE_FONT, TITLE_SIZE = "方正小标宋简体", 22
BODY_FONT, BODY_SIZE = "仿宋_GB2312", 16
NUMBER_FONT = "仿宋_GB2312"

ISSUED_KINDS = frozenset(CaseDocument.Kind.values) - {CaseDocument.Kind.ATTACHMENT}


def _cn_small(n: int) -> str:
    """1..31 in Chinese numerals as dates write them (十一, 二十, 三十一)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


def chinese_date(value: date) -> str:
    """``2026-11-23`` → ``二〇二六年十一月二十三日`` (GB/T 9704-2012 §7.3.5.3: the date of issue in
    Chinese numerals, the year in full)."""
    year = "".join(_DIGITS[int(d)] for d in f"{value.year:04d}")
    return f"{year}年{_cn_small(value.month)}月{_cn_small(value.day)}日"


def document_number(case: Case) -> str:
    """The 文号 of the case's documents from the case number: ``XF-2026-000123`` → ``〔2026〕第000123号``
    (GB/T 9704-2012 §7.2.4: year in 〔〕, sequence without leading words)."""
    match = _NUMBER_RE.match(case.number or "")
    if match is None:
        return f"〔{case.received_at.year}〕{case.number}号"
    return f"〔{match['year']}〕第{match['seq']}号"


def document_filename(*, case: Case, document: CaseDocument) -> str:
    """A generated download name: the case number (letters, digits, dashes), the kind and the row id —
    never anything a user typed."""
    label = CaseDocument.Kind(document.kind).label if document.kind in CaseDocument.Kind.values else "document"
    return f"{case.number}-{label}-{document.pk}.docx"


def document_content_disposition(*, case: Case, document: CaseDocument) -> str:
    """``attachment`` with an ASCII name for old clients and the Chinese name (RFC 6266 ``filename*``)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{case.number}-{document.kind}-{document.pk}.docx")
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(document_filename(case=case, document=document))}"


def case_addressee(case: Case) -> str:
    """The petitioner(s) the letter is addressed to; a group visit is addressed to its representatives."""
    links = list(case.case_petitioners.all())
    representatives = [link for link in links if link.is_representative]
    names = [link.petitioner.name for link in (representatives or links)]
    if not names:
        return _("信访人")
    if len(names) > 3:
        return _("%(names)s等%(n)d人") % {"names": "、".join(names[:3]), "n": case.group_size or len(names)}
    return "、".join(names)


def _deadline(case: Case, kind: str) -> Any:
    for deadline in case.deadlines.all():
        if deadline.kind == kind and not deadline.cancelled:
            return deadline
    return None


def document_legal_notice(*, case: Case, document: CaseDocument) -> list[str]:
    """The notice of rights and deadlines each kind of document must carry."""
    kind = document.kind
    if kind == CaseDocument.Kind.ACCEPTANCE_NOTICE:
        decide = _deadline(case, "decide_by")
        lines = [_("根据《信访工作条例》第二十三条规定，特此告知。")]
        if decide is not None:
            lines.append(_("本单位将依照《信访工作条例》第三十二条、第三十四条规定，于%(d)s前办结并书面答复。")
                         % {"d": chinese_date(decide.due_date)})
        return lines
    if kind == CaseDocument.Kind.REFUSAL_NOTICE:
        channel = LEGAL_CHANNELS.get(case.legal_channel or "", "")
        lines = [_("根据《信访工作条例》第二十三条、第二十八条第二款和第三十一条规定，对依法应当通过诉讼、仲裁、"
                   "行政复议等法定途径解决的投诉请求，信访人应当依照有关法律、行政法规规定的程序向有关机关提出。")]
        if channel and case.legal_channel != "none":
            lines.append(_("请您依法通过以下途径提出：%(c)s。") % {"c": channel})
        return lines
    if kind == CaseDocument.Kind.EXTENSION_NOTICE:
        decide = _deadline(case, "decide_by")
        due = chinese_date(decide.due_date) if decide is not None else ""
        return [_("根据《信访工作条例》第三十四条规定，经本单位负责人批准，办理期限延长至%(d)s，特此告知。")
                % {"d": due}] if due else [_("根据《信访工作条例》第三十四条规定，经本单位负责人批准，办理期限延长，特此告知。")]
    if kind == CaseDocument.Kind.REPLY_OPINION:
        if case.matter_type != Case.MatterType.CLAIM:
            return []
        window = _deadline(case, "review_request_by")
        lines = [_("如对本处理意见不服，可以自收到本意见书之日起30日内请求原办理机关的上一级机关复查"
                   "（《信访工作条例》第三十五条）。")]
        if window is not None:
            lines.append(_("复查申请的截止日期为%(d)s。") % {"d": chinese_date(window.due_date)})
        return lines
    if kind == CaseDocument.Kind.REVIEW_OPINION:
        window = _deadline(case, "re_review_request_by")
        lines = [_("如对本复查意见不服，可以自收到本意见书之日起30日内向复查机关的上一级机关请求复核"
                   "（《信访工作条例》第三十六条）。")]
        if window is not None:
            lines.append(_("复核申请的截止日期为%(d)s。") % {"d": chinese_date(window.due_date)})
        return lines
    if kind == CaseDocument.Kind.RE_REVIEW_OPINION:
        return [_("本复核意见为最终意见。信访人对复核意见不服，仍以同一事实和理由提出投诉请求的，"
                  "不再受理（《信访工作条例》第三十六条第三款）。")]
    return []


def document_issuer(*, case: Case, document: CaseDocument) -> str:
    """The issuing unit: the reviewing body (the officer's unit) for review opinions, the handling unit
    for everything a unit issues."""
    creator_unit = getattr(document.created_by, "unit", None) if document.created_by_id else None
    if document.kind in (CaseDocument.Kind.REVIEW_OPINION, CaseDocument.Kind.RE_REVIEW_OPINION) and creator_unit:
        return creator_unit.name
    if case.handling_unit is not None:
        return case.handling_unit.name
    return creator_unit.name if creator_unit else ""


def _style_run(run: Any, *, font: str, size: int, bold: bool = False) -> None:
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    # Word takes Chinese characters from the East Asian font slot, which ``font.name`` does not set.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _paragraph(doc: Any, text: str, *, align: Any = None, indent: bool = False, font: str = BODY_FONT,
               size: int = BODY_SIZE, bold: bool = False, space_after: int = 0) -> Any:
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # two characters, as official letters indent
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    fmt.line_spacing = Pt(28)  # GB/T 9704 §5.2.2: 22 lines of 28 pt on an A4 page
    _style_run(paragraph.add_run(text), font=font, size=size, bold=bold)
    return paragraph


def document_build_docx(*, case: Case, document: CaseDocument) -> bytes:
    """The .docx of an issued notice or opinion (``case`` loaded with petitioners and deadlines)."""
    doc = Document()
    section = doc.sections[0]
    # GB/T 9704-2012 §5.2.1: A4, top 37 mm, left 28 mm, text block 156 × 225 mm.
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    doc.core_properties.title = document.title
    doc.core_properties.author = document_issuer(case=case, document=document)

    label = CaseDocument.Kind(document.kind).label
    _paragraph(doc, str(label), align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=TITLE_SIZE,
               space_after=6)
    _paragraph(doc, document_number(case), align=WD_ALIGN_PARAGRAPH.CENTER, font=NUMBER_FONT, space_after=16)
    _paragraph(doc, f"{case_addressee(case)}：")
    for line in (document.body or "").splitlines():
        if line.strip():
            _paragraph(doc, line.strip(), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    for line in document_legal_notice(case=case, document=document):
        _paragraph(doc, line, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph(doc, "")
    _paragraph(doc, "")
    issued = timezone.localdate(document.issued_at) if document.issued_at else timezone.localdate()
    # Seal line (GB/T 9704 §7.3.5.1): the issuing unit above the date, right-aligned, the date four
    # characters in from the right margin.
    _paragraph(doc, document_issuer(case=case, document=document), align=WD_ALIGN_PARAGRAPH.RIGHT)
    date_paragraph = _paragraph(doc, chinese_date(issued), align=WD_ALIGN_PARAGRAPH.RIGHT)
    date_paragraph.paragraph_format.right_indent = Pt(BODY_SIZE * 4)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _draft_context(case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "addressee": case_addressee(case),
        "received": chinese_date(timezone.localdate(case.received_at)),
        "unit": case.handling_unit.name if case.handling_unit else "",
        "placeholder": DRAFT_PLACEHOLDER,
    }


def reply_draft(*, case: Case, outcome: str) -> str:
    """The draft 处理意见书 body for ``outcome`` (信访工作条例 Art. 32: facts, reasons and the legal
    basis; support / explain / reject; Art. 33 for a mediation or settlement agreement)."""
    if outcome not in Case.Outcome.values:
        return ""
    return render_to_string(f"cases/detail/drafts/reply_{outcome}.txt", _draft_context(case)).strip() + "\n"


def decision_draft(*, case: Case, outcome: str, stage: str) -> str:
    """The draft 复查 (Art. 35) or 复核 (Art. 36) opinion for ``outcome`` (uphold / revise / revoke)."""
    if outcome not in Case.ReviewOutcome.values or stage not in ("review", "re_review"):
        return ""
    context = {**_draft_context(case), "stage": stage}
    return render_to_string(f"cases/detail/drafts/decision_{outcome}.txt", context).strip() + "\n"
