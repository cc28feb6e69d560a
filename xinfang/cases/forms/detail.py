"""Forms of the case page: one per workflow action, and the reveal of personal data.

The forms check only the shape of the input (required, integer, choice); the rules of the workflow
(lengths, windows, who may act) stay in the services, whose errors are put back on these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.access import unit_is_accused_in
from xinfang.accounts.models import Unit
from xinfang.cases.documents import DRAFT_PLACEHOLDER
from xinfang.cases.models import Case
from xinfang.cases.services.handling import LEGAL_CHANNELS
from xinfang.deadlines.rules import MAX_EXTENSION_DAYS, REPORT_MAX_DAYS
from xinfang.nlp.selectors import CategorySuggestion, UnitSuggestion, category_suggest, unit_suggest


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def route_units_offered(case: Case) -> list[Unit]:
    """The units a case may be routed to: active, not the bureau, and never an accused unit or a unit
    below one (信访工作条例 Art. 30 ¶3; the same rule as ``unit_is_accused_in``, in one query)."""
    accused_paths = [a.unit.path for a in case.accused.all() if a.unit is not None and a.unit.path]
    queryset = Unit.objects.filter(active=True).exclude(kind=Unit.Kind.BUREAU)
    if accused_paths:
        below_accused = Q()
        for path in accused_paths:
            below_accused |= Q(path__startswith=path)
        queryset = queryset.exclude(below_accused)
    return list(queryset.order_by("path"))


def route_suggestion(case: Case) -> tuple[UnitSuggestion, CategorySuggestion | None]:
    """The responsible unit to suggest for ``case`` (xinfang/nlp): the routing table of its category and
    street (DOMAIN.md "Categories") corrected by the history of confirmed routings — for a case without a
    category, of the category suggested from its text (returned too). Never a unit that may not receive
    the case: inactive, the bureau, or accused in it (信访工作条例 Art. 30 ¶3)."""
    category_suggestion = None
    category = case.category
    if category is None:
        category_suggestion = category_suggest(title=case.title, content=case.content)
        category = category_suggestion.category
    unit = unit_suggest(category=category, street=case.street,
                        allowed=lambda u: not unit_is_accused_in(unit=u, case=case),
                        category_suggested=case.category is None and category is not None)
    return unit, category_suggestion


class RouteForm(forms.Form):
    """转送 / 交办 (信访工作条例 Art. 22)."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("承办单位"), empty_label=_("请选择承办单位"))
    mode = forms.ChoiceField(label=_("转交方式"), choices=Case.RouteMode.choices, initial=Case.RouteMode.TRANSFER,
                             widget=forms.RadioSelect,
                             help_text=_("转送：转交有权处理的单位；交办：要求限期反馈办理结果并提交办结报告（第二十二条）。"))
    # 信访工作条例 Art. 22 (3): the bureau sets the time for the report of the result of an assigned matter.
    report_days = forms.IntegerField(
        label=_("交办反馈期限（日）"), required=False, min_value=1, max_value=REPORT_MAX_DAYS,
        help_text=_("仅用于交办：承办单位应在该期限内反馈办理结果、提交办结报告（第二十二条）；不填为75日。"))
    note = forms.CharField(label=_("附言"), required=False, max_length=2000, widget=_textarea(3))

    def __init__(self, *args: Any, case: Case, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        # Validation accepts any active unit so that a crafted choice of an accused unit reaches the
        # service, which refuses it and audits the denial; the list offered never contains one.
        field.queryset = Unit.objects.filter(active=True)
        offered = route_units_offered(case)
        field.widget.choices = [("", str(field.empty_label))] + [(u.pk, u.name) for u in offered]
        # Shown above the form (nlp/_route_suggestion.html) and preselected; the view records whether the
        # officer kept it.
        self.suggestion, self.category_suggestion = route_suggestion(case)
        suggested = self.suggestion.unit
        if suggested is not None:
            self.initial.setdefault("unit", suggested.pk)
            field.help_text = _("建议：%(u)s%(why)s") % {"u": suggested.name, "why": self.suggestion.reason}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The suggestion shown with the form goes with what was chosen, for the view to record.
        data["suggestion"] = self.suggestion
        return data


class AcceptForm(forms.Form):
    """受理 (Art. 23 ¶3): the acceptance notice is issued with it."""

    note = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=_textarea(2))


class RefuseForm(forms.Form):
    """不予受理, with the legal channel the matter belongs to (诉访分离, Art. 28 ¶2, Art. 31)."""

    reason = forms.CharField(label=_("不予受理的理由"), max_length=2000, widget=_textarea(4))
    legal_channel = forms.ChoiceField(
        label=_("应当导入的法定途径"),
        choices=[("", _("请选择"))] + list(LEGAL_CHANNELS.items()),
        help_text=_("申诉求决事项必须告知信访人应当通过的法定途径（《信访工作条例》第三十一条）。"),
    )


class ObjectForm(forms.Form):
    """退回: not within the unit's powers, within 5 working days of receipt (Art. 23 ¶3)."""

    reason = forms.CharField(label=_("异议理由"), max_length=2000, widget=_textarea(4),
                             help_text=_("说明该事项不属于本单位职权范围的理由，事项将退回区信访办重新转送交办。"))


class ExtendForm(forms.Form):
    """延期, once, at most 30 days, with the head's approval (Art. 34)."""

    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=MAX_EXTENSION_DAYS,
                              help_text=_("最多延长30日，只能延期一次（《信访工作条例》第三十四条）。"))
    reason = forms.CharField(label=_("延期理由"), max_length=2000, widget=_textarea(3),
                             help_text=_("延期理由将写入延期告知书，告知信访人。"))


class _DraftedTextForm(forms.Form):
    """An answer written from a draft: a text still holding the draft's blanks is not issued."""

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if DRAFT_PLACEHOLDER in text:
            raise forms.ValidationError(_("正文中还有“〔待填写……〕”的内容，请填写或删除后再签发。"))
        return text


class ReplyForm(_DraftedTextForm):
    """处理意见书 (Art. 32; mediation or settlement agreement, Art. 33)."""

    outcome = forms.ChoiceField(label=_("处理意见"), choices=Case.Outcome.choices)
    text = forms.CharField(label=_("处理意见书正文"), max_length=20000, widget=_textarea(14),
                           help_text=_("载明查明的事实、处理意见、理由和依据（第三十二条）。选择处理意见后可生成草稿，修改后签发。"))


class DecisionForm(_DraftedTextForm):
    """复查意见 (Art. 35) or 复核意见 (Art. 36)."""

    outcome = forms.ChoiceField(label=_("意见"), choices=Case.ReviewOutcome.choices)
    text = forms.CharField(label=_("意见书正文"), max_length=20000, widget=_textarea(12))


class NewFactsForm(forms.Form):
    """作为新事项受理: a repeat after re-review brings new facts or reasons (信访工作条例 Art. 36 ¶3)."""

    statement = forms.CharField(
        label=_("新的事实和理由"), max_length=2000, widget=_textarea(5),
        help_text=_("写明信访人提出了哪些复核时没有的事实和理由；该说明记入两个事项的办理过程和审计日志。"))


class RevealForm(forms.Form):
    """The stated reason for seeing a full ID or phone number (SECURITY.md 6; PIPL Art. 51)."""

    reason = forms.CharField(label=_("查看理由"), max_length=200,
                             help_text=_("查看完整身份证号和电话将记入审计日志。"))
