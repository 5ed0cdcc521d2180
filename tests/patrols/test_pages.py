"""The patrol pages: the inspector's 巡查 and the supervisor's track map, for their roles only."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from patrols import services
from tests.patrols.conftest import points_along

pytestmark = pytest.mark.django_db


def test_the_inspector_patrol_page(client, world):
    client.force_login(world.p.inspector)
    page = client.get(reverse("patrol-phone")).content.decode()
    assert "开始巡查" in page and "data-patrol" in page and "/api/v1/patrols/" in page
    client.force_login(world.p.supervisor)
    assert client.get(reverse("patrol-phone")).status_code == 403


def test_the_supervisor_map_shows_tracks_and_coverage(client, world, morning):
    with time_machine.travel(morning, tick=False):
        patrol = services.patrol_start(actor=world.p.inspector)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        services.patrol_upload(
            patrol=patrol,
            actor=world.p.inspector,
            batch_key="b",
            points=points_along(117.2000, 39.0505, at=morning + timedelta(minutes=1), n=11),
        )
    services.compute_coverage(morning.date())
    client.force_login(world.p.supervisor)
    page = client.get(reverse("patrol-map"), {"day": morning.date().isoformat()}).content.decode()
    assert world.grid.code in page and "90%" in page
    assert world.other_grid.code in page  # missed
    data = client.get(reverse("patrol-map-data"), {"day": morning.date().isoformat()}).json()
    assert data["coverage"] == {world.grid.code: pytest.approx(0.9009, abs=0.001)}
    assert data["features"][0]["properties"]["inspector"] == "insp"
    client.force_login(world.p.inspector)
    assert client.get(reverse("patrol-map")).status_code == 403
    assert client.get(reverse("patrol-map-data")).status_code == 403


def test_the_menu_offers_the_pages_to_their_roles(client, world):
    client.force_login(world.p.inspector)
    assert reverse("patrol-phone") in client.get(reverse("inspector-tasks")).content.decode()
    client.force_login(world.p.supervisor)
    assert reverse("patrol-map") in client.get(reverse("patrol-map")).content.decode()
