from pathlib import Path

from cases.workflow import OPEN, TRANSITIONS, Action, Status, mermaid

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_diagram_is_generated_from_the_table():
    assert mermaid() in README.read_text(encoding="utf-8"), (
        "run: python -c 'from cases.workflow import mermaid' …"
    )


def test_every_action_of_domain_section_3_has_an_edge():
    assert {t.action for t in TRANSITIONS} == set(Action)


def test_every_open_state_can_be_left_and_every_state_reached():
    targets = {t.target for t in TRANSITIONS if t.target}
    assert targets | {Status.REPORTED} >= set(Status) - {Status.REPORTED}
    for state in OPEN:
        assert any(state in t.sources and t.target not in (None, state) for t in TRANSITIONS), state


def test_outcome_split_actions_have_one_edge_per_outcome():
    for action in (Action.VERIFY, Action.CHECK):
        edges = [t for t in TRANSITIONS if t.action == action]
        assert len({t.outcome for t in edges}) == len(edges) == 2
