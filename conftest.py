"""Root pytest configuration: it applies to notebooks/ and exercises/ (nbval) and tests/."""

from tests.nbval_figures import pytest_runtest_makereport

__all__ = ["pytest_runtest_makereport"]
