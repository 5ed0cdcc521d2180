"""Request ids and structured logs.

Every request gets an id (the caller's X-Request-ID when it looks like one, a fresh one otherwise),
sent back on the response and stamped on every log record written while the request runs; a Celery
task's records carry its task id the same way. LOG_FORMAT=json writes one JSON object per line for
the log shipper; text is for a person at a terminal (the demo).

The JSON formatter is a few lines of stdlib on purpose: the fields are ours to choose, and a
dependency would buy nothing here that `json.dumps` does not.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
current_task_id: ContextVar[str | None] = ContextVar("task_id", default=None)

HEADER = "X-Request-ID"
# One line per request with its id, status and duration: the access log of the production layout.
access_log = logging.getLogger("cityops.access")
_QUIET_PATHS = {"/healthz", "/metrics"}
# An incoming id is echoed into our logs and responses: accept only short, plain tokens.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Outermost middleware: sets the request id for the whole request, including Django's own
    `django.request` records, which are written after the middleware chain returns (so the id is
    cleared on `request_finished`, not when this middleware returns)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        current_request_id.set(rid)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = rid
        # Probes and scrapes arrive every few seconds: log them only when they fail (or at DEBUG).
        quiet = request.path in _QUIET_PATHS and response.status_code < 400
        access_log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


def _clear_request_id(**kwargs):
    current_request_id.set(None)


request_finished.connect(_clear_request_id, dispatch_uid="core.log.clear_request_id")


# A task queued while a request runs carries the request's id in its message headers, so the
# worker's records of that task can be found from the request that caused it (and vice versa).
TASK_HEADER = "cityops_request_id"


@before_task_publish.connect(dispatch_uid="core.log.before_task_publish")
def _stamp_task(headers: dict | None = None, **kwargs):
    rid = current_request_id.get()
    if rid and headers is not None:
        headers.setdefault(TASK_HEADER, rid)


_task_tokens: dict[str, object] = {}


@task_prerun.connect(dispatch_uid="core.log.task_prerun")
def _task_started(task_id: str | None = None, task=None, **kwargs):
    current_task_id.set(task_id)
    request = getattr(task, "request", None)
    rid = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    if rid and task_id:
        _task_tokens[task_id] = current_request_id.set(rid)


@task_postrun.connect(dispatch_uid="core.log.task_postrun")
def _task_finished(task_id: str | None = None, **kwargs):
    current_task_id.set(None)
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:  # back to what it was: None in a worker, the request's id in an eager task
        current_request_id.reset(token)


class ContextFilter(logging.Filter):
    """Puts request_id and task_id on every record (None outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.task_id = current_task_id.get()
        return True


# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The text format, with the ids appended when there are any."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = [
            f"{name}={value}" for name in ("request_id", "task_id") if (value := getattr(record, name, None))
        ]
        if not ids:
            return line
        first, sep, rest = line.partition("\n")  # keep a traceback below the line that has the ids
        return f"{first} [{' '.join(ids)}]{sep}{rest}"


def logging_config(*, fmt: str, level: str) -> dict:
    """settings.LOGGING for LOG_FORMAT=json|text."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "core.log.ContextFilter"}},
        "formatters": {
            "json": {"()": "core.log.JsonFormatter"},
            "text": {"()": "core.log.TextFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["context"]},
        },
        "root": {"handlers": ["console"], "level": level},
    }
