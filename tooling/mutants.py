"""`make mutants`: mutation testing of the core modules with mutmut, each against the fast tests that
cover it; prints the score and every surviving mutant that is not on the list of equivalent ones.

    python -m tooling.mutants                      # every core module (long: an hour or more)
    python -m tooling.mutants dispatch/calendar.py # one module (or several)
    python -m tooling.mutants --results            # the last run's score and survivors, nothing run

mutmut (boxed/mutmut 3) copies the project into ./mutants/, puts each mutant behind a trampoline, runs
the selected tests once to learn which test reaches which function, then runs, for each mutant, only
the tests that reach it, in forked workers. Its configuration is [tool.mutmut] in pyproject.toml; this
driver narrows it to the modules asked for and their tests (mutmut reads one configuration per run).

The tests run on PostgreSQL with --reuse-db and a fixed test database (test_cityops_mutants), created
once by the first run and shared by the forked workers: each test rolls back its own transaction.
Tests with transaction=True (they flush the database) are left out of the selections below.

A survivor is either killed by a new test or, if no test could tell it from the original (an
equivalent mutant), listed in tooling/mutants_equivalent.txt with a one-line reason.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT_FILE = ROOT / "tooling" / "mutants_equivalent.txt"

# Core module → the fast tests that cover it (no transaction=True tests, no browser, no load test).
CORE: dict[str, list[str]] = {
    "cases/workflow.py": ["tests/cases/test_workflow_domain.py", "tests/cases/test_workflow_table.py"],
    "cases/rules.py": [
        "tests/cases/test_workflow_domain.py",
        "tests/cases/test_workflow_table.py",
        "tests/cases/test_scope.py",
        "tests/cases/test_ledger.py",
        "tests/cases/test_loop_paths.py",
    ],
    "cases/services/*": [
        "tests/cases/test_loop_paths.py",
        "tests/cases/test_ledger.py",
        "tests/cases/test_scope.py",
        "tests/cases/test_intake.py",
        "tests/cases/test_invariants.py",
    ],
    "dispatch/calendar.py": [
        "tests/dispatch/test_calendar.py",
        "tests/dispatch/test_calendar_properties.py",
        "tests/dispatch/test_calendar_boundaries.py",
        "tests/dispatch/test_calendar_edges.py",
    ],
    "dispatch/time_limits.py": ["tests/dispatch/test_time_limits.py", "tests/cases/test_deadlines.py"],
    "cases/sla.py": ["tests/cases/test_sla_boundaries.py", "tests/cases/test_deadlines.py"],
    "cases/intake/duplicates.py": [
        "tests/cases/test_duplicates.py",
        "tests/cases/test_duplicate_boundaries.py",
    ],
    "cases/intake/outbox.py": ["tests/cases/test_hotline_outbox.py", "tests/cases/test_outbox_boundaries.py"],
    "cases/photos.py": ["tests/cases/test_photos.py"],
    "kpi/rollup.py": ["tests/kpi/test_rollup.py", "tests/kpi/test_figures.py", "tests/kpi/test_district.py"],
    "kpi/queries.py": [
        "tests/kpi/test_figures.py",
        "tests/kpi/test_district.py",
        "tests/kpi/test_boundaries.py",
        "tests/kpi/test_api.py",
    ],
}
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def equivalents() -> dict[str, str]:
    """Mutant name → why it is equivalent, from tooling/mutants_equivalent.txt (`name  # reason`)."""
    found = {}
    for line in EQUIVALENT_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _hash, reason = line.partition("#")
            found[name.strip()] = reason.strip()
    return found


def _module_name(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/*").replace("/", ".")


def configure(modules: list[str]) -> None:
    from mutmut import configuration

    cfg = configuration.config()
    cfg.only_mutate = list(modules)
    tests: list[str] = []
    for module in modules:
        for test in CORE[module]:
            if test not in tests and (ROOT / test).exists():
                tests.append(test)
    cfg.pytest_add_cli_args_test_selection = tests


def results(modules: list[str]) -> tuple[Counter, list[tuple[str, str]]]:
    """(count per status, [(mutant, status)] of those not killed) for the modules, from mutants/."""
    from mutmut.stats import status_by_exit_code

    prefixes = tuple(_module_name(m) + "." for m in modules)
    counts: Counter = Counter()
    alive = []
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, exit_code in data.get("exit_code_by_key", {}).items():
            if not name.startswith(prefixes):
                continue
            status = status_by_exit_code[exit_code]
            counts[status] += 1
            if status not in KILLED:
                alive.append((name, status))
    return counts, alive


def report(modules: list[str]) -> int:
    counts, alive = results(modules)
    known = equivalents()
    equivalent = [(n, s) for n, s in alive if n in known]
    survivors = [(n, s) for n, s in alive if n not in known]
    killed = sum(counts[s] for s in KILLED)
    judged = sum(counts.values()) - len(equivalent)
    print(f"\nmutants in {', '.join(modules)}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if not judged:
        print("no mutants judged yet")
        return 1
    score = 100 * killed / judged
    print(
        f"score: {killed} killed of {judged} non-equivalent mutants = {score:.1f} % ({len(equivalent)} equivalent)"
    )
    for name, status in survivors:
        print(f"  {status}: {name}    (mutmut show {name})")
    stale = [n for n in known if n.startswith(tuple(_module_name(m) + "." for m in modules))]
    stale = [n for n in stale if n not in dict(alive)]
    for name in stale:
        print(f"  listed as equivalent but not a survivor (killed, or renumbered): {name}")
    return 0 if score >= 90 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="core modules to mutate (default: all of them)")
    parser.add_argument("--results", action="store_true", help="report the last run, run nothing")
    parser.add_argument("--max-children", type=int, default=2)
    args = parser.parse_args(argv)
    modules = args.modules or [m for m in CORE if (ROOT / m.removesuffix("/*")).exists()]
    unknown = [m for m in modules if m not in CORE]
    if unknown:
        parser.error(f"not a core module: {', '.join(unknown)} (known: {', '.join(CORE)})")
    if not args.results:
        configure(modules)
        import mutmut.__main__ as mutmut_cli

        # mutmut keeps a verdict once it has one: mutants new or unchecked run first, then the earlier
        # survivors again, against the tests as they are now.
        earlier = [name for name, _status in results(modules)[1]]
        for names in ([], earlier) if earlier else ([],):
            try:
                mutmut_cli.cli(
                    ["run", "--max-children", str(args.max_children), *names], standalone_mode=False
                )
            except SystemExit as stop:
                if stop.code:
                    return int(stop.code)
    return report(modules)


if __name__ == "__main__":
    sys.exit(main())
