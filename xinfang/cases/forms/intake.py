"""Forms of the intake screen (登记): the petition, its petitioners and representatives, the petitioner
look-up and the attachments.

The forms check what can be checked field by field, so each message sits next to its field; the service
``case_register`` checks everything again (it is also called by the API) and any rule only it knows comes
back through ``IntakeForms.add_service_errors``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from django import forms
from django.forms.formsets import BaseFormSet, formset_factory
from django.forms.utils import ErrorDict, ErrorList
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.access import access_case
from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, Category
from xinfang.cases.services.attachments import (
    ALLOWED_TYPES,
    ATTACHMENT_FIELD,
    attachments_validate,
    upload_limits,
)
from xinfang.cases.services.registration import CLOCK_SKEW, ID_REASONS, PetitionerInput
from xinfang.core.errors import ApplicationError, NotFound, ValidationFailed
from xinfang.core.idnumber import InvalidIdNumber, id_number_validate, phone_normalize
from xinfang.deadlines.rules import MAX_REPRESENTATIVES

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_PETITIONERS = 20
MAX_ACCUSED_PERSONS = 20
# Matter types that may name accused units or persons (信访工作条例 Art. 30; claims against a unit).
ACCUSED_MATTER_TYPES = (Case.MatterType.ACCUSATION, Case.MatterType.CLAIM)
_ID_INPUT_ATTRS = {"autocomplete": "off", "spellcheck": "false", "maxlength": "20", "inputmode": "text"}


def clean_id_number_text(raw: str) -> str:
    """The normalized ID number, or a ``ValidationError`` saying exactly what is wrong (GB 11643)."""
    if not raw.strip():
        return ""
    try:
        return id_number_validate(raw)
    except InvalidIdNumber as exc:
        raise forms.ValidationError(_(ID_REASONS[exc.reason]), code=exc.reason) from None


def clean_phone_text(raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        return phone_normalize(raw)
    except ValueError:
        raise forms.ValidationError(_("电话号码格式不正确（手机11位，或带区号的固定电话）。"), code="phone") from None


class PetitionerLookupForm(forms.Form):
    """Who is at the counter? Any of the three keys; when several are given, all must match."""

    prefix = "lookup"

    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=20,
                                widget=forms.TextInput(attrs=_ID_INPUT_ATTRS))
    phone = forms.CharField(label=_("电话"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    name = forms.CharField(label=_("姓名"), required=False, max_length=50,
                           help_text=_("姓名须完整填写（精确匹配）；填写多项时须同时符合。"),
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_id_number(self) -> str:
        return clean_id_number_text(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return clean_phone_text(self.cleaned_data.get("phone", ""))

    def clean_name(self) -> str:
        return str(self.cleaned_data.get("name", "")).strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(data.get(key) for key in ("id_number", "phone", "name")):
            raise forms.ValidationError(_("请至少填写身份证号、电话或姓名中的一项。"), code="empty")
        return data


class PetitionerForm(forms.Form):
    """One person on the petition: a petitioner or a representative of a group visit."""

    name = forms.CharField(label=_("姓名"), max_length=50, error_messages={"required": _("请填写姓名。")},
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=20,
                                help_text=_("18位，最后一位可以是X；用于识别重复信访。"),
                                widget=forms.TextInput(attrs=_ID_INPUT_ATTRS))
    phone = forms.CharField(label=_("电话"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    address = forms.CharField(label=_("住址"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_name(self) -> str:
        return str(self.cleaned_data.get("name", "")).strip()

    def clean_id_number(self) -> str:
        return clean_id_number_text(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return clean_phone_text(self.cleaned_data.get("phone", ""))

    def to_input(self) -> PetitionerInput:
        data = self.cleaned_data
        return PetitionerInput(name=data["name"], id_number=data.get("id_number", ""),
                               phone=data.get("phone", ""), address=str(data.get("address", "")).strip())


class _PersonFormSet(BaseFormSet):
    # Django's caches of the formset's errors (see ``IntakeForms.hide_errors``).
    _errors: Any
    _non_form_errors: Any
    default_error_messages = {
        "too_few_forms": _("至少登记一名信访人。"),
        "too_many_forms": _("最多登记%(num)d人。"),
    }

    def filled_forms(self) -> list[PetitionerForm]:
        """The rows with something typed in (an added but untouched row is ignored)."""
        return [form for form in self.forms if form.has_changed()]


# 信访工作条例 Art. 20 ¶3: a group visit elects at most 5 representatives.
TOO_MANY_REPRESENTATIVES = _("多人走访推选的代表不能超过%(num)d人（《信访工作条例》第二十条）。")


class _RepresentativeFormSet(_PersonFormSet):
    default_error_messages = {"too_many_forms": TOO_MANY_REPRESENTATIVES}

    def clean(self) -> None:
        # The formset's own check counts rows, added but empty ones included; the rule is about people.
        super().clean()
        if len([form for form in self.forms if form.has_changed()]) > MAX_REPRESENTATIVES:
            raise forms.ValidationError(TOO_MANY_REPRESENTATIVES % {"num": MAX_REPRESENTATIVES},
                                        code="too_many_forms")


PetitionerFormSet = formset_factory(PetitionerForm, formset=_PersonFormSet, extra=0, min_num=1, validate_min=True,
                                    max_num=MAX_PETITIONERS, validate_max=True, absolute_max=MAX_PETITIONERS)
# absolute_max one above the limit so a sixth row is read and refused with the Art. 20 message.
RepresentativeFormSet = formset_factory(PetitionerForm, formset=_RepresentativeFormSet, extra=0, min_num=0,
                                        max_num=MAX_REPRESENTATIVES, validate_max=True,
                                        absolute_max=MAX_REPRESENTATIVES + 1)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _received_at_now() -> str:
    return timezone.localtime().strftime(DATETIME_LOCAL_FORMAT)


class IntakeForm(forms.Form):
    """The petition itself."""

    channel = forms.ChoiceField(label=_("信访渠道"), choices=Case.Channel.choices, initial=Case.Channel.VISIT)
    received_at = forms.DateTimeField(
        label=_("收到时间"), input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_("北京时间；不能晚于现在。"),
        error_messages={"required": _("请填写收到时间。"), "invalid": _("收到时间格式不正确。")},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
    )
    matter_type = forms.ChoiceField(label=_("事项类型"), choices=Case.MatterType.choices,
                                    initial=Case.MatterType.CLAIM)
    title = forms.CharField(label=_("标题"), max_length=200, error_messages={"required": _("请填写标题。")})
    content = forms.CharField(label=_("信访内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages={"required": _("请填写信访内容。")})
    category = forms.ModelChoiceField(label=_("内容分类"), required=False, queryset=Category.objects.none(),
                                      empty_label=_("（请选择）"))
    street = forms.ModelChoiceField(label=_("所属街道（镇）"), required=False, queryset=Unit.objects.none(),
                                    empty_label=_("（不确定）"))
    group_size = forms.IntegerField(label=_("人数"), min_value=1, max_value=100000, initial=1,
                                    help_text=_("多人走访时填写到访总人数，并在下方登记代表。"),
                                    error_messages={"required": _("请填写人数。")})
    accused_units = forms.ModelMultipleChoiceField(
        label=_("被反映单位"), required=False, queryset=Unit.objects.none(),
        help_text=_("仅检举控告、申诉求决事项填写；本事项不会转交给被反映单位（《信访工作条例》第三十条）。"),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    accused_persons = forms.CharField(
        label=_("被反映人"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人：姓名，职务（职务可不填）。"),
    )
    link_to = forms.CharField(required=False, widget=forms.HiddenInput)
    attachments = MultipleFileField(
        label=_("附件"), required=False,
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_TYPES)}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound:
            self.initial.setdefault("received_at", _received_at_now())
        # A hint for the browser only (end of today: a page left open must not refuse a later time); the
        # exact "not in the future" check is clean_received_at's.
        self.fields["received_at"].widget.attrs["max"] = timezone.localdate().strftime("%Y-%m-%dT23:59")
        self.fields["category"].queryset = Category.objects.filter(active=True).order_by("sort", "code")  # type: ignore[attr-defined]
        self.fields["street"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            kind=Unit.Kind.STREET, active=True).order_by("code")
        self.fields["accused_units"].queryset = Unit.objects.filter(active=True).order_by("path")  # type: ignore[attr-defined]
        # The suggested category and responsible unit follow the text, category and street as they are
        # typed and chosen (htmx; xinfang/nlp). POST with these four fields only: a petition's words never
        # go into a URL. One request at a time, the newest queued behind the one in flight, so that an older
        # answer never overwrites a newer one (typing, then accepting the suggestion).
        suggest = {"hx-post": reverse("cases:intake_suggested_unit"), "hx-trigger": "change",
                   "hx-include": "#id_title, #id_content, #id_category, #id_street",
                   "hx-params": "title,content,category,street", "hx-target": "#suggested-unit",
                   "hx-encoding": "application/x-www-form-urlencoded", "hx-sync": "#suggested-unit:queue last"}
        for name in ("category", "street", "title", "content"):
            self.fields[name].widget.attrs.update(suggest)
        for name in ("title", "content"):
            self.fields[name].widget.attrs["hx-trigger"] = "change, keyup changed delay:1s"
        max_bytes, max_files = upload_limits()
        self.fields["attachments"].help_text = _(
            "可上传 %(types)s，最多%(files)d个，每个不超过%(mb)s MB。提交出错时须重新选择附件（浏览器不保留已选文件）。"
        ) % {"types": "、".join(ALLOWED_TYPES), "files": max_files, "mb": f"{max_bytes / (1024 * 1024):g}"}

    def clean_received_at(self) -> datetime:
        value: datetime = self.cleaned_data["received_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > timezone.now() + CLOCK_SKEW:
            raise forms.ValidationError(_("收到时间不能晚于现在。"), code="future")
        if value.year < 2000:
            raise forms.ValidationError(_("收到时间不正确。"), code="too_old")
        return value

    def clean_title(self) -> str:
        title = str(self.cleaned_data.get("title", "")).strip()
        if not title:
            raise forms.ValidationError(_("请填写标题。"), code="required")
        return title

    def clean_content(self) -> str:
        content = str(self.cleaned_data.get("content", "")).strip()
        if not content:
            raise forms.ValidationError(_("请填写信访内容。"), code="required")
        return content

    def clean_accused_persons(self) -> list[dict[str, str]]:
        people = []
        for number, line in enumerate(str(self.cleaned_data.get("accused_persons", "")).splitlines(), start=1):
            if not line.strip():
                continue
            parts = re.split(r"[，,、;；\t]| {2,}", line.strip(), maxsplit=1)
            name, position = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
            if len(name) > 50:
                raise forms.ValidationError(_("第%(n)d行：姓名不能超过50个字。") % {"n": number}, code="too_long")
            if len(position) > 100:
                raise forms.ValidationError(_("第%(n)d行：职务不能超过100个字。") % {"n": number}, code="too_long")
            people.append({"name": name, "position": position})
        if len(people) > MAX_ACCUSED_PERSONS:
            raise forms.ValidationError(_("被反映人最多填写%(n)d人。") % {"n": MAX_ACCUSED_PERSONS}, code="too_many")
        return people

    def clean_link_to(self) -> Case | str | None:
        """"" (let the system judge), "new" (a different matter: open a new case anyway), or the id of an
        earlier case the user may see that this petition repeats (信访工作条例 Art. 19 ¶3)."""
        raw = str(self.cleaned_data.get("link_to", "")).strip()
        if raw in ("", "new"):
            return raw
        try:
            return access_case(user=self.user, case_id=raw)
        except NotFound:
            raise forms.ValidationError(_("未找到要并入的原信访事项。"), code="not_found") from None

    def clean_attachments(self) -> list[Any]:
        files: list[Any] = self.cleaned_data.get("attachments") or []
        try:
            attachments_validate(files)
        except ValidationFailed as exc:
            raise forms.ValidationError([str(m) for m in exc.errors.get(ATTACHMENT_FIELD, [exc.message])]) from None
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        matter_type = data.get("matter_type")
        if matter_type and matter_type not in ACCUSED_MATTER_TYPES:
            message = _("只有检举控告或申诉求决事项可以填写被反映单位或个人。")
            if data.get("accused_units"):
                self.add_error("accused_units", message)
            if data.get("accused_persons"):
                self.add_error("accused_persons", message)
        return data


class IntakeForms:
    """The petition form with its two person formsets, validated and turned into ``case_register``'s
    arguments together."""

    def __init__(self, *, user: Any, data: Any = None, files: Any = None):
        self.user = user
        self.form = IntakeForm(data, files, user=user)
        self.petitioners = cast(_PersonFormSet, PetitionerFormSet(data, prefix="petitioners"))
        self.representatives = cast(_PersonFormSet, RepresentativeFormSet(data, prefix="representatives"))
        # Errors about the group as a whole, shown with the representatives.
        self.group_errors: list[str] = []

    @property
    def is_bound(self) -> bool:
        return self.form.is_bound

    def is_valid(self) -> bool:
        valid = all([self.form.is_valid(), self.petitioners.is_valid(), self.representatives.is_valid()])
        if not valid:
            return False
        people = len(self.petitioners.filled_forms())
        representatives = len(self.representatives.filled_forms())
        group_size = self.form.cleaned_data["group_size"]
        if group_size < people:
            self.form.add_error("group_size", _("人数不能少于登记的信访人数。"))
        # 信访工作条例 Art. 20: a group visit (more than 5 people) elects representatives.
        if self.form.cleaned_data["channel"] == Case.Channel.VISIT and group_size > MAX_REPRESENTATIVES \
                and not representatives:
            self.group_errors.append(str(_("多人走访应当推选代表（不超过5人，《信访工作条例》第二十条）。")))
            return False
        return not self.form.errors

    def hide_errors(self) -> None:
        """Show what was typed without judging it: for a page re-drawn for another reason than a submit
        (the look-up button without JavaScript posts the whole form). The forms stay bound, so the typed
        values are kept; empty error caches mark them as already cleaned."""
        for form in (self.form, *self.petitioners.forms, *self.representatives.forms):
            form._errors = ErrorDict()
        for formset in (self.petitioners, self.representatives):
            formset._errors = [ErrorDict() for _form in formset.forms]
            formset._non_form_errors = ErrorList()

    def registration_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``case_register`` (and the attachments) from the cleaned forms."""
        data = self.form.cleaned_data
        link = data.get("link_to")
        return {
            "actor": self.user,
            "channel": data["channel"],
            "received_at": data["received_at"],
            "matter_type": data["matter_type"],
            "title": data["title"],
            "content": data["content"],
            "petitioners": [form.to_input() for form in self.petitioners.filled_forms()],
            "group_size": data["group_size"],
            "representatives": [form.to_input() for form in self.representatives.filled_forms()],
            "category": data.get("category"),
            "street": data.get("street"),
            "accused_units": list(data.get("accused_units") or []),
            "accused_persons": data.get("accused_persons") or [],
            "repeat_of": link if isinstance(link, Case) else None,
            "force_new": link == "new",
            "attachments": data.get("attachments") or [],
        }

    def add_service_errors(self, exc: ApplicationError) -> None:
        """Put the service's errors next to their fields: ``petitioners[1].id_number`` on that row,
        ``title`` on the title, anything else at the top of the form."""
        self.form.add_error(None, str(exc.message))
        pattern = re.compile(r"^(petitioners|representatives)\[(\d+)\]\.(\w+)$")
        # Indices in the service's keys count the rows it was given: the filled ones.
        filled = {"petitioners": self.petitioners.filled_forms(),
                  "representatives": self.representatives.filled_forms()}
        for key, messages in (exc.errors or {}).items():
            for message in messages:
                text = str(message)
                match = pattern.match(key)
                if match:
                    rows = filled[match.group(1)]
                    index, name = int(match.group(2)), match.group(3)
                    if index < len(rows) and name in rows[index].fields:
                        rows[index].add_error(name, text)
                        continue
                if key == "representatives":
                    self.group_errors.append(text)
                elif key in self.form.fields:
                    self.form.add_error(key, text)
                elif text != str(exc.message):
                    self.form.add_error(None, text)
