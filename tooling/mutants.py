"""`make mutants`: mutation testing of the core modules with mutmut, each against the fast tests that
cover it; prints the score and every surviving mutant that is not on the list of equivalent ones.

    python -m tooling.mutants                      # every core module, one after another, then the overall
                                                   # score (long: hours on a busy machine)
    python -m tooling.mutants dispatch/calendar.py # one module (or several, in one mutmut run)
    python -m tooling.mutants --results            # the last runs' scores and survivors, nothing run

mutmut (boxed/mutmut 3) copies the project into ./mutants/, puts each mutant behind a trampoline, runs
the selected tests once to learn which test reaches which function, then runs, for each mutant, only
the tests that reach it, in forked workers. Its configuration is [tool.mutmut] in pyproject.toml; this
driver narrows it to the modules asked for and their tests (mutmut reads one configuration per run).

mutmut keeps one stats file (which test reaches which function, and a fingerprint of the test
selection): a run with another selection throws away every cached verdict of the modules it mutates.
So each module keeps its own stats file (mutants/stats/<module>.json), swapped in for its run, and
`make mutants` with no module runs the modules one by one (each in its own process, mutmut's state
being global) and adds their counts up. A module whose code and tests did not change is not re-run:
mutmut keeps its verdicts (the driver re-runs its survivors, against the tests as they are now).

A timeout counts as killed (mutmut's rule: the mutant hung or slowed the tests fifteen-fold), but the
report gives the number per module: on a shared machine a slow test can time out without a mutant's
help, so a module whose score leans on timeouts is not yet judged.

The tests run on PostgreSQL with --reuse-db and a fixed test database (test_cityops_mutants), created
once by the first run and shared by the forked workers: each test rolls back its own transaction.
Tests with transaction=True (they flush the database) are left out of the selections below.

A survivor is either killed by a new test or, if no test could tell it from the original (an
equivalent mutant), listed in tooling/mutants_equivalent.txt with a one-line reason.
"""

import argparse
import json
import subprocess
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
    "kpi/queries/*": [
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


STATS = ROOT / "mutants" / "mutmut-stats.json"


def _module_stats(modules: list[str]) -> Path:
    """Where this selection of modules keeps its own copy of mutmut's stats file."""
    return ROOT / "mutants" / "stats" / ("+".join(_module_name(m) for m in modules) + ".json")


def _swap_in_stats(modules: list[str]) -> None:
    kept = _module_stats(modules)
    if kept.exists():
        STATS.parent.mkdir(exist_ok=True)
        STATS.write_bytes(kept.read_bytes())
    else:
        # Another selection's stats would make mutmut drop this module's verdicts: start afresh.
        STATS.unlink(missing_ok=True)


def _keep_stats(modules: list[str]) -> None:
    if STATS.exists():
        kept = _module_stats(modules)
        kept.parent.mkdir(exist_ok=True)
        kept.write_bytes(STATS.read_bytes())


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


def tally(module: str, known: dict[str, str]) -> dict:
    """One module's figures: mutants, killed (timeouts included), timeouts, equivalent, survivors, and
    those not run yet (an interrupted run): these last are in neither the score nor the survivors."""
    counts, alive = results([module])
    alive_names = dict(alive)
    prefix = _module_name(module) + "."
    return {
        "module": module,
        "mutants": sum(counts.values()),
        "killed": sum(counts[s] for s in KILLED),
        "timeouts": counts["timeout"],
        "equivalent": [n for n in alive_names if n in known],
        "survivors": [(n, s) for n, s in alive if n not in known and s != "not checked"],
        "unchecked": counts["not checked"],
        # Only a module that was run can say an equivalent mutant is no longer a survivor.
        "stale": [n for n in known if n.startswith(prefix) and n not in alive_names] if counts else [],
    }


def _score(killed: int, judged: int) -> str:
    return f"{100 * killed / judged:.1f} %" if judged else "-"


def report(modules: list[str]) -> int:
    known = equivalents()
    rows = [tally(m, known) for m in modules]
    print(
        f"\n{'module':32} {'mutants':>7} {'killed':>7} {'timeout':>7} {'surviv':>7} {'equiv':>6} {'score':>8}"
    )
    for r in rows:
        r["judged"] = r["mutants"] - r["unchecked"] - len(r["equivalent"])
        print(
            f"{r['module']:32} {r['mutants']:7} {r['killed']:7} {r['timeouts']:7} {len(r['survivors']):7} "
            f"{len(r['equivalent']):6} {_score(r['killed'], r['judged']):>8}"
            + (f"  ({r['unchecked']} not run yet)" if r["unchecked"] else "")
            + ("  (not run)" if not r["mutants"] else "")
        )
    for r in rows:
        for name, status in r["survivors"]:
            print(f"  {status}: {name}    (mutmut show {name})")
        for name in r["stale"]:
            print(f"  listed as equivalent but not a survivor (killed, or renumbered): {name}")
    killed = sum(r["killed"] for r in rows)
    judged = sum(r["judged"] for r in rows)
    if not judged:
        print("no mutants judged yet")
        return 1
    timeouts = sum(r["timeouts"] for r in rows)
    equivalent = sum(len(r["equivalent"]) for r in rows)
    print(
        f"score: {killed} killed of {judged} non-equivalent mutants = {_score(killed, judged)} "
        f"({timeouts} of them by timeout; {equivalent} equivalent)"
    )
    unfinished = [r["module"] for r in rows if r["unchecked"] or not r["mutants"]]
    if unfinished:
        print(f"not judged in full (run them): {', '.join(unfinished)}")
    return 0 if 100 * killed / judged >= 90 and not unfinished else 1


def _unmutate_copies(modules: list[str]) -> None:
    """Remove mutants/'s copies of the modules to mutate, so mutmut copies and mutates them afresh.

    A run copies every file it does not mutate over mutants/ (shutil.copy: a newer mtime), and takes a
    copy newer than its source for one it mutated before: after another module's run, this module's
    copy would be the plain source, taken as mutated, with no mutant in it. Mutating again keeps the
    verdicts of the functions that did not change (their hashes are in the .meta files).
    """
    for module in modules:
        for source in ROOT.glob(module if module.endswith(".py") else module + ".py"):
            (ROOT / "mutants" / source.relative_to(ROOT)).unlink(missing_ok=True)


def run(modules: list[str], max_children: int) -> int:
    """One mutmut run over `modules` with their tests; its verdicts land in mutants/*.meta."""
    configure(modules)
    import mutmut.__main__ as mutmut_cli

    _swap_in_stats(modules)
    _unmutate_copies(modules)
    # mutmut keeps a verdict once it has one: mutants new or unchecked run first, then the earlier
    # survivors again, against the tests as they are now.
    known = equivalents()
    earlier = [name for name, status in results(modules)[1] if status != "not checked" and name not in known]
    try:
        for names in ([], earlier) if earlier else ([],):
            try:
                mutmut_cli.cli(["run", "--max-children", str(max_children), *names], standalone_mode=False)
            except SystemExit as stop:
                if stop.code:
                    return int(stop.code)
    finally:
        _keep_stats(modules)
    return 0


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
        if args.modules:
            stopped = run(modules, args.max_children)
            if stopped:
                return stopped
        else:
            # One process per module: mutmut's configuration and state are global to a process.
            for module in modules:
                print(f"\n==> {module}", flush=True)
                command = [sys.executable, "-m", "tooling.mutants", module, "--max-children"]
                done = subprocess.run([*command, str(args.max_children)], cwd=ROOT, check=False)
                if done.returncode not in (0, 1):  # 1 is a low score, reported below with the rest
                    return done.returncode
    return report(modules)


if __name__ == "__main__":
    sys.exit(main())
