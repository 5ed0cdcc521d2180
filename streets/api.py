"""/api/v1/streets/…: a street sub-centre's units, 二级派遣, 提级 and 协办 records (docs/domain.md §13).

Reads are scoped (streets/selectors.py); actions call the services. Refused: 400 naming the field,
403 (who), 409 (the state does not allow it).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.errors import ActionError
from core.api import Pagination
from streets import selectors, services
from streets.filters import EscalationFilter, SubDispatchFilter, UnitFilter
from streets.serializers import (
    AssistSerializer,
    DecisionSerializer,
    EscalationCreateSerializer,
    EscalationSerializer,
    SubDispatchCreateSerializer,
    SubDispatchSerializer,
    SubReportSerializer,
    UnitSerializer,
)


def _error(exc: ActionError) -> Response:
    body = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
        body[exc.field] = [exc.message]
    return Response(body, status=exc.status_code)


class UsesStreets(BasePermission):
    def has_permission(self, request, view) -> bool:
        return selectors.can_use_api(request.user)


class _Scoped(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = Pagination
    permission_classes = [UsesStreets]
    lookup_value_regex = r"\d+"
    scope = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return type(self).scope(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="街道下属单位"), retrieve=extend_schema(summary="街道下属单位")
)
class UnitViewSet(_Scoped):
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    queryset = selectors.Unit.objects.none()
    scope = staticmethod(selectors.units_visible_to)
    ordering_fields = ["name", "kind"]


@extend_schema_view(list=extend_schema(summary="二级派遣列表"), retrieve=extend_schema(summary="二级派遣"))
class SubDispatchViewSet(mixins.CreateModelMixin, _Scoped):
    serializer_class = SubDispatchSerializer
    filterset_class = SubDispatchFilter
    queryset = selectors.SubDispatch.objects.none()
    scope = staticmethod(selectors.sub_dispatches_visible_to)
    ordering_fields = ["dispatched_at", "due_at", "state"]

    def _answer(self, call, code=status.HTTP_200_OK) -> Response:
        try:
            row = call()
        except ActionError as exc:
            return _error(exc)
        row = selectors.sub_dispatches_visible_to(self.request.user).get(pk=row.pk)
        return Response(SubDispatchSerializer(row).data, status=code)

    @extend_schema(
        summary="二级派遣：街道把案件派给下属单位",
        request=SubDispatchCreateSerializer,
        responses={201: SubDispatchSerializer},
    )
    def create(self, request):
        data = SubDispatchCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            lambda: services.sub_dispatch(actor=request.user, **data.validated_data), status.HTTP_201_CREATED
        )

    def _own(self, pk):
        # Only what the user may see: anything else is a 404, as if it did not exist.
        return self.get_object().pk

    @extend_schema(summary="单位反馈", request=SubReportSerializer, responses={200: SubDispatchSerializer})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        data = SubReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sub = self._own(pk)
        return self._answer(lambda: services.sub_report(sub=sub, actor=request.user, **data.validated_data))

    @extend_schema(summary="街道验收通过", request=DecisionSerializer, responses={200: SubDispatchSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sub = self._own(pk)
        return self._answer(lambda: services.sub_accept(sub=sub, actor=request.user, **data.validated_data))

    @extend_schema(summary="街道退回单位", request=DecisionSerializer, responses={200: SubDispatchSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sub = self._own(pk)
        return self._answer(lambda: services.sub_return(sub=sub, actor=request.user, **data.validated_data))


@extend_schema_view(list=extend_schema(summary="提级列表"), retrieve=extend_schema(summary="提级"))
class EscalationViewSet(mixins.CreateModelMixin, _Scoped):
    serializer_class = EscalationSerializer
    filterset_class = EscalationFilter
    queryset = selectors.Escalation.objects.none()
    scope = staticmethod(selectors.escalations_visible_to)
    ordering_fields = ["raised_at", "state"]

    def _answer(self, call, code=status.HTTP_200_OK) -> Response:
        try:
            row = call()
        except ActionError as exc:
            return _error(exc)
        return Response(EscalationSerializer(row).data, status=code)

    @extend_schema(
        summary="提级：街道把疑难案件提交区级",
        request=EscalationCreateSerializer,
        responses={201: EscalationSerializer},
    )
    def create(self, request):
        data = EscalationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            lambda: services.escalate(actor=request.user, **data.validated_data), status.HTTP_201_CREATED
        )

    def _decide(self, request, service):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pk = self.get_object().pk
        return self._answer(lambda: service(escalation=pk, actor=request.user, **data.validated_data))

    @extend_schema(
        summary="区级受理提级（处置中的案件回到区级待派遣）",
        request=DecisionSerializer,
        responses={200: EscalationSerializer},
    )
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        return self._decide(request, services.take_escalation)

    @extend_schema(
        summary="区级退回提级（案件留在街道，note 必填）",
        request=DecisionSerializer,
        responses={200: EscalationSerializer},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk=None):
        return self._decide(request, services.return_escalation)

    @extend_schema(summary="街道撤回提级", request=DecisionSerializer, responses={200: EscalationSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._decide(request, services.withdraw_escalation)


class AssistView(APIView):
    """协办: an assisting department records its part of the work on a case."""

    @extend_schema(summary="协办部门记录协办情况", request=AssistSerializer, responses={201: None})
    def post(self, request):
        data = AssistSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            event = services.assist_record(actor=request.user, **data.validated_data)
        except ActionError as exc:
            return _error(exc)
        return Response({"event": event.pk, "case": event.case_id}, status=status.HTTP_201_CREATED)
