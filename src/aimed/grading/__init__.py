"""nbgrader orchestration for instructors: configuration, release, grading.

Only nbgrader's own extension points are used (configuration, preprocessors and its
Python API); nothing in nbgrader is forked.
"""

from aimed.grading.config import course_dir, nbgrader_config
from aimed.grading.release import ReleaseError, release

__all__ = ["ReleaseError", "course_dir", "nbgrader_config", "release"]
