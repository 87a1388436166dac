"""Shared fixtures: the demo organisation and its personas, logged-in clients."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.test import Client

from digitaldesk.accounts.demo import DEMO_PASSWORD, build_org
from digitaldesk.core.demo import DemoOrg

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API beside live_server

pytest_plugins = ["tests.support.transactional", "tests.support.browser"]  # see docs/testing.md


@pytest.fixture
def org(db: Any) -> DemoOrg:
    """The demo organisation (units + personas), built in the test database."""
    demo = DemoOrg()
    build_org(demo)
    return demo


@pytest.fixture
def password() -> str:
    return DEMO_PASSWORD


def login_client(user: Any) -> Client:
    """A test client logged in as `user` (password + 2FA already satisfied)."""
    client = Client()
    client.force_login(user, backend="digitaldesk.accounts.backends.DeskBackend")
    session = client.session
    import time

    session["last_activity"] = time.time()
    session.save()
    return client


@pytest.fixture
def as_user(org: DemoOrg):  # type: ignore[no-untyped-def]
    """as_user("minh") -> a logged-in client for that persona."""
    return lambda key: login_client(org.people[key])


@pytest.fixture
def isolated_storage(settings: Any, tmp_path: Any):  # type: ignore[no-untyped-def]
    """Media, data and the search index of one test in its own directories."""
    from digitaldesk.search.engine import forget_indexes

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    forget_indexes()
    yield
    forget_indexes()
