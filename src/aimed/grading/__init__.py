"""nbgrader orchestration for instructors: configuration, release, sandboxed grading.

Only nbgrader's own extension points are used (configuration, preprocessors and its
Python API); nothing in nbgrader is forked.

The public names are imported lazily: the kernel jail (:mod:`aimed.grading.jail`) and
the grading kernel (:mod:`aimed.grading.kernel`) live in this package and must start
in milliseconds, without importing nbgrader.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["GradeRun", "ReleaseError", "course_dir", "grade", "nbgrader_config", "release"]

_WHERE = {
    "course_dir": "aimed.grading.config",
    "nbgrader_config": "aimed.grading.config",
    "ReleaseError": "aimed.grading.release",
    "release": "aimed.grading.release",
    "grade": "aimed.grading.grade",
    "GradeRun": "aimed.grading.grade",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'aimed.grading' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
