"""Helpers of the grading round trips: release, build submissions, grade, read reports."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from aimed import translate
from aimed.course import exercise_notebooks
from aimed.edition import french_student_version

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ROOT = ROOT / "tests" / "fixtures" / "sample-repo"
SAMPLE = "m0-sample"
sys.path.insert(0, str(Path(__file__).parent))

import variants  # noqa: E402

#: Seconds per cell in the test runs (the infinite loop waits this long).
CELL_TIMEOUT = 15


def real_assignments() -> list[str]:
    """The assignment folders in exercises/ (whatever has landed so far).

    ``AIMED_GRADING_TESTS=m1-foundations,m4-epistemology`` restricts the round trips
    (``AIMED_GRADING_TESTS=none``: the sample only), to debug one assignment quickly.
    """
    found = sorted({p.parent.name for p in exercise_notebooks(ROOT)})
    chosen = os.environ.get("AIMED_GRADING_TESTS")
    if chosen:
        wanted = set(chosen.split(","))
        found = [name for name in found if name in wanted]
    return found


ASSIGNMENTS = [*real_assignments(), SAMPLE]


def source_root(assignment: str) -> Path:
    return SAMPLE_ROOT if assignment == SAMPLE else ROOT


def french_catalogues(assignment: str) -> dict[str, Path]:
    """Notebook name -> French catalogue, for the notebooks of a real assignment that have one."""
    if assignment == SAMPLE:
        return {}
    out = {}
    for path in sorted((ROOT / "exercises" / assignment).glob("*.ipynb")):
        po_path = translate.catalogue_path(path, ROOT)
        if po_path.is_file():
            out[path.stem] = po_path
    return out


#: Assignments with at least one notebook in French: graded again as French submissions.
FRENCH_ASSIGNMENTS = [name for name in ASSIGNMENTS if french_catalogues(name)]


def attack_plan() -> dict[str, list[str]]:
    """Assignment -> the attacks submitted against its first notebook.

    Every attack is submitted against the sample, and against one real assignment, in
    turn (attack *i* against real assignment *i* modulo their number), so that every real
    assignment meets several attacks and every attack a real assignment. The attacks target
    the grading machinery (guards, sandbox, integrity checks), which is the same for every
    notebook; what depends on an assignment's questions (look-alike answers, shortcuts)
    is what its answer table checks, question by question.
    """
    real = [name for name in ASSIGNMENTS if name != SAMPLE]
    plan = {name: [] for name in ASSIGNMENTS}
    plan[SAMPLE] = sorted(variants.ATTACKS)
    for i, attack in enumerate(sorted(variants.ATTACKS)):
        if real:
            plan[real[i % len(real)]].append(attack)
    return plan


ATTACK_PLAN = attack_plan()
#: (assignment, attack) of every attack submission.
ATTACK_CASES = [(name, attack) for name, attacks in ATTACK_PLAN.items() for attack in attacks]


@dataclass
class Graded:
    """What the session's grading run produced."""

    course: Path
    stdout: str
    seconds: float
    grades: dict[tuple[str, str], dict] = field(default_factory=dict)
    flags: list[dict] = field(default_factory=list)
    notebooks: dict[str, list[str]] = field(default_factory=dict)

    def flags_of(self, student: str, assignment: str) -> list[dict]:
        return [f for f in self.flags
                if f["student_id"] == student and f["assignment"] == assignment]

    def journal(self, student: str, assignment: str) -> dict:
        path = self.course / "reports" / ".journal" / assignment / f"{student}.json"
        return json.loads(path.read_text())["result"]


def release_all(course: Path) -> dict[str, list[str]]:
    """Release every real assignment and the sample into ``course``."""
    from aimed.grading.release import release

    real = real_assignments()
    if real:
        release(real, course=course, root=ROOT)
    release([SAMPLE], course=course, root=SAMPLE_ROOT)
    out = {}
    for name in ASSIGNMENTS:
        out[name] = sorted(p.stem for p in (course / "release" / name).glob("*.ipynb"))
    return out


def build_submissions(course: Path, notebooks: dict[str, list[str]],
                      assignments: list[str] | None = None,
                      only: list[str] | None = None) -> None:
    """Write every variant's submission into ``<course>/submitted/``."""
    ctx = {"course": str(course), "exercises": str(ROOT / "exercises")}
    for name in assignments or ASSIGNMENTS:
        release_dir = course / "release" / name
        source_dir = source_root(name) / "exercises" / name
        first = notebooks[name][0]
        builders = {"ref": variants.reference, "blank": variants.blank,
                    **{attack: variants.ATTACKS[attack] for attack in ATTACK_PLAN[name]}}
        if name == SAMPLE:
            builders.update(variants.BREAKAGES)
        for student, build in builders.items():
            if only and student not in only:
                continue
            files = {}
            names = notebooks[name] if student in ("ref", "blank") else [first]
            for nb_name in names:
                rel = nbformat.read(release_dir / f"{nb_name}.ipynb", as_version=4)
                src = nbformat.read(source_dir / f"{nb_name}.ipynb", as_version=4)
                files[f"{nb_name}.ipynb"] = build(rel, src, ctx)
            variants.write_submission(course / "submitted" / student / name, files)
        catalogues = french_catalogues(name)
        for student, build in {"ref-fr": variants.reference, "blank-fr": variants.blank}.items():
            if not catalogues or (only and student not in only):
                continue
            files = {}
            for nb_name in notebooks[name]:  # the French edition's student versions
                rel = nbformat.read(release_dir / f"{nb_name}.ipynb", as_version=4)
                if nb_name in catalogues:
                    rel = french_student_version(rel, catalogues[nb_name])
                src = nbformat.read(source_dir / f"{nb_name}.ipynb", as_version=4)
                files[f"{nb_name}.ipynb"] = build(rel, src, ctx)
            variants.write_submission(course / "submitted" / student / name, files)
        if name == SAMPLE and (not only or "brk-corrupt" in only):
            variants.write_submission(course / "submitted" / "brk-corrupt" / name,
                                      {f"{first}.ipynb": b'{"cells": [ this is not json'})
        if name == SAMPLE and (not only or "brk-wrongname" in only):
            rel = nbformat.read(release_dir / f"{first}.ipynb", as_version=4)
            src = nbformat.read(source_dir / f"{first}.ipynb", as_version=4)
            variants.write_submission(course / "submitted" / "brk-wrongname" / name,
                                      {f"{first.capitalize()} (1).ipynb":
                                       variants.reference(rel, src, {})})


def grade_command(*args: str) -> list[str]:
    """``aimed grade`` as the tests run it: 2 workers, short timeouts."""
    return [sys.executable, "-m", "aimed.cli", "grade", "--workers", "2",
            "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", "240", *args]


def run_grade(course: Path, *args: str, timeout: int = 3000) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIMED_COURSE_DIR": str(course)}
    env.pop("AIMED_DB_URL", None)
    return subprocess.run(grade_command(*args), env=env, capture_output=True, text=True,
                          timeout=timeout, check=False, cwd=course)


def read_reports(course: Path) -> tuple[dict, list]:
    with (course / "reports" / "grades.csv").open() as handle:
        grades = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(handle)}
    with (course / "reports" / "flags.csv").open() as handle:
        flags = list(csv.DictReader(handle))
    return grades, flags
