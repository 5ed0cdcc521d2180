"""The action forms of the case page: one form class built from a small declarative spec per action.

Each spec lists the fields of its action, named exactly as the service's keyword arguments
(cases/services.py, the same inputs as cases/serializers.py ACTION_INPUTS), so `service_kwargs()` is
passed straight to `services.SERVICES[action]` and an `ActionError.field` lands next to its field.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.errors import ActionError
from cases.models import Case, RejectReason, Satisfaction, Urgency, Variant
from cases.selectors import cases_visible_to
from cases.workflow import ACTION_LABELS, Action
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

FieldFactory = Callable[["ActionForm"], forms.Field]


NOTE_LABEL = _("意见")
REASON_LABEL = _("申请理由")


def note_field(label: str | Promise = NOTE_LABEL, *, required: bool = False) -> FieldFactory:
    return lambda form: forms.CharField(label=label, required=required, max_length=2000, widget=_textarea())


def reason_field(label: str | Promise = REASON_LABEL) -> FieldFactory:
    return lambda form: forms.CharField(label=label, max_length=2000, widget=_textarea())


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


def _inspector(form) -> forms.Field:
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


def _reject_reason(form) -> forms.Field:
    return forms.ChoiceField(label=_("不予受理原因"), choices=RejectReason.choices, widget=forms.RadioSelect)


def _duplicate_of(form) -> forms.Field:
    return CaseNumberField(
        label=_("原案件编号"),
        required=False,
        max_length=32,
        user=form.user,
        help_text=_("原因为「重复案件」时必填"),
    )


def _category(form) -> forms.Field:
    return forms.ModelChoiceField(
        label=_("类别（部件/事项）"),
        queryset=Category.objects.filter(is_active=True).order_by("kind", "code"),
        initial=form.case.category_id,
        help_text=_("确认或改正上报时的类别，处置时限按类别确定"),
    )


def _urgency(form) -> forms.Field:
    return forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=form.case.urgency)


def _variant(form) -> forms.Field:
    return forms.ChoiceField(label=_("处置类型"), choices=Variant.choices, initial=form.case.variant)


def _departments():
    return Department.objects.filter(is_active=True).order_by("kind", "code")


def _department(form) -> forms.Field:
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


def _co_departments(form) -> forms.Field:
    return forms.ModelMultipleChoiceField(
        label=_("协办部门"),
        queryset=_departments(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )


def _hours(form) -> forms.Field:
    return forms.DecimalField(
        label=_("申请延期时长（工作时）"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("2000"),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text=_("批准后加到处置时限上，0.5 至 2000 工作时"),
    )


def _satisfaction(form) -> forms.Field:
    return forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)


# ---------------------------------------------------------------- the specs


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


_A = Action
_NOTE = (("note", note_field()),)
_DECISION_NOTE = (("note", note_field(_("审批意见"))),)


def _decision(kind: str, approve: bool, **kw) -> ActionSpec:
    if approve:
        return ActionSpec(_DECISION_NOTE, quick=True, style="primary", ledger=kind, **kw)
    return ActionSpec(
        (("note", note_field(_("驳回理由"), required=True)),), style="secondary", ledger=kind, **kw
    )


SPECS: dict[Action, ActionSpec] = {
    _A.ACCEPT: ActionSpec(_NOTE, quick=True, style="primary"),
    _A.SEND_VERIFY: ActionSpec(
        (("inspector", _inspector), ("note", note_field(_("核实要求")))),
        style="primary",
        intro=_("派网格监督员到现场核实问题是否属实。"),
    ),
    _A.VERIFY: ActionSpec(
        (
            ("confirmed", outcome_field(_("核实结果"), _("属实：问题存在，转立案"), _("不属实：不予受理"))),
            ("photos", photos_field(_("现场照片"))),
            ("note", note_field(_("核实说明"))),
        ),
        style="primary",
    ),
    _A.REJECT: ActionSpec(
        (("reason", _reject_reason), ("duplicate_of", _duplicate_of), ("note", note_field(_("说明")))),
        confirm=_("确定不予受理该案件？"),
        style="danger",
    ),
    _A.FILE: ActionSpec(
        (("category", _category), ("urgency", _urgency), ("variant", _variant), ("note", note_field())),
        style="primary",
        intro=_("确认类别、紧急程度和处置类型后立案，处置时限随之确定。"),
    ),
    _A.REFUSE_FILING: ActionSpec(
        (("reason", reason_field(_("不予立案原因"))),), confirm=_("确定不予立案？"), style="danger"
    ),
    _A.DISPATCH: ActionSpec(
        (
            ("department", _department),
            ("co_departments", _co_departments),
            ("note", note_field(_("派遣意见"))),
        ),
        style="primary",
    ),
    _A.REQUEST_RETURN: ActionSpec(
        (("reason", reason_field(_("回退理由"))),),
        intro=_("不属于本部门职责时申请回退，由派遣员审批后改派。"),
    ),
    _A.APPROVE_RETURN: _decision("return", True),
    _A.DENY_RETURN: _decision("return", False),
    _A.REQUEST_EXTENSION: ActionSpec(
        (("hours", _hours), ("reason", reason_field(_("延期理由")))),
        intro=_("无法在时限内完成时申请延期，由派遣员审批。"),
    ),
    _A.APPROVE_EXTENSION: _decision("extension", True),
    _A.DENY_EXTENSION: _decision("extension", False),
    _A.REQUEST_SUSPENSION: ActionSpec(
        (("reason", reason_field(_("挂账理由"))),),
        intro=_("季节性或需立项等原因无法在任何时限内处置时申请挂账，挂账期间暂停计时。"),
    ),
    _A.APPROVE_SUSPENSION: _decision("suspension", True),
    _A.DENY_SUSPENSION: _decision("suspension", False),
    _A.RESUME: ActionSpec(_NOTE, quick=True, style="primary"),
    _A.SUBMIT_FEEDBACK: ActionSpec(
        (
            (
                "result",
                lambda form: forms.CharField(label=_("处置结果"), max_length=2000, widget=_textarea(4)),
            ),
            ("photos", photos_field(_("处置后照片"), _("可选多张，拍摄处置后的现场"))),
        ),
        style="primary",
    ),
    _A.CHECK: ActionSpec(
        (
            ("passed", outcome_field(_("核查结果"), _("通过：转结案"), _("不通过：返工"))),
            ("photos", photos_field(_("现场照片"))),
            ("note", note_field(_("核查说明"))),
        ),
        style="primary",
        intro=_("不通过时须说明原因，案件退回原部门返工并重新计时。"),
    ),
    _A.CLOSE: ActionSpec(_NOTE, quick=True, style="primary"),
    _A.REQUEST_VOID: ActionSpec(
        (("reason", reason_field(_("作废理由"))),), confirm=_("确定申请作废该案件？")
    ),
    _A.APPROVE_VOID: _decision("void", True, confirm=_("确定作废该案件？作废后不再处理。")),
    _A.DENY_VOID: _decision("void", False),
    _A.REOPEN: ActionSpec((("reason", reason_field(_("重办原因"))),), confirm=_("确定重新派遣（重办）？")),
    _A.SUPERVISE: ActionSpec(
        (("note", note_field(_("督办意见"), required=True)),),
        intro=_("督办意见将发送给承办部门，并计入督办次数。"),
    ),
    _A.CALLBACK: ActionSpec(
        (("satisfaction", _satisfaction), ("note", note_field(_("回访记录")))), style="primary"
    ),
}


class ActionForm(forms.Form):
    """The form of one action on one case, built from SPECS[action]."""

    def __init__(self, action: Action | str, case: Case, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = Action(action)
        self.spec = SPECS[self.action]
        self.case = case
        self.user = user
        self.suggestion = None
        for name, make in self.spec.fields:
            self.fields[name] = make(self)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def has_photos(self) -> bool:
        return "photos" in self.fields

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}

    def add_action_error(self, error: ActionError) -> None:
        """A refusal from the service, next to the field it names (or above the form)."""
        self.add_error(error.field if error.field in self.fields else None, error.message)

    def photos_dropped(self, files) -> int:
        """How many photos the browser sent with a submit that failed: they must be chosen again."""
        return len(files.getlist("photos")) if self.has_photos and files else 0
