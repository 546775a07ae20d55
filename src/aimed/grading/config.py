"""Where the course lives and how nbgrader is configured for it.

``<course>`` is ``$AIMED_COURSE_DIR`` when set, otherwise ``grading/course`` in the
repository. nbgrader's source folder is ``<course>/source``, which :func:`release`
refreshes from the repository's ``exercises/`` before generating student versions,
so ``exercises/`` stays the single source of truth.

The same configuration serves ``aimed grade`` and plain ``nbgrader`` commands run
from ``grading/`` (whose ``nbgrader_config.py`` loads it): in both, notebooks are
executed by :class:`aimed.grading.preprocessors.GuardedExecute` in a sandboxed kernel.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from traitlets.config import Config

from aimed.course import repo_root
from aimed.grading.sandbox import Limits, limits_dict
from aimed.stubs import (  # noqa: F401 - part of this module's API
    STUBS,
    STUDENT_STUB,
    STUDENT_STUB_FR,
    TEXT_STUB,
    TEXT_STUB_FR,
)

__all__ = ["COURSE_ID", "STUDENT_STUB", "TEXT_STUB", "WARNING_PATTERN", "GradebookUnreachable",
           "check_gradebook", "course_dir", "db_url", "ensure_tools_on_path", "nbgrader_config"]

COURSE_ID = "aimed"
#: stderr output matching this is dropped before scoring (nbgrader gives 0 points to a
#: test cell that wrote anything to stderr, so a library warning would cost a correct
#: answer its points). It matches Python warnings ("UserWarning: ...") and
#: matplotlib's font-cache notice.
WARNING_PATTERN = r"\b[A-Za-z]*Warning\b|warnings\.warn|Matplotlib is building the font cache"


def ensure_tools_on_path() -> None:
    """Put this Python's ``bin/`` first on ``PATH``.

    nbgrader runs the ``alembic`` command when it creates a gradebook; it lives next to
    this interpreter in the virtual environment, which is not on ``PATH`` unless the
    environment is activated (``.venv/bin/aimed`` does not activate it).
    """
    tools = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if tools not in parts:
        os.environ["PATH"] = os.pathsep.join([tools, *[p for p in parts if p]])


def course_dir() -> Path:
    """Return the instructor's course directory (created if missing)."""
    configured = os.environ.get("AIMED_COURSE_DIR")
    path = Path(configured).expanduser() if configured else repo_root() / "grading" / "course"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def db_url(course: Path) -> str:
    """The gradebook URL: ``$AIMED_DB_URL`` (any SQLAlchemy URL) or SQLite in the course."""
    return os.environ.get("AIMED_DB_URL") or f"sqlite:///{course / 'gradebook.db'}"


class GradebookUnreachable(ValueError):
    """The gradebook database named by ``$AIMED_DB_URL`` does not answer."""


def check_gradebook(url: str, timeout_s: int = 5) -> None:
    """Fail early, and clearly, when a server gradebook (PostgreSQL...) is not reachable.

    SQLite needs no server and is not checked. For a server URL one connection is
    opened and closed (at most ``timeout_s`` seconds, where the driver supports it).

    Raises
    ------
    GradebookUnreachable
        Naming the URL (password hidden) and how to start the server, or to fall back
        to the course's SQLite gradebook.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    shown = parsed.render_as_string(hide_password=True)
    args = {"connect_timeout": timeout_s} if parsed.get_backend_name() in (
        "postgresql", "mysql") else {}
    try:
        engine = create_engine(parsed, connect_args=args)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except ModuleNotFoundError as exc:
        raise GradebookUnreachable(
            f"gradebook database at {shown} needs the Python driver {exc.name!r}: "
            "install the hub extra (pip install -e '.[hub]' -c constraints.txt)") from exc
    except Exception as exc:
        how = ("start PostgreSQL (sudo systemctl start postgresql, or "
               "pg_ctl -D <data dir> start; scripts/ensure-hub-deps installs it)"
               if parsed.get_backend_name() == "postgresql" else "start the database server")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GradebookUnreachable(
            f"gradebook database at {shown} not reachable: {how} or unset AIMED_DB_URL "
            f"to use the course's SQLite gradebook ({first})") from exc


def nbgrader_config(course: Path | None = None, *, limits: Limits | None = None,
                    slot: int = 0, sandbox: bool = True, mode: str = "",
                    mpl_cache: str = "", network: bool = True,
                    memory_group: bool = True) -> Config:
    """Build the nbgrader configuration of the course.

    ``grading/nbgrader_config.py`` loads the same settings, so running plain
    ``nbgrader`` commands from ``grading/`` behaves like the ``aimed`` command.

    Parameters
    ----------
    course : Path, optional
        The course directory (default :func:`course_dir`).
    limits : Limits, optional
        Resource limits and timeouts of graded notebooks (default :class:`Limits`:
        60 s per cell, 2 GiB, 120 s CPU, 50 MB files, 64 processes).
    slot : int
        Worker number; picks the sandboxed kernel's uid when grading as root.
    sandbox : bool
        Execute with :class:`~aimed.grading.preprocessors.GuardedExecute` in a jailed
        kernel (default). ``False`` gives nbgrader's own ``Execute``.
    mode : str
        Force an isolation mode (see :func:`aimed.grading.sandbox.probe`).
    mpl_cache : str
        A matplotlib font-cache file copied into each jail (saves seconds per kernel).
    network, memory_group : bool
        With a forced ``mode``: whether kernels get no network and one memory cap for
        all their processes (what :func:`~aimed.grading.sandbox.probe` found possible).
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import ClearHiddenTests, Execute, GetGrades

    from aimed.grading.preprocessors import FeedbackHTMLExporter, FrenchFeedback, GuardedExecute
    from aimed.translate import LANG, TRANSLATIONS

    ensure_tools_on_path()
    course = course or course_dir()
    limits = limits or Limits()
    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.db_url = db_url(course)
    c.ClearSolutions.code_stub = {"python": STUDENT_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    # Autograde runs ClearMetadataPreprocessor after execution: keep what grading and
    # feedback need (nbgrader's cell metadata, our grading events, the kernel).
    c.ClearMetadataPreprocessor.enabled = True
    c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = {
        "nbgrader", "deletable", "editable", "tags"}
    c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {
        "kernelspec", "language_info", "aimed"}
    c.Execute.timeout = limits.cell_timeout
    c.Execute.interrupt_on_timeout = True
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = WARNING_PATTERN
    c.OverwriteCells.add_missing_cells = True
    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, FrenchFeedback,
                                        CSSHTMLHeaderPreprocessor]
    c.FrenchFeedback.catalogues = str(repo_root() / TRANSLATIONS / LANG / "exercises")
    c.GenerateFeedback.exporter_class = FeedbackHTMLExporter
    logs = course / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    c.NbGrader.logfile = str(logs / "nbgrader.log")
    if sandbox:
        default = Autograde.class_traits()["autograde_preprocessors"].default()
        c.Autograde.autograde_preprocessors = [GuardedExecute if p is Execute else p
                                               for p in default]
        c.GuardedExecute.notebook_timeout = limits.notebook_timeout
        c.SandboxKernelManager.limits = limits_dict(limits)
        c.SandboxKernelManager.slot = slot
        c.SandboxKernelManager.mode = mode
        c.SandboxKernelManager.mpl_cache = mpl_cache
        c.SandboxKernelManager.network = network
        c.SandboxKernelManager.memory_group = memory_group
    return c
