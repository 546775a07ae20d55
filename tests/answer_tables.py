"""Grade chosen versions of one assignment with plain nbgrader and read the scores back.

The per-assignment tests (``tests/test_grading_m*.py``) each hold a table of answers:
other correct ways to write a function, hard-coded visible answers, calls to aimed's
own implementations, look-alike objects and plausible mistakes. :func:`grade_versions`
releases the assignment, builds one submission per version (the released notebooks
with some answer cells replaced, or the instructor's source), autogrades them all and
returns their scores. Plain nbgrader execution is used (no sandbox): these tests check
the questions and their hidden tests; the sandboxed pipeline has its own tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import nbformat

from aimed.course import repo_root
from aimed.grading.config import nbgrader_config

#: student -> grade_id -> (autograded score, max score)
Scores = dict[str, dict[str, tuple[float, float]]]


def _submit(course: Path, assignment: str, student: str, source: Path,
            replacements: Mapping[str, str] | None) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    unused = set(replacements or ())
    for path in sorted(source.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if replacements and grade_id in replacements:
                cell.source = replacements[grade_id].strip("\n")
                unused.discard(grade_id)
        nbformat.write(nb, folder / path.name)
    if unused:  # a typo in a table would otherwise test nothing
        raise KeyError(f"{student}: no answer cells called {sorted(unused)} in {assignment}")


def grade_versions(course: Path, assignment: str,
                   versions: Mapping[str, Mapping[str, str]],
                   on_reference: tuple[str, ...] = ()) -> Scores:
    """Autograde the blank, the reference and every version of ``assignment``.

    Parameters
    ----------
    course : Path
        An empty folder to use as the course directory.
    assignment : str
        The folder name under ``exercises/``.
    versions : mapping
        Student name -> {answer cell grade_id -> replacement source}.
    on_reference : tuple of str
        Versions built on the instructor's source (the solutions) rather than on the
        released notebooks, for answers that build on earlier solved cells.
    """
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = nbgrader_config(course, sandbox=False)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    source = repo_root() / "exercises" / assignment
    # generate_assignment on this assignment only: other modules' work does not interfere
    shutil.copytree(source, course / "source" / assignment,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    assert api.generate_assignment(assignment, force=True)["success"]
    released = course / "release" / assignment
    for path in released.glob("*.ipynb"):
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path
    students = {"blank": (released, None), "reference": (source, None)}
    students |= {name: (source if name in on_reference else released, answers)
                 for name, answers in versions.items()}
    for student, (folder, answers) in students.items():
        _submit(course, assignment, student, folder, answers)
        result = api.autograde(assignment, student, force=True, create=True)
        assert result["success"], result["log"][-2000:]
    scores: Scores = {}
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        for student in students:
            submission = gradebook.find_submission(assignment, student)
            scores[student] = {grade.name: (grade.auto_score or 0.0, grade.max_score)
                               for notebook in submission.notebooks for grade in notebook.grades
                               if grade.cell_type == "code"}
    return scores


def question_of(answer_id: str) -> str:
    """The grade_id of the test cell that grades an answer cell (``x_answer`` -> ``x``)."""
    return answer_id.removesuffix("_answer")
