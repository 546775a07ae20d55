"""Fixtures of the cohort tests: a real PostgreSQL server on loopback.

The server (:class:`pgserver.PgServer`) lives for the whole session and is stopped,
its files removed, at the end. ``scripts/ensure-hub-deps`` installs PostgreSQL when
it is missing; without it these tests fail and say so (they never skip).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "grading"))

from pgserver import PgServer


@pytest.fixture(scope="session")
def postgres():
    server = PgServer()
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    yield server
    server.stop()
