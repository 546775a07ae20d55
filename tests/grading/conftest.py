"""One grading run for every assignment in exercises/ plus the sample assignment.

The session fixture :func:`graded` releases every assignment into a throwaway course,
writes one submission per variant (reference, blank, each attack, each breakage) and
grades them all in ONE ``aimed grade --workers 2`` run, as an instructor would. The
round-trip tests then read the reports and the gradebook.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from grading_support import (
    Graded,
    build_submissions,
    read_reports,
    release_all,
    run_grade,
)


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> Graded:
    course = tmp_path_factory.mktemp("grading-course")
    notebooks = release_all(course)
    build_submissions(course, notebooks)
    start = time.perf_counter()
    done = run_grade(course)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    grades, flags = read_reports(course)
    return Graded(course=course, stdout=done.stdout, seconds=seconds, grades=grades,
                  flags=flags, notebooks=notebooks)
