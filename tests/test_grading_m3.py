"""Grading round trip of the module 3 assignment (fairness, privacy, human-AI teaming).

The reference solutions earn every autograded point (the blank student version, none, is
checked by the pipeline's round trip in tests/grading).
Other correct ways of writing the answers earn full marks; answers that only fit the
visible example, calls to aimed's own implementations and plausible mistakes earn
nothing on the questions they touch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.answer_tables import AnswerTable

pytestmark = pytest.mark.grading

ASSIGNMENT = "m3-society"
AUTOGRADED = {"m3_group_rates_tests": 3, "m3_equal_fnr_tests": 3, "m3_equal_fnr_cost_tests": 2,
              "m3_k_anonymity_tests": 2, "m3_generalise_k5_tests": 3, "m3_laplace_count_tests": 2,
              "m3_deferral_tests": 2, "m3_team_sensitivity_tests": 2,
              "m3_floor_rule_out_tests": 2}

_NOTEBOOK = Path(__file__).parents[1] / "exercises" / ASSIGNMENT / "society-assignment.ipynb"


def _scaffold(grade_id: str, *lines: str) -> str:
    """The given scaffold of an answer cell with its solution lines replaced by ``lines``.

    Most questions are a complete cell with one to three lines to write (issue 14), so a
    submission is the scaffold with the learner's lines, indented like the solution.
    """
    cells = json.loads(_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    source = next("".join(c["source"]) for c in cells
                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)
    out, inside = [], False
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + answer for answer in lines]
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


# a correct k_anonymity for versions that test only first_plan_reaching
_K = """
def k_anonymity(df, quasi_identifiers):
    return int(df.groupby(list(quasi_identifiers), dropna=False).size().min())

"""

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
def triage(ai_score, reader, rule_out, safety_net):   # the thresholds of the example
    score = np.asarray(ai_score, dtype=float)
    read = np.asarray(reader)
    return ((score >= 0.02) & ((read == 1) | (score >= 0.5))).astype(int)
""",
        "m3_team_sensitivity": """
def team_sensitivity(y_true, decisions):   # the printed value of policy A
    return 0.822
""",
        "m3_floor_rule_out": """
def largest_safe_rule_out(y_true, ai_score, reader, rule_outs, safety_net, floor):
    return 0.03   # the answer of the visible example
""",
        # the draw of the visible example, whatever the count, epsilon and generator
        "m3_laplace_count": _scaffold(
            "m3_laplace_count",
            "return float(true_count + np.random.default_rng(7).laplace(0.0, 10.0))"),
        # the visible cap of 40 % whatever max_fnr says
        "m3_equal_fnr": _scaffold("m3_equal_fnr",
                                  "fnr = np.mean(case_scores < t) - (max_fnr - 0.4)"),
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
from aimed.society.teaming import triage_decisions
def triage(ai_score, reader, rule_out, safety_net):
    return triage_decisions(ai_score, reader, rule_out, safety_net)[0]
""",
        "m3_team_sensitivity": """
from aimed.society import teaming
def team_sensitivity(y_true, decisions):
    return teaming.team_metrics(y_true, decisions)["sensitivity"]
""",
        "m3_floor_rule_out": """
from aimed.society import teaming as tm
def largest_safe_rule_out(y_true, ai_score, reader, rule_outs, safety_net, floor):
    y = np.asarray(y_true)
    ok = [float(c) for c in rule_outs
          if tm.triage_decisions(ai_score, reader, c, safety_net)[0][y == 1].mean() >= floor]
    return max(ok) if ok else None
""",
    },
    # other correct ways to write them
    "alternative": {
        "m3_group_rates": _scaffold("m3_group_rates", "tpr = 1 - rate(~flag, pos)",
                                    "fpr = rate(neg & flag, neg)", "ppv = rate(flag & pos, flag)"),
        "m3_equal_fnr": _scaffold("m3_equal_fnr", "fnr = 1 - np.mean(case_scores >= t)"),
        "m3_laplace_count": _scaffold(
            "m3_laplace_count", "noise = rng.laplace(0.0, 1 / epsilon)",
            "return float(true_count) + float(noise)"),
        "m3_k_anonymity": """
def k_anonymity(df, quasi_identifiers):
    return int(df.value_counts(subset=list(quasi_identifiers), dropna=False).min())
""",
        "m3_generalise_k5": """
def first_plan_reaching(df, quasi_identifiers, plans, k):
    reached = [tuple(p) for p in plans if k_anonymity(generalise(df, *p), quasi_identifiers) >= k]
    return reached[0] if reached else None
""",
        "m3_deferral": """
def triage(ai_score, reader, rule_out, safety_net):
    score = np.asarray(ai_score, dtype=float)
    read = np.asarray(reader)
    seen = score >= rule_out
    return np.where(seen & ((read == 1) | (score >= safety_net)), 1, 0)
""",
        "m3_team_sensitivity": """
from sklearn.metrics import recall_score
def team_sensitivity(y_true, decisions):
    return float(recall_score(np.asarray(y_true), np.asarray(decisions), zero_division=0.0))
""",
        "m3_floor_rule_out": """
def largest_safe_rule_out(y_true, ai_score, reader, rule_outs, safety_net, floor):
    for cut in sorted(rule_outs, reverse=True):
        if team_sensitivity(y_true, triage(ai_score, reader, cut, safety_net)) >= floor:
            return float(cut)
    return None
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
def triage(ai_score, reader, rule_out, safety_net):   # the safety net skips the rule-out
    score = np.asarray(ai_score, dtype=float)
    read = np.asarray(reader)
    return (((score >= rule_out) & (read == 1)) | (score >= safety_net)).astype(int)
""",
        "m3_team_sensitivity": """
def team_sensitivity(y_true, decisions):   # the PPV: cancers among the recalled
    y, d = np.asarray(y_true), np.asarray(decisions)
    return float(d[y == 1].sum() / d.sum())
""",
        "m3_floor_rule_out": """
def largest_safe_rule_out(y_true, ai_score, reader, rule_outs, safety_net, floor):
    for cut in rule_outs:   # the first that keeps the floor, not the largest
        if team_sensitivity(y_true, triage(ai_score, reader, cut, safety_net)) >= floor:
            return float(cut)
    return None
""",
    },
    # plausible mistakes on the given scaffolds: an off-by-one comparison, a count of every
    # flagged patient rather than the false positives, a strict floor
    "mistakes_in_scaffold": {
        "m3_equal_fnr": _scaffold("m3_equal_fnr", "fnr = np.mean(case_scores <= t)"),
        "m3_equal_fnr_cost": _scaffold("m3_equal_fnr_cost", "fp_groups = flagged_groups.sum()",
                                       "fp_single = flagged_single.sum()"),
        "m3_generalise_k5": _K + _scaffold(
            "m3_generalise_k5", "reached = k_anonymity(table, quasi_identifiers) > k"),
        "m3_floor_rule_out": _scaffold(
            "m3_floor_rule_out", "keeps_floor = team_sensitivity(y_true, decisions) > floor"),
        "m3_laplace_count": _scaffold(
            "m3_laplace_count", "return float(true_count + rng.laplace(0.0, epsilon))"),
    },
    # the right pieces in the wrong direction: sensitivity for FNR, PPV for TPR, floor reversed
    "mistakes_reversed": {
        "m3_group_rates": _scaffold("m3_group_rates", "tpr = rate(pos, flag)",
                                    "fpr = rate(flag, neg)", "ppv = rate(flag, pos)"),
        "m3_equal_fnr": _scaffold("m3_equal_fnr", "fnr = np.mean(case_scores >= t)"),
        "m3_equal_fnr_cost": _scaffold("m3_equal_fnr_cost",
                                       "fp_groups = (flagged_single & healthy).sum()",
                                       "fp_single = (flagged_groups & healthy).sum()"),
        "m3_generalise_k5": _K + _scaffold(
            "m3_generalise_k5", "reached = k_anonymity(table, quasi_identifiers) <= k"),
        "m3_floor_rule_out": _scaffold(
            "m3_floor_rule_out", "keeps_floor = team_sensitivity(y_true, decisions) <= floor"),
    },
}


class TestModule3Answers(AnswerTable):
    ASSIGNMENT = ASSIGNMENT
    AUTOGRADED = AUTOGRADED
    SUBMISSIONS = SUBMISSIONS

    @staticmethod
    def grade_id_of(answer_id: str) -> str:
        return f"{answer_id}_tests"  # this assignment names a test cell after its answer
