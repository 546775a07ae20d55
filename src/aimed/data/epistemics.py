"""Synthetic datasets for module 4 (what a model can and cannot know).

One seeded generator, :func:`sepsis_triage`, builds emergency-department visits with
what is known within about the first hour after arrival (registration data, the triage
vital signs, a point-of-care lactate and a central-laboratory white-cell count), the
outcome (sepsis), and two columns that are only known *later* (antibiotics given, length
of stay). It is made to teach leakage, patient overlap, calibration and dataset shift,
so every effect in it is set on purpose and documented in
``datasets/sepsis-triage/DATASHEET.md``.

**When each column is known** (:data:`SEPSIS_COLUMNS`) matters as much as its value.
Vital signs are measured at triage, minutes after arrival. A point-of-care lactate took a
median of 34 min from order to result in one emergency department, against 122 min for
the central laboratory [3]_; for common central-laboratory tests such as a blood count,
a 90 % completion time under 60 min from sample registration is a suggested goal [4]_,
so an hour or more from arrival is usual. The Surviving Sepsis Campaign asks for
lactate and blood cultures, then antibiotics, within the first hour of recognising
sepsis [5]_ [6]_, so whether antibiotics were given records a clinician's suspicion, not
the patient's state at arrival; blood-culture results come a day or more later [7]_.
The sepsis label itself (Sepsis-3: suspected infection with an acute rise of the SOFA
organ-failure score by 2 points or more [2]_) can only be settled after the visit.

The value ranges are anchored on published clinical thresholds, so that the numbers look
like a real emergency record:

* SIRS criteria: temperature > 38 °C or < 36 °C, heart rate > 90 /min, respiratory rate
  > 20 /min, white cells > 12 or < 4 × 10⁹/L [1]_;
* Sepsis-3 [2]_: sepsis is "life-threatening organ dysfunction caused by a dysregulated
  host response to infection"; septic shock is sepsis needing vasopressors to keep a
  mean arterial pressure ≥ 65 mmHg *and* with a lactate > 2 mmol/L despite adequate fluid
  resuscitation; qSOFA counts respiratory rate ≥ 22 /min, altered mentation and
  systolic blood pressure ≤ 100 mmHg.

References
----------
.. [1] Bone RC, et al. Definitions for sepsis and organ failure and guidelines for the use
   of innovative therapies in sepsis (ACCP/SCCM Consensus Conference). Chest
   1992;101(6):1644-1655. doi:10.1378/chest.101.6.1644
.. [2] Singer M, et al. The Third International Consensus Definitions for Sepsis and
   Septic Shock (Sepsis-3). JAMA 2016;315(8):801-810. doi:10.1001/jama.2016.0287
.. [3] Singer AJ, Taylor M, LeBlanc D, Williams J, Thode HC. ED bedside point-of-care
   lactate in patients with suspected sepsis is associated with reduced time to iv
   fluids and mortality. Am J Emerg Med 2014;32(9):1120-1124.
   https://ajemjournal.com/article/S0735-6757(14)00479-3/fulltext
.. [4] Hawkins RC. Laboratory turnaround time. Clin Biochem Rev 2007;28(4):179-194.
   https://www.ncbi.nlm.nih.gov/pmc/articles/PMC2282400/
.. [5] Levy MM, Evans LE, Rhodes A. The Surviving Sepsis Campaign Bundle: 2018 update.
   Intensive Care Med 2018;44(6):925-928. doi:10.1007/s00134-018-5085-0
.. [6] Evans L, Rhodes A, Alhazzani W, et al. Surviving Sepsis Campaign: international
   guidelines for management of sepsis and septic shock 2021. Crit Care Med
   2021;49(11):e1063-e1143. doi:10.1097/CCM.0000000000005337
.. [7] Lamy B, Dargère S, Arendrup MC, Parienti JJ, Tattevin P. How to optimize the use of
   blood cultures for the diagnosis of bloodstream infections? A state-of-the art.
   Front Microbiol 2016;7:697. doi:10.3389/fmicb.2016.00697
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from aimed.data._registry import register
from aimed.i18n import t

__all__ = [
    "RECORDED_AFTER_TRIAGE",
    "SEPSIS_COLUMNS",
    "SITES",
    "TRIAGE_FEATURES",
    "sepsis_triage",
]

#: The two hospitals of the generator: their patients' age (mean, SD, years) and an
#: extra risk (log-odds) from case mix that no column records.
SITES: dict[str, dict[str, float]] = {
    "A": {"age_mean": 58.0, "age_sd": 18.0, "hidden_risk": 0.0, "id_offset": 0},
    "B": {"age_mean": 74.0, "age_sd": 11.0, "hidden_risk": 0.9, "id_offset": 100_000},
}

#: Column → (unit, when it is known). The prediction moment of the module-4 model is
#: about one hour after arrival, when the first blood results are back; see the module
#: docstring for the sources of each time.
SEPSIS_COLUMNS: dict[str, tuple[str, str]] = {
    "patient_id": ("identifier", "registration, on arrival"),
    "visit": ("count", "registration, on arrival"),
    "site": ("hospital A or B", "registration, on arrival"),
    "age": ("years", "registration, on arrival"),
    "female": ("1 = female, 0 = male", "registration, on arrival"),
    "bmi": ("kg/m²", "triage, or the patient's record"),
    "heart_rate": ("/min", "triage, minutes after arrival"),
    "resp_rate": ("/min", "triage, minutes after arrival"),
    "temperature": ("°C", "triage, minutes after arrival"),
    "systolic_bp": ("mmHg", "triage, minutes after arrival"),
    "wbc": ("10⁹/L", "central laboratory, about 1 h or more"),
    "lactate": ("mmol/L", "point-of-care test, about 30 min"),
    "iv_antibiotics": ("1 = given within 24 h", "when given, up to 24 h (a clinician's decision)"),
    "length_of_stay": ("days", "at discharge, days later"),
    "sepsis": ("1 = sepsis during the visit", "outcome, settled after the visit"),
}
#: The predictors a model run about one hour after arrival may honestly use: the triage
#: record plus the first lactate and white-cell count (the name is historical).
TRIAGE_FEATURES: tuple[str, ...] = (
    "age", "female", "bmi", "heart_rate", "resp_rate", "temperature", "systolic_bp", "wbc",
    "lactate",
)
#: Columns known only after the prediction moment, and shaped by the outcome or by the
#: clinicians' suspicion of it: using them as predictors is leakage.
RECORDED_AFTER_TRIAGE: tuple[str, ...] = ("iv_antibiotics", "length_of_stay")


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not (
            low <= value <= high):
        raise ValueError(t("epistemics.error.int_range", name=name, low=low, high=high,
                           got=repr(value)))
    return int(value)


@register(
    "sepsis-triage",
    title="Sepsis in the emergency department's first hour: synthetic visits with leaky "
          "columns and two sites",
    source="generated",
    licence="CC0-1.0 (synthetic, generated by aimed)",
    citation=(
        "aimed contributors. Seeded generator aimed.data.epistemics.sepsis_triage; value "
        "ranges anchored on Bone et al., Chest 1992 (doi:10.1378/chest.101.6.1644) and "
        "Singer et al., JAMA 2016 (doi:10.1001/jama.2016.0287)"
    ),
)
def sepsis_triage(n_patients: int = 2500, *, site: str = "A", seed: int = 0) -> pd.DataFrame:
    """Generate emergency-department visits of adults, some of whom develop sepsis.

    Each patient has 1 to 10 visits. Sepsis risk rises with age and with a hidden
    per-patient susceptibility (think of immunosuppression or dialysis), so the same
    patients come back septic: the trap behind *patient overlap*. About an hour after
    arrival a model can see demographics, triage vital signs, a point-of-care lactate and
    the white-cell count; two further columns are known only later and leak the outcome.

    Parameters
    ----------
    n_patients : int, default 2500
        Number of distinct patients, from 50 to 200 000. The number of visits (rows) is
        about 2.8 times larger.
    site : {"A", "B"}, default "A"
        Hospital A is a general hospital (mean age 58 years). Hospital B serves an older
        population (mean age 74 years) with a higher sepsis risk that no column explains
        (case mix): use it to study dataset shift.
    seed : int, default 0
        Seed of the random generator; the same arguments always give the same table.

    Returns
    -------
    pandas.DataFrame
        One row per visit with the columns of :data:`SEPSIS_COLUMNS`, in that order.
        Units: age in years, BMI in kg/m², heart and respiratory rates per minute,
        temperature in °C, systolic blood pressure in mmHg, white cells in 10⁹/L,
        lactate in mmol/L, length of stay in days.

    Raises
    ------
    ValueError
        If ``n_patients`` is not an integer in [50, 200 000], ``site`` is not "A" or
        "B", or ``seed`` is not a non-negative integer.

    Notes
    -----
    The generative model (all effects chosen for teaching, not estimated from a real
    cohort) is described in ``datasets/sepsis-triage/DATASHEET.md``.
    """
    n_patients = _check_int("n_patients", n_patients, 50, 200_000)
    seed = _check_int("seed", seed, 0, 2**32 - 1)
    if site not in SITES:
        raise ValueError(t("epistemics.error.choice", name="site", choices=sorted(SITES),
                           got=repr(site)))
    spec = SITES[site]
    rng = np.random.default_rng([seed, ord(site)])

    # Patients: stable traits, a hidden susceptibility, and their number of visits.
    age = np.clip(rng.normal(spec["age_mean"], spec["age_sd"], n_patients), 18, 99).round()
    female = rng.integers(0, 2, n_patients)
    bmi = np.clip(rng.normal(27.0, 5.0, n_patients), 16, 55).round(1)
    susceptibility = rng.normal(0.0, 2.5, n_patients)
    own_hr = rng.normal(0.0, 8.0, n_patients)
    own_sbp = rng.normal(0.0, 12.0, n_patients)
    visits = 1 + np.minimum(rng.geometric(0.35, n_patients) - 1, 9)
    who = np.repeat(np.arange(n_patients), visits)
    n = who.size

    # Outcome of each visit.
    a = age[who]
    logit = -5.0 + 0.35 * (a - 60) / 10 + susceptibility[who] + spec["hidden_risk"]
    sepsis = rng.random(n) < expit(logit)
    s = sepsis.astype(float)

    # Triage measurements: shifted in sepsis, overlapping a lot with other visits.
    heart_rate = np.clip(rng.normal(82 + 9 * s, 13) + own_hr[who], 35, 180).round()
    resp_rate = np.clip(rng.normal(16.5 + 2.5 * s, 3.0), 8, 40).round()
    temperature = np.clip(rng.normal(36.9 + 0.5 * s, 0.6), 34.5, 41.0).round(1)
    systolic_bp = np.clip(rng.normal(132 - 9 * s + 0.2 * (a - 60), 16) + own_sbp[who],
                          60, 220).round()
    wbc = np.clip(np.exp(rng.normal(np.log(8.0) + 0.22 * s, 0.32)), 1.0, 40.0).round(1)
    lactate = np.clip(np.exp(rng.normal(np.log(1.2) + 0.28 * s, 0.38)), 0.3, 15.0).round(1)

    # Known later: treatment decided because sepsis was suspected, and
    # the length of stay known at discharge.
    iv_antibiotics = rng.random(n) < np.where(sepsis, 0.92, 0.10)
    length_of_stay = np.exp(rng.normal(np.log(2.0) + 1.1 * s, 0.5)).round(1)

    visit_number = np.concatenate([np.arange(1, k + 1) for k in visits])
    table = pd.DataFrame({
        "patient_id": (who + int(spec["id_offset"])).astype(np.int64),
        "visit": visit_number.astype(np.int64),
        "site": site,
        "age": a.astype(np.int64),
        "female": female[who].astype(np.int64),
        "bmi": bmi[who],
        "heart_rate": heart_rate.astype(np.int64),
        "resp_rate": resp_rate.astype(np.int64),
        "temperature": temperature,
        "systolic_bp": systolic_bp.astype(np.int64),
        "wbc": wbc,
        "lactate": lactate,
        "iv_antibiotics": iv_antibiotics.astype(np.int64),
        "length_of_stay": length_of_stay,
        "sepsis": sepsis.astype(np.int64),
    })
    return table[list(SEPSIS_COLUMNS)]
