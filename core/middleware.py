import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose another language (the language switch sets a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; our users' offices run
    browsers in many languages, and the product is Chinese first. The API (/api/) does follow
    Accept-Language: a client program cannot use the switch.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        if chosen not in dict(settings.LANGUAGES) and request.path.startswith("/api/"):
            # An API client has no language switch: it asks the HTTP way, and its refusals (400/403/409
            # messages) come back in that language. Still Chinese when it asks for nothing we have.
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """A request the database dropped (its connection was cut, the server restarted, a deadlock or
    serialisation failure rolled it back) answers 503 with Retry-After, not a bare 500: the client
    learns it may simply try again. (Django drops an unusable connection when the request finishes,
    and CONN_HEALTH_CHECKS tests a kept one before its next request, so the next one reconnects.)

    Whatever the request was writing rolled back with its transaction (the services write one
    transaction per action, and a rolled-back action removes the photo files it wrote).
    """

    RETRY_AFTER_SECONDS = 2

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        message = _("数据库暂时不可用，本次操作未能完成，请稍后重试")
        if request.path.startswith("/api/") or request.path.startswith("/open311/"):
            response = JsonResponse({"detail": str(message)}, status=503)
        else:
            response = HttpResponse(
                f"<!doctype html><title>503</title><h1>503</h1><p>{escape(message)}</p>",
                status=503,
                content_type="text/html; charset=utf-8",
            )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class RequestBodyLimitMiddleware:
    """An API body larger than its limit answers 413 with a JSON `detail` before anything reads it.

    JSON bodies (API_MAX_JSON_BYTES, default 1 MiB: a hotline ticket with the longest description is
    about 10 KB) and every other body (API_MAX_BODY_BYTES, default 64 MiB: a report with its photos).
    DRF's parsers read the stream whole, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE, so without this a
    100 MB JSON body was read into memory and parsed. Judged by Content-Length; Open311 has its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": _("Content-Length 不是数字")}, status=400)
            is_json = (request.content_type or "").endswith("json")
            limit = settings.API_MAX_JSON_BYTES if is_json else settings.API_MAX_BODY_BYTES
            if length > limit:
                message = _("请求体过大：不得超过 %(limit)s 字节") % {"limit": limit}
                return JsonResponse({"detail": message, "max_bytes": limit}, status=413)
        return self.get_response(request)
