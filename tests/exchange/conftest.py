"""Fixtures of the exchange tests: the case-register fixtures (cases are what packages carry)."""

from __future__ import annotations

from tests.cases.conftest import make_case  # noqa: F401  (fixture)
