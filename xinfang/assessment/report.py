"""The yearly report of 信访工作条例 Art. 41 (.docx) and the assessment tables (.xlsx).

Art. 41 ¶1: the bureau reports every year (1) the statistics of the matters, the fields they concern and the
bodies most complained about; (2) its transfers, assignments and supervision; (3) its recommendations and
whether they were taken up; (4) other matters — here the assessment table of Art. 39. The statistics are
read through the case gateway (``cases_visible_to``) like every other figure.

Charts are drawn by matplotlib (Agg backend, PNG in memory). Chinese labels need a CJK font: the first
installed one of ``CJK_FONTS`` is used; without one the charts are labelled with codes (C1, C2, …) and a
legend table under each chart names them, so a chart never shows empty boxes and never fails.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.models import Unit
from xinfang.assessment.metrics import METRICS
from xinfang.assessment.selectors import Assessment, Figure
from xinfang.cases.documents import (
    BODY_FONT,
    BODY_SIZE,
    TITLE_FONT,
    TITLE_SIZE,
    _paragraph,
    _style_run,
    chinese_date,
)
from xinfang.cases.models import Case, CaseAccused, CaseEvent, CaseRating
from xinfang.exports.formats import XLSX_TYPE, xlsx_cell
from xinfang.governance.selectors import supervision_orders_visible

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
__all__ = ["DOCX_TYPE", "XLSX_TYPE", "YearStatistics", "report_build_docx", "scores_build_xlsx", "year_statistics"]

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK JP")
TOP = 10


@dataclass
class YearStatistics:
    """Art. 41 (1)–(2) for one year, over the cases the reader may see."""

    year: int
    received: int = 0
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_matter_type: list[tuple[str, int]] = field(default_factory=list)
    routed: int = 0  # cases received in the year that were transferred or assigned
    accepted: int = 0
    concluded: int = 0  # cases closed in the year (any closing: reply, refusal, forwarding …)
    categories: list[tuple[str, int]] = field(default_factory=list)
    # (unit, named as accused, dissatisfied ratings): the bodies most complained about.
    complained: list[tuple[str, int, int]] = field(default_factory=list)
    transfers: int = 0
    assignments: int = 0
    supervision_issued: int = 0
    supervision_listed: int = 0


def _year_range(year: int) -> tuple[Any, Any]:
    from xinfang.assessment.selectors import _year_bounds

    return _year_bounds(year)


def year_statistics(*, user: Any, year: int) -> YearStatistics:
    since, until = _year_range(year)
    visible = cases_visible_to(user)
    received = visible.filter(received_at__gte=since, received_at__lt=until)
    stats = YearStatistics(year=year, received=received.count())
    channels = dict(Case.Channel.choices)
    stats.by_channel = [(str(channels.get(r["channel"], r["channel"])), r["n"]) for r in
                        received.values("channel").annotate(n=Count("pk")).order_by("-n", "channel")]
    types = dict(Case.MatterType.choices)
    stats.by_matter_type = [(str(types.get(r["matter_type"], r["matter_type"])), r["n"]) for r in
                            received.values("matter_type").annotate(n=Count("pk")).order_by("-n", "matter_type")]
    stats.routed = received.filter(routed_at__isnull=False).count()
    stats.accepted = received.filter(accepted_at__isnull=False).count()
    stats.concluded = visible.filter(closed_at__gte=since, closed_at__lt=until).count()
    stats.categories = [(r["category__name"] or str(_("未分类")), r["n"]) for r in
                        received.values("category__name").annotate(n=Count("pk")).order_by("-n", "category__name")][:TOP]
    accused = Counter(dict(CaseAccused.objects.filter(case__in=received.values("pk"), unit__isnull=False)
                           .values("unit_id").annotate(n=Count("case_id", distinct=True))
                           .values_list("unit_id", "n")))
    dissatisfied = Counter(dict(CaseRating.objects.filter(case__in=visible.values("pk"), at__gte=since, at__lt=until,
                                                          rating=CaseRating.Rating.DISSATISFIED, unit__isnull=False)
                                .values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")))
    names = dict(Unit.objects.filter(pk__in=set(accused) | set(dissatisfied)).values_list("pk", "name"))
    complained = [(names.get(pk, "?"), accused[pk], dissatisfied[pk]) for pk in set(accused) | set(dissatisfied)]
    complained.sort(key=lambda r: (-(r[1] + r[2]), r[0]))
    stats.complained = complained[:TOP]
    modes = Counter(str((data or {}).get("mode", "")) for data in
                    CaseEvent.objects.filter(action="routed", at__gte=since, at__lt=until,
                                             case__in=visible.values("pk")).values_list("data", flat=True))
    stats.transfers, stats.assignments = modes[Case.RouteMode.TRANSFER], modes[Case.RouteMode.ASSIGN]
    orders = supervision_orders_visible(user=user).filter(issued_at__gte=since, issued_at__lt=until)
    stats.supervision_issued = orders.count()
    stats.supervision_listed = orders.filter(listed=True).count()
    return stats


# --- Charts ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family of ``CJK_FONTS``, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _bar_chart(title: str, labels: list[str], values: list[float], *, percent: bool = False,
               font: str | None) -> tuple[bytes, list[tuple[str, str]]]:
    """A horizontal bar chart as PNG bytes, and the legend (code, label) when labels are codes (no CJK
    font); the title is in the document's caption, not in the picture."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure

    legend: list[tuple[str, str]] = []
    shown = labels
    if font is None:
        shown = [f"C{i}" for i in range(1, len(labels) + 1)]
        legend = list(zip(shown, labels, strict=True))
    figure = MplFigure(figsize=(6.4, max(1.6, 0.38 * len(labels) + 0.8)), dpi=120)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color="#3b6ea5")
    axes.set_yticks(positions)
    axes.set_yticklabels(shown, fontfamily=font or "DejaVu Sans", fontsize=9)
    if percent:
        axes.set_xlim(0, 100)
    for pos, value in zip(positions, values, strict=True):
        axes.text(value, pos, f" {value:.1f}" if percent else f" {value:g}", va="center", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue(), legend


# --- The .docx ---------------------------------------------------------------------------------------------

def _heading(doc: Any, text: str) -> None:
    _paragraph(doc, text, font=BODY_FONT, size=BODY_SIZE, bold=True, space_after=4)


def _table(doc: Any, header: list[str], rows: list[list[Any]]) -> Any:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _style_run(cell.paragraphs[0].add_run(str(text)), font=BODY_FONT, size=10, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _style_run(cell.paragraphs[0].add_run("" if value is None else str(value)), font=BODY_FONT, size=10)
    return table


def _chart(doc: Any, caption: str, labels: list[str], values: list[float], *, percent: bool = False) -> None:
    if not labels:
        return
    png, legend = _bar_chart(caption, labels, values, percent=percent, font=cjk_font())
    doc.add_picture(io.BytesIO(png), width=Mm(150))
    _paragraph(doc, caption, align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    if legend:
        _table(doc, [_("图中代码"), _("名称")], [list(r) for r in legend])


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def figure_text(figure: Figure) -> str:
    """A figure as the tables print it: value, numerator/n, and a mark for a small sample."""
    if figure.n == 0:
        return "—"
    text = f"{_percent(figure.value)} ({figure.numerator}/{figure.n})"
    return f"{text} *" if figure.small else text


def scores_header() -> list[str]:
    return [str(_("排名")), str(_("单位")), str(_("得分")), *[str(m.name) for m in METRICS]]


def scores_rows(assessment: Assessment) -> list[list[Any]]:
    rows = []
    for row in assessment.units:
        rank = row.rank if row.rank is not None else str(_("样本不足"))
        score = "—" if row.score is None else f"{row.score:.1f}"
        rows.append([rank, row.unit.name, score, *[figure_text(f) for f in row.figures]])
    return rows


def report_filename(year: int) -> str:
    return f"信访情况年度报告-{year}.docx"


def report_content_disposition(year: int) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", f"petition-annual-report-{year}.docx")
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(report_filename(year))}"


def scores_filename(year: int) -> str:
    return f"目标考核-{year}.xlsx"


def scores_content_disposition(year: int) -> str:
    return f"attachment; filename=\"assessment-{year}.xlsx\"; filename*=utf-8''{quote(scores_filename(year))}"


def report_build_docx(*, assessment: Assessment, statistics: YearStatistics, recommendations: str,
                      issuer: str) -> bytes:
    """The yearly report (Art. 41) as .docx bytes."""
    year = assessment.year
    doc = Document()
    section = doc.sections[0]
    # GB/T 9704-2012 §5.2.1: A4, as the case documents.
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    title = _("%(y)d年度信访情况报告") % {"y": year}
    doc.core_properties.title = title
    doc.core_properties.author = issuer
    _paragraph(doc, title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=TITLE_SIZE, space_after=12)
    _paragraph(doc, _("根据《信访工作条例》第四十一条，现将%(y)d年度信访情况报告如下。") % {"y": year}, indent=True)

    s = statistics
    _heading(doc, _("一、信访事项数据统计"))
    _paragraph(doc, _("全年共收到信访事项%(r)d件，其中转送交办%(t)d件，受理%(a)d件；全年办结%(c)d件。")
               % {"r": s.received, "t": s.routed, "a": s.accepted, "c": s.concluded}, indent=True)
    _table(doc, [_("渠道"), _("件数")], [list(r) for r in s.by_channel])
    _chart(doc, _("图1 按渠道统计"), [r[0] for r in s.by_channel], [float(r[1]) for r in s.by_channel])
    _table(doc, [_("事项类型"), _("件数")], [list(r) for r in s.by_matter_type])

    _heading(doc, _("二、信访事项涉及领域"))
    _table(doc, [_("问题类别"), _("件数")], [list(r) for r in s.categories])
    _chart(doc, _("图2 反映较多的领域"), [r[0] for r in s.categories], [float(r[1]) for r in s.categories])

    _heading(doc, _("三、被投诉较多的机关、单位"))
    if s.complained:
        _table(doc, [_("单位"), _("被检举控告件数"), _("不满意评价件数")], [list(r) for r in s.complained])
    else:
        _paragraph(doc, _("本年度没有被检举控告或被评价为不满意的单位。"), indent=True)

    _heading(doc, _("四、转送、交办、督办情况"))
    _table(doc, [_("项目"), _("件数")], [[_("转送"), s.transfers], [_("交办"), s.assignments],
                                        [_("督办"), s.supervision_issued], [_("其中挂牌督办"), s.supervision_listed]])

    _heading(doc, _("五、信访工作目标考核情况"))
    _paragraph(doc, _("得分 = 100 × Σ（权重 × 目标达成度）÷ Σ 权重，只计样本充足的指标；带 * 的数值样本量不足，"
                      "不计入得分；样本充足指标的权重合计不足%(c).0f%%的单位不参与排名。")
               % {"c": assessment.scheme.min_coverage * 100}, indent=True)
    _table(doc, scores_header(), scores_rows(assessment))
    ranked = assessment.ranked
    _chart(doc, _("图3 各单位得分"), [r.unit.name for r in ranked], [float(r.score or 0) for r in ranked],
           percent=True)

    _heading(doc, _("六、改进工作、完善政策的建议"))
    # Typed text: characters an XML document cannot hold (control characters) are dropped, not fatal.
    for line in ILLEGAL_CHARACTERS_RE.sub("", recommendations or "").splitlines():
        if line.strip():
            _paragraph(doc, line.strip(), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph(doc, "")
    _paragraph(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, chinese_date(timezone.localdate()), align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def scores_build_xlsx(*, assessment: Assessment, statistics: YearStatistics | None = None) -> bytes:
    """The assessment table (and, when given, the year's statistics) as .xlsx bytes; text cells guarded
    against formula injection (exports.formats.xlsx_cell)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("目标考核"))[:31])
    sheet.append([xlsx_cell(sheet, _("%(y)d年度目标考核（* 样本不足，不计入得分）") % {"y": assessment.year})])
    sheet.append([xlsx_cell(sheet, h) for h in scores_header()])
    for row in scores_rows(assessment):
        sheet.append([xlsx_cell(sheet, v) for v in row])
    detail = workbook.create_sheet(str(_("指标明细"))[:31])
    detail.append([xlsx_cell(detail, h) for h in (_("单位"), _("指标"), _("分子"), _("样本量"), _("数值"),
                                                  _("目标"), _("权重"), _("样本不足"))])
    for unit_row in assessment.units:
        for f in unit_row.figures:
            detail.append([xlsx_cell(detail, v) for v in (unit_row.unit.name, str(f.metric.name), f.numerator, f.n,
                                                          None if f.value is None else round(f.value, 4),
                                                          f.target, f.weight, f.small_reason)])
    if statistics is not None:
        stats = workbook.create_sheet(str(_("年度统计"))[:31])
        for label, rows in ((_("渠道"), statistics.by_channel), (_("事项类型"), statistics.by_matter_type),
                            (_("问题类别"), statistics.categories)):
            stats.append([xlsx_cell(stats, label), xlsx_cell(stats, _("件数"))])
            for name, n in rows:
                stats.append([xlsx_cell(stats, name), n])
            stats.append([])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
