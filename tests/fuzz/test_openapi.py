"""Fuzz every operation of the OpenAPI schema with schemathesis: no input may make the API answer 5xx.

The schema is the one the app serves at /api/schema/ (drf-spectacular's generator, run in-process).
Two tests per operation:

- boundary values: schemathesis' coverage phase, every parameter at its edges (empty, huge, wrong type,
  far-off dates, unexpected methods …), deterministic by construction, sent as the persona who may do
  the most;
- generated requests: hypothesis draws schema-conforming (positive) and schema-violating (negative)
  requests, half of them aimed at rows that exist (real case ids, grid codes, the waiting hotline
  ticket …) so the deep paths run, not only the 404s. Each is sent as every persona of
  tests/fuzz/world.py, as the 12345 system with its X-Api-Key, and once with whatever credentials
  schemathesis made up.

Everything goes through the real WSGI stack (middleware, authentication, throttles), and every answer
is checked: not_a_server_error (the point of it all), status_code_conformance (every status is
documented: core/openapi.py adds the common errors), content_type_conformance and
response_schema_conformance (a documented answer has the documented shape). The work a request leaves
for after the commit (hotline ticket processing, the duplicate search) runs too and must not raise.

Each request runs in a savepoint that is rolled back, with the cache emptied first, so requests never
see each other's effects and a run is repeatable: hypothesis is derandomized (a fixed seed per test)
and keeps no example database. FUZZ_EXAMPLES (default below) sets the generated requests per operation
and generation mode; FUZZ_SEED=n draws another (still repeatable) sample, for a longer bug hunt.
"""

import json
import logging
import os
import time
import traceback
from collections import Counter
from contextlib import contextmanager
from itertools import islice

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import TestCase, override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz import world as fuzz_world

# django_db: the test database must exist (pytest-django creates it only for marked tests); each test
# then runs in a savepoint inside the module's transaction.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# Unset: derandomized, the same requests every run (CI). FUZZ_SEED=n explores elsewhere, repeatably.
SEED = int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else None
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Credentials schemathesis would otherwise invent for the security schemes; the personas send real ones.
CREDENTIAL_HEADERS = ("authorization", "x-api-key")


def _load_raw_schema() -> dict:
    """The document /api/schema/ serves, as plain JSON (lazy translations and dates made strings)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(document, default=str))


RAW_SCHEMA = _load_raw_schema()
OPERATIONS = [
    (path, method.upper())
    for path, item in RAW_SCHEMA["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
]


class FuzzApp(logging.Handler):
    """Django's WSGI handler, remembering the traceback of the last exception a view raised, and every
    exception our code logged and carried on from (a crash the hotline task or the duplicate search
    swallows answers 202, but is a bug all the same).
    """

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.handler = WSGIHandler()
        self.last_error = ""
        self.logged: list[str] = []
        got_request_exception.connect(self._record, dispatch_uid="fuzz-app")
        logging.getLogger().addHandler(self)

    def _record(self, sender, request=None, **kwargs):
        self.last_error = traceback.format_exc()

    def emit(self, record):
        # django.request logs every 5xx, which not_a_server_error already reports.
        if record.exc_info and record.name != "django.request":
            self.logged.append(logging.Formatter().format(record))

    def __call__(self, environ, start_response):
        return self.handler(environ, start_response)

    def reset(self):
        self.last_error, self.logged = "", []

    def close(self):
        logging.getLogger().removeHandler(self)
        got_request_exception.disconnect(dispatch_uid="fuzz-app")
        super().close()


@pytest.fixture(scope="module")
def fuzz(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module inside a transaction that is rolled back at the end."""
    started = time.monotonic()
    media = tmp_path_factory.mktemp("fuzz-media")
    fast = override_settings(
        MEDIA_ROOT=str(media), PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    # The WSGI handler closes "old" connections around each request, and inside a transaction every
    # connection looks old: that would end the module's transaction. Django's test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    app = FuzzApp()
    with django_db_blocker.unblock(), fast:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            data = fuzz_world.build()
            schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
            schema.app = app
            data.schema, data.app = schema, app
            data.counts = Counter()
            yield data
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            app.close()
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
    _summary(request, data.counts, time.monotonic() - started)


def _summary(request, counts: Counter, seconds: float) -> None:
    """One line at the end of the module: how much was fuzzed, so the report can quote it."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nschemathesis: {counts['operations']} operations, {counts['boundary']} boundary-value requests, "
                f"{counts['cases']} generated requests, "
                f"{counts['calls']} calls (all personas), {counts['5xx']} answered 5xx, {seconds:.0f} s"
            )


def _real_rows(data) -> dict[str, list[dict]]:
    """Schema path → path parameters of rows that exist in the world."""
    w = data.world
    cases = data.case_ids
    return {
        "/api/v1/cases/{id}/": [{"id": pk} for pk in cases],
        **{path: [{"id": pk} for pk in cases] for path in RAW_SCHEMA["paths"] if "/actions/" in path},
        "/api/v1/cases/{case_pk}/suspects/": [{"case_pk": data.suspect_case_id}, {"case_pk": cases[0]}],
        "/api/v1/cases/{case_pk}/suspects/{id}/confirm/": _suspects(data),
        "/api/v1/cases/{case_pk}/suspects/{id}/dismiss/": _suspects(data),
        "/api/v1/categories/{id}/": [{"id": w.event_cat.pk}, {"id": w.component_cat.pk}],
        "/api/v1/departments/{id}/": [{"id": w.office.pk}],
        "/api/v1/components/{code}/": [{"code": w.component.code}],
        "/api/v1/districts/{code}/": [{"code": data.district_code}],
        "/api/v1/streets/{code}/": [{"code": w.street.code}],
        "/api/v1/communities/{code}/": [{"code": w.community.code}],
        "/api/v1/grids/{code}/": [{"code": w.grid.code}, {"code": w.other_grid.code}],
        "/api/v1/hotline/tickets/{id}/locate/": [{"id": data.ticket.pk}],
        "/api/v1/hotline/tickets/{channel}/{ticket_no}/": [{"channel": "12345", "ticket_no": "H-0001"}],
        "/api/v1/notifications/{id}/read/": [{"id": pk} for pk in _notifications(data)],
    }


def _suspects(data) -> list[dict]:
    from cases.models import DuplicateSuspect

    return [{"case_pk": s.case_id, "id": s.pk} for s in DuplicateSuspect.objects.all()]


def _notifications(data) -> list[int]:
    from cases.models import Notification

    return list(Notification.objects.values_list("pk", flat=True))


def _strategy(operation, data):
    """Positive and negative requests; when the path names rows, half of them name rows that exist."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    branches = [operation.as_strategy(generation_mode=mode) for mode in modes]
    real = _real_rows(data).get(operation.path, [])
    if real:
        branches += [
            st.one_of(
                [operation.as_strategy(generation_mode=mode, path_parameters=params) for params in real]
            )
            for mode in modes
        ]
    return st.one_of(branches)


def _personas(data) -> list[tuple[str, dict]]:
    """(name, headers) of everyone a request is sent as; "stranger" keeps the invented credentials."""
    people = [(name, {"Authorization": f"Token {key}"}) for name, key in data.tokens.items()]
    return [("stranger", {}), *people, ("hotline_system", {"X-Api-Key": fuzz_world.HOTLINE_KEY})]


@contextmanager
def _rolled_back():
    """A savepoint that is always rolled back; the after-commit work the request queued runs inside it.

    The cache (rate limits, throttles) is emptied first: each request starts from the same state.
    """
    cache.clear()
    with transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            yield
        transaction.set_rollback(True)


def _send(case, app, counts: Counter, name: str, headers: dict) -> list[str]:
    """Send `case` as one persona; the problems found (empty when the answer passes every check)."""
    problems = []
    response = None
    app.reset()
    try:
        with _rolled_back():
            response = case.call(headers=headers)
    except Exception:  # only after-commit work can raise here: the handler turns view errors into 500s
        problems.append(f"[{name}] work after the commit raised:\n{traceback.format_exc()}")
    problems += [f"[{name}] an exception was logged and swallowed:\n{text}" for text in app.logged]
    if response is None:
        return problems
    counts["calls"] += 1
    counts["5xx"] += response.status_code >= 500
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as exc:  # the failed checks, with a curl command to reproduce
        problems.append(f"[{name}] {exc}")
        if response.status_code >= 500 and app.last_error:
            problems.append(f"[{name}] server traceback:\n{app.last_error}")
    return problems


def _without_credentials(case):
    """The same request without the credentials schemathesis generated (the personas bring their own)."""
    for name in list(case.headers or {}):
        if name.lower() in CREDENTIAL_HEADERS:
            del case.headers[name]
    if case.cookies:
        case.cookies.pop("sessionid", None)
    return case


OPERATION_IDS = [f"{m} {p}" for p, m in OPERATIONS]


def test_the_rows_the_fuzzer_aims_at_are_on_schema_paths(fuzz):
    """A renamed path would silently lose its real-row requests (and with them the deep code paths)."""
    paths = {path for path, _method in OPERATIONS}
    rows = _real_rows(fuzz)
    assert set(rows) <= paths, set(rows) - paths
    assert all(rows.values()), [path for path, found in rows.items() if not found]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_boundary_values_never_answer_5xx(fuzz, path, method):
    """schemathesis' coverage phase: each parameter at its edges (empty, huge, wrong type, far dates …),
    positive and negative, as the persona who may do the most."""
    operation = fuzz.schema[path][method]
    config = fuzz.schema.config.generation_for(operation=operation)
    headers = dict(_personas(fuzz))["chief"]
    problems = []
    for case in fuzz.schema.iter_coverage_cases(
        operation, generation_modes=list(GenerationMode), generation_config=config
    ):
        fuzz.counts["boundary"] += 1
        problems += _send(_without_credentials(case), fuzz.app, fuzz.counts, "chief", headers)
    assert not problems, "\n\n".join(problems[:4])


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_generated_requests_never_answer_5xx(fuzz, path, method):
    operation = fuzz.schema[path][method]
    personas = _personas(fuzz)

    @settings(
        max_examples=EXAMPLES * 2,  # positive and negative
        derandomize=SEED is None,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=_strategy(operation, fuzz))
    def run(case):
        fuzz.counts["cases"] += 1
        problems = []
        for name, headers in personas:
            if name != "stranger":
                case = _without_credentials(case)
            problems += _send(case, fuzz.app, fuzz.counts, name, headers)
        assert not problems, "\n\n".join(islice(problems, 4))

    fuzz.counts["operations"] += 1
    if SEED is not None:
        run = seed(SEED)(run)
    run()
