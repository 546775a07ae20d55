"""Answer tables: grade chosen versions of one assignment and check what each earns.

Each assignment has a table in ``tests/test_grading_<module>.py``, a subclass of
:class:`AnswerTable`: other correct ways to write an answer (full marks), answers that
only fit the visible example, calls to aimed's own implementations, look-alike objects
and plausible mistakes (no marks on the questions they touch). :func:`grade_versions`
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
import pytest

from aimed.course import repo_root
from aimed.grading.config import nbgrader_config

#: A float that claims to equal everything: the start of a look-alike answer cell.
LOOKALIKE_FLOAT = """
class Anything(float):
    def __eq__(self, other): return True
    def __le__(self, other): return True
    def __ge__(self, other): return True
    def __sub__(self, other): return 0.0
    __hash__ = float.__hash__
"""

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
    """Autograde the reference and every version of ``assignment``.

    The blank student version of every assignment is graded by the pipeline's round trip
    (``tests/grading``), which checks that it earns nothing, test cell by test cell.

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
    students = {"reference": (source, None)}
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


class AnswerTable:
    """The three checks of an answer table; a subclass sets the class attributes.

    Attributes
    ----------
    ASSIGNMENT : str
        The folder name under ``exercises/``.
    AUTOGRADED : dict
        Test cell grade_id -> points: every autograded question of the assignment.
    SUBMISSIONS : dict
        Version name -> {answer cell grade_id -> source}. ``"alternative"`` holds correct
        answers; every other version holds answers that must earn nothing.
    ON_REFERENCE : tuple of str
        Versions built on the solutions rather than the released notebooks.
    """

    ASSIGNMENT: str
    AUTOGRADED: dict[str, float]
    SUBMISSIONS: dict[str, dict[str, str]]
    ON_REFERENCE: tuple[str, ...] = ()

    @staticmethod
    def grade_id_of(answer_id: str) -> str:
        """The grade_id of the test cell that grades an answer cell."""
        return answer_id.removesuffix("_answer")

    @pytest.fixture(scope="class")
    @classmethod
    def scores(cls, tmp_path_factory) -> Scores:
        return grade_versions(tmp_path_factory.mktemp(f"{cls.ASSIGNMENT}-course"),
                              cls.ASSIGNMENT, cls.SUBMISSIONS, on_reference=cls.ON_REFERENCE)

    def _scores_of(self, scores: Scores, version: str) -> dict[str, tuple[float, float]]:
        return {answer: scores[version][self.grade_id_of(answer)]
                for answer in self.SUBMISSIONS[version]}

    def test_reference_earns_every_autograded_point(self, scores):
        reference = scores["reference"]
        assert {name: top for name, (_, top) in reference.items()} == self.AUTOGRADED
        assert all(score == top > 0 for score, top in reference.values()), reference

    def test_other_correct_answers_earn_full_marks(self, scores):
        # Built on the solutions, every question is answered correctly; built on the
        # released notebooks, only the replaced answers are.
        graded = (scores["alternative"] if "alternative" in self.ON_REFERENCE
                  else self._scores_of(scores, "alternative"))
        short = {question: got for question, got in graded.items() if got[0] != got[1]}
        assert not short, f"correct answers that lost points: {short}"

    def test_shortcuts_and_mistakes_earn_nothing(self, scores):
        earned = {(version, answer): got[0]
                  for version in self.SUBMISSIONS if version != "alternative"
                  for answer, got in self._scores_of(scores, version).items() if got[0] != 0}
        assert not earned, f"answers that should earn nothing but did: {earned}"
