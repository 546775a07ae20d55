"""Survival cohorts bundled in the lifelines wheel (no download)."""

from __future__ import annotations

import pandas as pd

from aimed.data._registry import register

__all__ = ["ncctg_lung"]

#: lifelines / R column name → aimed column name (units in the datasheet).
LUNG_COLUMNS = {
    "inst": "institution",
    "time": "time_days",
    "status": "died",
    "age": "age",
    "sex": "sex",
    "ph.ecog": "ecog",
    "ph.karno": "karnofsky_physician",
    "pat.karno": "karnofsky_patient",
    "meal.cal": "meal_kcal",
    "wt.loss": "weight_loss_lb",
}


@register(
    "ncctg-lung",
    title="NCCTG advanced lung cancer: survival of 228 patients",
    source="lifelines",
    licence=("MIT as distributed with lifelines; the data come from the R survival package "
             "(LGPL-2 or later)"),
    citation=(
        "Loprinzi CL, Laurie JA, Wieand HS, et al. Prospective evaluation of prognostic "
        "variables from patient-completed questionnaires. North Central Cancer Treatment "
        "Group. J Clin Oncol 1994;12(3):601-607. doi:10.1200/JCO.1994.12.3.601"
    ),
)
def ncctg_lung() -> pd.DataFrame:
    """Load the North Central Cancer Treatment Group (NCCTG) advanced lung cancer cohort.

    Returns
    -------
    pandas.DataFrame
        228 rows, one per patient, with ``institution`` (code), ``time_days`` (days from
        enrolment to death or last contact), ``died`` (1 = died, 0 = censored: alive at
        last contact), ``age`` (years), ``sex`` (``"male"`` or ``"female"``), ``ecog``
        (ECOG performance status rated by the physician, coded as in the R survival
        documentation: 0 = asymptomatic to 3 = in bed more than half the day; the scale's
        4 = bedbound does not occur), ``karnofsky_physician`` and ``karnofsky_patient``
        (Karnofsky score 0-100, 100 = normal, rated by the physician and by the patient),
        ``meal_kcal`` (calories consumed at meals, kcal) and ``weight_loss_lb`` (weight
        lost in the previous six months, pounds). Missing answers stay NaN: no row is
        dropped.
    """
    from lifelines.datasets import load_lung

    raw = load_lung()
    missing = sorted(set(LUNG_COLUMNS) - set(raw.columns))
    if missing:
        raise ValueError(f"lifelines' lung table lacks the columns {missing}; "
                         "reinstall lifelines>=0.27")
    table = raw[list(LUNG_COLUMNS)].rename(columns=LUNG_COLUMNS)
    table["died"] = table["died"].astype("int64")
    table["sex"] = table["sex"].map({1: "male", 2: "female"})
    if table["sex"].isna().any():
        raise ValueError("lifelines' lung table codes sex other than 1 (male) / 2 (female)")
    return table.reset_index(drop=True)
