"""nbgrader's exchange for a hosted cohort: release, collect, feedback.

On a shared JupyterHub server (deploy/) the instructor and the learners are different
Linux users who share one *exchange* folder. nbgrader's own exchange does the work:

* the instructor releases an assignment (``nbgrader release_assignment``):
  ``<exchange>/<course id>/outbound/<assignment>/``;
* each learner fetches it and submits it from JupyterLab's *Assignments* tab (nbgrader's
  assignment list, which runs ``fetch_assignment`` and ``submit`` as the learner):
  ``<exchange>/<course id>/inbound/<learner>+<assignment>+<timestamp>+<random>/``;
* the instructor collects the latest submission of each learner into
  ``<course>/submitted/<learner>/<assignment>/`` (``nbgrader collect``), grades them
  with ``aimed grade`` and releases the feedback (``nbgrader release_feedback``):
  ``<exchange>/<course id>/feedback/<hash>.html``, which only the submitter can name;
* each learner fetches their feedback (``fetch_feedback``).

This module wraps the instructor's side for the ``aimed`` command (``aimed release
--exchange``, ``aimed collect``, ``aimed feedback --release``). Two faults are handled
here rather than left to chance:

* **collecting while learners still submit.** nbgrader's submit copies the files, then
  writes ``timestamp.txt`` and last ``submission_secret.txt``. :class:`CompleteCollect`
  ignores a submission folder until its secret is written (it is still being copied)
  and takes the newest *complete* one; it copies into place atomically, so ``aimed
  grade`` never sees half a submission. Collecting again picks up what was still in
  flight; an unchanged submission is not copied again, so regrading reuses its result
  (``aimed grade``'s journal) and nothing is duplicated;
* **stale feedback.** Feedback is released only where it was generated from the
  submission now collected (not older than it); the others are listed.

The exchange is ``$AIMED_EXCHANGE`` when set, otherwise nbgrader's default
``/usr/local/share/nbgrader/exchange`` (The Littlest JupyterHub's nbgrader layout uses
``/srv/nbgrader/exchange``; deploy/jupyterhub_config.py sets ``AIMED_EXCHANGE``).
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect

__all__ = ["CollectReport", "CompleteCollect", "ExchangeError", "FeedbackReport", "collect",
           "exchange_config", "exchange_root", "release_feedback", "release_to_exchange"]

#: Where nbgrader's exchange lives unless told otherwise.
DEFAULT_EXCHANGE = "/usr/local/share/nbgrader/exchange"
#: Length of nbgrader's submission secret (``secrets.token_hex(64)``).
_SECRET_LENGTH = 128


class ExchangeError(RuntimeError):
    """An exchange operation failed (nbgrader's log is in the message)."""


def exchange_root() -> Path:
    """The exchange folder: ``$AIMED_EXCHANGE`` or nbgrader's default."""
    return Path(os.environ.get("AIMED_EXCHANGE") or DEFAULT_EXCHANGE)


def _complete(folder: str) -> bool:
    """True once nbgrader's submit has written the submission's secret (its last file)."""
    try:
        with open(os.path.join(folder, "submission_secret.txt"), encoding="ascii") as handle:
            return len(handle.read().strip()) == _SECRET_LENGTH
    except (OSError, UnicodeDecodeError):
        return False


class CompleteCollect(ExchangeCollect):
    """nbgrader's collect that skips submissions still being copied, and copies atomically."""

    def init_src(self) -> None:
        super().init_src()
        chosen = []
        for record in self.src_records:
            if _complete(os.path.join(self.inbound_path, record["filename"])):
                chosen.append(record)
                continue
            # the newest one is still arriving: take the newest complete one, if any
            pattern = os.path.join(self.inbound_path,
                                   f"{record['username']}+{self.coursedir.assignment_id}+*")
            others = self._sort_by_timestamp(
                [self._path_to_record(p) for p in glob.glob(pattern)])
            ready = [r for r in others
                     if _complete(os.path.join(self.inbound_path, r["filename"]))]
            self.log.warning("Submission %s is still being written; %s", record["filename"],
                             f"collecting {ready[0]['filename']} instead" if ready
                             else "collect again in a moment")
            if ready:
                chosen.append(ready[0])
        self.src_records = chosen

    def do_copy(self, src: str, dest: str) -> None:
        """Copy into a hidden sibling, then rename: graders never see half a submission."""
        parent = os.path.dirname(dest)
        os.makedirs(parent, exist_ok=True)
        partial = tempfile.mkdtemp(prefix=f".{os.path.basename(dest)}-", dir=parent)
        os.rmdir(partial)
        shutil.copytree(src, partial, ignore=shutil.ignore_patterns(*self.coursedir.ignore))
        if os.path.isdir(dest):
            shutil.rmtree(dest)
        os.replace(partial, dest)


def exchange_config(course: Path | None = None, *, root: Path | None = None):
    """The course's nbgrader configuration plus the exchange (root, course id)."""
    from aimed.grading.config import nbgrader_config

    config = nbgrader_config(course)
    config.Exchange.root = str(root or exchange_root())
    config.Exchange.path_includes_course = False
    config.ExchangeFactory.collect = "aimed.grading.exchange.CompleteCollect"
    return config


def _api(course: Path | None, root: Path | None):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from aimed.grading.config import check_gradebook, course_dir, db_url

    course = Path(course) if course else course_dir()
    check_gradebook(db_url(course))
    config = exchange_config(course, root=root)
    return NbGraderAPI(CourseDirectory(config=config), config=config), course


def _check(result: dict, what: str) -> str:
    if not result.get("success"):
        raise ExchangeError(f"{what} failed:\n{result.get('log', '')}{result.get('error', '')}")
    return result.get("log", "")


def _ensure_root(root: Path) -> None:
    """Create the exchange root (world-writable, sticky: each user owns their files)."""
    if not root.exists():
        try:
            root.mkdir(parents=True)
            os.chmod(root, 0o1777)
        except PermissionError as exc:
            raise ExchangeError(f"cannot create the exchange {root}: create it as root with "
                                f"'mkdir -p {root} && chmod 1777 {root}'") from exc


def release_to_exchange(assignments: list[str], *, course: Path | None = None,
                        root: Path | None = None) -> list[str]:
    """Put released assignments in the exchange's outbound folder (learners can fetch).

    Parameters
    ----------
    assignments : list of str
        Assignments already generated with ``aimed release`` (``<course>/release/``).

    Returns
    -------
    list of str
        The released assignment names.

    Raises
    ------
    ExchangeError
        If an assignment has no student version yet, or nbgrader fails.
    """
    api, course = _api(course, root)
    _ensure_root(Path(root or exchange_root()))
    out = []
    for name in assignments:
        if not (course / "release" / name).is_dir():
            raise ExchangeError(f"{name!r} has no student version in {course / 'release'}: "
                                f"run 'aimed release {name}' first")
        _check(_release_forced(api, name), f"releasing {name} to the exchange")
        out.append(name)
    return out


def _release_forced(api, name: str) -> dict:
    """nbgrader's release_assignment with ``force`` (re-releasing replaces the old copy)."""
    from nbgrader.utils import capture_log, temp_attrs

    with temp_attrs(api.coursedir, assignment_id=name):
        app = api.exchange.ReleaseAssignment(coursedir=api.coursedir,
                                             authenticator=api.authenticator, parent=api)
        app.force = True
        return capture_log(app)


@dataclass
class CollectReport:
    """What :func:`collect` did."""

    assignment: str
    collected: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    log: str = ""


def collect(assignment: str, *, course: Path | None = None,
            root: Path | None = None) -> CollectReport:
    """Collect the newest complete submission of every learner into ``<course>/submitted/``.

    Idempotent: collecting again copies only newer submissions.
    """
    api, course = _api(course, root)
    before = {p.parent.name: _timestamp(p) for p in
              (course / "submitted").glob(f"*/{assignment}") if p.is_dir()}
    log = _check(api.collect(assignment, update=True), f"collecting {assignment}")
    report = CollectReport(assignment=assignment, log=log)
    for folder in sorted((course / "submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        if student not in before:
            report.collected.append(student)
        elif before[student] != _timestamp(folder):
            report.updated.append(student)
        else:
            report.unchanged.append(student)
    report.in_flight = sorted({line.split("Submission ", 1)[1].split("+", 1)[0]
                               for line in log.splitlines() if "still being written" in line})
    return report


def _timestamp(folder: Path) -> str:
    try:
        return (folder / "timestamp.txt").read_text().strip()
    except OSError:
        return ""


@dataclass
class FeedbackReport:
    """What :func:`release_feedback` did."""

    assignment: str
    released: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def release_feedback(assignment: str, *, course: Path | None = None,
                     root: Path | None = None) -> FeedbackReport:
    """Release the feedback that ``aimed grade`` wrote, for learners to fetch.

    nbgrader finds a learner's feedback through the submission's timestamp and secret,
    so they are copied next to the feedback first. A learner whose feedback is older
    than their collected submission (they resubmitted after grading) is listed as
    *stale* and gets nothing until ``aimed grade`` runs again.
    """
    api, course = _api(course, root)
    report = FeedbackReport(assignment=assignment)
    for folder in sorted((course / "submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        feedback = course / "feedback" / student / assignment
        html = sorted(feedback.glob("*.html"))
        if not html:
            report.missing.append(student)
            continue
        stamp = folder / "timestamp.txt"
        secret = folder / "submission_secret.txt"
        if not (stamp.exists() and secret.exists()):
            report.missing.append(student)  # not collected through the exchange
            continue
        if min(p.stat().st_mtime for p in html) < stamp.stat().st_mtime:
            report.stale.append(student)
            continue
        for name in ("timestamp.txt", "submission_secret.txt"):
            shutil.copyfile(folder / name, feedback / name)
        _check(api.release_feedback(assignment, student_id=student),
               f"releasing the feedback of {student} on {assignment}")
        report.released.append(student)
    return report
