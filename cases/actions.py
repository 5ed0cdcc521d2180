"""One home per action: what each workflow action takes, shows and writes, declared once, together.

A declaration names, for one action of the workflow table (cases/workflow.py):

- `service`: the function that does it (cases/services), whose keyword arguments are the inputs below;
- `input`:   the API body (a DRF serializer). The API has one route per action with exactly this schema
             (POST /api/v1/cases/{id}/actions/<action>/, cases/api.py), so the OpenAPI document says
             that `dispatch` takes `department`;
- `form`:    the case page's form (cases/web/fields.py: the fields, the button's look, the intro);
- `event`:   the payload builder of the event it writes (cases/events.py), the one its service calls;
- `label`:   the action's name for people, declared with the action itself in the workflow module
             (models and rules, below this module, need it too).

Adding an action: its row in the workflow table, its service, and one declaration here
(tests/cases/test_actions_declared.py checks every action of the table has all of it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import events, services
from cases.models import (
    ACTION_TEXT_MAX_LENGTH,
    ExtensionReason,
    HotlineReturnReason,
    RejectReason,
    Satisfaction,
    Urgency,
    Variant,
)
from cases.web import fields as f
from cases.web.fields import ActionSpec
from cases.workflow import ACTION_LABELS, Action


@dataclass(frozen=True)
class ActionDeclaration:
    action: Action
    service: Callable
    input: type[serializers.Serializer]
    form: ActionSpec
    event: Callable[..., events.Payload]

    @property
    def label(self) -> str:
        return str(ACTION_LABELS[self.action])

    @property
    def name(self) -> str:
        return self.action.value


# ---------------------------------------------------------------- API inputs
# Fields map 1:1 onto the service's keyword arguments. Every reason and note: ACTION_TEXT_MAX_LENGTH.


def _text(help_text: str = "", *, required: bool = False) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=ACTION_TEXT_MAX_LENGTH, help_text=help_text)
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=ACTION_TEXT_MAX_LENGTH, help_text=help_text
    )


def _photos(help_text: str = "现场照片（multipart，可多张）") -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text=help_text
    )


def _input(name: str, **fields) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), fields)


NoteInput = _input("NoteInput", note=_text("备注"))
DecisionInput = _input("DecisionInput", note=_text("审批意见"))
ReasonInput = _input("ReasonInput", reason=_text("理由（必填）", required=True))


# ---------------------------------------------------------------- the declarations

_A = Action
_DECLARATIONS = (
    ActionDeclaration(
        _A.ACCEPT,
        services.case_accept,
        NoteInput,
        ActionSpec(f.NOTE, quick=True, style="primary"),
        events.noted,
    ),
    ActionDeclaration(
        _A.SEND_VERIFY,
        services.case_send_verify,
        _input(
            "SendVerifyInput",
            inspector=serializers.IntegerField(
                required=False, help_text="核实的监督员 id，留空为网格责任监督员"
            ),
            note=_text("核实要求"),
        ),
        ActionSpec(
            (("inspector", f.inspector), ("note", f.note_field(_("核实要求")))),
            style="primary",
            intro=_("派网格监督员到现场核实问题是否属实。"),
        ),
        events.sent_to_verify,
    ),
    ActionDeclaration(
        _A.VERIFY,
        services.case_verify,
        _input(
            "VerifyInput",
            confirmed=serializers.BooleanField(help_text="是否属实"),
            note=_text("核实说明"),
            photos=_photos(),
        ),
        ActionSpec(
            (
                (
                    "confirmed",
                    f.outcome_field(_("核实结果"), _("属实：问题存在，转立案"), _("不属实：不予受理")),
                ),
                ("photos", f.photos_field(_("现场照片"))),
                ("note", f.note_field(_("核实说明"))),
            ),
            style="primary",
        ),
        events.verified,
    ),
    ActionDeclaration(
        _A.REJECT,
        services.case_reject,
        _input(
            "RejectInput",
            reason=serializers.ChoiceField(choices=RejectReason.choices, help_text="不予受理原因"),
            duplicate_of=serializers.IntegerField(required=False, help_text="原因为 duplicate 时：原案件 id"),
            note=_text("说明"),
        ),
        ActionSpec(
            (
                ("reason", f.reject_reason),
                ("duplicate_of", f.duplicate_of),
                ("note", f.note_field(_("说明"))),
            ),
            confirm=_("确定不予受理该案件？"),
            style="danger",
        ),
        events.rejected,
    ),
    ActionDeclaration(
        _A.FILE,
        services.case_file,
        _input(
            "FileInput",
            category=serializers.IntegerField(required=False, help_text="改正后的类别 id"),
            urgency=serializers.ChoiceField(choices=Urgency.choices, required=False),
            variant=serializers.ChoiceField(choices=Variant.choices, required=False),
            note=_text("备注"),
        ),
        ActionSpec(
            (
                ("category", f.category),
                ("urgency", f.urgency),
                ("variant", f.variant),
                ("note", f.note_field()),
            ),
            style="primary",
            intro=_("确认类别、紧急程度和处置类型后立案，处置时限随之确定。"),
        ),
        events.filed,
    ),
    ActionDeclaration(
        _A.REFUSE_FILING,
        services.case_refuse_filing,
        ReasonInput,
        ActionSpec(
            (("reason", f.reason_field(_("不予立案原因"))),), confirm=_("确定不予立案？"), style="danger"
        ),
        events.noted,
    ),
    ActionDeclaration(
        _A.DISPATCH,
        services.case_dispatch,
        _input(
            "DispatchInput",
            department=serializers.IntegerField(required=False, help_text="主办部门 id，留空派往建议部门"),
            co_departments=serializers.ListField(
                child=serializers.IntegerField(), required=False, default=list, help_text="协办部门 id"
            ),
            note=_text("派遣意见"),
        ),
        ActionSpec(
            (
                ("department", f.department),
                ("co_departments", f.co_departments),
                ("note", f.note_field(_("派遣意见"))),
            ),
            style="primary",
        ),
        events.dispatched,
    ),
    ActionDeclaration(
        _A.REQUEST_RETURN,
        services.case_request_return,
        ReasonInput,
        ActionSpec(
            (("reason", f.reason_field(_("回退理由"))),),
            intro=_("不属于本部门职责时申请回退，由派遣员审批后改派。"),
        ),
        events.requested,
    ),
    ActionDeclaration(
        _A.APPROVE_RETURN,
        services.case_approve_return,
        DecisionInput,
        f.decision("return", True),
        events.return_approved,
    ),
    ActionDeclaration(
        _A.DENY_RETURN, services.case_deny_return, DecisionInput, f.decision("return", False), events.decided
    ),
    ActionDeclaration(
        _A.REQUEST_EXTENSION,
        services.case_request_extension,
        _input(
            "ExtensionInput",
            reason=_text("延期理由（必填）", required=True),
            hours=serializers.DecimalField(max_digits=6, decimal_places=1, help_text="延期工作时，0 至 2000"),
            reason_code=serializers.ChoiceField(
                choices=ExtensionReason.choices,
                required=False,
                allow_blank=True,
                default="",
                help_text="延期原因代码（12345 工单报送热线中心）",
            ),
        ),
        ActionSpec(
            (
                ("hours", f.hours),
                ("reason_code", f.extension_reason),
                ("reason", f.reason_field(_("延期理由"))),
            ),
            intro=_("无法在时限内完成时申请延期，由派遣员审批；12345 工单由 12345 热线中心审批。"),
        ),
        events.extension_requested,
    ),
    ActionDeclaration(
        _A.APPROVE_EXTENSION,
        services.case_approve_extension,
        DecisionInput,
        f.decision("extension", True),
        events.extension_approved,
    ),
    ActionDeclaration(
        _A.DENY_EXTENSION,
        services.case_deny_extension,
        DecisionInput,
        f.decision("extension", False),
        events.decided,
    ),
    ActionDeclaration(
        _A.REQUEST_SUSPENSION,
        services.case_request_suspension,
        ReasonInput,
        ActionSpec(
            (("reason", f.reason_field(_("挂账理由"))),),
            intro=_("季节性或需立项等原因无法在任何时限内处置时申请挂账，挂账期间暂停计时。"),
        ),
        events.requested,
    ),
    ActionDeclaration(
        _A.APPROVE_SUSPENSION,
        services.case_approve_suspension,
        DecisionInput,
        f.decision("suspension", True),
        events.decided,
    ),
    ActionDeclaration(
        _A.DENY_SUSPENSION,
        services.case_deny_suspension,
        DecisionInput,
        f.decision("suspension", False),
        events.decided,
    ),
    ActionDeclaration(
        _A.RESUME,
        services.case_resume,
        NoteInput,
        ActionSpec(f.NOTE, quick=True, style="primary"),
        events.noted,
    ),
    ActionDeclaration(
        _A.SUBMIT_FEEDBACK,
        services.case_submit_feedback,
        _input(
            "FeedbackInput", result=_text("处置结果（必填）", required=True), photos=_photos("处置后照片")
        ),
        ActionSpec(
            (
                ("result", f.result_field(_("处置结果"))),
                ("photos", f.photos_field(_("处置后照片"), _("可选多张，拍摄处置后的现场"))),
            ),
            style="primary",
        ),
        events.noted,
    ),
    ActionDeclaration(
        _A.CHECK,
        services.case_check,
        _input(
            "CheckInput",
            passed=serializers.BooleanField(help_text="核查是否通过"),
            note=_text("核查说明；不通过时必填"),
            photos=_photos(),
        ),
        ActionSpec(
            (
                ("passed", f.outcome_field(_("核查结果"), _("通过：转结案"), _("不通过：返工"))),
                ("photos", f.photos_field(_("现场照片"))),
                ("note", f.note_field(_("核查说明"))),
            ),
            style="primary",
            intro=_("不通过时须说明原因，案件退回原部门返工并重新计时。"),
        ),
        events.checked,
    ),
    ActionDeclaration(
        _A.CLOSE,
        services.case_close,
        NoteInput,
        ActionSpec(f.NOTE, quick=True, style="primary"),
        events.noted,
    ),
    ActionDeclaration(
        _A.REQUEST_VOID,
        services.case_request_void,
        ReasonInput,
        ActionSpec(
            (("reason", f.reason_field(_("作废理由"))),), confirm=_("确定申请作废该案件？"), style="danger"
        ),
        events.requested,
    ),
    ActionDeclaration(
        _A.APPROVE_VOID,
        services.case_approve_void,
        DecisionInput,
        f.decision("void", True, confirm=_("确定作废该案件？作废后不再处理。")),
        events.decided,
    ),
    ActionDeclaration(
        _A.DENY_VOID, services.case_deny_void, DecisionInput, f.decision("void", False), events.decided
    ),
    ActionDeclaration(
        _A.REOPEN,
        services.case_reopen,
        ReasonInput,
        ActionSpec((("reason", f.reason_field(_("重办原因"))),), confirm=_("确定重新派遣（重办）？")),
        events.noted,
    ),
    ActionDeclaration(
        _A.SUPERVISE,
        services.case_supervise,
        _input("SuperviseInput", note=_text("督办意见（必填）", required=True)),
        ActionSpec(
            (("note", f.note_field(_("督办意见"), required=True)),),
            intro=_("督办意见将发送给承办部门，并计入督办次数。"),
        ),
        events.supervised,
    ),
    ActionDeclaration(
        _A.SIGN,
        services.case_sign,
        NoteInput,
        ActionSpec(f.NOTE, quick=True, style="primary", intro=_("签收 12345 工单，回复热线中心已接单。")),
        events.signed,
    ),
    ActionDeclaration(
        _A.REQUEST_HOTLINE_RETURN,
        services.case_request_hotline_return,
        _input(
            "HotlineReturnInput",
            reason_code=serializers.ChoiceField(
                choices=HotlineReturnReason.choices, help_text="退单原因代码"
            ),
            reason=_text("退单理由（必填）", required=True),
        ),
        ActionSpec(
            (("reason_code", f.hotline_return_reason), ("reason", f.reason_field(_("退单理由")))),
            intro=_("不属于本区办理的 12345 工单向热线中心申请退单，由热线中心审批；重复工单请合并办理。"),
        ),
        events.hotline_return_requested,
    ),
    ActionDeclaration(
        _A.APPROVE_HOTLINE_RETURN,
        services.case_approve_hotline_return,
        DecisionInput,
        f.decision("hotline_return", True),
        events.centre_decided,
    ),
    ActionDeclaration(
        _A.DENY_HOTLINE_RETURN,
        services.case_deny_hotline_return,
        DecisionInput,
        f.decision("hotline_return", False),
        events.centre_decided,
    ),
    ActionDeclaration(
        _A.CALLBACK,
        services.case_callback,
        _input(
            "CallbackInput",
            satisfaction=serializers.ChoiceField(choices=Satisfaction.choices, help_text="满意度"),
            note=_text("回访记录"),
        ),
        ActionSpec(
            (("satisfaction", f.satisfaction), ("note", f.note_field(_("回访记录")))), style="primary"
        ),
        events.called_back,
    ),
)

ACTIONS: dict[Action, ActionDeclaration] = {d.action: d for d in _DECLARATIONS}
# 上报 has no declaration here: a report is not an action on an existing case. Its input, forms and
# event are its channels' (POST /cases/, the inspector's and hotline pages, Open311, the hotline API),
# all calling services.case_report, which writes events.reported.
SERVICES = {action: d.service for action, d in ACTIONS.items()}
