"""A case-exchange package is a ZIP: a bomb inside it is refused before any member is read."""

from __future__ import annotations

import pytest

from digitaldesk.exchange.package import PackageRefused, verify_package
from tests.support.hostile import docx_bomb, lying_zip


def test_a_zip_bomb_package_is_refused_before_its_members_are_read():
    with pytest.raises(PackageRefused, match="bom giải nén"):
        verify_package(docx_bomb())


def test_a_package_member_that_lies_about_its_size_is_refused():
    with pytest.raises(PackageRefused, match="không giải nén được"):
        verify_package(lying_zip())
