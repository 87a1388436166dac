"""Registry of demo-data steps: each app adds its own demo data after the organisation.

    from digitaldesk.core.demo import demo_step

    @demo_step(order=30)
    def demo_cases(org: DemoOrg, stdout) -> None:
        ...

`org.people[key]` gives the persona users (e.g. "minh", "lan", "huong"),
`org.units[key]` the demo units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoOrg:
    units: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)
    password: str = ""


_STEPS: list[tuple[int, Callable[[DemoOrg, Any], None]]] = []


def demo_step(
    *, order: int
) -> Callable[[Callable[[DemoOrg, Any], None]], Callable[[DemoOrg, Any], None]]:
    def register(func: Callable[[DemoOrg, Any], None]) -> Callable[[DemoOrg, Any], None]:
        _STEPS.append((order, func))
        return func

    return register


def demo_steps() -> list[Callable[[DemoOrg, Any], None]]:
    return [func for _, func in sorted(_STEPS, key=lambda item: item[0])]
