"""/api/v1/hotline/tickets/ (machines with an API key; operators with their login) and case suspects.

A hotline system authenticates with `X-Api-Key` (an active ApiClient of kind hotline) and may only
submit and read tickets of its own channel. Intake answers 202 as soon as the row is stored; a repeat
of a known ticket answers 200 with the first one's status, so a hotline that retries is never harmed.
"""

import json

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import apikeys
from cases.api import error_response
from cases.errors import ActionError
from cases.intake import duplicates, hotline, loop
from cases.intake.serializers import (
    DuplicateSuspectSerializer,
    HotlineTicketInSerializer,
    HotlineTicketSerializer,
    HotlineTicketStatusSerializer,
    LocateSerializer,
    SuspectDecisionSerializer,
)
from cases.models import ApiClient, Case, DuplicateSuspect, HotlineTicket
from cases.selectors import cases_visible_to, district_limit
from core.authentication import TokenAuthentication
from core.roles import Role

# Who works the hotline queue: the centre (docs/domain.md §1); only operators may place a ticket (service check).
QUEUE_ROLES = frozenset({Role.OPERATOR, Role.SHIFT_LEADER, Role.SUPERVISOR, Role.ADMIN})


class HotlineApiKeyAuthentication(BaseAuthentication):
    """`X-Api-Key: <key>` of an active hotline client. No header: other authenticators may try."""

    def authenticate(self, request):
        key = request.META.get("HTTP_X_API_KEY", "").strip()
        if not key:
            return None
        client = apikeys.client_for(key, kind=ApiClient.Kind.HOTLINE)
        if client is None:
            raise AuthenticationFailed(_("API 密钥无效或已停用"))
        return AnonymousUser(), client

    def authenticate_header(self, request):
        return "X-Api-Key"  # makes a missing key a 401 with a hint, not a bare 403


class HotlineApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "cases.intake.api.HotlineApiKeyAuthentication"
    name = "HotlineApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


class IsHotlineClient(BasePermission):
    message = _("需要热线系统的 API 密钥（X-Api-Key）")

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiClient)


class IsQueueStaff(BasePermission):
    message = _("只有监督中心人员可以查看热线工单队列")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.roles & QUEUE_ROLES)


def _wrong_channel(client: ApiClient, channel: str) -> Response | None:
    if client.channel == channel:
        return None
    return Response(
        {
            "detail": f"该 API 密钥属于 {client.channel} 渠道，不能访问 {channel} 渠道的工单",
            "field": "channel",
        },
        status=status.HTTP_403_FORBIDDEN,
    )


class HotlineTicketViewSet(viewsets.GenericViewSet):
    authentication_classes = [HotlineApiKeyAuthentication, TokenAuthentication, SessionAuthentication]
    serializer_class = HotlineTicketSerializer
    queryset = HotlineTicket.objects.none()  # for the schema generator
    filterset_fields = {"state": ["exact"], "channel": ["exact"]}
    ordering_fields = ["created_at", "received_at"]
    ordering = ["created_at", "id"]

    def get_permissions(self):
        if self.action in ("create", "pull"):
            return [IsHotlineClient()]
        return [IsQueueStaff()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HotlineTicket.objects.none()
        return hotline.tickets_for_operator(district=district_limit(self.request.user))

    @extend_schema(
        summary="热线工单队列",
        description="监督中心查看热线工单；`?state=needs_location` 为待人工定位的工单。",
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = HotlineTicketSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="热线工单接入",
        request=HotlineTicketInSerializer,
        responses={202: HotlineTicketStatusSerializer, 200: HotlineTicketStatusSerializer},
        description="存入收件箱后立即返回 202，由后台任务转为案件；同一工单重复推送返回 200 及首次的状态。",
    )
    def create(self, request):
        data = HotlineTicketInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if denied := _wrong_channel(request.auth, data.validated_data["channel"]):
            return denied
        ticket, created = hotline.receive(data=data.validated_data, raw=_jsonable(request.data))
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(HotlineTicketStatusSerializer(hotline.ticket_status(ticket)).data, status=code)

    @extend_schema(summary="热线工单状态（拉取）", responses={200: HotlineTicketStatusSerializer})
    def pull(self, request, channel=None, ticket_no=None):
        if denied := _wrong_channel(request.auth, channel):
            return denied
        ticket = HotlineTicket.objects.filter(channel=channel, ticket_no=ticket_no).select_related(
            "case__duplicate_of"
        )
        ticket = ticket.first()
        if ticket is None:
            return Response(
                {"detail": f"工单 {channel}-{ticket_no} 不存在"}, status=status.HTTP_404_NOT_FOUND
            )
        return Response(HotlineTicketStatusSerializer(hotline.ticket_status(ticket)).data)

    @extend_schema(
        summary="为待定位工单补充位置",
        request=LocateSerializer,
        responses={200: HotlineTicketSerializer},
        description="受理员给出经纬度，工单随即转为案件。",
    )
    def locate(self, request, pk=None):
        ticket = get_object_or_404(HotlineTicket, pk=pk)
        data = LocateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            ticket = hotline.locate_ticket(ticket=ticket, actor=request.user, **data.validated_data)
        except ActionError as exc:
            return error_response(exc)
        ticket = HotlineTicket.objects.select_related("case").get(pk=ticket.pk)
        return Response(HotlineTicketSerializer(ticket, context=self.get_serializer_context()).data)


def _jsonable(data) -> dict:
    """The request body as stored in `raw` (a QueryDict from a form post becomes a plain dict)."""
    return data if isinstance(data, dict) else {k: data.get(k) for k in data.keys()}


class DuplicateSuspectViewSet(viewsets.GenericViewSet):
    """Suspected duplicates of one case, nearest first; confirm (= 不予受理 as duplicate) or dismiss."""

    serializer_class = DuplicateSuspectSerializer
    queryset = DuplicateSuspect.objects.none()
    permission_classes = [IsAuthenticated]

    def _case(self) -> Case:
        case = get_object_or_404(Case, pk=self.kwargs["case_pk"])
        if not cases_visible_to(self.request.user).filter(pk=case.pk).exists():
            self.permission_denied(self.request, message="该案件不在您的处理范围内")
        return case

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DuplicateSuspect.objects.none()
        suspects = DuplicateSuspect.objects.filter(case=self._case()).select_related("original")
        # The original may be another department's case (same spot, same category): list only the
        # originals the user may see too, so the suspect list cannot leak a case across the scope.
        scope = cases_visible_to(self.request.user)
        if scope.query.has_filters():  # district-wide roles see every case: no subquery needed
            suspects = suspects.filter(original__in=scope.values("pk"))
        return suspects

    @extend_schema(
        summary="疑似重复案件",
        parameters=[OpenApiParameter("case_pk", int, OpenApiParameter.PATH, description="案件 ID")],
    )
    def list(self, request, case_pk=None):
        page = self.paginate_queryset(self.get_queryset().order_by("distance_m", "id"))
        return self.get_paginated_response(DuplicateSuspectSerializer(page, many=True).data)

    @extend_schema(
        summary="确认重复（不予受理）",
        request=SuspectDecisionSerializer,
        responses={200: DuplicateSuspectSerializer},
        parameters=[OpenApiParameter("case_pk", int, OpenApiParameter.PATH, description="案件 ID")],
    )
    def confirm(self, request, case_pk=None, pk=None):
        return self._decide(request, pk, confirm=True)

    @extend_schema(
        summary="排除重复",
        request=None,
        responses={200: DuplicateSuspectSerializer},
        parameters=[OpenApiParameter("case_pk", int, OpenApiParameter.PATH, description="案件 ID")],
    )
    def dismiss(self, request, case_pk=None, pk=None):
        return self._decide(request, pk, confirm=False)

    def _decide(self, request, pk, *, confirm: bool) -> Response:
        suspect = get_object_or_404(self.get_queryset(), pk=pk)
        data = SuspectDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            if confirm:
                suspect = duplicates.confirm(suspect=suspect, actor=request.user, **data.validated_data)
            else:
                suspect = duplicates.dismiss(suspect=suspect, actor=request.user)
        except ActionError as exc:
            return error_response(exc)
        suspect = DuplicateSuspect.objects.select_related("original").get(pk=suspect.pk)
        return Response(DuplicateSuspectSerializer(suspect).data)


class HotlineMessageView(APIView):
    """POST /api/v1/hotline/messages/: the 12345 centre's messages (docs/hotline-12345.md).

    `X-Api-Key` names the centre; `X-Hotline-Signature: sha256=<hex>` is the HMAC-SHA256 of the raw body
    with the client's webhook secret (the shared secret that also signs our pushes; the key is kept
    only as a digest, so it cannot sign). The same `message_id` sent again answers what it answered first and changes nothing.
    """

    authentication_classes = [HotlineApiKeyAuthentication]
    permission_classes = [IsHotlineClient]

    @extend_schema(
        summary="12345 热线中心来文（派单、延期审批、退单审批、回访结果、重办）",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT},
        description="报文格式见 docs/hotline-12345.md 与 docs/schemas/hotline-inbound.json；"
        "须带 X-Hotline-Signature 签名；同一 message_id 重发返回首次的应答。",
    )
    def post(self, request):
        raw = request._request.body
        client = request.auth
        secret = apikeys.shared_secret(client)
        if not secret or not loop.signature_ok(secret, raw, request.META.get("HTTP_X_HOTLINE_SIGNATURE", "")):
            return Response(
                {
                    "detail": "签名无效：X-Hotline-Signature 须为 sha256=<以回推签名密钥计算的报文 HMAC-SHA256>",
                    "field": "signature",
                },
                status=status.HTTP_401_UNAUTHORIZED,
            )
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return Response({"detail": f"报文不是有效的 JSON：{exc}"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            code, answer = loop.receive_message(client=client, body=body)
        except loop.MessageRefused as exc:
            return Response(exc.body(), status=exc.status)
        return Response(answer, status=code)
