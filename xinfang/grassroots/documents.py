"""The 人民调解协议书 of a mediation that reached an agreement, as a .docx in the layout of the case
documents (``xinfang/cases/documents.py``: GB/T 9704-2012 without the red header — title centred in large
type, the 文号, the body in 3号 仿宋 with two-character indents, the issuing unit and the date in Chinese).

What it says (信访工作条例 Art. 33: an agreement reached by mediation is written down as a 调解协议书): the
parties (name, role, masked ID number and address: SECURITY.md 7, no full ID number leaves the system in a
document), the organisations and mediators taking part, the facts and the matters in dispute, the terms
agreed, how and by when they are performed, and lines for the parties' and mediators' signatures. The
parts and their order are policy (the 人民调解法 is not among the law texts this project carries).
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from xinfang.cases.documents import (
    BODY_FONT,
    BODY_SIZE,
    NUMBER_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    _paragraph,
    chinese_date,
)
from xinfang.grassroots.models import Mediation

AGREEMENT_TITLE = "人民调解协议书"


def agreement_filename(mediation: Mediation) -> str:
    """A generated download name (never anything a user typed)."""
    return f"{AGREEMENT_TITLE}-{mediation.started_on.year}-{mediation.pk}.docx"


def agreement_content_disposition(mediation: Mediation) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", f"mediation-agreement-{mediation.pk}.docx")
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(agreement_filename(mediation))}"


def _heading(doc: Any, text: str) -> None:
    _paragraph(doc, text, font=BODY_FONT, size=BODY_SIZE, bold=True)


def agreement_build_docx(*, mediation: Mediation) -> bytes:
    """The agreement of ``mediation`` (its outcome is an agreement) as .docx bytes."""
    parties = list(mediation.parties.all())
    participants = list(mediation.participants.all())
    doc = Document()
    section = doc.sections[0]
    # GB/T 9704-2012 §5.2.1: A4, top 37 mm, left 28 mm (as the case documents).
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    doc.core_properties.title = AGREEMENT_TITLE
    doc.core_properties.author = mediation.unit.name

    _paragraph(doc, AGREEMENT_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=TITLE_SIZE,
               space_after=6)
    _paragraph(doc, mediation.number, align=WD_ALIGN_PARAGRAPH.CENTER, font=NUMBER_FONT, space_after=16)

    _heading(doc, _("当事人"))
    for party in parties:
        details = [f"{party.get_role_display()}：{party.name}"]
        if party.id_masked:
            details.append(_("身份证号 %(n)s") % {"n": party.id_masked})
        if party.address:
            details.append(_("住址 %(a)s") % {"a": party.address})
        _paragraph(doc, "，".join(details), indent=True)
    _heading(doc, _("参与调解单位和调解员"))
    for item in participants:
        _paragraph(doc, f"{item.get_kind_display()}：{item.organisation}　{item.mediator}", indent=True)
    _heading(doc, _("纠纷的主要事实和争议事项"))
    for line in mediation.matter.splitlines():
        if line.strip():
            _paragraph(doc, line.strip(), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _heading(doc, _("经调解，各方当事人自愿达成如下协议"))
    for line in mediation.agreement_terms.splitlines():
        if line.strip():
            _paragraph(doc, line.strip(), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    if mediation.performance or mediation.performance_due:
        _heading(doc, _("履行方式和期限"))
        if mediation.performance:
            _paragraph(doc, mediation.performance, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        if mediation.performance_due:
            _paragraph(doc, _("各方当事人应于%(d)s前履行完毕。") % {"d": chinese_date(mediation.performance_due)},
                       indent=True)
    _paragraph(doc, _("本协议一式%(n)d份，各方当事人和调解组织各执一份，自各方当事人签名（盖章）、调解员签名之日起"
                      "生效。调解组织将进行履行回访。") % {"n": len(parties) + 1}, indent=True,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph(doc, "")
    for party in parties:
        _paragraph(doc, _("当事人（签名）：%(name)s") % {"name": party.name} + "　" * 6)
    for item in participants:
        _paragraph(doc, _("调解员（签名）：%(name)s") % {"name": item.mediator} + "　" * 6)
    _paragraph(doc, "")
    concluded = timezone.localdate(mediation.concluded_at) if mediation.concluded_at else timezone.localdate()
    # Seal line as on the case documents: the mediating unit above the date, right-aligned.
    _paragraph(doc, mediation.unit.name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    date_paragraph = _paragraph(doc, chinese_date(concluded), align=WD_ALIGN_PARAGRAPH.RIGHT)
    date_paragraph.paragraph_format.right_indent = Pt(BODY_SIZE * 4)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
