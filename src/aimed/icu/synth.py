"""Three synthetic ICUs: heterogeneous exports of one seeded latent patient model.

The generative model (documented in ``datasets/icu-hospital-*/DATASHEET.md``):

1. **Case mix.** Each site draws its stays from its own case mix: age, the share of
   patients with sepsis, and a shift of the latent severity ``s ~ N(mu_site + 0.6·sepsis, 1)``.
2. **Organ dysfunction.** Seven latent organ scores (cardiovascular, respiratory, renal,
   hepatic, neurological, coagulation, metabolic), each ``0.6·s + 0.8·e`` with independent
   standard normal ``e``.
3. **Physiology.** Every concept's baseline is a function of the organ scores, centred on
   adult reference intervals (sources in the datasheet); vital signs then fluctuate hour to
   hour as an AR(1) process; laboratory values are drawn at the sampling times.
4. **Outcome.** ICU death is Bernoulli with
   ``logit p = -2.75 + 0.45·age_z + 0.55·cv + 0.45·resp + 0.40·renal + 0.25·hepatic
   + 0.60·neuro + 0.25·coag + 0.35·sepsis`` (``age_z = (age - 65) / 12``), which gives an
   ICU mortality of about 10-20 %, the range of the ICON audit's 16.2 % [1]_.
5. **Export.** Each site writes the same truth in its own way (layout, language, units,
   sampling frequency, documentation practice) and with realistic errors: values in the
   wrong unit, impossible values, exact duplicates, items that no mapping knows.

Everything is driven by one ``numpy.random.Generator`` seeded with ``SEED``, so the shipped
files are exactly reproducible: ``tests/test_icu_synth.py`` regenerates them and compares.

References
----------
.. [1] Vincent J-L, Marshall JC, Namendys-Silva SA, et al. Assessment of the worldwide
   burden of critical illness: the Intensive Care Over Nations (ICON) audit. Lancet Respir
   Med 2014;2:380-386. doi:10.1016/S2213-2600(14)70061-X
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["HOURS", "SEED", "SITES", "SyntheticSite", "simulate", "write_datasets"]

#: Seed of the shipped datasets.
SEED = 20240605
#: Hours of data per stay (the first day in the ICU).
HOURS = 24
#: Case mix per site: number of stays, age (years), share with sepsis, severity shift.
SITES = {
    "A": {"n": 1000, "age": (64.0, 15.0), "sepsis": 0.30, "severity": 0.0, "first_id": 100001},
    "B": {"n": 800, "age": (67.0, 14.0), "sepsis": 0.22, "severity": -0.25, "first_id": 200001},
    "C": {"n": 600, "age": (61.0, 16.0), "sepsis": 0.38, "severity": 0.25, "first_id": 300001},
}
ORGANS = ("cv", "resp", "renal", "hep", "neuro", "coag", "met")
_OUTCOME = {"intercept": -2.75, "age_z": 0.45, "cv": 0.55, "resp": 0.45, "renal": 0.40,
            "hep": 0.25, "neuro": 0.60, "coag": 0.25, "sepsis": 0.35}


@dataclass
class SyntheticSite:
    """One synthetic hospital: its raw export and its stays (with the outcome)."""

    site: str
    raw: pd.DataFrame
    stays: pd.DataFrame


def _patients(rng: np.random.Generator, site: str) -> pd.DataFrame:
    mix = SITES[site]
    n = mix["n"]
    age = np.clip(rng.normal(*mix["age"], n), 18, 95).round()
    sex = np.where(rng.random(n) < 0.58, "M", "F")
    sepsis = (rng.random(n) < mix["sepsis"]).astype(int)
    s = rng.normal(mix["severity"] + 0.6 * sepsis, 1.0)
    frame = pd.DataFrame({"stay_id": np.arange(mix["first_id"], mix["first_id"] + n),
                          "age": age, "sex": sex, "sepsis": sepsis, "severity": s})
    for organ in ORGANS:
        frame[organ] = 0.6 * s + 0.8 * rng.standard_normal(n)
    age_z = (age - 65.0) / 12.0
    logit = (_OUTCOME["intercept"] + _OUTCOME["age_z"] * age_z + _OUTCOME["sepsis"] * sepsis
             + sum(_OUTCOME[o] * frame[o] for o in ("cv", "resp", "renal", "hep", "neuro",
                                                    "coag")))
    frame["risk"] = 1.0 / (1.0 + np.exp(-logit))
    frame["died_icu"] = (rng.random(n) < frame["risk"]).astype(int)
    days = rng.integers(0, 5 * 365, n)
    hour = rng.integers(0, 24, n)
    base = {"A": "2130-01-01", "B": "2021-01-01", "C": "2018-01-01"}[site]
    frame["intime"] = (pd.Timestamp(base) + pd.to_timedelta(days, unit="D")
                       + pd.to_timedelta(hour, unit="h"))
    return frame


def _ar1(rng: np.random.Generator, n: int, sd: float, rho: float = 0.8) -> np.ndarray:
    z = np.empty((n, HOURS))
    z[:, 0] = rng.standard_normal(n)
    for h in range(1, HOURS):
        z[:, h] = rho * z[:, h - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    return sd * z


def _truth(rng: np.random.Generator, p: pd.DataFrame) -> dict[str, np.ndarray]:
    """Hourly true values (n × HOURS) of every concept, in the dictionary's target units."""
    n = len(p)
    e = lambda: rng.standard_normal(n)  # noqa: E731 - tiny local helper
    cv, resp, renal, hep, neuro, coag, met = (p[o].to_numpy() for o in ORGANS)
    sepsis = p["sepsis"].to_numpy()
    col = lambda v: np.asarray(v)[:, None]  # noqa: E731
    hr = col(88 + 10 * cv + 8 * sepsis + 8 * e()) + _ar1(rng, n, 6)
    mapv = col(78 - 8 * cv + 7 * e()) + _ar1(rng, n, 5)
    sbp = mapv + col(38 + 8 * e()) + _ar1(rng, n, 5)
    rr = col(18 + 3.5 * resp + 2.5 * e()) + _ar1(rng, n, 2)
    spo2 = col(97 - 1.8 * np.maximum(resp, 0) + 0.8 * e()) + _ar1(rng, n, 1.0)
    temp = col(36.9 + 0.9 * sepsis + 0.35 * e()) + _ar1(rng, n, 0.25)
    fio2_base = np.where(resp < -0.3, 21, np.clip(30 + 18 * resp + 5 * e(), 21, 100))
    fio2 = np.clip(np.round((col(fio2_base) + _ar1(rng, n, 4, 0.95)) / 5) * 5, 21, 100)
    fio2[fio2 < 25] = 21
    x = np.maximum(neuro + 0.2, 0) * 1.6
    wobble = _ar1(rng, n, 0.35, 0.9)
    eye = np.clip(np.round(col(4 - 0.8 * x) + wobble), 1, 4)
    verbal = np.clip(np.round(col(5 - 1.3 * x) + wobble), 1, 5)
    motor = np.clip(np.round(col(6 - 1.0 * x) + wobble), 1, 6)
    lognorm = lambda centre, slope, organ, sd, day=0.08: (  # noqa: E731
        col(np.exp(np.log(centre) + slope * organ + sd * e())) * np.exp(_ar1(rng, n, day, 0.97)))
    return {
        "heart_rate": hr, "map": mapv, "sbp": sbp, "resp_rate": rr,
        "spo2": np.minimum(spo2, 100), "temperature": temp, "fio2": fio2,
        "gcs_eye": eye, "gcs_verbal": verbal, "gcs_motor": motor,
        "gcs_total": eye + verbal + motor,
        "lactate": lognorm(1.4, 0.35, cv + 0.4 * sepsis, 0.25, 0.15),
        "creatinine": lognorm(1.0, 0.45, renal, 0.25),
        "bun": lognorm(20.0, 0.45, renal, 0.25),
        "bilirubin": lognorm(0.8, 0.55, hep, 0.30),
        "platelets": lognorm(210.0, -0.35, coag, 0.25),
        "wbc": lognorm(9.5, 0.25, 0.5 * sepsis + 0.3 * cv, 0.30),
        "haemoglobin": col(11.0 - 0.5 * coag + 1.4 * e()) + _ar1(rng, n, 0.2, 0.97),
        "glucose": lognorm(135.0, 0.15, met, 0.20, 0.12),
        "sodium": col(139 + 3.5 * e()) + _ar1(rng, n, 0.8, 0.97),
        "potassium": col(4.2 + 0.25 * renal + 0.4 * e()) + _ar1(rng, n, 0.15, 0.97),
        "weight": col(np.clip(80 + 18 * e(), 40, 180)) + np.zeros((n, HOURS)),
    }


_DECIMALS = {"heart_rate": 0, "map": 0, "sbp": 0, "resp_rate": 0, "spo2": 0, "temperature": 1,
             "fio2": 0, "gcs_eye": 0, "gcs_verbal": 0, "gcs_motor": 0, "gcs_total": 0,
             "lactate": 1, "creatinine": 2, "bun": 0, "bilirubin": 1, "platelets": 0, "wbc": 1,
             "haemoglobin": 1, "glucose": 0, "sodium": 0, "potassium": 1, "weight": 1}


def _events(truth: dict, p: pd.DataFrame, schedule: dict[str, list[int]],
            rng: np.random.Generator) -> pd.DataFrame:
    """Long table of true values at the scheduled hours: stay_id, hour, minute, concept, value."""
    parts = []
    n = len(p)
    for name, hours in schedule.items():
        hours = np.asarray(hours)
        values = truth[name][:, hours]
        minute = (np.zeros_like(values, dtype=int) if name in _VITALS
                  else rng.integers(0, 60, values.shape))
        parts.append(pd.DataFrame({
            "stay_id": np.repeat(p["stay_id"].to_numpy(), len(hours)),
            "hour": np.tile(hours, n), "minute": minute.ravel(), "concept": name,
            "value": values.ravel()}))
    return pd.concat(parts, ignore_index=True)


_VITALS = {"heart_rate", "map", "sbp", "resp_rate", "spo2", "temperature", "fio2",
           "gcs_eye", "gcs_verbal", "gcs_motor", "gcs_total", "weight"}


def _round(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    out = values.astype(np.float64).copy()
    for d in np.unique(decimals):
        rows = decimals == d
        out[rows] = np.round(out[rows], int(d))
    return out


def _pick(rng: np.random.Generator, mask: np.ndarray, share: float) -> np.ndarray:
    """A random subset (about ``share``) of the rows where ``mask`` is true."""
    return mask & (rng.random(mask.shape[0]) < share)


def _duplicate(rng: np.random.Generator, frame: pd.DataFrame, share: float) -> pd.DataFrame:
    twins = frame.loc[rng.random(len(frame)) < share]
    return pd.concat([frame, twins]).sort_index(kind="stable").reset_index(drop=True)


def _hospital_a(rng, p, truth) -> pd.DataFrame:
    every = list(range(HOURS))
    four = list(range(0, HOURS, 4))
    schedule = {c: every for c in ("heart_rate", "resp_rate", "spo2", "map", "sbp")}
    schedule |= {c: four for c in ("temperature", "fio2", "gcs_total", "gcs_eye", "gcs_verbal",
                                   "gcs_motor")}
    schedule |= {c: [2, 14] for c in ("creatinine", "lactate", "bilirubin", "haemoglobin", "bun",
                                      "platelets", "wbc", "sodium", "potassium")}
    schedule |= {"glucose": [2, 8, 14, 20], "weight": [0]}
    ev = _events(truth, p, schedule, rng)
    items = {"heart_rate": (7001, "bpm"), "resp_rate": (7002, "insp/min"), "spo2": (7003, "%"),
             "temperature": (7004, "°C"), "map": (7005, "mmHg"), "sbp": (7006, "mmHg"),
             "fio2": (7007, "%"), "gcs_total": (7010, None), "gcs_eye": (7011, None),
             "gcs_verbal": (7012, None), "gcs_motor": (7013, None), "glucose": (7020, "mg/dL"),
             "creatinine": (7021, "mg/dL"), "lactate": (7022, "mmol/L"),
             "bilirubin": (7023, "mg/dL"), "haemoglobin": (7024, "g/dL"),
             "bun": (7025, "mg/dL"), "platelets": (7026, "K/uL"), "wbc": (7027, "K/uL"),
             "sodium": (7028, "mEq/L"), "potassium": (7029, "mEq/L"), "weight": (7030, "lb")}
    value = ev["value"].to_numpy().copy()
    unit = ev["concept"].map({k: v[1] for k, v in items.items()}).to_numpy(dtype=object)
    is_ = lambda c: ev["concept"].eq(c).to_numpy()  # noqa: E731
    value[is_("weight")] = value[is_("weight")] / 0.45359237
    # Some nurses chart temperature in °F (with the right unit) ...
    fahr = _pick(rng, is_("temperature"), 0.15)
    value[fahr] = value[fahr] * 9 / 5 + 32
    unit[fahr] = "°F"
    # ... a few chart °F but leave the unit at °C (an error bounds will catch)
    wrong = _pick(rng, is_("temperature") & ~fahr, 0.01)
    value[wrong] = value[wrong] * 9 / 5 + 32
    # A few glucose results typed in mmol/L under a mg/dL unit (an error bounds miss)
    glu = _pick(rng, is_("glucose"), 0.01)
    value[glu] = value[glu] / 18.016
    # Impossible values: monitor artefacts and typing slips
    value[_pick(rng, is_("heart_rate"), 0.002)] = 999
    value[_pick(rng, is_("spo2"), 0.003)] = 0
    value[_pick(rng, is_("sbp"), 0.002)] = 400
    value[_pick(rng, is_("glucose"), 0.003)] = -1
    value = _round(value, ev["concept"].map(_DECIMALS).to_numpy())
    time = (ev["stay_id"].map(p.set_index("stay_id")["intime"])
            + pd.to_timedelta(ev["hour"], unit="h") + pd.to_timedelta(ev["minute"], unit="m"))
    raw = pd.DataFrame({"stay_id": ev["stay_id"], "charttime": time,
                        "itemid": ev["concept"].map({k: v[0] for k, v in items.items()}),
                        "value": value, "valueuom": unit})
    pain = p[["stay_id"]].merge(pd.DataFrame({"hour": four}), how="cross")
    pain = pd.DataFrame({"stay_id": pain["stay_id"],
                         "charttime": pain["stay_id"].map(p.set_index("stay_id")["intime"])
                         + pd.to_timedelta(pain["hour"], unit="h"),
                         "itemid": 7099, "value": rng.integers(0, 11, len(pain)).astype(float),
                         "valueuom": None})
    raw = pd.concat([raw, pain], ignore_index=True).sort_values(
        ["stay_id", "charttime", "itemid"], kind="stable").reset_index(drop=True)
    raw = _duplicate(rng, raw, 0.01)
    raw["charttime"] = raw["charttime"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return raw


_B_COLUMNS = {"heart_rate": "FC (/min)", "resp_rate": "FR (/min)", "spo2": "SpO2 (%)",
              "temperature": "Temp (°C)", "map": "PAM (mmHg)", "sbp": "PAS (mmHg)",
              "fio2": "FiO2", "gcs_total": "Glasgow", "glucose": "Glycémie (mmol/L)",
              "creatinine": "Créatinine (µmol/L)", "lactate": "Lactate (mmol/L)",
              "bilirubin": "Bilirubine (µmol/L)", "haemoglobin": "Hémoglobine (g/dL)",
              "bun": "Urée (mmol/L)", "platelets": "Plaquettes (10^9/L)",
              "wbc": "Leucocytes (10^9/L)", "sodium": "Sodium (mmol/L)",
              "potassium": "Potassium (mmol/L)", "weight": "Poids (kg)"}


def _hospital_b(rng, p, truth) -> pd.DataFrame:
    rows = list(range(0, HOURS, 2))  # one row every two hours
    n = len(p)
    frame = pd.DataFrame({"sejour": np.repeat(p["stay_id"].to_numpy(), len(rows)),
                          "hour": np.tile(rows, n)})
    grid = lambda name, hours: _on_rows(truth[name], rows, hours)  # noqa: E731
    vit = rows
    lab = [2, 14]
    for name in ("heart_rate", "resp_rate", "spo2", "temperature", "map", "sbp"):
        frame[_B_COLUMNS[name]] = grid(name, vit)
    frame["FiO2"] = grid("fio2", vit) / 100.0
    frame["Glasgow"] = grid("gcs_total", list(range(0, HOURS, 4)))
    convert = {"glucose": 1 / 18.016, "creatinine": 88.4, "bilirubin": 17.1,
               "bun": 1 / 2.8014, "lactate": 1.0, "haemoglobin": 1.0, "platelets": 1.0,
               "wbc": 1.0, "sodium": 1.0, "potassium": 1.0}
    for name, factor in convert.items():
        frame[_B_COLUMNS[name]] = grid(name, lab) * factor
    frame["Poids (kg)"] = grid("weight", [0])
    frame["PVC (mmHg)"] = np.where(np.repeat(rng.random(n) < 0.4, len(rows)),
                                   np.round(rng.normal(9, 3, len(frame))), np.nan)
    # Errors: FiO2 sometimes typed in percent in the fraction column (bimodal FiO2),
    # creatinine sometimes in mg/dL in the µmol/L column, impossible temperatures.
    # (copies: under pandas 3's Copy-on-Write, to_numpy() of a column is read-only)
    fio2 = frame["FiO2"].to_numpy(copy=True)
    slip = _pick(rng, ~np.isnan(fio2), 0.05)
    fio2[slip] = fio2[slip] * 100
    frame["FiO2"] = fio2
    crea = frame[_B_COLUMNS["creatinine"]].to_numpy(copy=True)
    slip = _pick(rng, ~np.isnan(crea), 0.01)
    crea[slip] = crea[slip] / 88.4
    frame[_B_COLUMNS["creatinine"]] = crea
    temp = frame[_B_COLUMNS["temperature"]].to_numpy(copy=True)
    temp[_pick(rng, ~np.isnan(temp), 0.003)] = 0.0
    frame[_B_COLUMNS["temperature"]] = temp
    decimals = {_B_COLUMNS[k]: d for k, d in _DECIMALS.items() if k in _B_COLUMNS}
    decimals |= {"FiO2": 2, "Glycémie (mmol/L)": 1, "Créatinine (µmol/L)": 0,
                 "Bilirubine (µmol/L)": 0, "Urée (mmol/L)": 1}
    for column, d in decimals.items():
        frame[column] = frame[column].round(d)
    time = (frame["sejour"].map(p.set_index("stay_id")["intime"])
            + pd.to_timedelta(frame["hour"], unit="h"))
    frame.insert(1, "horodatage", time.dt.strftime("%d/%m/%Y %H:%M"))
    frame = frame.drop(columns="hour")
    return _duplicate(rng, frame, 0.01)


def _on_rows(values: np.ndarray, rows: list[int], hours: list[int]) -> np.ndarray:
    """Values at ``hours`` placed on the export rows (NaN on the other rows)."""
    out = np.full((values.shape[0], len(rows)), np.nan)
    for h in hours:
        out[:, rows.index(h)] = values[:, h]
    return out.ravel()


_C_ITEMS = {"heart_rate": ("Hartfrequentie", "/min"), "resp_rate": ("Ademfrequentie", "/min"),
            "spo2": ("Saturatie", "%"), "temperature": ("Temperatuur", "°C"),
            "map": ("MAP", "mmHg"), "sbp": ("Systolische bloeddruk", "mmHg"),
            "fio2": ("FiO2", "%"), "gcs_eye": ("GCS ogen", ""),
            "gcs_verbal": ("GCS verbaal", ""), "gcs_motor": ("GCS motoriek", ""),
            "glucose": ("Glucose", "mmol/L"), "creatinine": ("Kreatinine", "µmol/L"),
            "lactate": ("Lactaat", "mmol/L"), "bilirubin": ("Bilirubine totaal", "µmol/L"),
            "haemoglobin": ("Hemoglobine", "mmol/L"), "bun": ("Ureum", "mmol/L"),
            "platelets": ("Trombocyten", "10^9/L"), "wbc": ("Leukocyten", "10^9/L"),
            "sodium": ("Natrium", "mmol/L"), "potassium": ("Kalium", "mmol/L"),
            "weight": ("Gewicht", "kg")}
_C_LABELS = {
    "gcs_eye": ["Niet", "Op pijn", "Op aanspreken", "Spontaan"],
    "gcs_verbal": ["Geen geluid", "Onverstaanbare woorden", "Onjuiste woorden", "Verwarde taal",
                   "Georiënteerd"],
    "gcs_motor": ["Geen reactie", "Strekken op pijn", "Abnormaal buigen bij pijn",
                  "Terugtrekken bij pijn", "Localiseren pijn", "Voert opdrachten uit"],
}


def _hospital_c(rng, p, truth) -> pd.DataFrame:
    every = list(range(HOURS))
    schedule = {c: every for c in ("heart_rate", "resp_rate", "spo2", "map", "sbp")}
    schedule |= {"temperature": list(range(0, HOURS, 2)), "fio2": list(range(0, HOURS, 4))}
    schedule |= {c: list(range(0, HOURS, 2)) for c in ("gcs_eye", "gcs_verbal", "gcs_motor")}
    schedule |= {c: [3, 15] for c in ("creatinine", "bilirubin", "haemoglobin", "bun",
                                      "platelets", "wbc", "sodium", "potassium", "lactate")}
    schedule |= {"glucose": [3, 9, 15, 21], "weight": [0]}
    ev = _events(truth, p, schedule, rng)
    # Practice: lactate is repeated every four hours while it is above 2.5 mmol/L.
    high = truth["lactate"][:, 3] > 2.5
    extra = p.loc[high, ["stay_id"]].merge(pd.DataFrame({"hour": [7, 11, 19, 23]}), how="cross")
    rows_of = {sid: i for i, sid in enumerate(p["stay_id"])}
    extra["value"] = truth["lactate"][extra["stay_id"].map(rows_of), extra["hour"]]
    extra["minute"] = rng.integers(0, 60, len(extra))
    extra["concept"] = "lactate"
    ev = pd.concat([ev, extra[ev.columns]], ignore_index=True)
    value = ev["value"].to_numpy().copy()
    is_ = lambda c: ev["concept"].eq(c).to_numpy()  # noqa: E731
    factors = {"glucose": 1 / 18.016, "creatinine": 88.4, "bilirubin": 17.1, "bun": 1 / 2.8014,
               "haemoglobin": 0.6206}
    for name, factor in factors.items():
        value[is_(name)] *= factor
    # Errors: a few glucose values in mg/dL under mmol/L; impossible respiratory rates.
    glu = _pick(rng, is_("glucose"), 0.005)
    value[glu] *= 18.016
    value[_pick(rng, is_("resp_rate"), 0.002)] = 200
    dec = ev["concept"].map(_DECIMALS | {"glucose": 1, "creatinine": 0, "bilirubin": 0,
                                         "bun": 1, "haemoglobin": 1}).to_numpy()
    text = np.array([f"{np.round(v, d):.{d}f}" for v, d in zip(value, dec, strict=True)],
                    dtype=object)
    for name, labels in _C_LABELS.items():
        rows = is_(name)
        text[rows] = np.array(labels, dtype=object)[value[rows].astype(int) - 1]
        unknown = _pick(rng, rows, 0.01)
        text[unknown] = "Niet te beoordelen"
    time = (ev["stay_id"].map(p.set_index("stay_id")["intime"])
            + pd.to_timedelta(ev["hour"], unit="h") + pd.to_timedelta(ev["minute"], unit="m"))
    raw = pd.DataFrame({"opname_id": ev["stay_id"], "tijdstip": time,
                        "parameter": ev["concept"].map({k: v[0] for k, v in _C_ITEMS.items()}),
                        "waarde": text,
                        "eenheid": ev["concept"].map({k: v[1] for k, v in _C_ITEMS.items()})})
    cvd = p.loc[rng.random(len(p)) < 0.3, ["stay_id"]].merge(
        pd.DataFrame({"hour": every}), how="cross")
    cvd = pd.DataFrame({"opname_id": cvd["stay_id"],
                        "tijdstip": cvd["stay_id"].map(p.set_index("stay_id")["intime"])
                        + pd.to_timedelta(cvd["hour"], unit="h"),
                        "parameter": "CVD", "waarde": np.round(rng.normal(9, 3, len(cvd))).astype(
                            int).astype(str), "eenheid": "mmHg"})
    raw = pd.concat([raw, cvd], ignore_index=True).sort_values(
        ["opname_id", "tijdstip", "parameter"], kind="stable").reset_index(drop=True)
    raw = _duplicate(rng, raw, 0.01)
    raw["tijdstip"] = raw["tijdstip"].dt.strftime("%Y-%m-%dT%H:%M")
    return raw


def simulate(seed: int = SEED) -> dict[str, SyntheticSite]:
    """Simulate the three hospitals.

    Parameters
    ----------
    seed : int
        Seed of the random generator; ``SEED`` reproduces the shipped files.

    Returns
    -------
    dict
        ``{"A": SyntheticSite, "B": ..., "C": ...}``; each has ``raw`` (the export as
        the hospital would send it) and ``stays`` (``stay_id, intime, age, sex,
        died_icu``).
    """
    rng = np.random.default_rng(seed)
    out = {}
    for site, export in (("A", _hospital_a), ("B", _hospital_b), ("C", _hospital_c)):
        patients = _patients(rng, site)
        truth = _truth(rng, patients)
        raw = export(rng, patients, truth)
        stays = patients[["stay_id", "intime", "age", "sex", "died_icu"]].copy()
        stays["age"] = stays["age"].astype("int64")
        out[site] = SyntheticSite(site, raw, stays)
    return out


FILES = {"A": "icu-hospital-a", "B": "icu-hospital-b", "C": "icu-hospital-c"}


def write_datasets(root: str | Path, seed: int = SEED) -> dict[str, Path]:
    """Write the three hospitals to ``<root>/icu-hospital-{a,b,c}/`` (raw.parquet, stays.csv)."""
    root = Path(root)
    out = {}
    for site, result in simulate(seed).items():
        folder = root / FILES[site]
        folder.mkdir(parents=True, exist_ok=True)
        result.raw.to_parquet(folder / "raw.parquet", index=False, compression="zstd")
        stays = result.stays.copy()
        stays["intime"] = stays["intime"].dt.strftime("%Y-%m-%d %H:%M:%S")
        stays.to_csv(folder / "stays.csv", index=False)
        out[site] = folder
    return out
