"""Every audit test writes its checkpoints into its own directory, so that a checkpoint of one
test (whose rows are rolled back) never meets the log of another."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def checkpoint_dir(settings: Any, tmp_path: Any) -> Any:
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "diem-kiem-tra"
    settings.AUDIT_TSA_URL = ""
    return settings.AUDIT_CHECKPOINT_DIR
