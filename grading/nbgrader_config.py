"""nbgrader configuration of the aimed course.

The settings live in ``aimed.grading.config`` so that the ``aimed`` command and plain
``nbgrader`` commands run from this folder use exactly the same configuration.
"""

from aimed.grading.config import nbgrader_config

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.merge(nbgrader_config())
