"""The REST API (Django REST framework) and its OpenAPI document (drf-spectacular)."""

from core.env import env_int

# Largest API request bodies (core/middleware.RequestBodyLimitMiddleware): JSON, and anything else
# (multipart reports carry their photos, each at most PHOTO_MAX_BYTES).
API_MAX_JSON_BYTES = env_int("API_MAX_JSON_BYTES", 1_048_576)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 64 * 1_048_576)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # DRF's JSON parser plus a depth limit and no lone surrogates (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # ?page=, and ?page_size= from 1 to 500 (a wrong one is a 400, never ignored).
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Anonymous callers only, per address (RATE_LIMITS below); staff and API-key clients pass.
    "DEFAULT_THROTTLE_CLASSES": ["core.security.AnonymousRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CityOps API",
    "DESCRIPTION": "数字城管 platform: grids, categories, departments, cases and their closed loop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from the drf-spectacular-sidecar package: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.workflow.STATUS_CHOICES",
        "ComponentStatusEnum": "dispatch.models.Component.Status",
    },
    # The default enum hook, then the 400/401/403/404/415 answers on every operation (core/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.document_error_responses",
    ],
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "HotlineTicketStateEnum": "cases.models.HotlineTicket.State",
        "DuplicateSuspectStateEnum": "cases.models.DuplicateSuspect.State",
        "RejectReasonEnum": "cases.models.RejectReason",
        "InspectionStateEnum": "assessment.models.Inspection.State",
    }
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "HazardKindEnum": "campaigns.models.Hazard.Kind",
        "HazardStatusEnum": "campaigns.models.Hazard.Status",
        "RegisterItemStatusEnum": "campaigns.models.RegisterItem.Status",
        "CampaignTaskStatusEnum": "campaigns.models.CampaignTask.Status",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "HazardLevelEnum": "campaigns.models.Hazard.Level",
    }
)
# Enforcement (issue #20): its choice sets named, apart from the departments' and categories' "kind".
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "PartyKindEnum": "enforcement.models.Party.Kind",
        "OutcomeKindEnum": "enforcement.models.Outcome.Kind",
        "PartyContactKindEnum": "enforcement.models.PartyContact.Kind",
        "OutcomeCheckResultEnum": "enforcement.models.Outcome.CheckResult",
    }
)
# The 12345 loop's reason codes (docs/hotline-12345.md), named as the published schemas name them.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ExtensionReasonEnum": "cases.models.ExtensionReason",
        "HotlineReturnReasonEnum": "cases.models.HotlineReturnReason",
    }
)
