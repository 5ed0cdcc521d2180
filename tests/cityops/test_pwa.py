"""The inspector's pages as an installable web app: manifest and service worker (docs/domain.md §12)."""

import json
import re

import pytest
from django.urls import reverse


def test_the_manifest_starts_at_the_report_form(client):
    answer = client.get("/manifest.webmanifest")
    assert answer["Content-Type"] == "application/manifest+json"
    body = answer.json()
    assert body["start_url"] == reverse("inspector-report") and body["display"] == "standalone"


def test_the_service_worker_lists_real_assets_and_the_offline_pages(client):
    answer = client.get("/sw.js")
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    text = answer.content.decode()
    assets = json.loads(re.search(r"var ASSETS = (\[.*?\]);", text).group(1))
    assert "/static/cityops/report.js" in assets and "/static/vendor/leaflet/leaflet.js" in assets
    pages = json.loads(re.search(r"var PAGES = (\[.*?\]);", text).group(1))
    assert reverse("inspector-tasks") in pages
    assert 'request.method !== "GET"' in text  # reports are never cached or replayed by the worker


@pytest.mark.django_db
def test_every_cached_asset_exists(client):
    from django.contrib.staticfiles import finders

    from cityops.pwa import ASSETS

    assert [path for path in ASSETS if not finders.find(path)] == []


@pytest.mark.django_db
def test_the_report_page_carries_the_outbox(client, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("walker")
    user.groups.add(Group.objects.get_or_create(name="inspector")[0])
    client.force_login(user)
    page = client.get(reverse("inspector-report")).content.decode()
    assert "data-outbox" in page and "cityops/outbox.js" in page and 'rel="manifest"' in page
