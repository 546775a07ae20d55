"""nbgrader configuration of the aimed course.

The settings live in ``aimed.grading.config`` so that the ``aimed`` command and plain
``nbgrader`` commands run from this folder use exactly the same configuration: the
course directory (``$AIMED_COURSE_DIR`` or ``grading/course``), the gradebook
(SQLite, or ``$AIMED_DB_URL``), 60 s per cell, warnings ignored on stderr, deleted
grade cells restored, a log file in ``<course>/logs/``, feedback without hidden tests,
and execution by ``aimed.grading.preprocessors.GuardedExecute`` in the sandboxed
kernel. ``nbgrader autograde`` run here is sandboxed but sequential; ``aimed grade``
adds parallel workers, flags and reports.
"""

from aimed.grading.config import nbgrader_config

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.merge(nbgrader_config())
