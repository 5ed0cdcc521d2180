"""The pieces an action's page form is declared with (cases/actions.py): field factories and `ActionSpec`.

Each factory takes the form (with .case, .user and .action) and returns a field named exactly as the
service's keyword argument, so `ActionForm.service_kwargs()` goes straight to the service and an
`ActionError.field` lands next to its field.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import (
    ACTION_TEXT_MAX_LENGTH,
    ExtensionReason,
    HotlineReturnReason,
    RejectReason,
    Satisfaction,
    Urgency,
    Variant,
)
from cases.selectors import cases_visible_to
from dispatch.models import Category, Department
from dispatch.routing import suggest_department

# ---------------------------------------------------------------- widgets


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def use_required_attribute(self, initial) -> bool:
        # The page offers a second input (the camera) under the same name: the browser must not demand
        # this one. A missing photo is caught by the form and shown next to the field.
        return False


class PhotosField(forms.FileField):
    """Several photos in one input (the service checks each by its content)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "data-photo-input": "", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        single = super().clean
        return [single(f, initial) for f in files]


def _textarea(rows: int = 3, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def _person(user) -> str:
    return user.get_full_name() or user.username


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _person(obj)


# ---------------------------------------------------------------- field factories
# Each takes the form (with .case, .user and .spec) and returns a field.

FieldFactory = Callable[[forms.Form], forms.Field]  # the ActionForm (cases/web/forms.py)


# Every reason and note field: at most ACTION_TEXT_MAX_LENGTH characters, as the API and the services.
NOTE_LABEL = _("意见")
REASON_LABEL = _("申请理由")


def note_field(label: str | Promise = NOTE_LABEL, *, required: bool = False) -> FieldFactory:
    return lambda form: forms.CharField(
        label=label, required=required, max_length=ACTION_TEXT_MAX_LENGTH, widget=_textarea()
    )


def reason_field(label: str | Promise = REASON_LABEL) -> FieldFactory:
    return lambda form: forms.CharField(label=label, max_length=ACTION_TEXT_MAX_LENGTH, widget=_textarea())


def photos_field(label: str | Promise, help_text: str | Promise = "") -> FieldFactory:
    def make(form):
        # Which steps need an on-site photo is a setting a city may relax (docs/domain.md §3).
        required = form.action.value in settings.PHOTO_REQUIRED_FOR
        return PhotosField(
            label=label,
            required=required,
            help_text=help_text,
            error_messages={"required": _("请上传现场照片")},
        )

    return make


def outcome_field(label: str | Promise, yes: str | Promise, no: str | Promise) -> FieldFactory:
    return lambda form: forms.TypedChoiceField(
        label=label,
        choices=[("true", yes), ("false", no)],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )


def inspector(form) -> forms.Field:
    inspectors = form.case.grid.inspectors.filter(is_active=True).order_by("username")
    first = inspectors.first()
    return PersonChoiceField(
        label=_("核实监督员"),
        queryset=inspectors,
        required=False,
        initial=first.pk if first else None,
        empty_label=_("网格责任监督员（默认）"),
        help_text=_("网格 %(grid)s 的责任监督员") % {"grid": form.case.grid.code}
        if first
        else _("该网格没有责任监督员，请先在后台指定"),
    )


class CaseNumberField(forms.CharField):
    """A case given by its number (or id), looked up within what the user may see."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        visible = cases_visible_to(self.user)
        case = visible.filter(number=value).first()
        if case is None and value.isdigit():
            case = visible.filter(pk=int(value)).first()
        if case is None:
            raise forms.ValidationError(_("案件 %(number)s 不存在"), params={"number": value})
        return case


def reject_reason(form) -> forms.Field:
    return forms.ChoiceField(label=_("不予受理原因"), choices=RejectReason.choices, widget=forms.RadioSelect)


def duplicate_of(form) -> forms.Field:
    return CaseNumberField(
        label=_("原案件编号"),
        required=False,
        max_length=32,
        user=form.user,
        help_text=_("原因为「重复案件」时必填"),
    )


def category(form) -> forms.Field:
    return forms.ModelChoiceField(
        label=_("类别（部件/事项）"),
        queryset=Category.objects.filter(is_active=True).order_by("kind", "code"),
        initial=form.case.category_id,
        help_text=_("确认或改正上报时的类别，处置时限按类别确定"),
    )


def urgency(form) -> forms.Field:
    return forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=form.case.urgency)


def variant(form) -> forms.Field:
    return forms.ChoiceField(label=_("处置类型"), choices=Variant.choices, initial=form.case.variant)


def _departments():
    return Department.objects.filter(is_active=True).order_by("kind", "code")


def department(form) -> forms.Field:
    c = form.case
    suggestion = suggest_department(category=c.category, component=c.component, grid=c.grid)
    form.suggestion = suggestion
    if suggestion:
        help_text = _("建议：%(department)s（%(why)s）") % {
            "department": suggestion.department,
            "why": suggestion.reason,
        }
    else:
        help_text = _("没有可建议的部门，请选择")
    return forms.ModelChoiceField(
        label=_("主办部门"),
        queryset=_departments(),
        initial=suggestion.department.pk if suggestion else None,
        help_text=help_text,
    )


def co_departments(form) -> forms.Field:
    return forms.ModelMultipleChoiceField(
        label=_("协办部门"),
        queryset=_departments(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )


def hours(form) -> forms.Field:
    return forms.DecimalField(
        label=_("申请延期时长（工作时）"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("2000"),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text=_("批准后加到处置时限上，0.5 至 2000 工作时"),
    )


def extension_reason(form) -> forms.Field:
    return forms.ChoiceField(
        label=_("延期原因类别"),
        choices=[("", "—"), *ExtensionReason.choices],
        required=False,
        help_text=_("12345 工单的延期申请报送热线中心时使用"),
    )


def hotline_return_reason(form) -> forms.Field:
    return forms.ChoiceField(
        label=_("退单原因"), choices=HotlineReturnReason.choices, widget=forms.RadioSelect
    )


def satisfaction(form) -> forms.Field:
    return forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)


def result_field(label: str | Promise) -> FieldFactory:
    return lambda form: forms.CharField(label=label, max_length=ACTION_TEXT_MAX_LENGTH, widget=_textarea(4))


# ---------------------------------------------------------------- the spec


@dataclass(frozen=True)
class ActionSpec:
    fields: tuple[tuple[str, FieldFactory], ...] = ()
    # One click from the case page, no form to fill in (the form page still exists, for a note).
    quick: bool = False
    # Ask before doing it: it ends or undoes work.
    confirm: str | Promise = ""
    # How the button looks: primary (the usual next step), secondary, danger.
    style: str = "secondary"
    intro: str | Promise = ""
    ledger: str = ""  # the ledger kind an approve/deny decides (its button sits by the request)


NOTE = (("note", note_field()),)
DECISION_NOTE = (("note", note_field(_("审批意见"))),)


def decision(kind: str, approve: bool, **kw) -> ActionSpec:
    if approve:
        return ActionSpec(DECISION_NOTE, quick=True, style="primary", ledger=kind, **kw)
    return ActionSpec(
        (("note", note_field(_("驳回理由"), required=True)),), style="secondary", ledger=kind, **kw
    )
