"""Parts of the health check (`/healthz`) contributed by apps, registered at their `ready()`.

The core checks the database and the file storage itself; an app that runs a part the load
balancer must know about (the job queue) registers a probe here, so the core never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HealthProbe:
    name: str  # the key in the JSON report and in "failing"
    probe: Callable[[], dict[str, Any]]  # details of a working part; raises when it fails
    needs_database: bool = True  # reported failing without running when the database is down
    database_down: str = "Không kiểm tra được vì cơ sở dữ liệu lỗi."  # the error reported then


_PROBES: dict[str, HealthProbe] = {}


def register_health_probe(
    name: str,
    probe: Callable[[], dict[str, Any]],
    *,
    needs_database: bool = True,
    database_down: str = "",
) -> None:
    """Add (or replace, when an app is loaded again) the part `name` of the health check."""
    _PROBES[name] = HealthProbe(
        name, probe, needs_database, database_down or HealthProbe.database_down
    )


def health_probes() -> list[HealthProbe]:
    return list(_PROBES.values())
