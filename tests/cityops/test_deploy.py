"""Production settings and layout: `check --deploy` is clean, static files build, compose is complete.

Docker is not available where the suite runs, so docker-compose.yml is checked by reading it.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SECRET = "k3Jx9-pQ2vLr7_ZtW8mNc4Yb6HsDf1GaUe5RoTi0PlKj2XwVq8EnBy3CuMh7LgSd"


def manage(*args, tmp_path, **env) -> subprocess.CompletedProcess:
    production = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "cityops.example.gov.cn",
        "CITYOPS_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    # DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it in this process (Playwright's sync API runs an
    # event loop); production never has it, and check --deploy rightly refuses it.
    for name in (
        "LOG_FORMAT",
        "STATIC_MANIFEST",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        if name not in env:
            production.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr


def test_production_settings_values(tmp_path):
    script = (
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'storage': s.STORAGES['staticfiles']['BACKEND'], 'log': s.LOG_FORMAT,"
        "'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], 'hsts': s.SECURE_HSTS_SECONDS,"
        "'proxy': list(s.SECURE_PROXY_SSL_HEADER), 'silenced': s.SILENCED_SYSTEM_CHECKS}))"
    )
    done = manage("shell", "-c", script, tmp_path=tmp_path, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto=https")
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["log"] == "json"
    assert values["cookies"] == [True, True]
    assert values["hsts"] == 31_536_000
    assert values["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    # Only what the operator chose: the proxy redirects to https, the domain is not preloaded.
    assert sorted(values["silenced"]) == ["security.W008", "security.W021"]
    # Choosing them in the app instead leaves nothing silenced, and the check still passes.
    done = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_PRELOAD="true",
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_malformed_proxy_header_stops_start_up(tmp_path):
    done = manage("check", tmp_path=tmp_path, SECURE_PROXY_SSL_HEADER="https")
    assert done.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in done.stderr


def test_tests_and_the_demo_use_plain_static_storage():
    # Settings are read with DEBUG on (the default): no manifest needed before collectstatic has run.
    assert (
        settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


def test_the_production_static_files_build(tmp_path):
    """What the Dockerfile runs: every reference in every CSS/JS file must resolve (source maps too)."""
    done = manage("collectstatic", "--no-input", "--verbosity", "1", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = json.loads((tmp_path / "var" / "static" / "staticfiles.json").read_text())
    assert "vendor/leaflet/leaflet.js" in manifest["paths"]
    assert (tmp_path / "var" / "static" / manifest["paths"]["vendor/leaflet/leaflet.js"]).exists()


# ------------------------------------------------------------------------------ docker-compose.yml


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def healthcheck_of(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def test_compose_has_every_service(compose):
    services = compose["services"]
    assert {"db", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn cityops.wsgi:application" in command_of(services["web"])
    assert "celery -A cityops worker" in command_of(services["worker"])
    assert "migrate --no-input" in command_of(services["migrate"])
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_compose_runs_exactly_one_beat(compose):
    beats = [
        name for name, s in compose["services"].items() if re.search(r"\bcelery\b.*\bbeat\b", command_of(s))
    ]
    assert beats == ["beat"]
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1


def test_compose_keeps_data_and_media_in_volumes(compose):
    services = compose["services"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    media_root = services["web"]["environment"]["MEDIA_ROOT"]
    for name in ("web", "worker"):  # both write photos
        assert f"media:{media_root}" in services[name]["volumes"]
    assert any(v.startswith("beat:") for v in services["beat"]["volumes"])
    assert set(compose["volumes"]) >= {"pgdata", "redisdata", "media", "beat"}


def test_compose_health_checks_use_healthz(compose):
    services = compose["services"]
    assert "/healthz?check=database,cache" in healthcheck_of(services["web"])
    assert "/healthz?check=worker" in healthcheck_of(services["worker"])
    assert "/healthz?check=beat" in healthcheck_of(services["beat"])
    assert "pg_isready" in healthcheck_of(services["db"])
    assert "ping" in healthcheck_of(services["redis"])
    # The probes' Host header must be allowed.
    assert services["web"]["environment"]["ALLOWED_HOSTS"].split(",")[0] == "localhost"


def test_compose_configures_production_and_documents_every_variable(compose):
    services = compose["services"]
    env = {**services["worker"]["environment"], **services["web"]["environment"]}
    assert env["DEBUG"] == "false"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://") and env["REDIS_URL"].startswith("redis://")
    assert env["PROMETHEUS_MULTIPROC_DIR"] in command_of(services["web"])
    table = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    undocumented = [name for name in env if f"`{name}`" not in table]
    assert not undocumented, f"add these to the README's Configuration table: {undocumented}"


def test_the_image_installs_gunicorn_from_the_project_dependencies():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^\s*"gunicorn', pyproject, re.M)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install ." in dockerfile and "collectstatic" in dockerfile
    assert ".venv" in (ROOT / ".dockerignore").read_text()


def test_the_image_and_compose_run_the_same_number_of_web_workers(compose):
    """The Dockerfile ran 4 gunicorn workers, compose 8 (issue 16.8)."""
    compose_workers = re.search(r"--workers (\S+)", command_of(compose["services"]["web"])).group(1)
    image_workers = re.search(r"--workers (\S+?)[\s\"]", (ROOT / "Dockerfile").read_text()).group(1)
    assert image_workers == compose_workers == "${WEB_WORKERS:-8}"


def test_compose_states_the_proxy_count_of_its_layout(compose):
    """The README puts the app behind one TLS proxy; with the default 0 the whole city shared one
    anonymous budget and anyone could lock any staff account (issue 17.6)."""
    env = compose["services"]["web"]["environment"]
    assert env["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-1}"
