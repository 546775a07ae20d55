"""Grade one submission in a throwaway sandbox (runs inside a worker process).

:func:`grade_submission` never touches the course gradebook. It builds a private
nbgrader course in a fresh folder under the run directory (outside the course tree):
a copy of the run's *template* gradebook (the assignment definitions only), a safe
copy of the submission, and nothing else. It then

1. checks every notebook (readable, expected name, tampering, static scan);
2. runs nbgrader's autograde there, with :class:`~aimed.grading.preprocessors.GuardedExecute`
   executing each notebook in a jailed kernel;
3. runs nbgrader's generate_feedback (hidden tests removed);
4. reads the scores nbgrader saved in the private gradebook.

It returns a plain ``dict`` (see :class:`Result`), which the parent process merges into
the course gradebook, alone and in one place.
"""

from __future__ import annotations

import difflib
import functools
import os
import shutil
import stat
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Job", "grade_submission"]

#: Largest single file copied from a submission, bytes.
MAX_FILE_BYTES = 50_000_000
#: Most files copied from a submission.
MAX_FILES = 500


@dataclass
class Job:
    """One submission to grade (everything a worker needs, as plain values)."""

    student: str
    assignment: str
    submission: str
    release: str
    template_db: str
    source_files: str
    notebooks: list[str]
    run_dir: str
    limits: dict = field(default_factory=dict)
    mode: str = ""
    network: bool = True
    memory_group: bool = True
    mpl_cache: str = ""
    sandbox: bool = True
    feedback: bool = True
    digest: str = ""


def _flag(result: dict, notebook: str, grade_id: str | None, reason: str) -> None:
    result["flags"].append({"notebook": notebook, "grade_id": grade_id or "", "reason": reason})


def _failure(result: dict, notebook: str, reason: str) -> None:
    result["failures"].append({"notebook": notebook, "reason": reason})


def _safe_copy(source: Path, dest: Path, result: dict) -> None:
    """Copy a submission: regular files and folders only, with size limits."""
    count = 0
    for base, dirs, files in os.walk(source, followlinks=False):
        rel = Path(base).relative_to(source)
        if any(part in (".ipynb_checkpoints", "__pycache__") for part in rel.parts):
            dirs[:] = []
            continue
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in sorted(dirs):
            path = Path(base) / name
            if path.is_symlink():
                _flag(result, "", "", f"the submission contains a link {rel / name} "
                      f"-> {os.readlink(path)}; it was ignored")
                dirs.remove(name)
        for name in sorted(files):
            path = Path(base) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                _flag(result, "", "", f"the submission contains a link {rel / name} "
                      f"-> {os.readlink(path)}; it was ignored")
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if info.st_size > MAX_FILE_BYTES:
                _flag(result, "", "", f"{rel / name} is {info.st_size / 1e6:.0f} MB, above "
                      f"the {MAX_FILE_BYTES / 1e6:.0f} MB limit; it was ignored")
                continue
            count += 1
            if count > MAX_FILES:
                _flag(result, "", "", f"the submission has more than {MAX_FILES} files; "
                      "the rest were ignored")
                return
            shutil.copyfile(path, dest / rel / name)


@functools.lru_cache(maxsize=32)
def _released_cached(path: str, mtime: float) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def _released(path: str) -> Any:
    """The released student version (read once per worker; treat as read-only)."""
    return _released_cached(path, os.stat(path).st_mtime)


def _originals(template: Path, assignment: str) -> dict[str, dict[str, str]]:
    """Notebook → grade_id → source of its nbgrader cells, as stored in the gradebook."""
    import sqlite3

    out: dict[str, dict[str, str]] = {}
    with sqlite3.connect(f"file:{template}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT notebook.name, source_cell.name, source_cell.source FROM source_cell "
            "JOIN notebook ON source_cell.notebook_id = notebook.id "
            "JOIN assignment ON notebook.assignment_id = assignment.id "
            "WHERE assignment.name = ?", (assignment,)).fetchall()
    for notebook, name, source in rows:
        out.setdefault(notebook, {})[name] = source or ""
    return out


def _from_french(submitted: Any, assignment: str, nb_name: str, result: dict) -> Any:
    """A French-edition submission mapped to its English cells, marked as French.

    nbgrader and the tampering check compare with the English release; the learner's
    answers (code and written) are kept as they are. Feedback gets its French back
    (:class:`aimed.grading.preprocessors.FrenchFeedback`).
    """
    from aimed import translate
    from aimed.course import repo_root

    root = repo_root()
    po_path = translate.catalogue_path(root / "exercises" / assignment / f"{nb_name}.ipynb",
                                       root)
    if not po_path.is_file():
        _flag(result, nb_name, "", "a French submission, but this notebook has no French "
              "catalogue: its locked cells are compared as they are")
        return submitted
    english = translate.to_english(submitted, po_path)
    english.metadata.setdefault("aimed", {})["submitted_language"] = translate.LANG
    result["notebooks"][nb_name]["language"] = translate.LANG
    return english


def _check_notebooks(job: Job, private: Path, result: dict) -> None:
    """Pre-execution checks; removes notebooks that cannot be graded."""
    import nbformat

    from aimed.grading.integrity import read_notebook, scan_notebook, tampering
    from aimed.translate import is_french

    folder = private / "submitted" / job.student / job.assignment
    expected = {f"{name}.ipynb" for name in job.notebooks}
    originals = _originals(Path(job.template_db), job.assignment)
    present = sorted(p.name for p in folder.glob("*.ipynb"))
    for name in present:
        if name not in expected:
            close = difflib.get_close_matches(name, sorted(expected), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            _flag(result, name[:-6], "", f"unexpected notebook {name} was not graded{hint}")
            _failure(result, name[:-6], f"unexpected notebook {name}: not graded{hint}")
    for nb_name in job.notebooks:
        entry = result["notebooks"][nb_name]
        path = folder / f"{nb_name}.ipynb"
        if not path.exists():
            entry["status"] = "missing"
            near = difflib.get_close_matches(f"{nb_name}.ipynb", present, n=1, cutoff=0.6)
            hint = f" (found {near[0]}: wrong file name?)" if near and near[0] not in expected \
                else ""
            _failure(result, nb_name, f"notebook {nb_name}.ipynb was not submitted{hint}")
            continue
        submitted, problem = read_notebook(path)
        if submitted is None:
            entry["status"] = "unreadable"
            _failure(result, nb_name, f"{nb_name}.ipynb cannot be graded: {problem}")
            _flag(result, nb_name, "", f"unreadable notebook: {problem}")
            path.unlink()
            continue
        if is_french(submitted):
            submitted = _from_french(submitted, job.assignment, nb_name, result)
            nbformat.write(submitted, path)
        released = _released(str(Path(job.release) / f"{nb_name}.ipynb"))
        for issue in tampering(submitted, released, originals.get(nb_name, {})):
            _flag(result, nb_name, issue.grade_id, issue.reason)
        for issue in scan_notebook(submitted, released):
            _flag(result, nb_name, issue.grade_id, issue.reason)


_GRADES_SQL = """
SELECT notebook.name, base_cell.name, grade.auto_score, grade_cells.max_score,
       grade_cells.cell_type
FROM grade
JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
JOIN notebook ON submitted_notebook.notebook_id = notebook.id
JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
JOIN assignment ON submitted_assignment.assignment_id = assignment.id
JOIN base_cell ON grade.cell_id = base_cell.id
JOIN grade_cells ON grade_cells.id = base_cell.id
WHERE assignment.name = ? AND submitted_assignment.student_id = ?
"""
_COMMENTS_SQL = """
SELECT notebook.name, base_cell.name, comment.auto_comment
FROM comment
JOIN submitted_notebook ON comment.notebook_id = submitted_notebook.id
JOIN notebook ON submitted_notebook.notebook_id = notebook.id
JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
JOIN assignment ON submitted_assignment.assignment_id = assignment.id
JOIN base_cell ON comment.cell_id = base_cell.id
WHERE assignment.name = ? AND submitted_assignment.student_id = ?
"""
_STAMP_SQL = """
SELECT submitted_assignment.timestamp FROM submitted_assignment
JOIN assignment ON submitted_assignment.assignment_id = assignment.id
WHERE assignment.name = ? AND submitted_assignment.student_id = ?
"""


def _read_grades(job: Job, private: Path, config: Any, result: dict) -> None:
    """Read what nbgrader saved in the private gradebook (plain SQL, which is fast)."""
    import datetime as dt
    import sqlite3

    key = (job.assignment, job.student)
    try:
        with sqlite3.connect(f"file:{private / 'gradebook.db'}?mode=ro", uri=True) as db:
            grades = db.execute(_GRADES_SQL, key).fetchall()
            comments = db.execute(_COMMENTS_SQL, key).fetchall()
            stamp = db.execute(_STAMP_SQL, key).fetchone()
    except sqlite3.Error:
        _read_grades_orm(job, config, result)
        return
    for notebook, name, auto, maximum, cell_type in grades:
        entry = result["notebooks"].get(notebook)
        if entry is not None:
            entry["grades"][name] = {"auto_score": auto, "max_score": maximum,
                                     "cell_type": cell_type}
    for notebook, name, text in comments:
        entry = result["notebooks"].get(notebook)
        if entry is not None:
            entry["comments"][name] = text
    if stamp and stamp[0]:
        result["timestamp"] = dt.datetime.fromisoformat(str(stamp[0])).isoformat()


def _read_grades_orm(job: Job, config: Any, result: dict) -> None:
    """The same through nbgrader's API (used if its schema ever changes)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gb:
        try:
            submission = gb.find_submission(job.assignment, job.student)
        except MissingEntry:
            return
        result["timestamp"] = submission.timestamp.isoformat() if submission.timestamp else None
        for nb in submission.notebooks:
            entry = result["notebooks"].get(nb.name)
            if entry is None:
                continue
            for grade in nb.grades:
                entry["grades"][grade.name] = {"auto_score": grade.auto_score,
                                               "max_score": grade.max_score,
                                               "cell_type": grade.cell.cell_type}
            for comment in nb.comments:
                entry["comments"][comment.name] = comment.auto_comment


def _zero_absent(job: Job, private: Path, result: dict) -> None:
    """Missing or unreadable notebooks score 0 on every grade cell (as in nbgrader)."""
    from nbgrader.api import Gradebook

    absent = [name for name, e in result["notebooks"].items()
              if e["status"] in ("missing", "unreadable")]
    if not absent:
        return
    with Gradebook(f"sqlite:///{private / 'gradebook.db'}") as gb:
        for name in absent:
            entry = result["notebooks"][name]
            for cell in gb.find_notebook(name, job.assignment).grade_cells:
                entry["grades"][cell.name] = {"auto_score": 0.0, "max_score": cell.max_score,
                                              "cell_type": cell.cell_type}


def _collect_events(job: Job, private: Path, result: dict) -> None:
    import json

    from aimed.grading.preprocessors import EVENT_KINDS

    folder = private / "autograded" / job.student / job.assignment
    for nb_name, entry in result["notebooks"].items():
        path = folder / f"{nb_name}.ipynb"
        if not path.exists():
            continue
        entry["autograded"] = str(path)
        with path.open(encoding="utf-8") as handle:
            meta = json.load(handle).get("metadata", {}).get("aimed", {})
        entry["execute_seconds"] = meta.get("execute_seconds")
        for event in meta.get("events", []):
            kind, detail = event.get("kind", ""), event.get("detail", "")
            _flag(result, nb_name, event.get("grade_id"), f"grading [{kind}]: {detail}")
            if EVENT_KINDS.get(kind):
                _failure(result, nb_name, f"{kind}: {detail}")
                entry["status"] = "failed" if kind != "timeout" else entry["status"]


def grade_submission(job: Job, slot: int = 0) -> dict:
    """Grade one submission; never raises (errors are reported in the result).

    Parameters
    ----------
    job : Job
        What to grade and where the run's shared files are.
    slot : int
        Worker number (selects the kernel uid when grading as root).

    Returns
    -------
    dict
        ``student, assignment, digest, timestamp, notebooks, flags, failures, timings,
        sandbox, error``; see the module docstring.
    """
    started = time.perf_counter()
    result: dict[str, Any] = {
        "student": job.student, "assignment": job.assignment, "digest": job.digest,
        "timestamp": None, "flags": [], "failures": [], "error": None, "sandbox": None,
        "notebooks": {name: {"status": "graded", "grades": {}, "comments": {},
                             "autograded": None, "feedback": None, "execute_seconds": None}
                      for name in job.notebooks},
        "timings": {},
    }
    try:
        _grade(job, slot, result, started)
    except Exception as exc:  # noqa: BLE001 - the batch must go on
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()
        _failure(result, "", f"grading failed: {type(exc).__name__}: {exc}")
    result["timings"]["total"] = round(time.perf_counter() - started, 3)
    return result


def _grade(job: Job, slot: int, result: dict, started: float) -> None:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from aimed.grading.config import nbgrader_config
    from aimed.grading.sandbox import Limits

    sandbox = Path(tempfile.mkdtemp(prefix=f"{job.student[:20]}-", dir=job.run_dir))
    os.chmod(sandbox, 0o711)
    result["sandbox"] = str(sandbox)
    private = sandbox / "course"
    (private / "submitted" / job.student).mkdir(parents=True)
    os.chmod(private, 0o711)
    os.chmod(private / "submitted", 0o700)
    shutil.copyfile(job.template_db, private / "gradebook.db")
    os.chmod(private / "gradebook.db", 0o600)
    source = private / "source" / job.assignment
    source.mkdir(parents=True)
    os.chmod(private / "source", 0o700)
    if job.source_files and Path(job.source_files).is_dir():
        shutil.copytree(job.source_files, source, dirs_exist_ok=True)
    _safe_copy(Path(job.submission), private / "submitted" / job.student / job.assignment,
               result)
    _check_notebooks(job, private, result)
    result["timings"]["setup"] = round(time.perf_counter() - started, 3)

    course_db = os.environ.pop("AIMED_DB_URL", None)  # the private gradebook is SQLite
    try:
        config = nbgrader_config(private, limits=Limits(**job.limits), slot=slot,
                                 sandbox=job.sandbox, mode=job.mode, mpl_cache=job.mpl_cache,
                                 network=job.network, memory_group=job.memory_group)
    finally:
        if course_db is not None:
            os.environ["AIMED_DB_URL"] = course_db
    config.NbGrader.logfile = ""
    _zero_absent(job, private, result)
    if all(e["status"] in ("missing", "unreadable") for e in result["notebooks"].values()):
        return  # nothing to run: every notebook is missing or unreadable
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    t0 = time.perf_counter()
    outcome = api.autograde(job.assignment, job.student, force=True, create=True)
    result["timings"]["autograde"] = round(time.perf_counter() - t0, 3)
    if not outcome["success"]:
        errors = [line.split("]", 1)[-1].strip() for line in outcome.get("log", "").splitlines()
                  if line.startswith("[ERROR]")]
        _failure(result, "", "nbgrader autograde failed: " + (errors[0] if errors else "see "
                                                                "the log"))
    _collect_events(job, private, result)
    _read_grades(job, private, config, result)
    _zero_absent(job, private, result)
    if job.feedback:
        t0 = time.perf_counter()
        fb = api.generate_feedback(job.assignment, job.student, force=True)
        result["timings"]["feedback"] = round(time.perf_counter() - t0, 3)
        folder = private / "feedback" / job.student / job.assignment
        for nb_name, entry in result["notebooks"].items():
            html = folder / f"{nb_name}.html"
            if html.exists():
                entry["feedback"] = str(html)
        if not fb["success"]:
            _failure(result, "", "nbgrader generate_feedback failed")
    execute = [e["execute_seconds"] or 0 for e in result["notebooks"].values()]
    result["timings"]["execute"] = round(sum(execute), 3)


def job_from_dict(data: dict) -> Job:
    """Rebuild a :class:`Job` sent between processes as a dict."""
    return Job(**data)


def job_to_dict(job: Job) -> dict:
    """The job as a plain dict (for pipes and the journal)."""
    return asdict(job)
