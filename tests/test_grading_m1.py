"""Grading round trip of the module 1 assignment with nbgrader.

The reference solutions earn every autograded point and the blank student version none.
Other correct ways of writing the answers earn full marks; hard-coded visible answers,
calls to aimed's own implementations, look-alike objects and plausible mistakes earn
nothing on the questions they touch. Plain nbgrader execution is used (no sandbox), so
the test checks the questions and their hidden tests; the sandboxed pipeline has its own
tests.
"""

from __future__ import annotations

import pytest

from tests.answer_tables import AnswerTable

pytestmark = pytest.mark.grading

ASSIGNMENT = "m1-foundations"
AUTOGRADED = {"m1_measures": 3, "m1_threshold": 3, "m1_cv_auroc": 3, "m1_window": 3,
              "m1_ct_views": 2, "m1_heart_rate": 3}

SUBMISSIONS = {
    # hard-coding the visible answers
    "hardcode": {
        "m1_measures_answer": '''
def diagnostic_measures(tp, fp, tn, fn):
    return {"sensitivity": 0.9, "specificity": 0.8, "ppv": 45 / 55, "npv": 40 / 45}
''',
        "m1_threshold_answer": '''
def screening_threshold(y_true, scores, min_sensitivity):
    return {0.75: 0.6, 1.0: 0.3}.get(min_sensitivity, 0.2407815041723598)
''',
        "m1_cv_auroc_answer": '''
def cross_validated_auroc(model, X, y):
    return 0.99
''',
        "m1_window_answer": '''
import numpy as np
def window_ct(hu, level, width):
    if level == 40:
        return np.array([0.0, 0.5, 1.0])
    return np.array([650 / 1500, 0.5, 0.8])
''',
        "m1_heart_rate_answer": '''
def heart_rate_bpm(peak_times_s):
    if len(peak_times_s) < 2:
        raise ValueError("too few")
    return 60.0 if len(peak_times_s) == 3 else 75.0
''',
    },
    # calling aimed's own functions instead of writing them
    "library": {
        "m1_measures_answer": '''
from aimed import evaluate
def diagnostic_measures(tp, fp, tn, fn):
    m = evaluate.metrics_from_counts(tp=int(tp), fp=int(fp), tn=int(tn), fn=int(fn))
    return {k: m[k] for k in ("sensitivity", "specificity", "ppv", "npv")}
''',
        "m1_threshold_answer": '''
from aimed import evaluate
def screening_threshold(y_true, scores, min_sensitivity):
    return evaluate.threshold_for_sensitivity(y_true, scores, min_sensitivity)
''',
        "m1_window_answer": '''
from aimed import imaging
def window_ct(hu, level, width):
    return imaging.window(hu, level, width)
''',
        "m1_heart_rate_answer": '''
from aimed import signals
def heart_rate_bpm(peak_times_s):
    if len(peak_times_s) < 2:
        raise ValueError("too few")
    return signals.heart_rate_bpm(peak_times_s)
''',
    },
    # look-alike objects that claim to equal everything
    "lookalike": {
        "m1_measures_answer": '''
class Anything(float):
    def __eq__(self, other): return True
    def __le__(self, other): return True
    def __ge__(self, other): return True
    def __sub__(self, other): return 0.0
    __hash__ = float.__hash__
def diagnostic_measures(tp, fp, tn, fn):
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
    # other correct ways of writing the answers: must earn full marks
    "alternative": {
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
    # plausible mistakes
    "mistakes": {
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


class TestModule1Answers(AnswerTable):
    ASSIGNMENT = ASSIGNMENT
    AUTOGRADED = AUTOGRADED
    SUBMISSIONS = SUBMISSIONS
