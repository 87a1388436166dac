"""The deadline engine gives, for 4,000 generated cases (engine_cases.py: procedural stories and
random sequences of every event, with the Code's limits broken on purpose), exactly what it gave
before it was optimised for the nightly recompute: every deadline's fields and rendered notes and
`validate_event`'s verdict, compared through their digests (tests/cases/data/engine_golden.json,
written by the engine as it was before that work, commit 3754ffb)."""

from __future__ import annotations

import json

from .engine_cases import CASES, GOLDEN, canonical, digest, generated_cases


def test_engine_outputs_are_unchanged():
    reference = json.loads(GOLDEN.read_text())["digests"]
    assert len(reference) == CASES
    differing = []
    kinds_seen: set[str] = set()
    for index, (case, expected) in enumerate(zip(generated_cases(), reference, strict=True)):
        output = canonical(*case)
        kinds_seen.update(str(e.kind) for e in case[2])
        if digest(output) != expected:
            differing.append((index, case, output))
    assert not differing, (
        f"{len(differing)} of {CASES} cases differ; first: case #{differing[0][0]} "
        f"{differing[0][1]} -> {differing[0][2]}"
    )
    from digitaldesk.law.deadlines import EventKind

    assert kinds_seen == {str(k) for k in EventKind}  # every kind of event is exercised


def test_generated_cases_reach_the_interesting_outcomes():
    """The generator is not trivial: refusals, reviews, closed and lapsed limits all occur."""
    outcomes = {"refused": 0, "allowed": 0, "review": 0, "closed": 0, "hours": 0}
    for case in generated_cases(600):
        output = canonical(*case)
        outcomes[output[-1][0] if output[-1][0] in outcomes else "allowed"] += 1
        for row in output[:-1]:
            if row[0] == "raised":
                continue
            outcomes["review"] += bool(row[11])
            outcomes["closed"] += row[10] is False
            outcomes["hours"] += row[12] is not None
    assert all(count > 20 for count in outcomes.values()), outcomes
