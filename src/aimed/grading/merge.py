"""The single writer: template gradebooks for workers, results merged into the course.

Workers never open the course gradebook. The parent process

* builds a *template* SQLite gradebook holding only the definitions of the graded
  assignments (:func:`build_template`), which each worker copies into its sandbox;
* merges each worker's result into the course gradebook, one submission per
  transaction (:func:`merge_result`), and copies the autograded notebooks and feedback
  into ``<course>/autograded/`` and ``<course>/feedback/``;
* records the merged result in a journal (:class:`Journal`) keyed by a digest of the
  submission's files and of the assignment's definition.

Merging is idempotent: it sets scores and comments to values computed from the
submission, so merging the same result twice leaves the gradebook as merging it once.
An interrupted run, run again, reuses every journaled result whose digest still
matches and grades the rest: nothing is duplicated and nothing is lost. Manual scores
given in the formgrader are never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from aimed.grading.config import COURSE_ID, ensure_tools_on_path

__all__ = ["GRADING_VERSION", "Journal", "build_template", "fingerprint", "merge_result",
           "submission_digest"]

#: Bump when a change in grading could change a score, so journals are not reused.
GRADING_VERSION = "aimed-grading-1"


def _db_retry(action: Any, attempts: int = 20) -> Any:
    """Run a gradebook action, retrying while SQLite reports a lock (formgrader open)."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(min(0.1 * 2**attempt, 2.0))
    return None  # pragma: no cover


def build_template(db_url: str, assignments: list[str], dest: Path) -> dict[str, list[str]]:
    """Copy the definitions of ``assignments`` into a fresh SQLite gradebook.

    Returns
    -------
    dict
        Assignment → its notebook names, in gradebook order.
    """
    from nbgrader.api import Gradebook

    ensure_tools_on_path()  # nbgrader runs `alembic` when it creates a gradebook
    _stamp_alembic(db_url, dest)
    out: dict[str, list[str]] = {}
    with Gradebook(db_url, COURSE_ID) as src, Gradebook(f"sqlite:///{dest}", COURSE_ID) as dst:
        for name in assignments:
            assignment = src.find_assignment(name)
            dst.update_or_create_assignment(name, duedate=assignment.duedate)
            out[name] = []
            for nb in assignment.notebooks:
                out[name].append(nb.name)
                dst.update_or_create_notebook(nb.name, name)
                for cell in nb.grade_cells:
                    dst.update_or_create_grade_cell(cell.name, nb.name, name,
                                                    max_score=cell.max_score,
                                                    cell_type=cell.cell_type)
                for cell in nb.solution_cells:
                    dst.update_or_create_solution_cell(cell.name, nb.name, name)
                for cell in nb.task_cells:
                    dst.update_or_create_task_cell(cell.name, nb.name, name,
                                                   max_score=cell.max_score,
                                                   cell_type=cell.cell_type)
                for cell in nb.source_cells:
                    dst.update_or_create_source_cell(cell.name, nb.name, name,
                                                     cell_type=cell.cell_type,
                                                     locked=cell.locked, source=cell.source,
                                                     checksum=cell.checksum)
    return out


def _stamp_alembic(db_url: str, dest: Path) -> None:
    """Give a new SQLite gradebook the schema version of the course's.

    nbgrader asks the ``alembic`` command for the schema version whenever it creates
    a gradebook (a second or more); the course gradebook already knows it.
    """
    import sqlite3

    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(db_url)
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")
                                         ).scalar()
        engine.dispose()
    except Exception:  # noqa: BLE001 - nbgrader will ask alembic itself
        return
    if version:
        with sqlite3.connect(dest) as db:
            db.execute("CREATE TABLE IF NOT EXISTS alembic_version "
                       "(version_num VARCHAR(32) NOT NULL)")
            db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (version,))


def fingerprint(db_url: str, assignment: str) -> str:
    """A digest of an assignment's definition (cells, checksums, points)."""
    from nbgrader.api import Gradebook

    digest = hashlib.sha256()
    with Gradebook(db_url, COURSE_ID) as gb:
        for nb in gb.find_assignment(assignment).notebooks:
            digest.update(nb.name.encode())
            for cell in sorted(nb.source_cells, key=lambda c: c.name):
                digest.update(f"{cell.name}|{cell.locked}|{cell.checksum}".encode())
            for cell in sorted(nb.grade_cells, key=lambda c: c.name):
                digest.update(f"{cell.name}|{cell.max_score}".encode())
    return digest.hexdigest()


def submission_digest(folder: Path, *parts: str) -> str:
    """A digest of a submission's files (names and contents) and of ``parts``."""
    digest = hashlib.sha256("\0".join([GRADING_VERSION, *parts]).encode())
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(p in (".ipynb_checkpoints", "__pycache__") for p in rel.parts):
            continue
        if path.is_symlink():
            digest.update(f"L {rel} {os.readlink(path)}\0".encode())
        elif path.is_file():
            digest.update(f"F {rel}\0".encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def _replace_file(source: str | None, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not source or not Path(source).exists():
        if dest.exists():
            dest.unlink()
        return
    partial = dest.with_name(f".{dest.name}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, dest)


def merge_result(result: dict, *, course: Path, db_url: str, gradebook: Any = None) -> None:
    """Merge one worker result into the course: files first, then one transaction.

    Parameters
    ----------
    result : dict
        What :func:`aimed.grading.worker.grade_submission` returned.
    course : Path
        The course directory.
    db_url : str
        The course gradebook.
    gradebook : nbgrader.api.Gradebook, optional
        An open connection to reuse (the grading run keeps one for all its merges).
    """
    from contextlib import nullcontext

    from nbgrader.api import Gradebook

    student, assignment = result["student"], result["assignment"]
    for name, entry in result["notebooks"].items():
        if entry.get("autograded") is not None or entry["status"] in ("missing", "unreadable"):
            _replace_file(entry.get("autograded"),
                          course / "autograded" / student / assignment / f"{name}.ipynb")
            _replace_file(entry.get("feedback"),
                          course / "feedback" / student / assignment / f"{name}.html")

    def write() -> None:
        with (nullcontext(gradebook) if gradebook is not None
              else Gradebook(db_url, COURSE_ID)) as gb:
            try:
                _write(gb)
            except Exception:
                gb.db.rollback()
                raise

    def _write(gb: Any) -> None:
        gb.update_or_create_student(student)
        stamp = result.get("timestamp")
        if stamp:
            gb.update_or_create_submission(
                assignment, student, timestamp=dt.datetime.fromisoformat(stamp))
        else:
            gb.update_or_create_submission(assignment, student)
        for name, entry in result["notebooks"].items():
            notebook = gb.find_submission_notebook(name, assignment, student)
            absent = entry["status"] in ("missing", "unreadable") or not entry["grades"]
            for grade in notebook.grades:
                info = entry["grades"].get(grade.name)
                if absent or info is None:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
                    continue
                grade.auto_score = info["auto_score"]
                grade.needs_manual_grade = (grade.manual_score is not None
                                            or grade.auto_score is None)
            for comment in notebook.comments:
                comment.auto_comment = None if absent else entry["comments"].get(comment.name)
        gb.db.commit()

    _db_retry(write)


class Journal:
    """Merged results on disk: ``<course>/reports/.journal/<assignment>/<student>.json``."""

    def __init__(self, course: Path):
        self.root = course / "reports" / ".journal"

    def _path(self, assignment: str, student: str) -> Path:
        return self.root / assignment / f"{student}.json"

    def get(self, assignment: str, student: str, digest: str) -> dict | None:
        """The journaled result if its digest matches, else None."""
        path = self._path(assignment, student)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry["result"] if entry.get("digest") == digest else None

    def put(self, result: dict) -> None:
        """Record a merged result (atomically)."""
        path = self._path(result["assignment"], result["student"])
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps({"digest": result["digest"], "result": result}, indent=1),
                           encoding="utf-8")
        os.replace(partial, path)
