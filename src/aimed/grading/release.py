"""``aimed release``: check the source notebooks, then generate the student versions."""

from __future__ import annotations

import shutil
from pathlib import Path

from aimed.course import SourcesMissingError, exercise_notebooks, repo_root, require_sources
from aimed.grading.config import course_dir, nbgrader_config
from aimed.lint import Violation, check_course

__all__ = ["ReleaseError", "assignments", "release"]


class ReleaseError(RuntimeError):
    """The source notebooks break a rule, or nbgrader could not generate an assignment."""

    def __init__(self, message: str, violations: list[Violation] | None = None):
        super().__init__(message)
        self.violations = violations or []


def assignments(root: Path | None = None) -> list[str]:
    """Names of the assignments in ``exercises/`` (one folder per module)."""
    return sorted({p.parent.name for p in exercise_notebooks(root)})


def release(names: list[str] | None = None, *, course: Path | None = None,
            root: Path | None = None, db_url: str | None = None) -> dict[str, Path]:
    """Validate the source notebooks, then write student versions with nbgrader.

    Parameters
    ----------
    names : list of str, optional
        Assignments to release (folder names under ``exercises/``); default all.
    course : Path, optional
        The course directory; default :func:`aimed.grading.course_dir`.
    root : Path, optional
        The repository root holding ``exercises/``.
    db_url : str, optional
        Gradebook URL (default :func:`aimed.grading.config.db_url`).

    Returns
    -------
    dict
        Assignment name → folder of its student version (``<course>/release/<name>``).

    Raises
    ------
    ReleaseError
        If ``root`` holds no source notebooks (an installed wheel carries none), a name
        is unknown, any source notebook breaks a house rule (all violations are listed),
        or nbgrader fails.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    try:
        root = require_sources(root or repo_root(), "aimed release")
    except SourcesMissingError as exc:
        raise ReleaseError(str(exc)) from exc
    known = assignments(root)
    names = list(names) if names else known
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ReleaseError(f"unknown assignment(s) {unknown}; available: {known}")
    violations = check_course(exercise_notebooks(root), root=root)
    if violations:
        listing = "\n".join(f"  - {v}" for v in violations)
        raise ReleaseError(f"{len(violations)} problem(s) in exercises/:\n{listing}", violations)
    course = course or course_dir()
    config = nbgrader_config(course)
    if db_url is not None:
        config.CourseDirectory.db_url = db_url
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    out: dict[str, Path] = {}
    for name in names:
        source = course / "source" / name
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(root / "exercises" / name, source,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        result = api.generate_assignment(name, force=True)
        if not result["success"]:
            raise ReleaseError(f"nbgrader could not generate {name!r}:\n{result['log']}")
        out[name] = course / "release" / name
    return out
