"""Grading round trip of the module 4 assignment with nbgrader.

The reference solutions earn every autograded point (the blank student version, none, is
checked by the pipeline's round trip in tests/grading).
Other correct ways of writing the answers earn full marks; hard-coded visible answers,
calls to aimed's own implementations, look-alike objects and plausible mistakes earn
nothing on the questions they touch. Plain nbgrader execution is used (no sandbox): this
test checks the questions and their hidden tests; the sandboxed pipeline has its own tests.
"""

from __future__ import annotations

import nbformat
import pytest

from aimed.course import repo_root
from tests.answer_tables import LOOKALIKE_FLOAT, AnswerTable

pytestmark = pytest.mark.grading

ASSIGNMENT = "m4-epistemology"
AUTOGRADED = {
    "m4_success_rate": 2,
    "m4_simpson_paradox": 2,
    "m4_naive_effect": 1,
    "m4_adjusted_effect": 3,
    "m4_leak_column": 2,
    "m4_honest_auroc_fn": 2,
    "m4_reported_auroc": 1,
    "m4_reliability_curve": 3,
    "m4_brier": 2,
    "m4_intercept_shift": 3,
    "m4_recalibrate": 1,
}



def _answer_cells() -> dict[str, str]:
    """grade_id -> source of every answer cell of the assignment, as the instructor wrote it."""
    out = {}
    for path in sorted((repo_root() / "exercises" / ASSIGNMENT).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id and cell.metadata["nbgrader"].get("solution"):
                out[grade_id] = cell.source
    return out


_ANSWERS = _answer_cells()


def with_line(answer_id: str, line: str) -> str:
    """The answer cell's scaffold with ``line`` written in place of the solution region.

    Issue 14: each answer cell is complete except one marked line, so most versions
    below fill in that line, at the indentation of the solution markers, the way a
    learner does in the released notebook.
    """
    source = _ANSWERS[answer_id]
    begin = source.index("### BEGIN SOLUTION")
    start = source.rindex("\n", 0, begin) + 1
    end = source.find("\n", source.index("### END SOLUTION"))
    return source[:start] + source[start:begin] + line + (source[end:] if end >= 0 else "")


SUBMISSIONS = {
    # hard-coding the visible answers
    "hardcode": {
        "m4_success_rate_answer": """
def success_rate(table, treatment, stone_size=None):
    return {("open surgery", None): 273 / 350, ("PCNL", "small"): 234 / 270}.get(
        (treatment, stone_size), 0.5)
""",
        "m4_simpson_paradox_answer": """
def shows_simpsons_paradox(table):
    return True
""",
        "m4_adjusted_effect_answer": """
def adjusted_effect(cohort):
    return -9.0
""",
        "m4_leak_column_answer": """
def most_important_column(model, X_test, y_test):
    return "iv_antibiotics"
""",
        "m4_intercept_shift_answer": """
def intercept_shift(y_true, y_prob):
    return 0.66
""",
    },
    # calling aimed's own functions instead of writing them
    "library": {
        "m4_success_rate_answer": """
from aimed.epistemics import success_rates
def success_rate(table, treatment, stone_size=None):
    rows = table if stone_size is None else table[table["stone_size"] == stone_size]
    rates = success_rates(rows).set_index("treatment")["rate"]
    return float(rates[treatment])
""",
        "m4_naive_effect_answer": """
def naive_effect(cohort):
    return epistemics.estimate_effect(cohort, "treated", "followup_sbp")
""",
        "m4_adjusted_effect_answer": """
from aimed.epistemics import estimate_effect
def adjusted_effect(cohort):
    return estimate_effect(cohort, "treated", "followup_sbp", adjust_for=["baseline_sbp"])
""",
        "m4_honest_auroc_fn_answer": """
def honest_auroc(train, test, columns, leaks):
    keep = [c for c in columns if c not in leaks]
    return epistemics.holdout_auroc(epistemics.make_triage_model(), train, test, keep)
""",
        "m4_reliability_curve_answer": """
from aimed.evaluate import calibration_table
def reliability_curve(y_true, y_prob, n_bins=10):
    return calibration_table(np.asarray(y_true), np.asarray(y_prob, float), n_bins=n_bins,
                             strategy="uniform")
""",
        "m4_intercept_shift_answer": """
def intercept_shift(y_true, y_prob):
    return epistemics.intercept_shift(y_true, y_prob)
""",
        "m4_recalibrate_answer": """
from aimed.epistemics import apply_intercept_shift
def recalibrate(y_prob, shift):
    return apply_intercept_shift(y_prob, shift)
""",
    },
    # the one line calls aimed's own functions
    "library_in_line": {
        "m4_success_rate_answer": with_line(
            "m4_success_rate_answer",
            'return float(epistemics.success_rates(rows)["rate"].iloc[0])'),
        "m4_naive_effect_answer": with_line(
            "m4_naive_effect_answer",
            'untreated = treated - epistemics.estimate_effect(cohort, "treated", "followup_sbp")'),
        "m4_leak_column_answer": with_line(
            "m4_leak_column_answer",
            'top = epistemics.permutation_table(model, X_test, y_test)["feature"].iloc[0]'),
        "m4_intercept_shift_answer": with_line(
            "m4_intercept_shift_answer",
            "return epistemics.apply_intercept_shift(y_prob, a).mean() - event_rate"),
        "m4_recalibrate_answer": with_line(
            "m4_recalibrate_answer", "return epistemics.apply_intercept_shift(y_prob, shift)"),
    },
    # look-alike objects that claim to equal everything
    "lookalike": {
        "m4_success_rate_answer": LOOKALIKE_FLOAT + """
def success_rate(table, treatment, stone_size=None):
    return Anything(0.5)
""",
        "m4_simpson_paradox_answer": """
class Yes(int):
    def __eq__(self, other): return True
    def __bool__(self): return True
    __hash__ = int.__hash__
def shows_simpsons_paradox(table):
    return Yes(1)
""",
        "m4_reliability_curve_answer": """
class Frame(pd.DataFrame):
    def equals(self, other): return True
    def __eq__(self, other): return True
def reliability_curve(y_true, y_prob, n_bins=10):
    return Frame({"mean_predicted": [0.5], "observed_rate": [0.5], "n": [1]})
""",
        "m4_brier_answer": """
class Anything(float):
    def __eq__(self, other): return True
    def __sub__(self, other): return 0.0
def brier_score(y_true, y_prob):
    return Anything(0.1)
""",
    },
    # other correct ways of writing the answers: must earn full marks
    "alternative": {
        "m4_success_rate_answer": with_line(
            "m4_success_rate_answer", 'return rows["successes"].sum() / rows["patients"].sum()'),
        "m4_simpson_paradox_answer": with_line(
            "m4_simpson_paradox_answer",
            "reverses = (within < 0 < pooled) or (pooled < 0 < within)"),
        "m4_naive_effect_answer": with_line(
            "m4_naive_effect_answer",
            'untreated = cohort[cohort["treated"] == 0]["followup_sbp"].mean()'),
        "m4_adjusted_effect_answer": with_line(
            "m4_adjusted_effect_answer",
            'fit = LinearRegression().fit(cohort[["treated", "baseline_sbp"]].to_numpy(), '
            'cohort["followup_sbp"].to_numpy())'),
        # a learner who rewrites the whole function still earns the marks
        "m4_leak_column_answer": """
def most_important_column(model, X_test, y_test):
    base = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    local = np.random.default_rng(0)
    drops = {}
    for column in X_test.columns:
        losses = []
        for _ in range(5):
            shuffled = X_test.copy()
            shuffled[column] = local.permutation(shuffled[column].to_numpy())
            losses.append(base - roc_auc_score(y_test, model.predict_proba(shuffled)[:, 1]))
        drops[column] = np.mean(losses)
    return max(drops, key=drops.get)
""",
        "m4_honest_auroc_fn_answer": with_line(
            "m4_honest_auroc_fn_answer",
            "keep = [name for name in columns if name not in set(leaks)]"),
        "m4_reported_auroc_answer": with_line(
            "m4_reported_auroc_answer",
            "reported_auroc = honest_auroc(train, test, candidate_columns,"
            ' ["length_of_stay", "iv_antibiotics"])'),
        "m4_reliability_curve_answer": with_line(
            "m4_reliability_curve_answer",
            "bins = np.clip((y_prob * n_bins).astype(int), 0, n_bins - 1)"),
        "m4_brier_answer": with_line(
            "m4_brier_answer", "return float(((y_prob - y_true) ** 2).mean())"),
        "m4_intercept_shift_answer": """
from scipy.optimize import root_scalar
def intercept_shift(y_true, y_prob):
    z = logit(np.asarray(y_prob, float))
    target = np.mean(y_true)
    return root_scalar(lambda a: expit(z + a).mean() - target, bracket=[-15, 15]).root
""",
        "m4_recalibrate_answer": with_line(
            "m4_recalibrate_answer",
            "return 1 / (1 + np.exp(-(np.log(y_prob / (1 - y_prob)) + shift)))"),
    },
    # plausible mistakes in the one line
    "mistakes": {
        "m4_success_rate_answer": with_line(   # averages the rates of the rows
            "m4_success_rate_answer",
            'return float((rows["successes"] / rows["patients"]).mean())'),
        "m4_simpson_paradox_answer": with_line(   # ignores the direction of the pooled difference
            "m4_simpson_paradox_answer", "reverses = within < 0"),
        "m4_naive_effect_answer": with_line(   # the mean of everyone, not of the untreated
            "m4_naive_effect_answer", 'untreated = cohort["followup_sbp"].mean()'),
        "m4_adjusted_effect_answer": with_line(   # forgets the confounder
            "m4_adjusted_effect_answer",
            'fit = LinearRegression().fit(cohort[["treated"]], cohort["followup_sbp"])'),
        "m4_leak_column_answer": with_line("m4_leak_column_answer", "top = drops.idxmin()"),
        "m4_honest_auroc_fn_answer": with_line(   # keeps the leaks
            "m4_honest_auroc_fn_answer", "keep = list(columns)"),
        "m4_reported_auroc_answer": with_line(   # removes one late column only
            "m4_reported_auroc_answer",
            'reported_auroc = honest_auroc(train, test, candidate_columns, ["length_of_stay"])'),
        "m4_reliability_curve_answer": with_line(   # a risk of exactly 1 gets a bin of its own
            "m4_reliability_curve_answer", "bins = (y_prob * n_bins).astype(int)"),
        "m4_brier_answer": with_line(   # mean absolute error
            "m4_brier_answer", "return float(np.mean(np.abs(y_prob - y_true)))"),
        "m4_intercept_shift_answer": with_line(   # shifts the probability, not the log-odds
            "m4_intercept_shift_answer", "return expit(logit(y_prob)).mean() + a - event_rate"),
        "m4_recalibrate_answer": with_line(   # shifts probabilities, not log-odds
            "m4_recalibrate_answer", "return np.clip(y_prob + shift, 0, 1)"),
    },
    # plausible mistakes by a learner who rewrites the whole function
    "rewritten_mistakes": {
        "m4_success_rate_answer": """
def success_rate(table, treatment, stone_size=None):   # averages the rates of the rows
    rows = table[table["treatment"] == treatment]
    if stone_size is not None:
        rows = rows[rows["stone_size"] == stone_size]
    return float((rows["successes"] / rows["patients"]).mean())
""",
        "m4_simpson_paradox_answer": """
def shows_simpsons_paradox(table):   # a reversal in any group, not every group
    first, second = sorted(table["treatment"].unique())
    pooled = success_rate(table, first) > success_rate(table, second)
    return any((success_rate(table, first, s) > success_rate(table, second, s)) != pooled
               for s in table["stone_size"].unique())
""",
        "m4_adjusted_effect_answer": """
def adjusted_effect(cohort):   # adjusts for the outcome's change instead of the baseline
    treated = cohort[cohort["treated"] == 1]
    untreated = cohort[cohort["treated"] == 0]
    return float((treated["followup_sbp"] - treated["baseline_sbp"]).mean()
                 - (untreated["followup_sbp"] - untreated["baseline_sbp"]).mean())
""",
        "m4_honest_auroc_fn_answer": """
def honest_auroc(train, test, columns, leaks):   # scores the training set
    keep = [c for c in columns if c not in leaks]
    model = epistemics.make_triage_model().fit(train[keep], train["sepsis"])
    return float(roc_auc_score(train["sepsis"], model.predict_proba(train[keep])[:, 1]))
""",
        "m4_reported_auroc_answer": """
reported_auroc = honest_auroc(train, test, candidate_columns, ["length_of_stay"])
""",
        "m4_reliability_curve_answer": """
def reliability_curve(y_true, y_prob, n_bins=10):   # equal-count bins
    y_true, y_prob = np.asarray(y_true, float), np.asarray(y_prob, float)
    order = np.argsort(y_prob)
    rows = [[y_prob[i].mean(), y_true[i].mean(), len(i)] for i in np.array_split(order, n_bins)
            if len(i)]
    return pd.DataFrame(rows, columns=["mean_predicted", "observed_rate", "n"])
""",
        "m4_brier_answer": """
def brier_score(y_true, y_prob):   # root mean squared error
    return float(np.sqrt(np.mean((np.asarray(y_prob) - np.asarray(y_true)) ** 2)))
""",
        "m4_intercept_shift_answer": """
def intercept_shift(y_true, y_prob):   # difference of the log-odds of the means
    return float(logit(np.mean(y_true)) - logit(np.mean(y_prob)))
""",
        "m4_recalibrate_answer": """
def recalibrate(y_prob, shift):   # shifts probabilities, not log-odds
    return np.clip(np.asarray(y_prob, float) + shift, 0, 1)
""",
    },
}


class TestModule4Answers(AnswerTable):
    ASSIGNMENT = ASSIGNMENT
    AUTOGRADED = AUTOGRADED
    SUBMISSIONS = SUBMISSIONS
    ON_REFERENCE = ("alternative",)
