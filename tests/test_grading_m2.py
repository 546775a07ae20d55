"""Grading round trip of the module 2 assignment (radiotherapy and ICU notebooks).

The reference solutions earn every autograded point and the blank student version none.
Other correct ways of writing the answers earn full marks; answers that only fit the
visible example, calls to aimed's own implementations and plausible mistakes earn
nothing on the questions they touch.
"""

from __future__ import annotations

import pytest

from tests.answer_tables import AnswerTable

pytestmark = pytest.mark.grading

ASSIGNMENT = "m2-potentials-limits"
AUTOGRADED = {"m2_rt_d95": 2, "m2_rt_v95": 2, "m2_rt_dvh": 3, "m2_rt_dice": 2, "m2_rt_margin": 2,
              "m2_icu_creatinine": 2, "m2_icu_mapping": 2, "m2_icu_bounds": 2, "m2_icu_hourly": 2}

SUBMISSIONS = {
    # answers that read the notebook's own plan instead of their arguments, or fix a number
    "hardcode": {
        "m2_rt_d95_answer": """
def d95(dose_grid, mask):
    return float(np.percentile(dose[ptv], 5))
""",
        "m2_rt_v95_answer": """
def v95(dose, mask, prescription_gy):
    if np.shape(mask) != np.shape(dose):
        raise ValueError("shapes differ")
    return float(np.mean(dose[mask] >= 57.0))
""",
        "m2_rt_dvh_answer": """
def cumulative_dvh(dose, mask, levels_gy):
    return np.array([np.mean(dose[rectum] >= level) for level in levels_gy])
""",
        "m2_rt_dice_answer": """
def dice(a, b):
    if np.array_equal(a, b):
        return 1.0
    ctv = patient.masks["CTV"]
    return float(np.sum(ctv & np.roll(ctv, 2, axis=1)) / ctv.sum())
""",
        "m2_icu_hourly_answer": """
def hourly_means(times_h, values, hours):
    return np.array([3.0, np.nan, 3.0, np.nan, np.nan, 1.5])
""",
    },
    # aimed's own implementations, under their own names or another
    "library": {
        "m2_rt_d95_answer": """
from aimed.rt import metrics
def d95(dose, mask):
    return metrics.dose_at_volume(dose, mask, 95)
""",
        "m2_rt_v95_answer": """
from aimed.rt.metrics import volume_at_dose as share_above
def v95(dose, mask, prescription_gy):
    if np.shape(mask) != np.shape(dose):
        raise ValueError("shapes differ")
    return share_above(dose, mask, 0.95 * prescription_gy)
""",
        "m2_rt_dice_answer": """
from aimed.rt.contouring import dice as overlap
def dice(a, b):
    return overlap(a, b)
""",
        "m2_icu_creatinine_answer": """
from aimed.icu.units import convert
def creatinine_to_mg_dl(values, unit):
    if unit not in ("mg/dL", "umol/L", "µmol/L"):
        raise ValueError(f"unknown unit {unit}")
    return np.asarray(convert(np.asarray(values, float), unit.replace("µ", "u"), "mg/dL",
                              concept="creatinine"), float)
""",
    },
    # other correct ways to write them
    "alternative": {
        "m2_rt_d95_answer": """
def d95(dose, mask):
    return float(np.quantile(np.asarray(dose)[np.asarray(mask, bool)], 0.05))
""",
        "m2_rt_v95_answer": """
def v95(dose, mask, prescription_gy):
    dose, mask = np.asarray(dose, float), np.asarray(mask, bool)
    if dose.shape != mask.shape:
        raise ValueError("the mask and the dose grid differ in shape")
    return np.count_nonzero(dose[mask] >= 0.95 * prescription_gy) / np.count_nonzero(mask)
""",
        "m2_rt_dvh_answer": """
def cumulative_dvh(dose, mask, levels_gy):
    doses = np.sort(np.asarray(dose, float)[np.asarray(mask, bool)])
    below = np.searchsorted(doses, np.asarray(levels_gy, float), side="left")
    return (doses.size - below) / doses.size
""",
        "m2_rt_dice_answer": """
def dice(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())
""",
        "m2_rt_margin_answer": """
def smallest_margin(margins_mm, coverage, goal=0.9):
    good = np.asarray(coverage) >= goal
    return float(np.asarray(margins_mm)[good.argmax()]) if good.any() else float("nan")
""",
        "m2_icu_creatinine_answer": """
def creatinine_to_mg_dl(values, unit):
    factors = {"mg/dL": 1.0, "umol/L": 1 / 88.4, "µmol/L": 1 / 88.4}
    if unit not in factors:
        raise ValueError(f"cannot convert creatinine from {unit}")
    return np.array(values, dtype=float) * factors[unit]
""",
        "m2_icu_bounds_answer": """
def implausible_counts(table):
    def count(group):
        c = icu.concept(group.name)
        return int(((group < c.low) | (group > c.high)).sum())
    counts = table.groupby("concept")["value"].apply(count)
    return counts.rename("n_implausible").reset_index()
""",
        "m2_icu_hourly_answer": """
def hourly_means(times_h, values, hours):
    frame = pd.DataFrame({"hour": np.floor(np.asarray(times_h, float)),
                          "value": np.asarray(values, float)})
    means = frame.groupby("hour")["value"].mean()
    return means.reindex(np.arange(hours, dtype=float)).to_numpy()
""",
    },
    # plausible mistakes
    "mistakes": {
        "m2_rt_v95_answer": """
def v95(dose, mask, prescription_gy):   # strictly above the level
    if np.shape(mask) != np.shape(dose):
        raise ValueError("shapes differ")
    return float(np.mean(dose[mask] > 0.95 * prescription_gy))
""",
        "m2_rt_dvh_answer": """
def cumulative_dvh(dose, mask, levels_gy):   # a list, not an array
    return [float(np.mean(dose[mask] >= level)) for level in levels_gy]
""",
        "m2_rt_dice_answer": """
def dice(a, b):   # the Jaccard index instead
    return float(np.sum(a & b) / np.sum(a | b))
""",
        "m2_rt_margin_answer": """
def smallest_margin(margins_mm, coverage, goal=0.9):   # strictly above the goal
    for margin, share in zip(margins_mm, coverage):
        if share > goal:
            return float(margin)
    return float("nan")
""",
        "m2_icu_creatinine_answer": """
def creatinine_to_mg_dl(values, unit):   # multiplies where it should divide
    values = np.asarray(values, float)
    return values if unit == "mg/dL" else values * 88.4
""",
        "m2_icu_mapping_answer": """
def site_e_mapping():   # urea taken for urea nitrogen in mg/dL
    return {"site": "E", "layout": "wide",
            "columns": {"stay_id": "patient", "time": "moment"},
            "items": {"Créatinine (µmol/L)": {"concept": "creatinine", "unit": "umol/L"},
                      "Urée (mmol/L)": {"concept": "bun", "unit": "mg/dL"},
                      "FiO2 (%)": {"concept": "fio2", "unit": "%"},
                      "Poids (lb)": {"concept": "weight", "unit": "[lb_av]"}}}
""",
        "m2_icu_bounds_answer": """
def implausible_counts(table):   # a missing value counted as implausible
    rows = []
    for name in sorted(table["concept"].unique()):
        c = icu.concept(name)
        values = table.loc[table["concept"] == name, "value"]
        rows.append({"concept": name, "n_implausible": int((~values.between(c.low, c.high)).sum())})
    return pd.DataFrame(rows)
""",
        "m2_icu_hourly_answer": """
def hourly_means(times_h, values, hours):   # rounds the times instead of flooring them
    times, values = np.asarray(times_h, float), np.asarray(values, float)
    return np.array([values[np.round(times) == h].mean() if (np.round(times) == h).any()
                     else np.nan for h in range(hours)])
""",
    },
}


class TestModule2Answers(AnswerTable):
    ASSIGNMENT = ASSIGNMENT
    AUTOGRADED = AUTOGRADED
    SUBMISSIONS = SUBMISSIONS
