"""The generator's descriptions (tooling/generator/words.py) are what the category suggester learns from:
they must read like reports, vary, and not simply spell out the category's name."""

import random

from tooling.generator.words import EVENTS, describe


def _many(code, name, kind, source="inspector", n=300, component_name=""):
    rng = random.Random(7)
    return [
        describe(rng, code=code, name=name, kind=kind, source=source, component_name=component_name)
        for _ in range(n)
    ]


def test_an_everyday_problem_is_told_many_ways_and_rarely_by_its_category_name():
    texts = _many("06010", "暴露垃圾", "event")
    assert len(set(texts)) >= 100
    assert sum("暴露垃圾" in t for t in texts) / len(texts) < 0.2
    assert sum("垃圾" in t for t in texts) / len(texts) > 0.7  # but it is about rubbish


def test_callers_and_inspectors_write_differently():
    calls = _many("09006", "占道经营", "event", source="hotline_12345")
    patrols = _many("09006", "占道经营", "event", source="inspector")
    assert sum(t.startswith(("市民来电", "来电人", "诉求")) for t in calls) > len(calls) / 2
    assert not any(t.startswith(("市民来电", "来电人")) for t in patrols)


def test_a_cover_is_often_just_a_cover_whoever_owns_it():
    texts = _many("01002", "污水井盖", "component")
    owned = sum(any(w in t for w in ("污水", "下水")) for t in texts)
    assert 0.4 < owned / len(texts) < 0.85  # the nearest 部件 has to tell the rest apart


def test_every_listed_event_has_its_own_words_and_an_unknown_code_falls_back_on_its_name():
    assert all(phrases and all(p for p in phrases) for phrases in EVENTS.values())
    texts = _many("06901", "门前堆物", "event", n=50)  # a city's own 事项
    assert all("门前堆物" in t for t in texts if t not in _vague())


def _vague():
    from tooling.generator.words import VAGUE

    return set(VAGUE)
