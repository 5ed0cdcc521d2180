"""Front-end packages come from npm (node_modules) through cityops/assets.py, never from a CDN."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client

from cityops.assets import VENDOR_FILES, check_vendor_files


def test_every_vendor_file_is_found_by_the_static_finders():
    for static_path, source in VENDOR_FILES.items():
        if source.endswith("images"):
            static_path += "/marker-icon.png"
        found = finders.find(f"vendor/{static_path}")
        assert found and Path(found).is_file(), static_path
        assert "node_modules" in found


def test_a_missing_install_is_reported_by_the_system_check(settings, tmp_path):
    settings.NODE_MODULES_DIR = tmp_path
    errors = check_vendor_files()
    assert errors and errors[0].id == "cityops.E001" and "make install" in errors[0].hint


def test_pages_load_scripts_only_from_our_origin(db):
    html = Client().get("/login/").content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "http://" not in html.replace('xmlns="http://', "") and "https://" not in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
