"""Grading round trip of the module 2 assignment (radiotherapy and ICU notebooks).

The reference solutions earn every autograded point (the blank student version, none, is
checked by the pipeline's round trip in tests/grading).
Other correct ways of writing the answers earn full marks; answers that only fit the
visible example, calls to aimed's own implementations and plausible mistakes earn
nothing on the questions they touch.
"""

from __future__ import annotations

import pytest

from tests.answer_tables import LOOKALIKE_FLOAT, AnswerTable

pytestmark = pytest.mark.grading

ASSIGNMENT = "m2-potentials-limits"
AUTOGRADED = {"m2_rt_d95": 2, "m2_rt_v95": 2, "m2_rt_dvh": 3, "m2_rt_dice": 2, "m2_rt_margin": 2,
              "m2_icu_creatinine": 2, "m2_icu_mapping": 2, "m2_icu_bounds": 2, "m2_icu_hourly": 2}

# The radiotherapy answer cells are scaffolds (issue 14): a learner changes only the marked
# line(s). _rt() fills a scaffold, given here without its docstring, with such lines.
RT_D95 = """
def d95(dose, mask):
    doses = np.asarray(dose, dtype=float)[np.asarray(mask, dtype=bool)]
    ANSWER
    return float(d95_gy)
"""
RT_V95 = """
def v95(dose, mask, prescription_gy):
    dose = np.asarray(dose, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != dose.shape:
        raise ValueError(f"mask has shape {mask.shape} but the dose grid has shape {dose.shape}")
    doses = dose[mask]
    ANSWER
    return float(share)
"""
RT_DVH = """
def cumulative_dvh(dose, mask, levels_gy):
    doses = np.asarray(dose, dtype=float)[np.asarray(mask, dtype=bool)]
    shares = []
    for level in levels_gy:
        ANSWER
        shares.append(share)
    return np.array(shares, dtype=float)
"""
RT_DICE = """
def dice(a, b):
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    ANSWER
    return float(score)
"""
RT_MARGIN = """
def smallest_margin(margins_mm, coverage, goal=0.9):
    for margin, share in zip(margins_mm, coverage):
        ANSWER
        if good_enough:
            return float(margin)
    return float("nan")
"""


def _rt(scaffold: str, *lines: str, imports: str = "") -> str:
    """``scaffold`` with ``lines`` in place of ANSWER (and ``imports`` above it)."""
    head, tail = scaffold.split("ANSWER")
    indent = head[head.rfind("\n") + 1:]
    return imports + head + ("\n" + indent).join(lines) + tail


# The ICU answer cells are scaffolds too; _icu() fills one, given without its docstring.
ICU_CREATININE = """
def creatinine_to_mg_dl(values, unit):
    values = np.asarray(values, dtype=float)
    if unit == "mg/dL":
        return values
    if unit not in ("umol/L", "µmol/L"):
        raise ValueError(f"unit must be 'mg/dL', 'umol/L' or 'µmol/L', got {unit!r}")
    ANSWER
"""
ICU_MAPPING = """
def site_e_mapping():
    creatinine = {"concept": "creatinine", "unit": "umol/L"}
    ANSWER
    return {"site": "E", "layout": "wide",
            "columns": {"stay_id": "patient", "time": "moment"},
            "items": {"Créatinine (µmol/L)": creatinine, "Urée (mmol/L)": urea,
                      "FiO2 (%)": fio2, "Poids (lb)": weight}}
"""
ICU_BOUNDS = """
def implausible_counts(table):
    rows = []
    for name in sorted(table["concept"].unique()):
        c = icu.concept(name)
        values = table.loc[table["concept"] == name, "value"]
        ANSWER
        rows.append({"concept": name, "n_implausible": int(n)})
    return pd.DataFrame(rows, columns=["concept", "n_implausible"])
"""
ICU_HOURLY = """
def hourly_means(times_h, values, hours):
    times = np.asarray(times_h, dtype=float)
    vals = np.asarray(values, dtype=float)
    out = np.full(hours, np.nan)
    for h in range(hours):
        ANSWER
        if inside.any():
            out[h] = vals[inside].mean()
    return out
"""


def _icu(scaffold: str, *lines: str) -> str:
    """An ICU ``scaffold`` with ``lines`` in place of ANSWER."""
    head, tail = scaffold.split("ANSWER")
    indent = head[head.rfind("\n") + 1:]
    return head + ("\n" + indent).join(lines) + tail


SUBMISSIONS = {
    # answers that read the notebook's own plan instead of their arguments, or fix a number
    "hardcode": {
        "m2_rt_d95_answer": _rt(RT_D95, "d95_gy = np.percentile(treatment.dose[ptv], 5)"),
        "m2_rt_v95_answer": _rt(RT_V95, "share = np.mean(doses >= 57.0)"),
        "m2_rt_dvh_answer": _rt(RT_DVH, "share = np.mean(treatment.dose[rectum] >= level)"),
        "m2_rt_dice_answer": _rt(RT_DICE, "overlap_voxels = (a & b).sum()",
                                 "score = 1.0 if np.array_equal(a, b) else "
                                 "np.sum(ctv & np.roll(ctv, 2, axis=1)) / ctv.sum()"),
        "m2_rt_margin_answer": _rt(RT_MARGIN, "good_enough = share >= 0.9"),
        "m2_icu_creatinine_answer": _icu(ICU_CREATININE, "return np.array([1.0, 2.0])"),
        "m2_icu_bounds_answer": _icu(ICU_BOUNDS,
                                     'n = {"fio2": 1, "heart_rate": 1, "temperature": 1}[name]'),
        "m2_icu_hourly_answer": """
def hourly_means(times_h, values, hours):
    return np.array([3.0, np.nan, 3.0, np.nan, np.nan, 1.5])
""",
    },
    # aimed's own implementations, under their own names or another
    "library": {
        "m2_rt_d95_answer": _rt(RT_D95, "d95_gy = metrics.dose_at_volume(dose, mask, 95)",
                                imports="from aimed.rt import metrics"),
        "m2_rt_v95_answer": _rt(RT_V95, "share = share_above(dose, mask, 0.95 * prescription_gy)",
                                imports="from aimed.rt.metrics import volume_at_dose "
                                        "as share_above"),
        "m2_rt_dvh_answer": _rt(RT_DVH, "share = rt.volume_at_dose(dose, mask, level)"),
        "m2_rt_dice_answer": _rt(RT_DICE, "overlap_voxels = None", "score = overlap(a, b)",
                                 imports="from aimed.rt.contouring import dice as overlap"),
        "m2_icu_creatinine_answer": _icu(
            ICU_CREATININE, 'return icu.convert(values, "umol/L", "mg/dL", "creatinine")'),
    },
    # answers rewritten whole, returning objects that claim to equal everything
    "lookalike": {
        "m2_rt_d95_answer": LOOKALIKE_FLOAT + """def d95(dose, mask):
    return Anything(60.0)
""",
        "m2_rt_dvh_answer": """
class Anything(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
    def __le__(self, other): return np.ones(np.shape(other), bool)
def cumulative_dvh(dose, mask, levels_gy):
    return np.zeros(len(levels_gy)).view(Anything)
""",
    },
    # other correct ways to write them
    "alternative": {
        "m2_rt_d95_answer": _rt(RT_D95, "d95_gy = np.quantile(doses, 0.05)"),
        "m2_rt_v95_answer": _rt(RT_V95, "share = np.count_nonzero(doses >= 0.95 * prescription_gy)"
                                        " / doses.size"),
        "m2_rt_dvh_answer": _rt(RT_DVH, "share = (doses >= level).sum() / len(doses)"),
        "m2_rt_dice_answer": _rt(RT_DICE, "overlap_voxels = np.logical_and(a, b).sum()",
                                 "score = overlap_voxels / ((a.sum() + b.sum()) / 2)"),
        "m2_rt_margin_answer": _rt(RT_MARGIN, "good_enough = not share < goal"),
        "m2_icu_creatinine_answer": _icu(ICU_CREATININE, "return values / 88.4"),
        "m2_icu_mapping_answer": _icu(ICU_MAPPING, 'urea = dict(concept="bun", unit="mmol/L")',
                                      'fio2 = {"unit": "%", "concept": "fio2"}',
                                      'weight = {"concept": "weight", "unit": "[lb_av]"}'),
        "m2_icu_bounds_answer": _icu(ICU_BOUNDS,
                                     "n = (values.notna() & ~values.between(c.low, c.high)).sum()"),
        "m2_icu_hourly_answer": _icu(ICU_HOURLY, "inside = np.floor(times) == h"),
    },
    # plausible mistakes
    "mistakes": {
        # the 95th percentile, a near-maximum dose, instead of the 5th
        "m2_rt_d95_answer": _rt(RT_D95, "d95_gy = np.percentile(doses, 95)"),
        # strictly above the level, here and in the DVH
        "m2_rt_v95_answer": _rt(RT_V95, "share = np.mean(doses > 0.95 * prescription_gy)"),
        "m2_rt_dvh_answer": _rt(RT_DVH, "share = np.mean(doses > level)"),
        # the Jaccard index instead
        "m2_rt_dice_answer": _rt(RT_DICE, "overlap_voxels = (a & b).sum()",
                                 "score = overlap_voxels / (a | b).sum()"),
        # strictly above the goal
        "m2_rt_margin_answer": _rt(RT_MARGIN, "good_enough = share > goal"),
        # creatinine: multiplies where it should divide
        "m2_icu_creatinine_answer": _icu(ICU_CREATININE, "return values * 88.4"),
        # urea taken for urea nitrogen in mg/dL
        "m2_icu_mapping_answer": _icu(ICU_MAPPING, 'urea = {"concept": "bun", "unit": "mg/dL"}',
                                      'fio2 = {"concept": "fio2", "unit": "%"}',
                                      'weight = {"concept": "weight", "unit": "[lb_av]"}'),
        # a missing value counted as implausible
        "m2_icu_bounds_answer": _icu(ICU_BOUNDS, "n = (~values.between(c.low, c.high)).sum()"),
        # rounds the times instead of flooring them
        "m2_icu_hourly_answer": _icu(ICU_HOURLY, "inside = np.round(times) == h"),
    },
    # more ICU mistakes, each of which passes the visible checks
    "icu_mistakes": {
        # rounded to one decimal, as on a lab report
        "m2_icu_creatinine_answer": _icu(ICU_CREATININE, "return np.round(values / 88.4, 1)"),
        # the weight column taken as kilograms
        "m2_icu_mapping_answer": _icu(ICU_MAPPING, 'urea = {"concept": "bun", "unit": "mmol/L"}',
                                      'fio2 = {"concept": "fio2", "unit": "%"}',
                                      'weight = {"concept": "weight", "unit": "kg"}'),
        # a value equal to a bound counted as implausible
        "m2_icu_bounds_answer": _icu(ICU_BOUNDS,
                                     "n = ((values <= c.low) | (values >= c.high)).sum()"),
        # the hour [h, h + 1] closed on both sides: a value on the hour counts twice
        "m2_icu_hourly_answer": _icu(ICU_HOURLY, "inside = (times >= h) & (times <= h + 1)"),
    },
}


class TestModule2Answers(AnswerTable):
    ASSIGNMENT = ASSIGNMENT
    AUTOGRADED = AUTOGRADED
    SUBMISSIONS = SUBMISSIONS
