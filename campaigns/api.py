"""/api/v1/campaigns/, campaign-tasks/, register-items/, followup-rules/, followups/, hazards/.

Lists are filterable (campaigns/filters.py) and paginated; state changes are action endpoints that call
one service each. Refused: 409 (state), 403 (role/scope), 400 (input, naming the field).
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from campaigns import kpis, selectors
from campaigns import serializers as s
from campaigns.filters import (
    CampaignFilterSet,
    FollowUpFilterSet,
    HazardFilterSet,
    RegisterItemFilterSet,
    TaskFilterSet,
)
from campaigns.models import Campaign, CampaignTask, FollowUp, FollowUpRule, Goal, Hazard, RegisterItem
from campaigns.services import campaigns as campaign_svc
from campaigns.services import followups as followup_svc
from campaigns.services import hazards as hazard_svc
from campaigns.services import registry as registry_svc
from cases.api import error_response
from cases.errors import ActionError
from core.api import Pagination

PARSERS = [JSONParser, MultiPartParser, FormParser]
# An action the row's state does not allow answers 409 with the reason (cases.errors.ActionRefused).
REFUSED = OpenApiResponse(description="当前状态不允许该操作（说明原因）")


class _Base(viewsets.GenericViewSet):
    pagination_class = Pagination
    lookup_value_regex = r"\d+"
    parser_classes = PARSERS

    def handle_exception(self, exc):
        if isinstance(exc, ActionError):
            return error_response(exc)
        return super().handle_exception(exc)

    def _input(self, serializer_class):
        if self.kwargs.get(self.lookup_url_kwarg or self.lookup_field):
            self.get_object()  # the row's scope first: who cannot see it gets 404, not a 400 on its input
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, row, code=status.HTTP_200_OK):
        return Response(self.get_serializer(row).data, status=code)


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    serializer_class = s.CampaignSerializer
    filterset_class = CampaignFilterSet
    queryset = Campaign.objects.none()  # the schema's model; requests read get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            selectors.campaigns_for(self.request.user)  # a district's staff: their district's (§13)
            .prefetch_related(
                Prefetch("goals", Goal.objects.order_by("id")),
                "office_staff",
                "departments",
                "streets",
                "scope_streets",
                "scope_grids",
                "scope_categories",
            )
            .order_by("-period_start", "id")
        )

    @extend_schema(
        request=s.CampaignCreateSerializer, responses={201: s.CampaignSerializer}, summary="设立专项行动"
    )
    def create(self, request):
        data = self._input(s.CampaignCreateSerializer)
        data["goals"] = [dict(g) for g in data.get("goals", [])]
        campaign = campaign_svc.campaign_create(actor=request.user, **data)
        return self._answer(self.get_queryset().get(pk=campaign.pk), status.HTTP_201_CREATED)

    @extend_schema(request=s.TaskCreateSerializer, responses={201: s.TaskSerializer}, summary="布置专项任务")
    @action(detail=True, methods=["post"], url_path="tasks")
    def add_task(self, request, pk=None):
        task = campaign_svc.task_add(
            campaign=self.get_object(), actor=request.user, **self._input(s.TaskCreateSerializer)
        )
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TagSerializer, responses={409: REFUSED, 201: None}, summary="标记专项案件")
    @action(detail=True, methods=["post"])
    def tag(self, request, pk=None):
        campaign_svc.tag_case(campaign=self.get_object(), actor=request.user, **self._input(s.TagSerializer))
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=None, summary="结束专项行动", responses={200: s.CampaignSerializer, 409: REFUSED})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return self._answer(campaign_svc.campaign_finish(campaign=self.get_object(), actor=request.user))

    @extend_schema(
        request=None, responses={200: dict}, summary="专项行动数据：任务、案件、挂号与目标完成情况"
    )
    @action(detail=True, methods=["get"])
    def figures(self, request, pk=None):
        campaign = self.get_object()
        figures = kpis.campaign_figures(campaign)
        goals = [
            {k: v for k, v in g.items() if k != "goal"} | {"metric": g["goal"].metric}
            for g in kpis.goal_progress(campaign, figures)
        ]
        return Response({"figures": figures, "goals": goals, "units": kpis.unit_rows(campaign)})


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilterSet
    ordering_fields = ["deadline", "seq", "progress"]

    queryset = CampaignTask.objects.none()  # the schema's model; requests read get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.tasks_for(self.request.user)

    @extend_schema(
        request=s.TaskReportInputSerializer,
        summary="报告任务进度",
        responses={200: s.TaskSerializer, 409: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        data = self._input(s.TaskReportInputSerializer)
        return self._answer(campaign_svc.task_report(task=self.get_object(), actor=request.user, **data))

    @extend_schema(
        request=s.NoteSerializer, summary="督办任务", responses={200: s.TaskSerializer, 409: REFUSED}
    )
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        data = self._input(s.NoteSerializer)
        return self._answer(campaign_svc.task_urge(task=self.get_object(), actor=request.user, **data))


class RegisterItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    serializer_class = s.RegisterItemSerializer
    filterset_class = RegisterItemFilterSet
    ordering_fields = ["deadline", "registered_at"]

    queryset = RegisterItem.objects.none()  # the schema's model; requests read get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.items_for(self.request.user)

    @extend_schema(
        request=s.RegisterItemCreateSerializer, responses={201: s.RegisterItemSerializer}, summary="挂号"
    )
    def create(self, request):
        item = registry_svc.item_register(actor=request.user, **self._input(s.RegisterItemCreateSerializer))
        return self._answer(item, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.NotePhotosSerializer,
        summary="报告整改",
        responses={200: s.RegisterItemSerializer, 409: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def rectify(self, request, pk=None):
        data = self._input(s.NotePhotosSerializer)
        return self._answer(registry_svc.item_rectify(item=self.get_object(), actor=request.user, **data))

    @extend_schema(
        request=s.NotePhotosSerializer,
        summary="核查销号（须附核查照片）",
        responses={200: s.RegisterItemSerializer, 409: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        data = self._input(s.NotePhotosSerializer)
        return self._answer(registry_svc.item_clear(item=self.get_object(), actor=request.user, **data))


class FollowUpRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    serializer_class = s.FollowUpRuleSerializer
    queryset = FollowUpRule.objects.none()  # the schema's model; requests read get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.rules_for(self.request.user).order_by("id")

    @extend_schema(
        request=s.FollowUpRuleSerializer, responses={201: s.FollowUpRuleSerializer}, summary="设置回头看规则"
    )
    def create(self, request):
        data = self._input(s.FollowUpRuleSerializer)
        return self._answer(followup_svc.rule_create(actor=request.user, **data), status.HTTP_201_CREATED)


class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    serializer_class = s.FollowUpSerializer
    filterset_class = FollowUpFilterSet
    ordering_fields = ["due_at", "opens_at"]

    queryset = FollowUp.objects.none()  # the schema's model; requests read get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.followups_for(self.request.user)

    @extend_schema(
        request=s.FollowUpRecordSerializer,
        summary="登记回头看结果：巩固或回潮",
        responses={200: s.FollowUpSerializer, 409: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        data = self._input(s.FollowUpRecordSerializer)
        return self._answer(
            followup_svc.followup_record(followup=self.get_object(), actor=request.user, **data)
        )


class HazardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    serializer_class = s.HazardSerializer
    filterset_class = HazardFilterSet
    ordering_fields = ["deadline", "found_at", "level"]

    queryset = Hazard.objects.none()  # the schema's model; requests read get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.hazards_for(self.request.user)

    @extend_schema(request=s.HazardCreateSerializer, responses={201: s.HazardSerializer}, summary="登记隐患")
    def create(self, request):
        hazard = hazard_svc.hazard_register(actor=request.user, **self._input(s.HazardCreateSerializer))
        return self._answer(hazard, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ProgressSerializer,
        summary="报告整改进展",
        responses={200: s.HazardSerializer, 409: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        data = self._input(s.ProgressSerializer)
        return self._answer(hazard_svc.hazard_progress(hazard=self.get_object(), actor=request.user, **data))

    @extend_schema(
        request=s.NoteSerializer, summary="督办", responses={200: s.HazardSerializer, 409: REFUSED}
    )
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        data = self._input(s.NoteSerializer)
        return self._answer(hazard_svc.hazard_urge(hazard=self.get_object(), actor=request.user, **data))

    @extend_schema(
        request=s.NotePhotosSerializer,
        summary="申请整改销号（须附整改后照片）",
        responses={200: s.HazardSerializer, 409: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = self._input(s.NotePhotosSerializer)
        return self._answer(hazard_svc.hazard_submit(hazard=self.get_object(), actor=request.user, **data))

    @extend_schema(
        request=s.VerifySerializer,
        summary="验收：通过则整改销号",
        responses={200: s.HazardSerializer, 409: REFUSED},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        data = self._input(s.VerifySerializer)
        return self._answer(hazard_svc.hazard_verify(hazard=self.get_object(), actor=request.user, **data))
