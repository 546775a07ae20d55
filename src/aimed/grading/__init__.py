"""nbgrader orchestration for instructors: configuration, release, sandboxed grading.

Only nbgrader's own extension points are used (configuration, preprocessors and its
Python API); nothing in nbgrader is forked.

The public names are imported lazily: the kernel jail (:mod:`aimed.grading.jail`) and
the grading kernel (:mod:`aimed.grading.kernel`) live in this package and must start
in milliseconds, without importing nbgrader.
"""

from __future__ import annotations

import importlib
import sys
import types
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


class _Package(types.ModuleType):
    """This package, with its public functions winning over same-named submodules.

    Importing the submodule ``aimed.grading.release`` makes Python bind the package
    attribute ``release`` to that module; here it is bound to the function instead,
    so ``from aimed.grading import release, grade`` always gives the functions (as an
    eager import in this file would, without its cost).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _WHERE.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'aimed.grading' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
