"""The intake bench's ceiling (tooling/bench/bench_urls.py): a bare authenticated insert of one
case-sized row that exists only under the bench's URLconf, never in the product's."""

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.cases.conftest import report
from tooling.bench import bench_urls
from tooling.bench.intake import _prepare_bare_table

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")
BODY = {"description": "压测", "lng": 117.2, "lat": 39.05}


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_the_bare_insert_is_not_a_product_url(world):
    assert _client(world.p.inspector).post("/bench/bare-insert/", BODY, format="json").status_code == 404


@override_settings(ROOT_URLCONF="tooling.bench.bench_urls")
def test_the_bare_insert_writes_one_case_shaped_row_for_a_signed_in_client(world):
    report(world)  # the template row
    _prepare_bare_table()
    bench_urls.BareInsert.sql = None  # the columns of this database's table
    assert APIClient().post("/bench/bare-insert/", BODY, format="json").status_code in (401, 403)
    response = _client(world.p.inspector).post("/bench/bare-insert/", BODY, format="json")
    assert response.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute("SELECT description, lng, lat FROM bench_bare_case")
        assert cursor.fetchall() == [("压测", 117.2, 39.05)]
