"""Where the course lives and how nbgrader is configured for it.

``<course>`` is ``$AIMED_COURSE_DIR`` when set, otherwise ``grading/course`` in the
repository. nbgrader's source folder is ``<course>/source``, which :func:`release`
refreshes from the repository's ``exercises/`` before generating student versions,
so ``exercises/`` stays the single source of truth.
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets.config import Config

from aimed.course import repo_root

__all__ = ["COURSE_ID", "STUDENT_STUB", "TEXT_STUB", "course_dir", "nbgrader_config"]

COURSE_ID = "aimed"
#: What replaces a reference solution in the student version.
STUDENT_STUB = (
    "# YOUR CODE HERE: replace the next line with your answer.\n"
    "raise NotImplementedError('Write your answer in this cell.')"
)
#: What replaces a model answer to a written (manually graded) question.
TEXT_STUB = "YOUR ANSWER HERE: write your answer in this cell."


def course_dir() -> Path:
    """Return the instructor's course directory (created if missing)."""
    configured = os.environ.get("AIMED_COURSE_DIR")
    path = Path(configured).expanduser() if configured else repo_root() / "grading" / "course"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def db_url(course: Path) -> str:
    """The gradebook URL: ``$AIMED_DB_URL`` (any SQLAlchemy URL) or SQLite in the course."""
    return os.environ.get("AIMED_DB_URL") or f"sqlite:///{course / 'gradebook.db'}"


def nbgrader_config(course: Path | None = None) -> Config:
    """Build the nbgrader configuration of the course.

    ``grading/nbgrader_config.py`` loads the same settings, so running plain
    ``nbgrader`` commands from ``grading/`` behaves like the ``aimed`` command.
    """
    course = course or course_dir()
    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.db_url = db_url(course)
    c.ClearSolutions.code_stub = {"python": STUDENT_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.ClearMetadataPreprocessor.enabled = True
    return c
