"""Shared test set-up: the repository root on sys.path, and where tests put what they save."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ARTIFACTS = ROOT / "artifacts"

# the app runs numpy's matrix products on one thread and keeps freed memory (ui/tuning.py); the
# tests do too, so a busy machine does not slow the many small products down
from ui.tuning import tune_process  # noqa: E402

tune_process()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """A folder for screenshots and other files tests leave for a person to look at."""
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
