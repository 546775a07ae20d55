"""Grading round trip of the module 3 assignment (fairness, privacy, human-AI teaming).

The reference solutions earn every autograded point and the blank student version none.
Other correct ways of writing the answers earn full marks; answers that only fit the
visible example, calls to aimed's own implementations and plausible mistakes earn
nothing on the questions they touch.
"""

from __future__ import annotations

import pytest

from tests.answer_tables import AnswerTable

pytestmark = pytest.mark.grading

ASSIGNMENT = "m3-society"
AUTOGRADED = {"m3_group_rates_tests": 3, "m3_equal_fnr_tests": 3, "m3_equal_fnr_cost_tests": 2,
              "m3_k_anonymity_tests": 2, "m3_generalise_k5_tests": 3, "m3_laplace_count_tests": 2,
              "m3_deferral_tests": 2, "m3_team_accuracy_tests": 2}



SUBMISSIONS = {
    # answers that only fit the visible example
    "hardcode": {
        "m3_k_anonymity": """
def k_anonymity(df, quasi_identifiers):   # the two visible values
    return 1 if df["age"].nunique() > 10 else 3
""",
        "m3_generalise_k5": """
def first_plan_reaching(df, quasi_identifiers, plans, k):
    return (10, 1)
""",
        "m3_deferral": """
def defer_under_budget(ai_score, budget, threshold=0.5):
    score = np.asarray(ai_score, dtype=float)
    deferred = np.zeros(score.size, dtype=bool)
    deferred[np.argsort(np.abs(score - 0.5), kind="stable")[:int(0.10 * score.size)]] = True
    return deferred
""",
    },
    # aimed's own implementations, under their own names or another
    "library": {
        "m3_group_rates": """
from aimed.society.fairness import group_metrics as per_group
def group_rates(y_true, y_pred, groups):
    table = per_group(y_true, y_pred, groups, overall=False)[["tpr", "fpr", "ppv"]]
    return table.reset_index().rename(columns={"index": "group"})
""",
        "m3_equal_fnr": """
from aimed.society import fairness
def thresholds_equal_fnr(y_true, y_score, groups, max_fnr):
    return fairness.thresholds_for_equal_fnr(y_true, y_score, groups, max_fnr)
""",
        "m3_k_anonymity": """
from aimed.society.privacy import k_anonymity as smallest_class
def k_anonymity(df, quasi_identifiers):
    return smallest_class(df, quasi_identifiers)
""",
        "m3_deferral": """
from aimed.society.teaming import defer_uncertain
def defer_under_budget(ai_score, budget, threshold=0.5):
    return defer_uncertain(ai_score, budget, threshold)
""",
        "m3_team_accuracy": """
from aimed.society import teaming
def team_accuracy(y_true, ai_score, reader, deferred, threshold=0.5):
    final = teaming.team_decisions(ai_score, reader, deferred, threshold)
    return float(np.mean(final == np.asarray(y_true)))
""",
    },
    # other correct ways to write them
    "alternative": {
        "m3_k_anonymity": """
def k_anonymity(df, quasi_identifiers):
    return int(df.value_counts(subset=list(quasi_identifiers), dropna=False).min())
""",
        "m3_generalise_k5": """
def first_plan_reaching(df, quasi_identifiers, plans, k):
    reached = [tuple(p) for p in plans if k_anonymity(generalise(df, *p), quasi_identifiers) >= k]
    return reached[0] if reached else None
""",
        "m3_team_accuracy": """
def team_accuracy(y_true, ai_score, reader, deferred, threshold=0.5):
    y, s, r, d = (np.asarray(v) for v in (y_true, ai_score, reader, deferred))
    correct = np.where(d.astype(bool), r == y, (s >= threshold).astype(int) == y)
    return float(correct.mean())
""",
        "m3_equal_fnr_cost": """
def extra_false_positives(y_true, y_score, groups, thresholds, single_threshold):
    y = np.asarray(y_true)
    s = np.asarray(y_score, dtype=float)
    labels = pd.Series(np.asarray(groups)).astype(str).to_numpy()
    per_group = np.array([s[i] >= thresholds[label] for i, label in enumerate(labels)])
    return int(np.sum(per_group & (y == 0))) - int(np.sum((s >= single_threshold) & (y == 0)))
""",
    },
    # plausible mistakes
    "mistakes": {
        "m3_group_rates": """
def group_rates(y_true, y_pred, groups):   # PPV and TPR swapped
    frame = pd.DataFrame({"y": np.asarray(y_true), "p": np.asarray(y_pred),
                          "group": np.asarray(groups).astype(str)})
    rows = []
    for group, part in frame.groupby("group"):
        pos, neg, flag = part["y"] == 1, part["y"] == 0, part["p"] == 1
        rows.append({"group": group, "tpr": (pos & flag).sum() / flag.sum(),
                     "fpr": (neg & flag).sum() / neg.sum(), "ppv": (pos & flag).sum() / pos.sum()})
    return pd.DataFrame(rows)
""",
        "m3_k_anonymity": """
def k_anonymity(df, quasi_identifiers):   # the number of classes, not the smallest one
    return int(df.groupby(list(quasi_identifiers)).ngroups)
""",
        "m3_laplace_count": """
def laplace_noisy_count(true_count, epsilon, rng):   # scale epsilon instead of 1 / epsilon
    return float(true_count + rng.laplace(0.0, epsilon))
""",
        "m3_deferral": """
def defer_under_budget(ai_score, budget, threshold=0.5):   # defers the most confident cases
    score = np.asarray(ai_score, dtype=float)
    deferred = np.zeros(score.size, dtype=bool)
    order = np.argsort(-np.abs(score - threshold), kind="stable")
    deferred[order[:int(budget * score.size)]] = True
    return deferred
""",
    },
}


class TestModule3Answers(AnswerTable):
    ASSIGNMENT = ASSIGNMENT
    AUTOGRADED = AUTOGRADED
    SUBMISSIONS = SUBMISSIONS

    @staticmethod
    def grade_id_of(answer_id: str) -> str:
        return f"{answer_id}_tests"  # this assignment names a test cell after its answer
