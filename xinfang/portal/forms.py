"""Forms of the public portal: submit, track by query code, rate, ask for review or re-review.

The forms check what a citizen typed and give a clear message next to the field; the rules of the workflow
(who may rate, until when a review may be asked for) are the services' and come back as their errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, CaseRating, Category
from xinfang.cases.services.registration import ID_REASONS
from xinfang.core.idnumber import InvalidIdNumber, id_number_validate, phone_normalize
from xinfang.portal.submission import PETITION_MATTER_TYPES, PortalSubmission

PETITION = "petition"
SUGGESTION = "suggestion"


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class SubmitForm(forms.Form):
    """An online petition (信访事项) or suggestion (意见建议) with the submitter's real identity
    (信访工作条例 Art. 17: real name, contact and address), a consent to the privacy notice
    (个人信息保护法 Art. 14, 17, 29) and a honeypot field that people never see."""

    matter_type = forms.ChoiceField(
        label=_("事项类型"), widget=forms.RadioSelect, initial=Case.MatterType.CLAIM,
        choices=[(value, Case.MatterType(value).label) for value in PETITION_MATTER_TYPES],
        help_text=_("不确定时请选“申诉求决”，工作人员会依法分类办理。"),
        error_messages=_required(_("请选择事项类型。")),
    )
    title = forms.CharField(label=_("标题"), max_length=200, error_messages=_required(_("请填写标题。")),
                            help_text=_("用一句话概括，例如“小区电梯长期故障”。"))
    content = forms.CharField(label=_("内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages=_required(_("请填写内容。")),
                              help_text=_("请写明时间、地点、经过和您的诉求，不超过20000字。"))
    category = forms.ModelChoiceField(label=_("问题分类（可不选）"), required=False,
                                      queryset=Category.objects.filter(active=True), empty_label=_("不清楚"))
    street = forms.ModelChoiceField(label=_("所在街道（镇）（可不选）"), required=False,
                                    queryset=Unit.objects.filter(kind=Unit.Kind.STREET, active=True),
                                    empty_label=_("不清楚"))
    name = forms.CharField(label=_("姓名"), max_length=50, error_messages=_required(_("请填写真实姓名。")),
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(
        label=_("居民身份证号码"), max_length=24, error_messages=_required(_("请填写居民身份证号码。")),
        help_text=_("18位，最后一位可以是X。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, error_messages=_required(_("请填写联系电话。")),
                            help_text=_("手机号码或带区号的固定电话。"),
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))
    address = forms.CharField(label=_("通讯地址"), max_length=200, error_messages=_required(_("请填写通讯地址。")),
                              help_text=_("用于邮寄书面告知书和意见书。"),
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    consent = forms.BooleanField(
        label=_("我已阅读上述《个人信息保护告知》，同意为办理本事项处理我的个人信息，并单独同意处理我的身份证号码"
                "（敏感个人信息）。"),
        error_messages=_required(_("请阅读个人信息保护告知并勾选同意，否则无法在网上提交。")),
    )
    # Honeypot: hidden from people by CSS (class "hp", aria-hidden, out of the tab order); bots that fill
    # every field fill it too.
    website = forms.CharField(label=_("请勿填写此项"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args: Any, kind: str = PETITION, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == SUGGESTION:
            # 人民建议征集: one matter type; the content asks for the reason and the proposed measure.
            del self.fields["matter_type"]
            self.fields["content"].help_text = _("请写明您发现的问题、理由和具体的建议措施，不超过20000字。")
            self.fields["title"].help_text = _("用一句话概括您的建议。")

    def clean_id_number(self) -> str:
        try:
            return id_number_validate(self.cleaned_data["id_number"])
        except InvalidIdNumber as exc:
            raise forms.ValidationError(_(ID_REASONS[exc.reason])) from None

    def clean_phone(self) -> str:
        try:
            return phone_normalize(self.cleaned_data["phone"])
        except ValueError:
            raise forms.ValidationError(_("电话号码格式不正确，请填写11位手机号码或带区号的固定电话。")) from None

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website", "").strip())

    def submission(self) -> PortalSubmission:
        data = self.cleaned_data
        return PortalSubmission(
            matter_type=data.get("matter_type") or Case.MatterType.SUGGESTION, title=data["title"],
            content=data["content"], name=data["name"], id_number=data["id_number"], phone=data["phone"],
            address=data["address"], category=data["category"], street=data["street"],
        )


class TrackForm(forms.Form):
    """The query code, typed by the citizen and sent by POST only: codes are secrets and stay out of URLs,
    browser history and server logs."""

    query_code = forms.CharField(
        label=_("查询码"), max_length=40, error_messages=_required(_("请输入查询码。")),
        help_text=_("提交时显示的16位查询码，可以带或不带短横线，不区分大小写。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class _CodeCarrierForm(forms.Form):
    """An action on a tracked case: the code travels again in a hidden field and is checked again."""

    query_code = forms.CharField(max_length=40, widget=forms.HiddenInput)


class RateForm(_CodeCarrierForm):
    """满意 / 基本满意 / 不满意, once per answer (信访事项办理群众满意度评价工作办法, 2014)."""

    rating = forms.ChoiceField(label=_("您对答复的评价"), choices=CaseRating.Rating.choices, widget=forms.RadioSelect,
                               error_messages=_required(_("请选择满意、基本满意或不满意。")))


class ReasonForm(_CodeCarrierForm):
    """A request for review (复查, Art. 35) or re-review (复核, Art. 36): the reason is required."""

    reason = forms.CharField(label=_("申请理由"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                             error_messages=_required(_("请写明申请理由。")),
                             help_text=_("请写明您对意见不服的事实和理由。"))
