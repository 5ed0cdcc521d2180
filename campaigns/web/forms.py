"""The pages' forms. They only collect input: every check that matters is the service's, whose refusal
is shown next to the field it names (campaigns/web/common.py)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Goal, Hazard
from cases.web.fields import PhotosField
from dispatch.models import Category, Department
from grids.models import Grid, Street

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})
# lng/lat are set by the map picker (templates/cases/inspector/_position.html): say what to do, not "required".
PLACE_ERRORS = {"required": _("请在地图上点选位置，或点“定位”")}


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class PeopleField(forms.ModelMultipleChoiceField):
    """People by name (the login name only to tell two of the same name apart), not by login alone."""

    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name}（{obj.username}）" if name else obj.username


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("专项行动名称"), max_length=100)
    period_start = forms.DateField(label=_("开始日期"), widget=DATE)
    period_end = forms.DateField(label=_("结束日期"), widget=DATE)
    lead_group = forms.CharField(label=_("领导小组"), max_length=200, required=False)
    office = forms.ModelChoiceField(
        Department.objects.order_by("code"), label=_("牵头办公室"), required=False
    )
    office_staff = PeopleField(_people(), label=_("办公室成员"), required=False)
    departments = forms.ModelMultipleChoiceField(
        Department.objects.order_by("code"), label=_("参与部门"), required=False
    )
    streets = forms.ModelMultipleChoiceField(Street.objects.all(), label=_("参与街道"), required=False)
    scope_streets = forms.ModelMultipleChoiceField(
        Street.objects.all(), label=_("范围：街道"), required=False
    )
    scope_grids = forms.ModelMultipleChoiceField(Grid.objects.all(), label=_("范围：网格"), required=False)
    scope_categories = forms.ModelMultipleChoiceField(
        Category.objects.order_by("code"), label=_("范围：类别"), required=False
    )
    description = forms.CharField(label=_("工作目标与说明"), widget=TEXT, required=False)
    goal_metric = forms.ChoiceField(
        label=_("目标指标"), choices=[("", "—"), *Goal.Metric.choices], required=False
    )
    goal_target = forms.DecimalField(label=_("目标值"), required=False, min_value=0)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        metric, target = data.pop("goal_metric"), data.pop("goal_target")
        data["goals"] = [{"metric": metric, "target": target}] if metric and target is not None else []
        return data


class TaskForm(forms.Form):
    content = forms.CharField(label=_("任务内容"), widget=TEXT)
    deadline = forms.DateField(label=_("时间节点"), widget=DATE)
    department = forms.ModelChoiceField(Department.objects.order_by("code"), label=_("责任单位"))
    person_name = forms.CharField(label=_("责任人"), max_length=50, required=False)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100)
    note = forms.CharField(label=_("进展情况"), widget=TEXT)


class TaskProgressForm(ProgressForm):
    done = forms.BooleanField(label=_("任务已完成"), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见"), widget=TEXT, required=False)


class TagForm(forms.Form):
    case_number = forms.CharField(label=_("案件编号"), max_length=32)


class NotePhotosForm(forms.Form):
    note = forms.CharField(label=_("情况说明"), widget=TEXT, required=False)
    photos = PhotosField(label=_("现场照片"), required=False)


class ItemForm(forms.Form):
    title = forms.CharField(label=_("问题描述"), max_length=200)
    campaign = forms.ModelChoiceField(
        Campaign.objects.filter(status=Campaign.Status.ACTIVE), label=_("专项行动"), required=False
    )
    category = forms.ModelChoiceField(Category.objects.order_by("code"), label=_("类别"), required=False)
    lng = forms.FloatField(label=_("经度"), error_messages=PLACE_ERRORS)
    lat = forms.FloatField(label=_("纬度"), error_messages=PLACE_ERRORS)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    department = forms.ModelChoiceField(Department.objects.order_by("code"), label=_("责任单位"))
    deadline = forms.DateField(label=_("整改期限"), widget=DATE)
    case_number = forms.CharField(label=_("关联案件编号"), max_length=32, required=False)
    as_case = forms.BooleanField(label=_("同时作为案件上报（须选类别）"), required=False)
    photos = PhotosField(label=_("现场照片"), required=False)


class RuleForm(forms.Form):
    name = forms.CharField(label=_("规则名称"), max_length=100)
    category = forms.ModelChoiceField(Category.objects.order_by("code"), label=_("类别"), required=False)
    street = forms.ModelChoiceField(Street.objects.all(), label=_("街道"), required=False)
    grid = forms.ModelChoiceField(Grid.objects.all(), label=_("热点网格"), required=False)
    campaign = forms.ModelChoiceField(Campaign.objects.all(), label=_("专项行动"), required=False)
    sample_percent = forms.IntegerField(label=_("抽查比例（%）"), min_value=1, max_value=100, initial=100)
    days_after = forms.IntegerField(label=_("结案后工作日"), min_value=1, max_value=365, initial=5)
    days_to_do = forms.IntegerField(label=_("完成时限（工作日）"), min_value=1, max_value=60, initial=3)


class FollowUpForm(forms.Form):
    held = forms.TypedChoiceField(
        label=_("回头看结果"),
        choices=[("1", _("巩固（问题未再出现）")), ("0", _("回潮（问题又出现了）"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("情况说明"), widget=TEXT, required=False)
    photos = PhotosField(label=_("现场照片"), required=False)


class HazardForm(forms.Form):
    kind = forms.ChoiceField(label=_("隐患类型"), choices=Hazard.Kind.choices)
    level = forms.ChoiceField(label=_("风险等级"), choices=Hazard.Level.choices, initial=Hazard.Level.GENERAL)
    title = forms.CharField(label=_("隐患描述"), max_length=200)
    lng = forms.FloatField(label=_("经度"), error_messages=PLACE_ERRORS)
    lat = forms.FloatField(label=_("纬度"), error_messages=PLACE_ERRORS)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    department = forms.ModelChoiceField(Department.objects.order_by("code"), label=_("责任单位"))
    person_name = forms.CharField(label=_("责任人"), max_length=50)
    person_phone = forms.CharField(label=_("责任人电话"), max_length=30, required=False)
    plan = forms.CharField(label=_("整改方案（一隐患一方案）"), widget=TEXT)
    deadline = forms.DateField(label=_("整改期限"), widget=DATE)
    campaign = forms.ModelChoiceField(Campaign.objects.all(), label=_("专项行动"), required=False)
    photos = PhotosField(label=_("现场照片"), required=False)


class VerifyForm(NotePhotosForm):
    passed = forms.TypedChoiceField(
        label=_("验收结果"),
        choices=[("1", _("通过，整改销号")), ("0", _("不通过，退回整改"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
