"""Grading round trip of the module 1 assignment with nbgrader.

The reference solutions earn every autograded point (the blank student version, none, is
checked by the pipeline's round trip in tests/grading).
Each answer cell is a scaffold in which the learner writes one to three lines (issue 14);
most versions below keep that scaffold and change only those lines, as a learner would
(:func:`scaffold`), and some replace the whole cell. Other correct ways of writing the
answers earn full marks; hard-coded visible answers, calls to aimed's own
implementations, look-alike objects and plausible mistakes earn nothing on the questions
they touch. Plain nbgrader execution is used (no sandbox), so the test checks the
questions and their hidden tests; the sandboxed pipeline has its own tests.
"""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from aimed.course import repo_root
from tests.answer_tables import LOOKALIKE_FLOAT, AnswerTable

pytestmark = pytest.mark.grading

ASSIGNMENT = "m1-foundations"
AUTOGRADED = {"m1_measures": 3, "m1_threshold": 3, "m1_cv_auroc": 3, "m1_window": 3,
              "m1_ct_views": 2, "m1_heart_rate": 3}

_SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*\n?",
                       re.S | re.M)


def _answer_sources() -> dict[str, str]:
    out = {}
    for path in sorted((repo_root() / "exercises" / ASSIGNMENT).glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
            if grade_id:
                out[grade_id] = "".join(cell["source"])
    return out


_ANSWERS = _answer_sources()


def scaffold(answer_id: str, lines: str) -> str:
    """The answer cell as given to the learner, with ``lines`` written in its gap."""
    source = _ANSWERS[answer_id]
    match = _SOLUTION.search(source)
    assert match, f"{answer_id} has no solution region"
    written = textwrap.indent(textwrap.dedent(lines).strip("\n"), match.group(1)) + "\n"
    return source[:match.start()] + written + source[match.end():]


SUBMISSIONS = {
    # hard-coding the visible answers, in the gap of the scaffold
    "hardcode": {
        "m1_measures_answer": scaffold("m1_measures_answer", '''
            specificity = 0.8
            ppv = 45 / 55
            npv = 40 / 45
        '''),
        "m1_threshold_answer": scaffold("m1_threshold_answer", '''
            return {0.75: 0.6, 1.0: 0.3}.get(min_sensitivity, 0.2407815041723598)
        '''),
        "m1_cv_auroc_answer": scaffold("m1_cv_auroc_answer", '''
            aurocs = [0.99] * 5
        '''),
        "m1_window_answer": scaffold("m1_window_answer", '''
            fraction = np.array([0.0, 0.5, 1.0] if level == 40 else [650 / 1500, 0.5, 0.8])
        '''),
        "m1_heart_rate_answer": scaffold("m1_heart_rate_answer", '''
            rate = 60.0 if times.size == 3 else 75.0
        '''),
    },
    # calling aimed's own functions instead of doing the calculation
    "library": {
        "m1_measures_answer": scaffold("m1_measures_answer", '''
            from aimed import evaluate
            m = evaluate.metrics_from_counts(tp=int(tp), fp=int(fp), tn=int(tn), fn=int(fn))
            specificity, ppv, npv = m["specificity"], m["ppv"], m["npv"]
        '''),
        "m1_threshold_answer": scaffold("m1_threshold_answer", '''
            from aimed import evaluate
            return float(evaluate.threshold_for_sensitivity(y_true, scores, min_sensitivity))
        '''),
        "m1_window_answer": scaffold("m1_window_answer", '''
            from aimed import imaging
            fraction = imaging.window(values, level, width)
        '''),
        "m1_heart_rate_answer": '''
from aimed import signals
def heart_rate_bpm(peak_times_s):
    if len(peak_times_s) < 2:
        raise ValueError("too few")
    return signals.heart_rate_bpm(peak_times_s)
''',
    },
    # look-alike objects that claim to equal everything (whole cell rewritten: the
    # scaffold's float() would turn them into plain numbers)
    "lookalike": {
        "m1_measures_answer": LOOKALIKE_FLOAT + '''def diagnostic_measures(tp, fp, tn, fn):
    return {k: Anything(0.5) for k in ("sensitivity", "specificity", "ppv", "npv")}
''',
        "m1_cv_auroc_answer": '''
class Anything(float):
    def __eq__(self, other): return True
    def __sub__(self, other): return 0.0
def cross_validated_auroc(model, X, y):
    return Anything(0.95)
''',
        "m1_window_answer": '''
import numpy as np
class Anything(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
def window_ct(hu, level, width):
    return np.zeros(np.shape(hu)).view(Anything)
''',
    },
    # other correct lines in the scaffold: must earn full marks
    "alternative": {
        "m1_measures_answer": scaffold("m1_measures_answer", '''
            specificity = ratio(tn, fp + tn)
            ppv = ratio(tp, fp + tp)
            npv = 1 - ratio(fn, tn + fn)
        '''),
        "m1_threshold_answer": scaffold("m1_threshold_answer", '''
            return float(candidates[sensitivities >= min_sensitivity][-1])
        '''),
        "m1_cv_auroc_answer": scaffold("m1_cv_auroc_answer", '''
            from sklearn.model_selection import cross_validate
            aurocs = cross_validate(model, X, y, scoring="roc_auc", cv=folds)["test_score"]
        '''),
        "m1_window_answer": scaffold("m1_window_answer", '''
            fraction = (values - level) / width + 0.5
        '''),
        "m1_ct_views_answer": scaffold("m1_ct_views_answer", '''
            lung_view = window_ct(ct.hu, -600, 1500)
            soft_tissue_view = window_ct(ct.hu, width=350, level=50)
        '''),
        "m1_heart_rate_answer": scaffold("m1_heart_rate_answer", '''
            rr_intervals_s = times[1:] - times[:-1]
            rate = 60 * rr_intervals_s.size / rr_intervals_s.sum()
        '''),
    },
    # correct answers that rewrite the whole cell: must earn full marks too
    "rewrite": {
        "m1_measures_answer": '''
import numpy as np
def diagnostic_measures(tp, fp, tn, fn):
    with np.errstate(invalid="ignore", divide="ignore"):
        values = (np.array([tp, tn, tp, tn], float)
                  / np.array([tp + fn, tn + fp, tp + fp, tn + fn], float))
    return dict(zip(["sensitivity", "specificity", "ppv", "npv"], [float(v) for v in values]))
''',
        "m1_threshold_answer": '''
import math
import numpy as np
def screening_threshold(y_true, scores, min_sensitivity):
    positives = np.sort(np.asarray(scores, float)[np.asarray(y_true) == 1])[::-1]
    k = math.ceil(min_sensitivity * len(positives))
    return float(positives[k - 1])
''',
        "m1_cv_auroc_answer": '''
import numpy as np
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
def cross_validated_auroc(model, X, y):
    X, y = np.asarray(X), np.asarray(y)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    scores = []
    for train, test in folds.split(X, y):
        fitted = clone(model).fit(X[train], y[train])
        scores.append(roc_auc_score(y[test], fitted.predict_proba(X[test])[:, 1]))
    return float(np.mean(scores))
''',
        "m1_window_answer": '''
import numpy as np
def window_ct(hu, level, width):
    low, high = level - width / 2, level + width / 2
    return np.interp(np.asarray(hu, float), [low, high], [0.0, 1.0])
''',
        "m1_heart_rate_answer": '''
def heart_rate_bpm(peak_times_s):
    times = list(peak_times_s)
    if len(times) < 2:
        raise ValueError("at least two R peaks are needed")
    return 60 * (len(times) - 1) / (times[-1] - times[0])
''',
    },
    # plausible mistakes in the gap of the scaffold
    "mistakes": {
        "m1_measures_answer": scaffold("m1_measures_answer", '''
            specificity = ratio(tn, tn + fp)
            ppv = ratio(tp, tp + fp) if tp + fp else 0.0   # undefined reported as 0
            npv = ratio(tn, tn + fn)
        '''),
        "m1_threshold_answer": scaffold("m1_threshold_answer", '''
            return float(candidates[sensitivities >= min_sensitivity].min())   # the lowest
        '''),
        "m1_cv_auroc_answer": scaffold("m1_cv_auroc_answer", '''
            aurocs = cross_val_score(model, X, y, cv=folds)   # accuracy, not the AUROC
        '''),
        "m1_window_answer": scaffold("m1_window_answer", '''
            fraction = (values - level) / width   # the level shown as black
        '''),
        "m1_ct_views_answer": scaffold("m1_ct_views_answer", '''
            lung_view = window_ct(ct.hu, level=50, width=350)   # the two presets swapped
            soft_tissue_view = window_ct(ct.hu, level=-600, width=1500)
        '''),
        "m1_heart_rate_answer": scaffold("m1_heart_rate_answer", '''
            rr_intervals_s = np.diff(times)
            rate = np.mean(60 / rr_intervals_s)   # mean of the beat-by-beat rates
        '''),
    },
    "mistakes2": {
        "m1_measures_answer": scaffold("m1_measures_answer", '''
            specificity = ratio(tn, tn + fn)   # read along the row, not down the column
            ppv = ratio(tp, tp + fp)
            npv = ratio(tn, tn + fn)
        '''),
        "m1_threshold_answer": scaffold("m1_threshold_answer", '''
            return float(candidates[sensitivities > min_sensitivity].max())   # strictly above
        '''),
        "m1_cv_auroc_answer": scaffold("m1_cv_auroc_answer", '''
            aurocs = cross_val_score(model, X, y, scoring="roc_auc", cv=5)   # other folds
        '''),
        "m1_window_answer": scaffold("m1_window_answer", '''
            fraction = (values - lowest) / (width / 2)   # half the width
        '''),
        "m1_ct_views_answer": scaffold("m1_ct_views_answer", '''
            lung_view = window_ct(ct.hu, level=-600, width=1500)
            soft_tissue_view = window_ct(ct.hu, level=400, width=1800)   # the bone preset
        '''),
        "m1_heart_rate_answer": scaffold("m1_heart_rate_answer", '''
            rr_intervals_s = np.diff(times)
            rate = 60 * rr_intervals_s.mean()   # multiplied instead of divided
        '''),
    },
    # plausible mistakes that rewrite the whole cell
    "mistakes3": {
        "m1_measures_answer": '''
def diagnostic_measures(tp, fp, tn, fn):
    def ratio(a, b):
        return a / b if b else 0.0        # undefined reported as 0
    return {"sensitivity": ratio(tp, tp + fn), "specificity": ratio(tn, tn + fp),
            "ppv": ratio(tp, tp + fp), "npv": ratio(tn, tn + fn)}
''',
        "m1_threshold_answer": '''
import numpy as np
def screening_threshold(y_true, scores, min_sensitivity):   # lowest threshold instead
    y_true, scores = np.asarray(y_true), np.asarray(scores, float)
    for t in np.unique(scores):
        if ((scores >= t) & (y_true == 1)).sum() / (y_true == 1).sum() >= min_sensitivity:
            return float(t)
''',
        "m1_cv_auroc_answer": '''
import numpy as np
from sklearn.metrics import roc_auc_score
def cross_validated_auroc(model, X, y):   # fits on everyone, then scores the folds: leakage
    model.fit(X, y)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    y = np.asarray(y)
    rows = X.iloc if hasattr(X, "iloc") else X
    return float(np.mean([roc_auc_score(y[test], model.predict_proba(rows[test])[:, 1])
                          for _, test in folds.split(X, y)]))
''',
        "m1_window_answer": '''
import numpy as np
def window_ct(hu, level, width):   # works in place on the caller's array
    hu = np.asarray(hu)
    if hu.dtype.kind == "f":
        hu -= level - width / 2
        hu /= width
        np.clip(hu, 0, 1, out=hu)
        return hu
    return np.clip((hu - (level - width / 2)) / width, 0, 1)
''',
        "m1_heart_rate_answer": '''
import numpy as np
def heart_rate_bpm(peak_times_s):   # mean of beat-by-beat rates
    rr = np.diff(np.asarray(peak_times_s, float))
    if rr.size == 0:
        raise ValueError("too few")
    return float(np.mean(60 / rr))
''',
    },
}

#: Versions whose every answer is correct (the others must earn nothing).
CORRECT = ("alternative", "rewrite")


class TestModule1Answers(AnswerTable):
    ASSIGNMENT = ASSIGNMENT
    AUTOGRADED = AUTOGRADED
    SUBMISSIONS = SUBMISSIONS

    def test_whole_cell_rewrites_earn_full_marks(self, scores):
        graded = self._scores_of(scores, "rewrite")
        short = {question: got for question, got in graded.items() if got[0] != got[1]}
        assert not short, f"correct rewrites that lost points: {short}"

    def test_shortcuts_and_mistakes_earn_nothing(self, scores):
        earned = {(version, answer): got[0]
                  for version in self.SUBMISSIONS if version not in CORRECT
                  for answer, got in self._scores_of(scores, version).items() if got[0] != 0}
        assert not earned, f"answers that should earn nothing but did: {earned}"

    def test_scaffolds_leave_the_learner_at_most_three_lines(self):
        for answer_id, source in _ANSWERS.items():
            if answer_id.endswith("_answer") and "### BEGIN SOLUTION" in source:
                region = _SOLUTION.search(source).group(0).splitlines()[1:-1]
                assert 1 <= len([line for line in region if line.strip()]) <= 3, answer_id
