"""Standardised parameters on the wire: MEDS Parquet and FHIR R4 Observation resources.

* **MEDS** (Medical Event Data Standard) [1]_ stores one row per event with the columns
  ``subject_id`` (int64), ``time`` (timestamp, microseconds), ``code`` (string) and
  ``numeric_value`` (float32), in Parquet; extra columns are allowed. Codes here are
  ``"LOINC/<code>"`` and the extra column ``unit`` keeps the UCUM unit.
* **FHIR R4 Observation** [2]_: one resource per measurement, coded with LOINC (system
  ``http://loinc.org``) and a ``valueQuantity`` in UCUM (system
  ``http://unitsofmeasure.org``). Resources are validated with ``fhir.resources``' R4B
  model (FHIR 4.3, whose Observation has the same elements as R4's).

References
----------
.. [1] Arnrich B, Choi E, Fries JA, et al. Medical Event Data Standard (MEDS): facilitating
   machine learning for health. ICLR 2024 Workshop on Learning from Time Series for Health.
   https://github.com/Medical-Event-Data-Standard/meds
.. [2] HL7 International. FHIR R4 Observation. https://hl7.org/fhir/R4/observation.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aimed.i18n import t
from aimed.icu.dictionary import concepts
from aimed.icu.harmonise import COLUMNS

__all__ = ["LOINC_SYSTEM", "UCUM_SYSTEM", "from_fhir", "read_meds", "to_fhir", "to_meds"]

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
_CATEGORY = {"vital sign": "vital-signs", "respiratory": "vital-signs",
             "anthropometry": "vital-signs", "laboratory": "laboratory",
             "neurological": "survey"}


def _check(table: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(t("icu.table_not_long", columns=list(COLUMNS),
                           missing=["(not a DataFrame)"]))
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(t("icu.table_not_long", columns=list(COLUMNS), missing=missing))
    return table


def _schema():
    import pyarrow as pa

    return pa.schema([("subject_id", pa.int64()), ("time", pa.timestamp("us")),
                      ("code", pa.string()), ("numeric_value", pa.float32()),
                      ("unit", pa.string()), ("site", pa.string())])


def to_meds(table: pd.DataFrame, path: str | Path | None = None):
    """Write the long table as MEDS events.

    Parameters
    ----------
    table : pandas.DataFrame
        The harmonised long table.
    path : str or Path, optional
        Where to write the Parquet file. Without it, nothing is written.

    Returns
    -------
    pyarrow.Table
        Columns ``subject_id, time, code, numeric_value`` (MEDS core) plus ``unit`` and
        ``site``, sorted by subject and time as MEDS requires.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = _check(table).sort_values(["stay_id", "time"], kind="stable")
    events = pa.Table.from_pandas(pd.DataFrame({
        "subject_id": table["stay_id"].astype("int64").to_numpy(),
        "time": table["time"].astype("datetime64[us]").to_numpy(),
        "code": ("LOINC/" + table["loinc"].astype(str)).to_numpy(),
        "numeric_value": table["value"].astype("float32").to_numpy(),
        "unit": table["unit"].astype(str).to_numpy(),
        "site": table["site"].astype(str).to_numpy(),
    }), schema=_schema(), preserve_index=False).replace_schema_metadata(None)
    if path is not None:
        pq.write_table(events, Path(path))
    return events


def read_meds(source) -> pd.DataFrame:
    """Read MEDS events (a Parquet path or a ``pyarrow.Table``) back into the long table.

    Values come back as float64 from MEDS' float32, so they agree to about 7 significant
    digits.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    events = source if isinstance(source, pa.Table) else pq.read_table(Path(source))
    frame = events.to_pandas()
    by_loinc = {c.loinc: c for c in concepts().values()}
    loinc = frame["code"].str.removeprefix("LOINC/")
    return pd.DataFrame({
        "stay_id": frame["subject_id"].astype("int64"),
        "time": frame["time"].astype("datetime64[ns]"),
        "concept": loinc.map({k: c.name for k, c in by_loinc.items()}),
        "value": frame["numeric_value"].astype("float64"),
        "unit": frame["unit"],
        "loinc": loinc,
        "site": frame["site"] if "site" in frame else "",
    })


def to_fhir(table: pd.DataFrame, *, validate: bool = True) -> list[dict[str, Any]]:
    """Turn each row of the long table into a FHIR R4 Observation resource (a dict).

    Parameters
    ----------
    table : pandas.DataFrame
        The harmonised long table. Times without a time zone are taken as UTC.
    validate : bool, default True
        Check every resource with ``fhir.resources`` (R4B Observation model).

    Returns
    -------
    list of dict
        JSON-ready Observation resources: ``status`` final, ``category``, ``code`` (LOINC),
        ``subject`` and ``encounter`` references built from site and stay,
        ``effectiveDateTime``, ``valueQuantity`` (UCUM).

    Raises
    ------
    ValueError
        If a resource does not validate; the message names the row and the error.
    """
    table = _check(table)
    info = concepts()
    times = pd.to_datetime(table["time"])
    stamps = times.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_numpy()
    out = []
    rows = zip(table["site"], table["stay_id"], table["concept"], table["value"],
               table["unit"], stamps, strict=True)
    for i, (site, stay, name, value, unit, stamp) in enumerate(rows):
        c = info[name]
        ref = f"{site}-{int(stay)}".replace(" ", "-")
        out.append({
            "resourceType": "Observation",
            "id": f"{ref}-{i}".lower(),
            "status": "final",
            "category": [{"coding": [{"system": _CATEGORY_SYSTEM,
                                      "code": _CATEGORY.get(c.category, "exam")}]}],
            "code": {"coding": [{"system": LOINC_SYSTEM, "code": c.loinc,
                                 "display": c.loinc_display}], "text": c.label},
            "subject": {"reference": f"Patient/{ref}"},
            "encounter": {"reference": f"Encounter/{ref}"},
            "effectiveDateTime": stamp,
            "valueQuantity": {"value": float(value), "unit": unit, "system": UCUM_SYSTEM,
                              "code": unit},
        })
    if validate:
        from fhir.resources.R4B.observation import Observation

        for i, resource in enumerate(out):
            try:
                Observation.model_validate(resource)
            except Exception as exc:  # noqa: BLE001 - pydantic raises several kinds
                raise ValueError(t("icu.fhir_invalid", index=i, error=exc)) from None
    return out


def from_fhir(resources: list[dict[str, Any]]) -> pd.DataFrame:
    """Read Observation resources written by :func:`to_fhir` back into the long table."""
    by_loinc = {c.loinc: c.name for c in concepts().values()}
    rows = []
    for r in resources:
        ref = r["encounter"]["reference"].split("/", 1)[1]
        site, stay = ref.rsplit("-", 1)
        coding = next(c for c in r["code"]["coding"] if c["system"] == LOINC_SYSTEM)
        rows.append({"stay_id": int(stay), "time": r["effectiveDateTime"],
                     "concept": by_loinc[coding["code"]],
                     "value": float(r["valueQuantity"]["value"]),
                     "unit": r["valueQuantity"]["code"], "loinc": coding["code"], "site": site})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], utc=True).dt.tz_localize(None).astype(
        "datetime64[ns]")
    frame["stay_id"] = frame["stay_id"].astype(np.int64)
    return frame
