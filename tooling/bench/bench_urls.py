"""The product's URLs plus the intake bench's ceiling: a bare authenticated DRF view that inserts one
case-sized row (tooling/bench/intake.py). Loaded only by tooling/bench/bench_settings.py."""

import uuid

from django.db import connection
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cityops.urls import urlpatterns as product
from core.authentication import TokenAuthentication

TABLE = "bench_bare_case"


def _insert_sql() -> str:
    """INSERT … SELECT of the template case row with the posted text and position (id: a new one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
            "ORDER BY ordinal_position",
            [TABLE],
        )
        columns = [row[0] for row in cursor.fetchall()]
    posted = {"description": "%(description)s", "lng": "%(lng)s", "lat": "%(lat)s", "number": "%(number)s"}
    select = ", ".join(posted.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {TABLE} ({names}) SELECT {select} FROM {TABLE}_template t LIMIT 1 RETURNING id"  # noqa: S608


class BareInsert(APIView):
    """Token authentication, the JSON parsed, one INSERT of a row shaped like cases_case (the template
    case with the posted description and position), one commit: what no intake can beat on this server."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    sql = None

    def post(self, request):
        if BareInsert.sql is None:
            BareInsert.sql = _insert_sql()
        data = request.data
        with connection.cursor() as cursor:
            cursor.execute(
                BareInsert.sql,
                {
                    "description": str(data.get("description", ""))[:2000],
                    "lng": float(data.get("lng", 0)),
                    "lat": float(data.get("lat", 0)),
                    "number": uuid.uuid4().hex[:20],
                },
            )
            new_id = cursor.fetchone()[0]
        return Response({"id": new_id}, status=201)


urlpatterns = [path("bench/bare-insert/", BareInsert.as_view()), *product]
