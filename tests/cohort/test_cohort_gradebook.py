"""``AIMED_DB_URL=postgresql://...``: ``aimed grade`` writes nbgrader's gradebook in PostgreSQL.

A real server (Debian's postgresql, fixture ``postgres``) holds the gradebook. The sample
assignment is released into it, three submissions (reference, partial, blank) are
graded with ``aimed grade``, and the scores are read back with SQL, straight from
nbgrader's tables. A server that is down gives a message that names it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
import variants
from grading_support import SAMPLE, SAMPLE_ROOT

from aimed.grading.config import GradebookUnreachable, check_gradebook

pytestmark = pytest.mark.hub

#: Points of the sample's autograded questions (tests/fixtures/sample-repo).
SAMPLE_POINTS = {"m0_sensitivity_tests": 2, "m0_ppv_tests": 3, "m0_flag_high_tests": 2}


def partial(release, source, ctx):
    """The reference answers to sensitivity() only (2 of the 7 autograded points)."""
    nb = variants.reference(release, source, ctx)
    blank = variants.blank(release, source, ctx)
    for cell, stub in zip(nb.cells, blank.cells, strict=True):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id in ("m0_ppv", "m0_flag_high"):
            cell.source = stub.source
    return nb


def write_submissions(course, builders) -> None:
    release_dir = course / "release" / SAMPLE
    source_dir = SAMPLE_ROOT / "exercises" / SAMPLE
    for student, build in builders.items():
        rel = nbformat.read(release_dir / "screening.ipynb", as_version=4)
        src = nbformat.read(source_dir / "screening.ipynb", as_version=4)
        variants.write_submission(course / "submitted" / student / SAMPLE,
                                  {"screening.ipynb": build(rel, src, {})})


def aimed(*args, course, url, timeout=600):
    env = {**os.environ, "AIMED_COURSE_DIR": str(course), "AIMED_DB_URL": url}
    return subprocess.run([sys.executable, "-m", "aimed.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def sql_scores(postgres, url) -> dict[str, float]:
    """Autograded score per student of the sample, straight from nbgrader's tables."""
    rows = postgres.query(
        "SELECT sa.student_id, SUM(COALESCE(g.auto_score, 0)) "
        "FROM grade g JOIN submitted_notebook sn ON g.notebook_id = sn.id "
        "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
        "JOIN assignment a ON sa.assignment_id = a.id "
        "JOIN grade_cells gc ON g.cell_id = gc.id "
        "WHERE a.name = %s AND gc.cell_type = 'code' GROUP BY sa.student_id",
        (SAMPLE,), url=url)
    return {student: float(score) for student, score in rows}


def test_grade_into_postgresql(postgres, tmp_path, monkeypatch):
    from aimed.grading.release import release

    url = postgres.create_database("gradebook_roundtrip")
    course = tmp_path / "course"
    monkeypatch.setenv("AIMED_DB_URL", url)
    release([SAMPLE], course=course, root=SAMPLE_ROOT)
    assert not (course / "gradebook.db").exists(), "the gradebook must not fall back to SQLite"
    tables = {r[0] for r in postgres.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        url=url)}
    assert {"assignment", "grade_cells", "submitted_assignment", "grade"} <= tables
    write_submissions(course, {"ref": variants.reference, "part": partial,
                               "blank": variants.blank})

    done = aimed("grade", SAMPLE, "--workers", "2", "--cell-timeout", "60",
                 course=course, url=url)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert not (course / "gradebook.db").exists()
    want = {"ref": float(sum(SAMPLE_POINTS.values())), "part": 2.0, "blank": 0.0}
    assert sql_scores(postgres, url) == want

    # The written answers wait for a person, in PostgreSQL too (nbgrader scores an
    # untouched stub 0 without asking).
    manual = postgres.query(
        "SELECT sa.student_id, g.needs_manual_grade FROM grade g "
        "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
        "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
        "JOIN base_cell bc ON g.cell_id = bc.id WHERE bc.name = 'm0_explain_ppv'", url=url)
    assert dict(manual) == {"ref": True, "part": True, "blank": False}

    # Rerun: every result reused, the same grades, no duplicate rows.
    again = aimed("grade", SAMPLE, "--workers", "2", course=course, url=url)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "3 reused" in again.stdout
    assert sql_scores(postgres, url) == want
    (count,) = postgres.query("SELECT COUNT(*) FROM submitted_assignment", url=url)[0]
    assert count == 3


def test_unreachable_postgresql_is_named(tmp_path):
    from pgserver import free_port

    url = f"postgresql://aimed:secret@127.0.0.1:{free_port()}/aimed"
    with pytest.raises(GradebookUnreachable) as info:
        check_gradebook(url, timeout_s=2)
    message = str(info.value)
    assert "not reachable" in message and "start PostgreSQL" in message
    assert "unset AIMED_DB_URL" in message
    assert "secret" not in message, "the password must not be printed"

    done = aimed("grade", course=tmp_path / "course", url=url, timeout=120)
    assert done.returncode == 2
    assert "gradebook database at postgresql://aimed:***@127.0.0.1" in done.stderr
    assert "start PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr


def test_sqlite_is_not_checked(tmp_path):
    check_gradebook(f"sqlite:///{tmp_path / 'nowhere' / 'gradebook.db'}")
