"""``aimed grade``: sandboxed, parallel autograding with flags for human review.

:func:`grade` grades everything in ``<course>/submitted/`` for the chosen assignments:

1. it probes the sandbox (:func:`aimed.grading.sandbox.probe`) and says what holds;
2. it builds a template gradebook with the assignments' definitions;
3. N worker processes grade one submission each at a time, each in its own throwaway
   sandbox (:func:`aimed.grading.worker.grade_submission`);
4. the parent merges each result into the course gradebook as it arrives (single
   writer), journals it, and prints a progress line;
5. it writes ``<course>/reports/grades.csv``, ``flags.csv`` and ``report.html``.

A worker that crashes or exceeds its deadline is killed and replaced; the submission
gets a failure row, and the batch goes on. ``Ctrl-C`` (or a kill) stops the run; the
next run reuses the journal and grades only what is left.
"""

from __future__ import annotations

import collections
import ctypes
import logging
import multiprocessing as mp
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from aimed.grading.config import check_gradebook, course_dir, db_url, ensure_tools_on_path
from aimed.grading.merge import (
    Journal,
    build_template,
    fingerprint,
    merge_result,
    submission_digest,
)
from aimed.grading.sandbox import (
    Isolation,
    Limits,
    harden_course,
    limits_dict,
    matplotlib_cache,
    probe,
    sandbox_base,
)
from aimed.grading.worker import Job, grade_submission, job_to_dict

__all__ = ["GradeRun", "GradingError", "grade", "submissions"]

log = logging.getLogger("aimed.grading")


class GradingError(ValueError):
    """The request cannot be graded (unknown assignment, nothing released...)."""


@dataclass
class GradeRun:
    """What one :func:`grade` call did.

    Attributes
    ----------
    course : Path
        The course directory.
    assignments : list of str
        The graded assignments.
    results : list of dict
        One worker result per submission (fresh or reused from the journal).
    isolation : Isolation
        What the sandbox guaranteed.
    reports : dict
        ``"grades"``, ``"flags"``, ``"report"`` → written files.
    graded, reused : int
        Submissions graded in this run, and reused from an earlier run.
    interrupted : bool
        True if the run was stopped before the end (run again to finish).
    seconds : float
        Wall time.
    """

    course: Path
    assignments: list[str]
    results: list[dict] = field(default_factory=list)
    isolation: Isolation | None = None
    reports: dict[str, Path] = field(default_factory=dict)
    graded: int = 0
    reused: int = 0
    interrupted: bool = False
    seconds: float = 0.0


def submissions(course: Path, assignments: list[str],
                students: list[str] | None = None) -> list[tuple[str, str, Path]]:
    """``(student, assignment, folder)`` for every submission in ``<course>/submitted/``."""
    root = course / "submitted"
    out = []
    if not root.is_dir():
        return out
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if students and student_dir.name not in students:
            continue
        for name in assignments:
            folder = student_dir / name
            if folder.is_dir() and not folder.is_symlink():
                out.append((student_dir.name, name, folder))
    return out


# ---------------------------------------------------------------------------- workers


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no orphaned workers)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def _quiet_nbgrader() -> None:
    """nbgrader's gradebook code triggers SQLAlchemy warnings that are not ours to fix."""
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)


def _preload() -> None:
    """Import the grading machinery (workers forked afterwards share it)."""
    import nbconvert.exporters  # noqa: F401
    import nbgrader.apps
    import nbgrader.converters  # noqa: F401

    import aimed.grading.preprocessors  # noqa: F401


def _worker_main(slot: int, conn: Any) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ.pop("AIMED_DB_URL", None)
    ensure_tools_on_path()
    _quiet_nbgrader()
    _preload()  # a no-op after fork; with spawn, done while the parent prepares the run

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        conn.send(grade_submission(Job(**message), slot))


class _Worker:
    def __init__(self, ctx: Any, slot: int):
        self.slot = slot
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(slot, child), daemon=True,
                                   name=f"aimed-grade-{slot}")
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.started = 0.0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()


def _deadline(job: Job, limits: Limits) -> float:
    """Seconds after which a worker is presumed stuck on ``job``."""
    return len(job.notebooks) * (limits.notebook_timeout + 120) + 300


def _failed_result(job: Job, reason: str) -> dict:
    return {
        "student": job.student, "assignment": job.assignment, "digest": job.digest,
        "timestamp": None, "flags": [{"notebook": "", "grade_id": "", "reason": reason}],
        "failures": [{"notebook": "", "reason": reason}], "error": reason, "sandbox": None,
        "notebooks": {n: {"status": "failed", "grades": {}, "comments": {}, "autograded": None,
                          "feedback": None, "execute_seconds": None} for n in job.notebooks},
        "timings": {},
    }


class _Pool:
    """Worker processes that grade one submission at a time each.

    The processes start (and import nbgrader) as soon as the pool is created, while the
    parent prepares the run. A worker that crashes or exceeds its deadline is killed
    and replaced; its submission gets a failure result.
    """

    def __init__(self, workers: int, jobs_hint: int):
        size = max(1, min(workers, jobs_hint))
        self.workers: list[_Worker] = []
        if workers <= 1 or jobs_hint <= 0:
            return
        _preload()
        # Forking this process (which has imported nbgrader) saves each worker seconds
        # of imports; spawn is the safe fallback where fork is unavailable or threads
        # already run here.
        fork = "fork" in mp.get_all_start_methods() and threading.active_count() == 1
        self.ctx = mp.get_context("fork" if fork else "spawn")
        self.workers = [_Worker(self.ctx, slot) for slot in range(size)]

    def run(self, jobs: list[Job], limits: Limits, on_result: Callable[[dict], None]) -> None:
        """Grade ``jobs``, calling ``on_result`` in this process as each one finishes."""
        if not self.workers:
            for job in jobs:
                on_result(grade_submission(job, 0))
            return
        pool = self.workers
        pending = collections.deque(jobs)

        def dispatch(worker: _Worker) -> None:
            if worker.job is None and pending:
                worker.job = pending.popleft()
                worker.started = time.monotonic()
                worker.conn.send(job_to_dict(worker.job))

        while pending or any(w.job for w in pool):
            for worker in pool:
                dispatch(worker)
            busy = [w for w in pool if w.job is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                         timeout=1.0)
            for index, worker in enumerate(pool):
                if worker.job is None:
                    continue
                job = worker.job
                if worker.conn in ready:
                    try:
                        result = worker.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        # Hand the worker its next submission before merging this result
                        # (the merge writes the gradebook and takes a moment).
                        worker.job = None
                        dispatch(worker)
                        on_result(result)
                        continue
                if worker.process.sentinel in ready or not worker.process.is_alive():
                    reason = (f"the grading process crashed (exit code "
                              f"{worker.process.exitcode}) while grading this submission")
                elif time.monotonic() - worker.started > _deadline(job, limits):
                    reason = (f"grading took longer than {_deadline(job, limits):.0f} s; "
                              "the grading process was stopped")
                else:
                    continue
                worker.kill()
                pool[index] = _Worker(self.ctx, worker.slot)
                on_result(_failed_result(job, reason))

    def close(self) -> None:
        """Stop every worker (idle ones politely, busy ones at once)."""
        for worker in self.workers:
            try:
                if worker.job is None and worker.process.is_alive():
                    worker.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        for worker in self.workers:
            if worker.job is None:
                worker.process.join(timeout=max(0.1, deadline - time.monotonic()))
            worker.kill()


# ---------------------------------------------------------------------------- grade


def _progress_line(done: int, total: int, result: dict) -> list[str]:
    lines = []
    flags = len(result["flags"])
    for name, entry in result["notebooks"].items():
        auto = [g for g in entry["grades"].values() if g.get("cell_type") == "code"
                or g.get("auto_score") is not None]
        score = sum(g["auto_score"] or 0 for g in auto)
        maximum = sum(g["max_score"] for g in entry["grades"].values())
        manual = sum(g["max_score"] for g in entry["grades"].values()
                     if g.get("auto_score") is None)
        status = entry["status"] if entry["status"] != "graded" else ""
        extra = f", {manual:g} pts to grade by hand" if manual else ""
        lines.append(f"[{done:>{len(str(total))}}/{total}] {result['student']:<16} "
                     f"{result['assignment']}/{name:<20} {score:g}/{maximum:g}{extra}"
                     f"{'  ' + status if status else ''}"
                     f"{f'  {flags} flag(s)' if flags else ''}"
                     f"  ({result['timings'].get('total', 0):.1f} s)")
    if not result["notebooks"]:
        lines.append(f"[{done}/{total}] {result['student']} {result['assignment']}: no notebook")
    return lines


def grade(assignments: list[str] | None = None, *, course: Path | None = None,
          workers: int | None = None, limits: Limits | None = None, force: bool = False,
          students: list[str] | None = None, sandbox: bool = True, feedback: bool = True,
          mode: str | None = None, progress: Callable[[str], None] | None = print) -> GradeRun:
    """Autograde, flag, give feedback and report on everything submitted.

    Parameters
    ----------
    assignments : list of str, optional
        Assignment names (default: every assignment in the gradebook with submissions).
    course : Path, optional
        The course directory (default :func:`aimed.grading.course_dir`).
    workers : int, optional
        Worker processes (default: the CPU count). 1 grades in this process.
    limits : Limits, optional
        Resource limits and timeouts per notebook.
    force : bool
        Regrade everything, ignoring the journal of earlier runs.
    students : list of str, optional
        Grade only these students.
    sandbox : bool
        Run kernels in the jail with guarded execution (default). ``False`` uses
        nbgrader's plain ``Execute`` (for comparison only).
    feedback : bool
        Generate feedback HTML (default).
    mode : str, optional
        Force an isolation mode (``"namespaces"``, ``"uid"`` or ``"none"``).
    progress : callable, optional
        Receives one line per finished notebook (default ``print``; None is silent).

    Returns
    -------
    GradeRun

    Raises
    ------
    GradingError
        If an assignment is unknown to the gradebook (not released yet).
    ValueError
        If ``workers`` is not a positive integer.

    Notes
    -----
    Every progress line is also appended to ``<course>/logs/grade.log``.
    """
    started = time.perf_counter()
    show = progress or (lambda _line: None)
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    ensure_tools_on_path()
    _quiet_nbgrader()
    limits = limits or Limits()
    course = course or course_dir()
    logs = course / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = (logs / "grade.log").open("a", encoding="utf-8")

    def say(line: str) -> None:
        show(line)
        log_file.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")
        log_file.flush()

    try:
        return _grade(assignments, course, workers, limits, force, students, sandbox,
                      feedback, mode, say, started)
    finally:
        log_file.close()


def _grade(assignments: list[str] | None, course: Path, workers: int, limits: Limits,
           force: bool, students: list[str] | None, sandbox: bool, feedback: bool,
           mode: str | None, say: Callable[[str], None], started: float) -> GradeRun:
    from aimed.grading.report import write_reports

    url = db_url(course)
    check_gradebook(url)  # a clear message when $AIMED_DB_URL's server is down
    known = _released(url)
    names = list(assignments) if assignments else [
        a for a in known if (course / "submitted").is_dir()
        and any((s / a).is_dir() for s in (course / "submitted").iterdir())]
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise GradingError(f"unknown assignment(s) {unknown}: release them first "
                           f"(aimed release); released: {known}")
    run = GradeRun(course=course, assignments=names)
    found = submissions(course, names, students)
    pool = _Pool(workers, len(found))  # workers start importing while we prepare
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=sandbox_base()))
    os.chmod(run_dir, 0o711)
    try:
        _prepare_and_grade(run, url, names, found, pool, run_dir, limits, force, sandbox,
                           feedback, mode, workers, say)
    except KeyboardInterrupt:
        run.interrupted = True
        say(f"interrupted after {run.graded} submission(s); run the same command again to "
            "finish (finished submissions are kept)")
    finally:
        pool.close()
        if not os.environ.get("AIMED_KEEP_SANDBOX"):
            shutil.rmtree(run_dir, ignore_errors=True)
    run.reports = write_reports(run, url)
    run.seconds = time.perf_counter() - started
    say(f"done in {run.seconds:.1f} s: {run.graded} graded, {run.reused} reused; reports in "
        f"{course / 'reports'}")
    return run


def _prepare_and_grade(run: GradeRun, url: str, names: list[str],
                       found: list[tuple[str, str, Path]], pool: _Pool, run_dir: Path,
                       limits: Limits, force: bool, sandbox: bool, feedback: bool,
                       mode: str | None, workers: int, say: Callable[[str], None]) -> None:
    from nbgrader.api import Gradebook

    from aimed.grading.config import COURSE_ID

    course = run.course
    isolation = probe(limits, force_mode=mode) if sandbox else Isolation(
        "none", os.geteuid() == 0, ["Grading without the sandbox (sandbox=False)."])
    run.isolation = isolation
    if isolation.mode == "uid":
        from aimed.course import repo_root

        root = repo_root()
        changed = harden_course([course, root / "exercises", root / ".git", root / "tests"])
        isolation.notes.extend(f"Permissions tightened: {line}" for line in changed)
    for line in isolation.describe():
        say(f"sandbox: {line}")
    say(f"grading {len(found)} submission(s) of {', '.join(names) or 'nothing'} "
        f"with {workers} worker(s)")
    journal = Journal(course)
    template = run_dir / "template.db"
    notebooks = build_template(url, names, template) if names else {}
    if template.exists():
        os.chmod(template, 0o600)
    prints = {name: fingerprint(url, name) for name in names}
    extras = _source_extras(course, names, run_dir)
    mpl = matplotlib_cache() if sandbox else ""
    jobs: list[Job] = []
    for student, name, folder in found:
        digest = submission_digest(folder, name, student, prints[name], str(limits),
                                   str(sandbox), str(feedback))
        cached = None if force else journal.get(name, student, digest)
        if cached is not None:
            run.results.append(cached)
            run.reused += 1
            continue
        jobs.append(Job(student=student, assignment=name, submission=str(folder),
                        release=str(course / "release" / name),
                        template_db=str(template), source_files=extras.get(name, ""),
                        notebooks=notebooks[name], run_dir=str(run_dir),
                        limits=limits_dict(limits), mode=isolation.mode if sandbox else "",
                        network=isolation.network, memory_group=isolation.memory_group,
                        mpl_cache=mpl, sandbox=sandbox, feedback=feedback, digest=digest))
    total = len(jobs)
    with Gradebook(url, COURSE_ID) as gradebook:  # the run's single writer
        if run.reused:
            say(f"reusing {run.reused} result(s) of an earlier run (unchanged submissions)")
            for result in run.results:
                merge_result(result, course=course, db_url=url, gradebook=gradebook)

        def on_result(result: dict) -> None:
            merge_result(result, course=course, db_url=url, gradebook=gradebook)
            journal.put(result)
            sandbox_dir = result.get("sandbox")
            if sandbox_dir and not os.environ.get("AIMED_KEEP_SANDBOX"):
                shutil.rmtree(sandbox_dir, ignore_errors=True)
            run.results.append(result)
            run.graded += 1
            for line in _progress_line(run.graded, total, result):
                say(line)

        pool.run(jobs, limits, on_result)


def _released(url: str) -> list[str]:
    from nbgrader.api import Gradebook

    from aimed.grading.config import COURSE_ID

    with Gradebook(url, COURSE_ID) as gb:
        return sorted(a.name for a in gb.assignments)


def _source_extras(course: Path, names: list[str], run_dir: Path) -> dict[str, str]:
    """Copy the non-notebook files of each assignment's source (data files) for workers.

    The source notebooks hold the solutions, so they never leave the course folder.
    """
    out = {}
    for name in names:
        source = course / "source" / name
        if not source.is_dir():
            continue
        dest = run_dir / "source" / name
        for path in source.rglob("*"):
            rel = path.relative_to(source)
            if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb" and not any(
                    p in (".ipynb_checkpoints", "__pycache__") for p in rel.parts):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest / rel)
        if dest.is_dir():
            os.chmod(run_dir / "source", 0o700)
            out[name] = str(dest)
    return out
