"""The CI gate of tooling/testing.py: under CI=true a run that is narrowed, skips, deselects, expects a
failure or runs fewer tests than the floor fails, whatever pytest itself thought of it.

The end-to-end cases run pytest in a subprocess on a throw-away suite of a few tests (its own ini, the
project's plugin), so they take seconds, not a whole suite.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from tooling import testing

ROOT = Path(settings.BASE_DIR)


def run_pytest(cwd: Path, *args: str, ci: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": "true" if ci else "", "PYTHONPATH": str(ROOT), "PYTEST_ADDOPTS": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tooling.testing",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            *args,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def small_suite(tmp_path):
    """Three passing tests, one expected failure; the floor at 3."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\ntestpaths = checks\nxfail_strict = true\nci_min_tests = 3\n", encoding="utf-8"
    )
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_small.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.parametrize("n", [1, 2, 3])
            def test_passes(n):
                assert n

            @pytest.mark.xfail(reason="known")
            def test_known_bug():
                assert False
            """
        ),
        encoding="utf-8",
    )
    return tmp_path


def output(proc) -> str:
    return proc.stdout + proc.stderr


def test_an_expected_failure_fails_ci_but_not_a_developer(small_suite):
    developer = run_pytest(small_suite, ci=False)
    assert developer.returncode == 0, output(developer)
    ci = run_pytest(small_suite)
    assert ci.returncode == 1, output(ci)
    assert "1 xfailed and 0 xpassed: an expected failure is a failure in CI" in output(ci)
    assert "CI gate: 3 tests ran (ci_min_tests = 3)" in output(ci)


def test_an_unexpected_pass_fails_everywhere(small_suite):
    test = small_suite / "checks" / "test_small.py"
    test.write_text(test.read_text(encoding="utf-8").replace("assert False", "assert True"), encoding="utf-8")
    proc = run_pytest(small_suite, ci=False)
    assert proc.returncode == 1 and "XPASS(strict)" in output(proc), output(proc)


def test_fewer_tests_than_the_floor_fail_ci(small_suite):
    (small_suite / "checks" / "test_small.py").write_text("def test_one():\n    pass\n", encoding="utf-8")
    proc = run_pytest(small_suite)
    assert proc.returncode == 1, output(proc)
    assert "only 1 tests ran, fewer than ci_min_tests = 3" in output(proc)


def test_a_skip_fails_ci(small_suite):
    (small_suite / "checks" / "test_small.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', [1, 2, 3, 4])\ndef test_n(n):\n"
        "    if n == 4:\n        pytest.skip('not today')\n",
        encoding="utf-8",
    )
    proc = run_pytest(small_suite)
    assert proc.returncode == 1 and "1 test(s) were skipped" in output(proc), output(proc)


def test_a_narrowed_run_is_refused_under_ci(small_suite):
    proc = run_pytest(small_suite, "checks/test_small.py", "-k", "passes")
    assert proc.returncode == 4, output(proc)  # a usage error: nothing ran
    assert "CI=true runs the whole suite, but this run is narrowed by: explicit paths" in output(proc)
    assert "-k 'passes'" in output(proc)


def fake_config(args_source=pytest.Config.ArgsSource.TESTPATHS, **options):
    defaults = {"keyword": "", "markexpr": "", "deselect": None, "ignore": None, "ignore_glob": None}
    defaults |= {"lf": False, "stepwise": False, "stepwise_skip": False, "maxfail": 0, "collectonly": False}
    return SimpleNamespace(
        args_source=args_source, args=["tests/cases"], option=SimpleNamespace(**defaults | options)
    )


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"keyword": "calendar"}, "-k 'calendar'"),
        ({"markexpr": "not slow"}, "-m 'not slow'"),
        ({"deselect": ["tests/x.py::t"]}, "--deselect tests/x.py::t"),
        ({"ignore": ["tests/e2e"]}, "--ignore"),
        ({"lf": True}, "--lf"),
        ({"stepwise": True}, "--sw"),
        ({"maxfail": 1}, "-x/--maxfail=1"),
        ({"collectonly": True}, "--collect-only"),
    ],
)
def test_each_way_of_narrowing_is_named(options, named):
    assert testing.narrowing(fake_config(**options)) == [named]


def test_explicit_paths_narrow_and_testpaths_do_not():
    assert testing.narrowing(fake_config()) == []
    assert testing.narrowing(fake_config(pytest.Config.ArgsSource.ARGS)) == ["explicit paths tests/cases"]


def test_the_whole_suite_passes_the_gate(small_suite):
    test = small_suite / "checks" / "test_small.py"
    test.write_text(test.read_text(encoding="utf-8").split("@pytest.mark.xfail")[0], encoding="utf-8")
    proc = run_pytest(small_suite)
    assert proc.returncode == 0, output(proc)
    assert "CI gate: 3 tests ran (ci_min_tests = 3)." in output(proc)


def test_the_floor_is_set_in_pyproject():
    import tomllib

    ini = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"][
        "ini_options"
    ]
    assert ini["xfail_strict"] is True
    assert int(ini["ci_min_tests"]) >= 2000


def test_hypothesis_is_derandomized_and_prints_its_blob_under_ci():
    from hypothesis import settings as hypothesis_settings

    ci = hypothesis_settings.get_profile("ci")
    assert ci.derandomize and ci.print_blob and ci.database is None
    assert hypothesis_settings.get_profile("dev").print_blob
    assert testing.HYPOTHESIS_PROFILE == ("ci" if testing.CI else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


# ---- long tests start first, on different workers -------------------------------------------------


def items(names: list[str]) -> list:
    return [SimpleNamespace(name=n, keywords={"long"} if n.startswith("long") else set()) for n in names]


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_long_tests_are_placed_where_each_worker_starts(workers):
    collected = items(["long_a", *(f"t{n}" for n in range(40)), "long_b", *(f"u{n}" for n in range(40))])
    testing.spread_long_tests(collected, workers)
    names = [i.name for i in collected]
    assert len(names) == 82 and set(names) == {i.name for i in items(names)}
    # xdist's load scheduling first hands worker k the k-th chunk of max(82 // workers // 4, 2) tests.
    chunk = max(82 // workers // 4, 2)
    starts = [k * chunk for k in range(workers)]
    assert names[starts[0]] == "long_a" and names[starts[1]] == "long_b"


def test_one_worker_keeps_the_collection_order():
    collected = items(["t1", "long_a", "t2"])
    testing.spread_long_tests(collected, 1)
    assert [i.name for i in collected] == ["t1", "long_a", "t2"]


@pytest.mark.parametrize(
    ("worker", "url", "expected"),
    [
        ("", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15"),  # no xdist: as given
        ("gw0", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15"),
        ("gw1", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/13"),  # 14 is the real worker's broker
        ("gw2", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/12"),
        ("gw1", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/14"),  # wraps round
        ("gw1", "redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),  # no database named: left alone
        ("gw1", "", ""),
    ],
)
def test_each_xdist_worker_has_a_redis_database_of_its_own(monkeypatch, worker, url, expected):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    assert testing._worker_redis_url(url) == expected


def test_redis_on_its_default_port_is_used_when_redis_url_is_unset():
    """`make test` skipped every Redis test in silence unless REDIS_URL was set (issue 16.9)."""
    environ = {}
    assert testing.choose_redis(environ, answers=lambda url: True) == testing.DEFAULT_REDIS
    assert environ["REDIS_URL"] == "redis://127.0.0.1:6379/13"

    environ = {}
    assert testing.choose_redis(environ, answers=lambda url: False) == "" and "REDIS_URL" not in environ

    environ = {"REDIS_URL": "redis://elsewhere:6379/3"}
    assert testing.choose_redis(environ, answers=lambda url: 1 / 0) == "redis://elsewhere:6379/3"
