"""/api/v1/cases/: list, report, detail, and one action endpoint per workflow action.

State changes go only through `POST /cases/{id}/actions/<action>/`, which calls the action's service;
`status` is never writable. Refused: 409 (state), 403 (role/scope), 400 (input, naming the field).
Each action has its own route, generated from its declaration (cases/actions.py) with exactly its
input as the request schema; an unknown action name is a 404 naming the field.
"""

from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from cases import selectors, services
from cases.actions import ACTIONS, ActionDeclaration
from cases.errors import ActionError, AlreadySubmitted
from cases.filters import CaseFilterSet
from cases.models import Case, Notification
from cases.serializers import (
    CaseDetailSerializer,
    CaseListSerializer,
    CaseMinimalSerializer,
    CaseReportSerializer,
    NotificationSerializer,
)
from cases.workflow import Action
from core.api import Pagination
from core.parsers import JSONParser

# The client's key for one report (the IETF httpapi Idempotency-Key header).
IDEMPOTENCY_KEY = "Idempotency-Key"
# RFC 7240: a client that only needs to know the write took (a desk that reloads its queue next, a
# phone that shows the case number) sends `Prefer: return=minimal` and is spared the full case.
RETURN_MINIMAL = (
    "请求头 `Prefer: return=minimal`（RFC 7240）时只返回案件的 id、number、status、status_label、updated_at，"
    "响应头带 `Preference-Applied: return=minimal`；不带时返回完整的案件详情。"
)


def wants_minimal(request) -> bool:
    """`Prefer: return=minimal` among the request's preferences (comma-separated, each with optional
    `;` parameters, the value optionally quoted)."""
    for preference in request.headers.get("Prefer", "").split(","):
        name, _sep, value = preference.split(";")[0].partition("=")
        if name.strip().lower() == "return" and value.strip().strip('"').lower() == "minimal":
            return True
    return False


class SavedButUnreadable(serializers.Serializer):
    """503 after the write committed, when reading the case back failed (the database went away)."""

    detail = serializers.CharField()
    saved = serializers.BooleanField(help_text="true：报告或动作已保存，请勿重复提交")
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()


def error_response(exc: ActionError) -> Response:
    body = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
        body[exc.field] = [exc.message]
    return Response(body, status=exc.status_code)


class CaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    filterset_class = CaseFilterSet
    pagination_class = Pagination  # ?page_size= (a desk shows 25, as the queue pages do)
    # Ids are digits: anything else is a 404 from the router, never a ValueError from the database lookup.
    lookup_value_regex = r"\d+"
    ordering_fields = ["created_at", "filed_at", "closed_at", "number", "status", "urgency"]
    ordering = ["-created_at", "-id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    queryset = Case.objects.none()  # for the schema generator; requests use the user's selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        if self.action == "retrieve":
            return selectors.case_detail(self.request.user)
        return selectors.case_list(self.request.user)

    def get_serializer_class(self):
        return {"retrieve": CaseDetailSerializer, "create": CaseReportSerializer}.get(
            self.action, CaseListSerializer
        )

    @extend_schema(
        request=CaseReportSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_KEY,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="本次上报的唯一标识（如 UUID，1–64 个字母、数字或 ._:-）。网络中断后用同一标识重发，"
                "返回第一次保存的案件（200，响应头 Idempotent-Replayed: true），不会重复立案。",
            )
        ],
        responses={201: CaseDetailSerializer, 200: CaseDetailSerializer, 503: SavedButUnreadable},
        description=RETURN_MINIMAL,
    )
    def create(self, request, *args, **kwargs):
        data = CaseReportSerializer(data=_with_files(request, ("photos", "after_photos")))
        data.is_valid(raise_exception=True)
        try:
            key = services.clean_submission_key(request.headers.get(IDEMPOTENCY_KEY), field=IDEMPOTENCY_KEY)
            case = services.case_report(actor=request.user, submission_key=key, **data.validated_data)
        except ActionError as exc:
            return error_response(exc)
        except AlreadySubmitted as replay:
            # The first submission's answer was lost on the way: give it again, and say it is a replay.
            response = self._detail(replay.case, status.HTTP_200_OK)
            response["Idempotent-Replayed"] = "true"
            return response
        # The service hands back the case with the rows it wrote in place (services/report.py): answered
        # from them, not read back.
        return self._detail(case, status.HTTP_201_CREATED, held=True)

    @extend_schema(exclude=True)  # each action is documented on its own route (below the class)
    @drf_action(detail=True, methods=["post"], url_path=r"actions/(?P<action_name>[a-z_]+)", url_name="act")
    def unknown_action(self, request, pk=None, action_name=None):
        """The route every name falls through to that no declared action's own route took: a 404 that
        names the field. (A declared name is answered by its action, should the routes ever reorder.)"""
        try:
            declaration = ACTIONS[Action(action_name)]
        except (ValueError, KeyError):
            body = {"detail": _("未知动作 %(action)s") % {"action": action_name}, "field": "action"}
            return Response(body, status=status.HTTP_404_NOT_FOUND)
        return self.act(request, pk, declaration)

    def act(self, request, pk, declaration: ActionDeclaration):
        case = selectors.case_with_scope(request.user, pk)
        if case is None:
            raise Http404
        if not case.in_scope:
            # The case exists but is outside the user's scope: 403 says so, where 404 would mislead.
            return Response({"detail": _("该案件不在您的处理范围内")}, status=status.HTTP_403_FORBIDDEN)
        data = declaration.input(data=_with_files(request, ("photos",)))
        data.is_valid(raise_exception=True)
        try:
            case = declaration.service(case=case, actor=request.user, **data.validated_data)
        except ActionError as exc:
            return error_response(exc)
        return self._detail(case, status.HTTP_200_OK)

    def _detail(self, case, code, *, held: bool = False):
        if wants_minimal(self.request):
            # What the service returned is the case as saved: no read-back, no serialization of its history.
            body = CaseMinimalSerializer(case).data
            return Response(body, status=code, headers={"Preference-Applied": "return=minimal"})
        try:
            if held:
                answer = services.as_reported(case)
            else:
                answer = selectors.case_detail(self.request.user).get(pk=case.pk)
            return Response(CaseDetailSerializer(answer, context={"request": self.request}).data, status=code)
        except (OperationalError, InterfaceError):
            # The report or action is in: its transaction committed before this answer's reads. Say so, so that
            # a client reads the case again later instead of sending the report or the action twice.
            body = {
                "detail": _("已保存，但读取案件详情时数据库暂时不可用，请稍后刷新查看，不要重复提交"),
                "saved": True,
                "id": case.pk,
                "number": case.number,
                "status": case.status,
            }
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "2"})


def _action_route(declaration: ActionDeclaration):
    """POST /cases/{id}/actions/<action>/ for one declared action, its input as the request schema."""
    name = declaration.name

    def route(self, request, pk=None):
        return self.act(request, pk, declaration)

    # Named before decorating: DRF maps the HTTP method to the method by this name.
    route.__name__ = route.__qualname__ = f"action_{name}"
    routed = drf_action(detail=True, methods=["post"], url_path=f"actions/{name}", url_name=f"action-{name}")(
        route
    )
    return extend_schema(
        summary=f"{declaration.label}（{name}）",
        request={"application/json": declaration.input, "multipart/form-data": declaration.input},
        responses={200: CaseDetailSerializer, 503: SavedButUnreadable},
        description=(declaration.service.__doc__ or "").strip().split("\n")[0] + "\n\n" + RETURN_MINIMAL,
    )(routed)


# One route per declared action. Named action_<name>, they sort (and so route) before unknown_action.
for _declaration in ACTIONS.values():
    setattr(CaseViewSet, f"action_{_declaration.name}", _action_route(_declaration))


_JSON_TYPES = {bool: "布尔值", int: "数字", float: "数字", str: "字符串", list: "数组"}


def _with_files(request, file_fields: tuple[str, ...]) -> dict:
    """Request data as a plain dict, with multi-valued file fields as lists (multipart sends several)."""
    if not hasattr(request.data, "getlist"):
        if not isinstance(request.data, dict):  # a JSON body of 0, null, [] or "text"
            message = f"请求体须为 JSON 对象，而不是{_JSON_TYPES.get(type(request.data), ' null')}"
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]})
        return dict(request.data)
    data = {key: request.data.get(key) for key in request.data.keys()}
    for name in file_fields:
        if name in request.FILES:
            data[name] = request.FILES.getlist(name)
    for name in ("co_departments",):
        if name in request.data:
            data[name] = request.data.getlist(name)
    return data


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's inbox; `?unread=true` for unread only."""

    serializer_class = NotificationSerializer
    lookup_value_regex = r"\d+"  # /notifications/false/read/ is a 404, not a ValueError in filter(pk=…)
    filterset_fields = {"read_at": ["isnull"], "kind": ["exact"]}
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        qs = Notification.objects.filter(user=self.request.user).select_related("case")
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(request=None, responses={204: None})
    @drf_action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        self.get_queryset().filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    @drf_action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        self.get_queryset().filter(read_at__isnull=True).update(read_at=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)
