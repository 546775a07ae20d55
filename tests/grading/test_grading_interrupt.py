"""An interrupted ``aimed grade`` (Ctrl-C or kill -9), run again, gives the same grades.

The interrupted run grades a copy of some sample submissions; the rerun must reuse
what was merged, grade the rest, leave no process behind, duplicate nothing and end
with exactly the grades of the uninterrupted session run.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from grading_support import SAMPLE, SAMPLE_ROOT, build_submissions, grade_command, run_grade

pytestmark = pytest.mark.grading

#: Submissions whose content does not depend on the course path (comparable across runs).
STUDENTS = ["ref", "blank", "atk-monkeypatch", "atk-edit-tests", "atk-transformer", "atk-thread"]


def _as_from_a_terminal() -> None:
    """In the child: Ctrl-C does what it does in a terminal, even when the test suite was
    started in the background by a shell, which makes SIGINT ignored (inherited by exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
COMPARED = ["score", "max_score", "auto_score", "needs_manual_grade", "status", "flags"]


def _jail_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("how", ["ctrl-c", "kill-9"])
def test_interrupt_then_rerun_gives_the_uninterrupted_grades(graded, tmp_path, how):
    from aimed.grading.release import release

    course = tmp_path / "course"
    course.mkdir()
    release([SAMPLE], course=course, root=SAMPLE_ROOT)
    build_submissions(course, {SAMPLE: ["screening"]}, assignments=[SAMPLE], only=STUDENTS)
    sandboxes = tmp_path / "sandboxes"
    sandboxes.mkdir()
    env = {**os.environ, "AIMED_COURSE_DIR": str(course), "AIMED_SANDBOX_DIR": str(sandboxes)}
    env.pop("AIMED_DB_URL", None)
    proc = subprocess.Popen(grade_command(), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, start_new_session=True,
                            cwd=course, preexec_fn=_as_from_a_terminal)
    deadline = time.monotonic() + 600
    for line in proc.stdout:
        if re.match(r"\[\s*1/\d+\]", line) or time.monotonic() > deadline:
            break
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends to the whole group
    else:
        os.kill(proc.pid, signal.SIGKILL)  # only the parent; its workers must follow
    proc.wait(timeout=120)
    assert proc.returncode == (130 if how == "ctrl-c" else -signal.SIGKILL)
    time.sleep(2)
    assert _jail_processes(str(sandboxes)) == [], "kernels or workers outlived the run"
    journaled = list((course / "reports" / ".journal" / SAMPLE).glob("*.json"))
    assert 1 <= len(journaled) < len(STUDENTS)

    done = run_grade(course)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"reusing {len(journaled)} result(s)" in done.stdout

    with (course / "reports" / "grades.csv").open() as handle:
        rerun = {r["student_id"]: r for r in csv.DictReader(handle)}
    for student in STUDENTS:
        expected = graded.grades[(student, SAMPLE)]
        assert {k: rerun[student][k] for k in COMPARED} == {k: expected[k] for k in COMPARED}
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0] == len(
            STUDENTS)
        assert db.execute("SELECT COUNT(*) FROM grade").fetchone()[0] == len(STUDENTS) * 4
