"""drf-spectacular post-processing: the error answers of the API, documented on every operation.

Our views answer errors the same way everywhere (STYLE.md, API): 400 for bad input naming the field,
401 without credentials, 403 when the role or scope forbids, 404 for an unknown id or page, 415 for a
body in a format the view does not parse, 413 for a body over the size limit (core/middleware.py). drf-spectacular documents only the statuses a view declares,
so without this a client (and the schemathesis fuzzer's status-code check, tests/fuzz) would meet them
undocumented. The operations whose service can refuse an action in the current state also answer 409.
"""

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "错误说明。`detail` 为一句话原因；输入错误时以字段名为键、列出该字段的问题"
        "（整体问题在 `non_field_errors` 下），流程动作的错误还带有 `field`。"
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERRORS = {
    "400": "输入有误：指出有问题的参数或字段",
    "401": "未登录或凭据无效",
    "403": "角色或处理范围不允许",
    "404": "对象或页码不存在",
    "413": "请求体过大（API_MAX_JSON_BYTES / API_MAX_BODY_BYTES）",
    "415": "请求体格式不受支持",
    "409": "当前状态不允许该操作（说明原因）",
}
# operationId → can be refused by the workflow or the ticket state (cases.errors.ActionRefused → 409).
REFUSABLE_OPERATIONS = frozenset(
    {
        "v1_cases_create",  # a hotline ticket already filed as a case
        "v1_cases_suspects_confirm_create",
        "v1_cases_suspects_dismiss_create",
        "v1_hotline_tickets_locate_create",
        # Enforcement (enforcement/services.py): the case's state, an outcome already decided or checked.
        "v1_enforcement_cases_party_create",
        "v1_enforcement_outcomes_create",
        "v1_enforcement_outcomes_check_create",
        "v1_enforcement_outcomes_feedback_create",
        "v1_enforcement_outcomes_pay_create",
        "v1_enforcement_outcomes_receipt_create",
    }
)


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }


def _statuses(operation: dict) -> list[str]:
    """Which generic errors `operation` can answer, from what it takes and how it is secured."""
    parameters = operation.get("parameters", [])
    statuses = []
    if parameters or "requestBody" in operation:
        statuses.append("400")
    if operation.get("security"):  # sign-in required (the token endpoint has none)
        statuses += ["401", "403"]
    if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
        statuses.append("404")
    if "requestBody" in operation:
        statuses += ["413", "415"]
    operation_id = operation.get("operationId", "")
    # Every workflow action has its own operation, v1_cases_actions_<action>_create (cases/api.py).
    if operation_id in REFUSABLE_OPERATIONS or operation_id.startswith("v1_cases_actions_"):
        statuses.append("409")
    return statuses


def document_error_responses(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS entry: add the generic errors each operation can answer, and their schema."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "put", "patch", "post", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation):
                responses.setdefault(status, _error(ERRORS[status]))
    return result
