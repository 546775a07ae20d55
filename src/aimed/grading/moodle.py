"""Moodle: import an assignment's submissions, export the grades for Moodle's gradebook.

Both partner universities hand in and publish grades through Moodle. Two bridges:

* :func:`import_submissions` (``aimed collect --moodle ARCHIVE.zip ASSIGNMENT --roster
  ROSTER.csv``) reads the archive of the assignment's *Download all submissions*
  action and writes ``<course>/submitted/<student_id>/<assignment>/``;
* :func:`export_grades` (``aimed export --moodle OUT.csv --roster ROSTER.csv``) writes
  a CSV for Moodle's *Import grades → CSV file*, with the written-answer grades given
  in nbgrader's formgrader included.

Moodle's formats, as documented:

* **Download all submissions** (Assignment activity, grading table → "Download all
  submissions", https://docs.moodle.org/en/Assignment_settings and
  https://docs.moodle.org/en/Using_Assignment). With "Download submissions in folders"
  (the default since Moodle 3.1) each submission is a folder named
  ``<full name>_<participant id>_assignsubmission_<plugin>_/`` holding the files as the
  learner uploaded them; without it, every file sits at the top level as
  ``<full name>_<participant id>_assignsubmission_<plugin>_<file name>``. ``<plugin>`` is
  ``file`` for uploaded files and ``onlinetext`` for text typed into Moodle. Underscores
  in the name are replaced by spaces, so the participant id is the last number before
  ``_assignsubmission_`` (Moodle's ``mod/assign/locallib.php``, ``download_submissions``).
  The participant id is Moodle's per-assignment unique id of the learner
  (``get_uniqueid_for_user``), the same that appears as ``Participant <id>`` in the
  assignment's **offline grading worksheet** (https://docs.moodle.org/en/Assignment_settings,
  "Offline grading worksheet": columns ``Identifier``, ``Full name``, ``Email address``,
  ``Status``, ``Grade``, ... ``Feedback comments``).
* **Grade import, CSV** (https://docs.moodle.org/en/Grade_import): one row per learner,
  a column that identifies the learner, mapped at import ("Map from" → "Map to":
  *Email address* → ``useremail``, or *ID number* → ``useridnumber``), then one column
  per grade item and optionally a feedback column per item. Note 3 of that page:
  importing feedback overwrites the linked grades, so the grade and its feedback are
  imported together (this export always writes both).

The roster (``--roster``) maps Moodle participants to the course's student ids (the
JupyterHub user names): a CSV with a ``student_id`` column and at least one of
``participant_id`` (or Moodle's worksheet ``Identifier``, ``Participant 123``),
``email`` (or ``Email address``) and ``full_name`` (or ``Full name``); ``idnumber``
(or ``ID number``) is optional. Mapping uses the participant id when the roster has
it, else the full name (ambiguous names are reported, never guessed).

Nothing is silently dropped or overwritten: every file that is not imported (unknown
participant, wrong file name, duplicate, non-notebook file, unreadable notebook) is
kept under ``<course>/imports/<assignment>/unplaced/`` and listed in the report
``<course>/reports/moodle-import-<assignment>.csv``; an existing submission that
differs is left alone and reported. Importing the same archive again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["ImportReport", "MoodleError", "Problem", "RosterEntry", "export_grades",
           "import_submissions", "parse_entry", "read_roster"]

#: ``<name>_<participant id>_assignsubmission_<plugin>_<rest>`` (rest: "" for a folder).
_ENTRY = re.compile(r"^(?P<name>.*)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)$",
                    re.DOTALL)
#: Largest file accepted from an archive (same as a grading kernel's file limit).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Largest archive content accepted (uncompressed).
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024

_ALIASES = {
    "student_id": ("student_id", "student id", "username", "user name"),
    "participant_id": ("participant_id", "participant id", "identifier"),
    "email": ("email", "email address", "e-mail", "e-mail address"),
    "full_name": ("full_name", "full name", "name"),
    "idnumber": ("idnumber", "id number", "id_number"),
}


class MoodleError(ValueError):
    """An archive or roster that cannot be used at all (not a zip, no student_id...)."""


@dataclass(frozen=True)
class RosterEntry:
    """One learner of the cohort."""

    student_id: str
    participant_id: str = ""
    email: str = ""
    full_name: str = ""
    idnumber: str = ""


@dataclass(frozen=True)
class Problem:
    """Something in the archive that was not imported as is.

    ``who`` is the student id when known, else the archive folder's participant.
    """

    who: str
    kind: str
    detail: str
    kept: str = ""


@dataclass
class ImportReport:
    """What :func:`import_submissions` did."""

    assignment: str
    imported: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    report: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every file found its place."""
        return not self.problems

    def lines(self) -> list[str]:
        out = [f"imported {s}: {', '.join(files)}" for s, files in sorted(self.imported.items())]
        out += [f"unchanged {s} (already imported)" for s in self.unchanged]
        out += [f"PROBLEM {p.who}: {p.kind}: {p.detail}"
                + (f" (kept in {p.kept})" if p.kept else "") for p in self.problems]
        out += [f"no submission from {s}" for s in self.missing]
        return out


# ---------------------------------------------------------------------------- roster


def _norm_header(name: str) -> str:
    return " ".join(name.strip().lstrip("\ufeff").replace("_", " ").lower().split())


def _norm_name(name: str) -> str:
    """A full name as Moodle writes it in the archive (underscores become spaces)."""
    return " ".join(name.replace("_", " ").casefold().split())


def read_roster(path: Path) -> list[RosterEntry]:
    """Read a roster CSV (comma or semicolon separated, UTF-8 with or without BOM).

    Raises
    ------
    MoodleError
        If the file is missing, has no ``student_id`` column, no participant id, email
        or full-name column, or repeats a student id or participant id.
    """
    path = Path(path)
    if not path.is_file():
        raise MoodleError(f"roster {path} not found")
    text = path.read_text(encoding="utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise MoodleError(f"roster {path} is empty")
    headers = [_norm_header(h) for h in rows[0]]
    where: dict[str, int] = {}
    for key, names in _ALIASES.items():
        for index, header in enumerate(headers):
            if header in {_norm_header(n) for n in names} and key not in where:
                where[key] = index
    if "student_id" not in where:
        raise MoodleError(f"roster {path} needs a student_id column (the hub user name); "
                          f"found columns {rows[0]}")
    if not {"participant_id", "email", "full_name"} & set(where):
        raise MoodleError(f"roster {path} needs participant_id, email or full_name to match "
                          f"Moodle's participants; found columns {rows[0]}")
    out: list[RosterEntry] = []
    seen: dict[str, set[str]] = {"student_id": set(), "participant_id": set()}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {k: (row[i].strip() if i < len(row) else "") for k, i in where.items()}
        pid = values.get("participant_id", "")
        pid = re.sub(r"^\D*", "", pid)  # "Participant 123456" -> "123456"
        entry = RosterEntry(student_id=values["student_id"], participant_id=pid,
                            email=values.get("email", ""), full_name=values.get("full_name", ""),
                            idnumber=values.get("idnumber", ""))
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", entry.student_id):
            raise MoodleError(f"roster {path}, line {number}: student_id {entry.student_id!r} "
                              "must be letters, digits, '.', '_' or '-' (a user name)")
        for key in ("student_id", "participant_id"):
            value = getattr(entry, key)
            if value and value in seen[key]:
                raise MoodleError(f"roster {path}, line {number}: {key} {value!r} repeated")
            seen[key].add(value)
        out.append(entry)
    return out


# ---------------------------------------------------------------------------- import


def parse_entry(name: str) -> tuple[str, str, str, str] | None:
    """Split an archive entry's first component: ``(full name, participant id, plugin, rest)``.

    >>> parse_entry("Ann Peeters_123456_assignsubmission_file_")
    ('Ann Peeters', '123456', 'file', '')
    >>> parse_entry("Jo Maes_77_assignsubmission_file_screening.ipynb")
    ('Jo Maes', '77', 'file', 'screening.ipynb')
    >>> parse_entry("notes.txt") is None
    True
    """
    match = _ENTRY.match(name)
    if not match:
        return None
    return match["name"], match["pid"], match["plugin"], match["rest"]


def _safe_parts(name: str) -> list[str] | None:
    """Path components of a zip entry, or None if it escapes (absolute, ``..``)."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return parts


def _expected_files(course: Path, assignment: str) -> tuple[list[str], set[str]]:
    """Notebook names and other file names of the released assignment."""
    release = course / "release" / assignment
    if not release.is_dir():
        raise MoodleError(f"assignment {assignment!r} has not been released in {course} "
                          "(run aimed release first)")
    notebooks = sorted(p.name for p in release.glob("*.ipynb"))
    others = {str(p.relative_to(release)) for p in release.rglob("*")
              if p.is_file() and p.suffix != ".ipynb"
              and ".ipynb_checkpoints" not in p.parts}
    return notebooks, others


def _suggest(name: str, expected: list[str]) -> str:
    """The expected notebook a wrongly named file probably is ("Screening (1).ipynb")."""
    stem = re.sub(r"\s*\(\d+\)$", "", Path(name).stem).strip().casefold()
    stem = re.sub(r"[\s_-]+", "-", stem)
    for candidate in expected:
        if re.sub(r"[\s_-]+", "-", Path(candidate).stem.casefold()) == stem:
            return candidate
    return ""


def _digest_dir(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _digest_files(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update(files[name])
    return digest.hexdigest()


def import_submissions(archive: Path, assignment: str, roster: Path | list[RosterEntry], *,
                       course: Path | None = None) -> ImportReport:
    """Import Moodle's "Download all submissions" archive into ``<course>/submitted/``.

    Parameters
    ----------
    archive : Path
        The zip file Moodle gave.
    assignment : str
        The nbgrader assignment name (released: ``<course>/release/<assignment>/``).
    roster : Path or list of RosterEntry
        Maps Moodle participants to student ids (see the module docstring).
    course : Path, optional
        The course directory (default :func:`aimed.grading.config.course_dir`).

    Returns
    -------
    ImportReport
        Also written to ``<course>/reports/moodle-import-<assignment>.csv``.

    Raises
    ------
    MoodleError
        If the archive is not a zip file, is too large, or the assignment is unknown.
    """
    from aimed.grading.config import course_dir

    course = Path(course) if course else course_dir()
    entries = roster if isinstance(roster, list) else read_roster(Path(roster))
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", assignment):
        raise MoodleError(f"assignment {assignment!r} must be a folder name")
    expected, others = _expected_files(course, assignment)
    archive = Path(archive)
    if not zipfile.is_zipfile(archive):
        raise MoodleError(f"{archive} is not a zip archive (Moodle's \"Download all "
                          "submissions\" gives one)")
    report = ImportReport(assignment=assignment)
    by_pid = {e.participant_id: e for e in entries if e.participant_id}
    by_name: dict[str, list[RosterEntry]] = {}
    for e in entries:
        if e.full_name:
            by_name.setdefault(_norm_name(e.full_name), []).append(e)
    unplaced = course / "imports" / assignment / "unplaced"

    def keep(who: str, rel: str, data: bytes) -> str:
        dest = unplaced / who / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        return str(dest.relative_to(course))

    # 1. read the archive, grouped by participant
    groups: dict[str, dict] = {}
    with zipfile.ZipFile(archive) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise MoodleError(f"{archive} unpacks to more than {MAX_TOTAL_BYTES >> 30} GiB")
        for info in infos:
            parts = _safe_parts(info.filename)
            if not parts or parts[-1] in (".DS_Store",) or parts[0] == "__MACOSX":
                if parts is None:
                    report.problems.append(Problem("archive", "unsafe path",
                                                   f"{info.filename!r} ignored (escapes the "
                                                   "archive)"))
                continue
            parsed = parse_entry(parts[0])
            if parsed is None:
                who = "archive"
                if info.file_size > MAX_FILE_BYTES:
                    report.problems.append(Problem(who, "file too large", info.filename))
                    continue
                kept = keep("_unknown", "/".join(parts), zf.read(info))
                report.problems.append(Problem(
                    who, "not a Moodle submission entry",
                    f"{info.filename!r} is not named <full name>_<participant id>_"
                    "assignsubmission_<plugin>_...", kept))
                continue
            full_name, pid, plugin, rest = parsed
            rel_parts = ([rest] if rest else []) + parts[1:]
            if not rel_parts:
                continue
            group = groups.setdefault(pid, {"name": full_name, "files": []})
            if info.file_size > MAX_FILE_BYTES:
                report.problems.append(Problem(f"participant {pid}", "file too large",
                                               f"{'/'.join(rel_parts)}: {info.file_size} bytes "
                                               f"(limit {MAX_FILE_BYTES})"))
                continue
            group["files"].append((plugin, "/".join(rel_parts), zf.read(info)))

    # 2. map participants to students
    claimed: dict[str, str] = {}
    plan: dict[str, tuple[RosterEntry, dict]] = {}
    for pid, group in sorted(groups.items()):
        label = f"participant {pid} ({group['name']})"
        entry = by_pid.get(pid)
        if entry is None and not by_pid:
            matches = by_name.get(_norm_name(group["name"]), [])
            if len(matches) > 1:
                kept = [keep(f"participant-{pid}", rel, data) for _, rel, data in group["files"]]
                report.problems.append(Problem(
                    label, "ambiguous name",
                    f"{len(matches)} roster entries are called {group['name']!r}: add "
                    "participant_id to the roster", kept[0] if kept else ""))
                continue
            entry = matches[0] if matches else None
        if entry is None:
            kept = [keep(f"participant-{pid}", rel, data) for _, rel, data in group["files"]]
            report.problems.append(Problem(
                label, "not in the roster",
                "no roster entry matches this participant; add them to the roster and "
                "import again", kept[0] if kept else ""))
            continue
        if entry.student_id in claimed:
            kept = [keep(f"participant-{pid}", rel, data) for _, rel, data in group["files"]]
            report.problems.append(Problem(
                entry.student_id, "duplicate",
                f"{label} and participant {claimed[entry.student_id]} both map to this "
                "student; neither is imported", kept[0] if kept else ""))
            if entry.student_id in plan:
                _, first = plan.pop(entry.student_id)
                for _, rel, data in first["files"]:
                    keep(f"participant-{claimed[entry.student_id]}", rel, data)
            continue
        claimed[entry.student_id] = pid
        plan[entry.student_id] = (entry, group)

    # 3. sort each student's files: notebooks in place, the rest reported and kept
    for student, (_entry, group) in sorted(plan.items()):
        files: dict[str, bytes] = {}
        doubled: set[str] = set()
        for plugin, rel, data in group["files"]:
            name = PurePosixPath(rel).name
            if plugin != "file":
                report.problems.append(Problem(
                    student, "not a notebook",
                    f"{plugin} submission {rel!r} (text typed into Moodle, not a notebook)",
                    keep(student, rel, data)))
                continue
            if name in expected and name not in files and name not in doubled:
                try:
                    import nbformat

                    nbformat.reads(data.decode("utf-8"), as_version=4)
                except Exception as exc:  # noqa: BLE001 - any parse failure
                    report.problems.append(Problem(
                        student, "unreadable notebook",
                        f"{rel}: {type(exc).__name__}; ask the learner to upload it again",
                        keep(student, rel, data)))
                    continue
                files[name] = data
            elif name in expected:
                if name in files:
                    keep(student, f"copy-1/{name}", files.pop(name))
                doubled.add(name)
                report.problems.append(Problem(
                    student, "duplicate", f"{rel}: more than one {name} in the submission; "
                    "none is imported (choose one, then import again)",
                    keep(student, rel, data)))
            elif rel in others:
                files[rel] = data
            elif name.endswith(".ipynb"):
                hint = _suggest(name, expected)
                report.problems.append(Problem(
                    student, "wrong file name",
                    f"{rel!r}: expected {' or '.join(expected)}"
                    + (f" (probably {hint}: rename it and import again)" if hint else ""),
                    keep(student, rel, data)))
            else:
                report.problems.append(Problem(
                    student, "not a notebook", f"{rel!r} is not part of the assignment",
                    keep(student, rel, data)))
        for nb in expected:
            if nb not in files and nb not in doubled:
                report.problems.append(Problem(student, "missing notebook",
                                               f"{nb} is not in the submission"))
        if not files:
            continue
        dest = course / "submitted" / student / assignment
        if dest.exists():
            if _digest_dir(dest) == _digest_files(files):
                report.unchanged.append(student)
            else:
                report.problems.append(Problem(
                    student, "already submitted",
                    f"{dest.relative_to(course)} holds a different submission; it is not "
                    "overwritten (move it away to import this one)"))
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{assignment}-", dir=dest.parent))
        for rel, data in files.items():
            (partial / rel).parent.mkdir(parents=True, exist_ok=True)
            (partial / rel).write_bytes(data)
        os.replace(partial, dest)
        report.imported[student] = sorted(files)
    report.missing = sorted(e.student_id for e in entries if e.student_id not in plan)
    report.report = _write_import_report(course, report)
    return report


def _write_import_report(course: Path, report: ImportReport) -> Path:
    path = course / "reports" / f"moodle-import-{report.assignment}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "status", "detail", "kept"])
        for student, files in sorted(report.imported.items()):
            writer.writerow([student, "imported", " ".join(files), ""])
        for student in report.unchanged:
            writer.writerow([student, "unchanged", "", ""])
        for p in report.problems:
            writer.writerow([p.who, p.kind, p.detail, p.kept])
        for student in report.missing:
            writer.writerow([student, "no submission", "", ""])
    return path


# ---------------------------------------------------------------------------- export


def _identifier(entry: RosterEntry, identifier: str) -> str:
    return entry.email if identifier == "email" else entry.idnumber


def export_grades(out: Path, roster: Path | list[RosterEntry], *,
                  assignments: list[str] | None = None, course: Path | None = None,
                  db_url: str | None = None, identifier: str = "email",
                  include_provisional: bool = False) -> list[str]:
    """Write a CSV for Moodle's grade import, from the course gradebook.

    Columns: the identifier (``Email address`` or ``ID number``), ``Full name``, then for
    each assignment its total (autograded points plus the written answers' points given
    in the formgrader) and ``<assignment> feedback``.

    Parameters
    ----------
    out : Path
        The CSV to write (UTF-8, comma separated: Moodle's import defaults).
    roster : Path or list of RosterEntry
        The cohort; one row per roster entry, in roster order.
    assignments : list of str, optional
        Default: every assignment in the gradebook.
    identifier : {"email", "idnumber"}
        Which roster column identifies learners in Moodle (map it to ``useremail`` or
        ``useridnumber`` on import).
    include_provisional : bool
        Also write totals whose written answers no person has graded yet (default:
        leave the grade cell empty and say so in the feedback; the human has the last
        word).

    Returns
    -------
    list of str
        Warnings (ungraded written answers, learners without submissions...).

    Raises
    ------
    MoodleError
        If ``identifier`` is not allowed, a roster entry lacks it, or an assignment is
        unknown.
    """
    from nbgrader.api import Gradebook, MissingEntry

    from aimed.grading.config import COURSE_ID, check_gradebook, course_dir
    from aimed.grading.config import db_url as default_db_url

    if identifier not in ("email", "idnumber"):
        raise MoodleError(f"identifier must be 'email' or 'idnumber', got {identifier!r}")
    course = Path(course) if course else course_dir()
    url = db_url or default_db_url(course)
    check_gradebook(url)
    entries = roster if isinstance(roster, list) else read_roster(Path(roster))
    lacking = [e.student_id for e in entries if not _identifier(e, identifier)]
    if lacking:
        raise MoodleError(f"roster entries without {identifier}: {lacking}")
    warnings: list[str] = []
    rows: list[list[str]] = []
    with Gradebook(url, COURSE_ID) as gb:
        known = sorted(a.name for a in gb.assignments)
        names = list(assignments) if assignments else known
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise MoodleError(f"unknown assignment(s) {unknown}; in the gradebook: {known}")
        for entry in entries:
            row = [_identifier(entry, identifier), entry.full_name]
            for name in names:
                try:
                    sub = gb.find_submission(name, entry.student_id)
                except MissingEntry:
                    row += ["", "No submission received."]
                    warnings.append(f"{entry.student_id}: no submission of {name}")
                    continue
                total, maximum = sub.score, sub.max_score
                written = (f"written answers {sub.written_score:g}/{sub.max_written_score:g}"
                           if sub.max_written_score else "")
                parts = [f"{name}: {total:g}/{maximum:g} "
                         f"(autograded {sub.code_score:g}/{sub.max_code_score:g}"
                         + (f", {written}" if written else "") + ")."]
                comments = [c.manual_comment for nb in sub.notebooks for c in nb.comments
                            if c.manual_comment]
                parts += comments
                if sub.needs_manual_grade:
                    warnings.append(f"{entry.student_id}: written answers of {name} not "
                                    "graded yet (formgrader)")
                    parts.append("Written answers not graded yet: this total is provisional.")
                    grade = f"{total:g}" if include_provisional else ""
                else:
                    grade = f"{total:g}"
                row += [grade, " ".join(parts)]
            rows.append(row)
    header = ["Email address" if identifier == "email" else "ID number", "Full name"]
    for name in names:
        header += [name, f"{name} feedback"]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(partial, out)
    return warnings

