"""Moodle bridges: "Download all submissions" archives in, grade-import CSV out.

The archives are built here in Moodle's documented layout (see aimed.grading.moodle):
folders ``<full name>_<participant id>_assignsubmission_file_/`` (Moodle >= 3.1's
default) or flat ``<full name>_<participant id>_assignsubmission_file_<file>`` names.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from aimed.cli import main
from aimed.grading.moodle import (
    MoodleError,
    export_grades,
    import_submissions,
    parse_entry,
    read_roster,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ROOT = ROOT / "tests" / "fixtures" / "sample-repo"
SAMPLE = "m0-sample"

ROSTER = [
    # student_id, participant id, email, full name, ID number
    ("ann", "101", "ann.peeters@example.org", "Ann Peeters", "S001"),
    ("bram", "102", "bram.maes@example.org", "Bram Maes", "S002"),
    ("chloe", "103", "chloe.dubois@example.org", "Chloé Dubois", "S003"),
    ("dirk", "104", "dirk.janssens@example.org", "Dirk Janssens", "S004"),
]


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A course with the sample assignment released (SQLite gradebook)."""
    from aimed.grading.release import release

    course = tmp_path_factory.mktemp("moodle-course")
    mp = pytest.MonkeyPatch()
    mp.delenv("AIMED_DB_URL", raising=False)
    try:
        release([SAMPLE], course=course, root=SAMPLE_ROOT)
    finally:
        mp.undo()
    return course


@pytest.fixture
def course(released, tmp_path) -> Path:
    """A fresh copy of the released course for each test."""
    import shutil

    dest = tmp_path / "course"
    shutil.copytree(released, dest)
    return dest


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "participant_id", "email", "full_name", "idnumber"])
        writer.writerows(ROSTER)
    return path


def notebook_bytes(course: Path, marker: str) -> bytes:
    nb = nbformat.read(course / "release" / SAMPLE / "screening.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(marker))
    return nbformat.writes(nb).encode()


def folder(name: str, pid: str, plugin: str = "file") -> str:
    return f"{name}_{pid}_assignsubmission_{plugin}_"


def make_archive(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def kinds(report) -> dict[tuple[str, str], str]:
    return {(p.who, p.kind): p.detail for p in report.problems}


# ---------------------------------------------------------------------------- roster


def test_parse_entry_splits_moodle_names():
    assert parse_entry("Ann Peeters_101_assignsubmission_file_") == (
        "Ann Peeters", "101", "file", "")
    # a name with digits and underscores-turned-spaces keeps the last number as the id
    assert parse_entry("Jan 2 Smet_555_assignsubmission_onlinetext_onlinetext.html") == (
        "Jan 2 Smet", "555", "onlinetext", "onlinetext.html")
    assert parse_entry("readme.txt") is None


def test_roster_reads_moodle_worksheet_headers(tmp_path):
    path = tmp_path / "worksheet.csv"
    path.write_text("\ufeffIdentifier;Full name;Email address;Status;student_id\n"
                    "Participant 101;Ann Peeters;ann.peeters@example.org;Submitted;ann\n",
                    encoding="utf-8")
    (entry,) = read_roster(path)
    assert (entry.student_id, entry.participant_id, entry.email) == (
        "ann", "101", "ann.peeters@example.org")


@pytest.mark.parametrize("text, message", [
    ("email,full_name\na@x.org,A\n", "student_id"),
    ("student_id,status\nann,ok\n", "participant_id, email or full_name"),
    ("student_id,email\nann,a@x\nann,b@x\n", "repeated"),
    ("student_id,email\n../etc,a@x\n", "user name"),
])
def test_bad_rosters_are_refused(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MoodleError, match=message):
        read_roster(path)


# ---------------------------------------------------------------------------- import


def test_folder_archive_imports_and_reports_every_problem(course, roster, tmp_path):
    ann, bram, dirk = (notebook_bytes(course, m) for m in ("ann", "bram", "dirk"))
    archive = make_archive(tmp_path / "all.zip", {
        f"{folder('Ann Peeters', '101')}/screening.ipynb": ann,
        f"{folder('Bram Maes', '102')}/screening.ipynb": bram,
        f"{folder('Bram Maes', '102')}/notes.pdf": b"%PDF-1.4",
        f"{folder('Chloé Dubois', '103')}/Screening (1).ipynb": notebook_bytes(course, "c"),
        f"{folder('Dirk Janssens', '104', 'onlinetext')}/onlinetext.html": b"<p>hi</p>",
        f"{folder('Dirk Janssens', '104')}/screening.ipynb": dirk,
        f"{folder('Eve Unknown', '999')}/screening.ipynb": notebook_bytes(course, "e"),
        "../../escape.ipynb": b"{}",
    })
    report = import_submissions(archive, SAMPLE, roster, course=course)

    assert report.imported == {"ann": ["screening.ipynb"], "bram": ["screening.ipynb"],
                               "dirk": ["screening.ipynb"]}
    submitted = course / "submitted"
    assert (submitted / "ann" / SAMPLE / "screening.ipynb").read_bytes() == ann
    assert not (submitted / "bram" / SAMPLE / "notes.pdf").exists()
    problems = kinds(report)
    assert "notes.pdf" in problems[("bram", "not a notebook")]
    assert "probably screening.ipynb" in problems[("chloe", "wrong file name")]
    assert ("chloe", "missing notebook") in problems
    assert "onlinetext" in problems[("dirk", "not a notebook")]
    assert ("participant 999 (Eve Unknown)", "not in the roster") in problems
    assert ("archive", "unsafe path") in problems
    assert not (submitted / "chloe").exists()
    # nothing dropped: every file that was not imported is kept, and listed in the report
    kept = {p.kept for p in report.problems if p.kept}
    for rel in kept:
        assert (course / rel).is_file(), rel
    assert any(k.endswith("notes.pdf") for k in kept)
    assert any(k.endswith("Screening (1).ipynb") for k in kept)
    rows = list(csv.DictReader(report.report.open(encoding="utf-8")))
    assert {r["status"] for r in rows} >= {"imported", "wrong file name", "not a notebook",
                                           "not in the roster", "missing notebook"}
    assert not (tmp_path.parent / "escape.ipynb").exists()


def test_rerun_is_idempotent_and_never_overwrites(course, roster, tmp_path):
    first = make_archive(tmp_path / "first.zip", {
        f"{folder('Ann Peeters', '101')}/screening.ipynb": notebook_bytes(course, "v1")})
    import_submissions(first, SAMPLE, roster, course=course)
    target = course / "submitted" / "ann" / SAMPLE / "screening.ipynb"
    before = target.read_bytes()

    again = import_submissions(first, SAMPLE, roster, course=course)
    assert again.imported == {} and again.unchanged == ["ann"]
    assert again.ok

    changed = make_archive(tmp_path / "second.zip", {
        f"{folder('Ann Peeters', '101')}/screening.ipynb": notebook_bytes(course, "v2")})
    third = import_submissions(changed, SAMPLE, roster, course=course)
    assert ("ann", "already submitted") in kinds(third)
    assert target.read_bytes() == before, "an existing submission must not be overwritten"


def test_flat_archive_and_name_mapping(course, tmp_path):
    roster = tmp_path / "names.csv"
    roster.write_text("student_id,Full name\nann,Ann Peeters\nbram,Bram Maes\n"
                      "bram2,Bram Maes\n", encoding="utf-8")
    archive = make_archive(tmp_path / "flat.zip", {
        "Ann Peeters_101_assignsubmission_file_screening.ipynb": notebook_bytes(course, "a"),
        "Bram Maes_102_assignsubmission_file_screening.ipynb": notebook_bytes(course, "b"),
    })
    report = import_submissions(archive, SAMPLE, roster, course=course)
    assert report.imported == {"ann": ["screening.ipynb"]}
    assert ("participant 102 (Bram Maes)", "ambiguous name") in kinds(report)


def test_duplicates_are_reported_not_guessed(course, tmp_path):
    roster = tmp_path / "names.csv"
    roster.write_text("student_id,full_name\nann,Ann Peeters\nbram,Bram Maes\n",
                      encoding="utf-8")
    archive = make_archive(tmp_path / "dup.zip", {
        # two Moodle participants called Ann Peeters -> the same roster entry
        f"{folder('Ann Peeters', '101')}/screening.ipynb": notebook_bytes(course, "a1"),
        f"{folder('Ann Peeters', '201')}/screening.ipynb": notebook_bytes(course, "a2"),
        # the same notebook twice in one submission
        f"{folder('Bram Maes', '102')}/screening.ipynb": notebook_bytes(course, "b1"),
        f"{folder('Bram Maes', '102')}/old/screening.ipynb": notebook_bytes(course, "b2"),
    })
    report = import_submissions(archive, SAMPLE, roster, course=course)
    problems = kinds(report)
    assert ("ann", "duplicate") in problems and ("bram", "duplicate") in problems
    assert report.imported == {}
    assert not (course / "submitted").exists() or not any((course / "submitted").iterdir())


def test_unreadable_notebook_is_kept_and_reported(course, roster, tmp_path):
    archive = make_archive(tmp_path / "bad.zip", {
        f"{folder('Ann Peeters', '101')}/screening.ipynb": b'{"cells": [ not json'})
    report = import_submissions(archive, SAMPLE, roster, course=course)
    assert ("ann", "unreadable notebook") in kinds(report)


def test_not_a_zip_and_unreleased_assignment(course, roster, tmp_path):
    bogus = tmp_path / "x.zip"
    bogus.write_text("not a zip")
    with pytest.raises(MoodleError, match="not a zip"):
        import_submissions(bogus, SAMPLE, roster, course=course)
    with pytest.raises(MoodleError, match="not been released"):
        import_submissions(bogus, "m9-none", roster, course=course)


def test_cli_collect_moodle_exit_status(course, roster, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AIMED_COURSE_DIR", str(course))
    monkeypatch.delenv("AIMED_DB_URL", raising=False)
    good = make_archive(tmp_path / "good.zip", {
        f"{folder('Ann Peeters', '101')}/screening.ipynb": notebook_bytes(course, "a")})
    assert main(["collect", "--moodle", str(good), SAMPLE, "--roster", str(roster)]) == 0
    assert "imported ann" in capsys.readouterr().out
    bad = make_archive(tmp_path / "bad.zip", {
        f"{folder('Bram Maes', '102')}/essay.docx": b"PK"})
    assert main(["collect", "--moodle", str(bad), SAMPLE, "--roster", str(roster)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM bram: not a notebook" in out and "PROBLEM bram: missing notebook" in out
    assert main(["collect", "--moodle", str(good), SAMPLE]) == 2


# ---------------------------------------------------------------------------- export


def _grade(course: Path, student: str, auto: dict[str, float], manual: float | None,
           comment: str = "") -> None:
    """Record a graded submission as aimed grade and the formgrader would."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "aimed") as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(SAMPLE, student)
        nb = gb.find_submission_notebook("screening", SAMPLE, student)
        for grade in nb.grades:
            if grade.name in auto:
                grade.auto_score = auto[grade.name]
                grade.needs_manual_grade = False
            elif grade.name == "m0_explain_ppv":
                grade.auto_score = None
                grade.manual_score = manual  # what the formgrader writes
                grade.needs_manual_grade = manual is None
        for c in nb.comments:
            if c.name == "m0_explain_ppv" and comment:
                c.manual_comment = comment
        gb.db.commit()


FULL = {"m0_sensitivity_tests": 2.0, "m0_ppv_tests": 3.0, "m0_flag_high_tests": 2.0}


def test_export_includes_formgrader_scores(course, roster, tmp_path):
    _grade(course, "ann", FULL, manual=2.5, comment="Clear link to prevalence.")
    _grade(course, "bram", {**FULL, "m0_ppv_tests": 0.0}, manual=None)
    out = tmp_path / "moodle.csv"
    warnings = export_grades(out, roster, course=course)

    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["Email address", "Full name", SAMPLE, f"{SAMPLE} feedback"]
    by_email = {r[0]: r for r in rows[1:]}
    assert [r[0] for r in rows[1:]] == [e[2] for e in ROSTER], "one row per roster entry"
    ann = by_email["ann.peeters@example.org"]
    assert ann[2] == "9.5", "7 autograded points + 2.5 given by hand"
    assert "written answers 2.5/3" in ann[3] and "Clear link to prevalence." in ann[3]
    bram = by_email["bram.maes@example.org"]
    assert bram[2] == "", "no total while a written answer waits for a person"
    assert "not graded yet" in bram[3]
    assert any("bram" in w and "not graded yet" in w for w in warnings)
    assert by_email["dirk.janssens@example.org"][2:] == ["", "No submission received."]

    export_grades(out, roster, course=course, identifier="idnumber", include_provisional=True)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][0] == "ID number"
    assert {r[0]: r[2] for r in rows[1:]}["S002"] == "4"


def test_export_refuses_bad_requests(course, roster, tmp_path):
    with pytest.raises(MoodleError, match="identifier"):
        export_grades(tmp_path / "o.csv", roster, course=course, identifier="name")
    with pytest.raises(MoodleError, match="unknown assignment"):
        export_grades(tmp_path / "o.csv", roster, course=course, assignments=["m9-none"])
    no_email = tmp_path / "r.csv"
    no_email.write_text("student_id,full_name\nann,Ann\n", encoding="utf-8")
    with pytest.raises(MoodleError, match="without email"):
        export_grades(tmp_path / "o.csv", no_email, course=course)


def test_cli_export(course, roster, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AIMED_COURSE_DIR", str(course))
    monkeypatch.delenv("AIMED_DB_URL", raising=False)
    _grade(course, "ann", FULL, manual=3.0)
    out = tmp_path / "grades.csv"
    assert main(["export", "--moodle", str(out), "--roster", str(roster)]) == 0
    assert "useremail" in capsys.readouterr().out
    assert json.dumps(list(csv.reader(out.open()))[1]).count("10") >= 1
