"""What a student version holds in place of a solution, in both editions.

Kept apart from :mod:`aimed.grading.config` (which imports nbgrader's machinery) so that
:mod:`aimed.translate` and :mod:`aimed.edition` can read them cheaply.
"""

from __future__ import annotations

__all__ = ["STUBS", "STUDENT_STUB", "STUDENT_STUB_FR", "TEXT_STUB", "TEXT_STUB_FR"]

#: What replaces a reference solution in the student version.
STUDENT_STUB = (
    "# YOUR CODE HERE: replace the next line with your answer.\n"
    "raise NotImplementedError('Write your answer on this line.')  # change this line"
)
#: What replaces a model answer to a written (manually graded) question.
TEXT_STUB = "YOUR ANSWER HERE: write your answer in this cell."
#: The same stubs in the French edition's student versions (aimed.edition).
STUDENT_STUB_FR = (
    "# VOTRE CODE ICI : remplacez la ligne suivante par votre réponse.\n"
    "raise NotImplementedError('Écrivez votre réponse sur cette ligne.')  # ligne à modifier"
)
TEXT_STUB_FR = "VOTRE RÉPONSE ICI : écrivez votre réponse dans cette cellule."
#: Every stub a student version may hold, by kind of answer cell.
STUBS = {"code": (STUDENT_STUB, STUDENT_STUB_FR), "markdown": (TEXT_STUB, TEXT_STUB_FR)}
