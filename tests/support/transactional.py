"""Transactional tests (live_server, transactional_db, django_db(transaction=True)) that stay
independent.

A transactional test really commits, and pytest-django empties every table afterwards with a flush.
Two things of ours get in the way, and this plugin (loaded for every run by tests/conftest.py)
handles both, so that no test has to remember them:

1. The flush also deletes the rows written by data migrations (positions, …). Every transactional
   test therefore gets ``serialized_rollback=True``: the database's initial content is serialized
   once and restored before each such test. (Giving it to all of them matters: a flush that re-runs
   post_migrate would give content types new ids, and the serialized copy could not be restored.)
2. The audit log is append-only: database triggers refuse UPDATE, DELETE and TRUNCATE on
   audit_auditevent (audit/migrations/0002). The triggers are dropped just before the flush and
   created again, from the migration's own SQL, when the next transactional test starts, so every
   test runs with them in place.
"""

from __future__ import annotations

import importlib
from collections.abc import Generator
from typing import Any

import pytest

_TRIGGERS_MIGRATION = "digitaldesk.audit.migrations.0002_append_only_triggers"


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from pytest_django.fixtures import validate_django_db

    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("django_db")
        if marker is not None:
            transaction, reset_sequences, databases, _serialized, available_apps = (
                validate_django_db(marker)
            )
        else:
            transaction, reset_sequences, databases, available_apps = False, False, None, None
        if not (
            transaction
            or reset_sequences
            or "transactional_db" in fixtures
            or "live_server" in fixtures
        ):
            continue
        item.add_marker(
            pytest.mark.django_db(
                transaction=True,
                reset_sequences=reset_sequences,
                databases=databases,
                serialized_rollback=True,
                available_apps=available_apps,
            ),
            append=False,
        )


def _audit_triggers(create: bool) -> None:
    from django.db import connection

    migration: Any = importlib.import_module(_TRIGGERS_MIGRATION)
    with connection.schema_editor() as editor:
        migration.backwards(None, editor)  # DROP … IF EXISTS: safe when they are already gone
        if create:
            migration.forwards(None, editor)


@pytest.fixture(autouse=True)
def _audit_log_triggers_around_flush(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """For a transactional test: the append-only triggers are in place while it runs, and dropped
    just before pytest-django's flush (this fixture asks for transactional_db itself, so pytest
    finishes it before transactional_db, hence before the flush)."""
    if not _transactional(request.node):
        yield
        return
    request.getfixturevalue("transactional_db")
    _audit_triggers(create=True)
    yield
    _audit_triggers(create=False)
