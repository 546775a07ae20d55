"""Round trips for every assignment: reference full marks, blank zero, attacks caught.

All submissions are graded by one ``aimed grade --workers 2`` run (see conftest.py).
"""

from __future__ import annotations

import html
import re
import sqlite3

import nbformat
import polib
import pytest
from grading_support import (
    ASSIGNMENTS,
    ATTACK_CASES,
    ATTACK_PLAN,
    CELL_TIMEOUT,
    FRENCH_ASSIGNMENTS,
    SAMPLE,
    french_catalogues,
    read_reports,
    run_grade,
    source_root,
)
from variants import ATTACKS

pytestmark = pytest.mark.grading


def auto_max(graded, assignment: str) -> float:
    """Points of the autograded (code) test cells of an assignment."""
    with sqlite3.connect(graded.course / "gradebook.db") as db:
        row = db.execute(
            "SELECT SUM(gc.max_score) FROM grade_cells gc JOIN base_cell b ON gc.id = b.id "
            "JOIN notebook n ON b.notebook_id = n.id JOIN assignment a ON n.assignment_id = a.id "
            "WHERE a.name = ? AND gc.cell_type = 'code'", (assignment,)).fetchone()
    return float(row[0] or 0)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_earns_every_autograded_point_and_no_flag(graded, assignment):
    row = graded.grades[("ref", assignment)]
    assert auto_max(graded, assignment) > 0
    assert float(row["auto_score"]) == pytest.approx(auto_max(graded, assignment))
    assert graded.flags_of("ref", assignment) == []
    assert row["failures"] == ""


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_earns_nothing(graded, assignment):
    row = graded.grades[("blank", assignment)]
    assert float(row["score"]) == 0.0
    assert float(row["auto_score"]) == 0.0
    assert graded.flags_of("blank", assignment) == []


def _lessons_named(source: str) -> list[str]:
    """The English ``lesson=`` texts of the ``fb.checks(...)`` calls of a test cell."""
    import ast

    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "checks":
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg in ("lesson", "revisit") and isinstance(value, ast.Dict):
                    value = dict(zip([k.value for k in value.keys], value.values,
                                     strict=True))["en"]
                if keyword.arg in ("lesson", "revisit") and isinstance(value, ast.Constant):
                    out.append(value.value)
    return out


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if a != SAMPLE])
def test_every_failing_check_of_a_blank_names_the_lesson_to_revisit(graded, assignment):
    """Issue 14: on the blank version, each test cell fails with a plain message that names
    the lesson section to revisit, never a bare AssertionError."""
    source = source_root(assignment) / "exercises" / assignment
    checked = 0
    for path in sorted(source.glob("*.ipynb")):
        tests = {c.metadata["nbgrader"]["grade_id"]: c.source
                 for c in nbformat.read(path, as_version=4).cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
                 and not c.metadata["nbgrader"].get("solution")}
        graded_nb = nbformat.read(graded.course / "autograded" / "blank" / assignment /
                                  path.name, as_version=4)
        for cell in graded_nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id not in tests:
                continue
            lessons = _lessons_named(tests[grade_id])
            assert lessons, f"{path.name} {grade_id}: fb.checks names no lesson"
            shown = "\n".join(o.get("text", "") + "\n".join(o.get("traceback", [])) + " ".join(
                str(v) for v in o.get("data", {}).values()) + o.get("evalue", "")
                for o in cell.outputs)
            plain = re.sub(r"\x1b\[[0-9;]*m", "", html.unescape(shown))
            assert any(lesson in plain for lesson in lessons), (path.name, grade_id, plain[:400])
            assert "AssertionError" not in plain, (path.name, grade_id)
            checked += 1
    assert checked == len(_test_ids(source)), "a test cell was not found in the graded blank"


def _test_ids(folder) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for p in sorted(folder.glob("*.ipynb"))
            for c in nbformat.read(p, as_version=4).cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")]


def test_some_assignment_is_graded_in_french_too():
    assert FRENCH_ASSIGNMENTS, "no exercise has a French catalogue yet"


@pytest.mark.parametrize("assignment", FRENCH_ASSIGNMENTS)
def test_french_submissions_grade_like_english_ones(graded, assignment):
    """One gradebook for both editions: the French reference earns every point, unflagged,
    the French blank none, and the feedback is French (prose and checks)."""
    ref, blank = graded.grades[("ref-fr", assignment)], graded.grades[("blank-fr", assignment)]
    assert float(ref["auto_score"]) == pytest.approx(auto_max(graded, assignment))
    assert graded.flags_of("ref-fr", assignment) == [] and ref["failures"] == ""
    assert float(blank["score"]) == 0.0 and graded.flags_of("blank-fr", assignment) == []
    for nb_name, po_path in french_catalogues(assignment).items():
        english = _text(graded.course / "feedback" / "ref" / assignment / f"{nb_name}.html")
        french = _text(graded.course / "feedback" / "ref-fr" / assignment / f"{nb_name}.html")
        assert "ces vérifications sont réussies" in french
        assert "these checks passed" not in french and "these checks passed" in english
        prose = [e.msgstr for e in polib.pofile(str(po_path))
                 if "/" not in e.msgctxt and len(e.msgstr) > 60]
        assert prose and _first_line(prose[0]) in french
        assert _first_line(prose[0]) not in english


def _first_line(markdown: str) -> str:
    """A line of Markdown as it reads in the HTML page (no markup characters)."""
    line = next(x for x in markdown.splitlines() if len(x.strip()) > 20)
    return re.sub(r"[#*_`\[\]]", "", line).split("(")[0].strip()[:40]


def test_every_attack_meets_a_real_assignment_and_every_assignment_an_attack():
    attacked = [name for name, attack in ATTACK_CASES if name != SAMPLE]
    assert sorted(ATTACK_PLAN[SAMPLE]) == sorted(ATTACKS)
    assert set(attacked) == set(ASSIGNMENTS) - {SAMPLE}
    assert len(attacked) == (len(ATTACKS) if attacked else 0)


@pytest.mark.parametrize(("assignment", "attack"), ATTACK_CASES)
def test_attack_is_flagged_and_earns_nothing(graded, assignment, attack):
    row = graded.grades[(attack, assignment)]
    assert float(row["auto_score"]) == 0.0, row
    reasons = [f["reason"] for f in graded.flags_of(attack, assignment)]
    assert reasons, f"{attack} on {assignment} was not flagged"


EXPECTED_REASON = {
    "atk-transformer": r"guard-restored\].*IPython input_transformers_cleanup was modified",
    "atk-always-equal": r"comparison-dunder",
    "atk-monkeypatch": r"guard-restored\].*aimed\.feedback\.(checks|assert_\w+) was rebound",
    "atk-run-cell": r"guard-restored\].*shell\.run_cell",
    "atk-read-source": r"of file contents|source",
    "atk-write-gradebook": r"gradebook|database",
    "atk-delete-tests": r"was deleted",
    "atk-edit-tests": r"was edited",
    "atk-thread": r"no-attestation|canary-passed",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_each_attack_is_named_in_its_flags(graded, attack):
    for assignment in [name for name, other in ATTACK_CASES if other == attack]:
        reasons = " | ".join(f["reason"] for f in graded.flags_of(attack, assignment))
        assert re.search(EXPECTED_REASON[attack], reasons), (assignment, reasons)
        # The trusted helpers were re-established before every test, whatever the attack.
        assert "guard-missing" not in reasons, (assignment, reasons)


def test_attacks_did_not_reach_the_course(graded):
    """The gradebook-writing attack changed no score; no notebook was overwritten."""
    with sqlite3.connect(graded.course / "gradebook.db") as db:
        assert db.execute("SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL"
                          ).fetchone()[0] == 0
    for path in (graded.course / "autograded").rglob("*.ipynb"):
        assert "overwritten by another student" not in path.read_text()[:200], path


def test_one_row_per_student_and_assignment(graded):
    students = {s for s, _ in graded.grades}
    assert set(graded.grades) == {(s, a) for s in students for a in ASSIGNMENTS}
    with sqlite3.connect(graded.course / "gradebook.db") as db:
        submitted = db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0]
        distinct = db.execute("SELECT COUNT(DISTINCT assignment_id || student_id) "
                              "FROM submitted_assignment").fetchone()[0]
    on_disk = sum(1 for p in (graded.course / "submitted").glob("*/*") if p.is_dir())
    assert submitted == distinct == on_disk


def test_progress_line_per_graded_notebook(graded):
    lines = [line for line in graded.stdout.splitlines() if re.match(r"\[\s*\d+/\d+\]", line)]
    on_disk = sum(1 for p in (graded.course / "submitted").glob("*/*") if p.is_dir())
    assert len({re.match(r"\[\s*(\d+)/", line).group(1) for line in lines}) == on_disk
    assert any("ref" in line and "/" in line for line in lines)


def _text(path) -> str:
    raw = re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))
    return html.unescape(raw)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_hides_hidden_tests(graded, assignment):
    source = source_root(assignment) / "exercises" / assignment
    hidden, visible = [], []
    for path in source.glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END HIDDEN TESTS" in line:
                    inside = False
                elif inside and len(line.strip()) > 12:
                    hidden.append(line.strip())
                else:
                    visible.append(line)  # released text and reference solutions
    assert hidden
    shown = "\n".join(visible)
    hidden = [line for line in hidden if line not in shown]  # the secret lines only
    for student in ("ref", "blank"):
        pages = list((graded.course / "feedback" / student / assignment).glob("*.html"))
        assert len(pages) == len(graded.notebooks[assignment])
        for page in pages:
            text = _text(page)
            assert "HIDDEN TESTS" not in text
            leaked = [line for line in hidden if line in text]
            assert not leaked, (page.name, leaked[:3])


def test_report_has_charts_flags_and_failures(graded):
    report = (graded.course / "reports" / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 2 * len(ASSIGNMENTS)
    assert "Flags for human review" in report and "atk-transformer" in report
    assert "Failures per student" in report and "brk-loop" in report
    assert "Isolation mode" in report


# ---------------------------------------------------------------- failures stay local


def test_infinite_loop_ends_in_bounded_time(graded):
    row = graded.grades[("brk-loop", SAMPLE)]
    result = graded.journal("brk-loop", SAMPLE)
    assert float(row["score"]) == 0.0
    assert "timeout" in row["failures"]
    # The loop is interrupted after one cell timeout; the rest of the notebook runs.
    assert result["timings"]["total"] < CELL_TIMEOUT + 90


def test_six_gib_allocation_fails_fast_without_harm(graded):
    row = graded.grades[("brk-memory", SAMPLE)]
    result = graded.journal("brk-memory", SAMPLE)
    assert float(row["score"]) == 0.0
    assert result["timings"]["total"] < 90
    autograded = graded.course / "autograded" / "brk-memory" / SAMPLE / "screening.ipynb"
    nb = nbformat.read(autograded, as_version=4)
    errors = [o.get("ename") for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "MemoryError" in errors


def test_fork_bomb_is_capped(graded):
    autograded = graded.course / "autograded" / "brk-fork" / SAMPLE / "screening.ipynb"
    nb = nbformat.read(autograded, as_version=4)
    text = " ".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) if o.get("output_type") == "stream")
    started = int(re.search(r"(\d+) processes started", text).group(1))
    assert started < 64
    assert float(graded.grades[("brk-fork", SAMPLE)]["score"]) == 0.0


def test_kernel_death_is_reported(graded):
    row = graded.grades[("brk-os-exit", SAMPLE)]
    assert float(row["score"]) == 0.0 and "kernel" in row["failures"]
    reasons = " ".join(f["reason"] for f in graded.flags_of("brk-os-exit", SAMPLE))
    assert "kernel-died" in reasons and "os._exit" in reasons


def test_corrupt_notebook_is_a_failure_row(graded):
    row = graded.grades[("brk-corrupt", SAMPLE)]
    assert float(row["score"]) == 0.0 and "not valid JSON" in row["failures"]


def test_wrong_file_name_is_a_failure_row(graded):
    row = graded.grades[("brk-wrongname", SAMPLE)]
    assert float(row["score"]) == 0.0
    assert "wrong file name" in row["failures"] and "Screening (1).ipynb" in row["failures"]


def test_breakages_did_not_harm_other_students(graded):
    """Same run, same workers: the reference still earns every point."""
    assert float(graded.grades[("ref", SAMPLE)]["auto_score"]) == pytest.approx(
        auto_max(graded, SAMPLE))


def test_rerun_reuses_results_and_changes_nothing(graded):
    before = (graded.course / "reports" / "grades.csv").read_text()
    done = run_grade(graded.course)
    assert done.returncode == 0, done.stderr[-2000:]
    on_disk = sum(1 for p in (graded.course / "submitted").glob("*/*") if p.is_dir())
    assert f"reusing {on_disk} result(s)" in done.stdout
    assert (graded.course / "reports" / "grades.csv").read_text() == before
    assert read_reports(graded.course)[1] == graded.flags
