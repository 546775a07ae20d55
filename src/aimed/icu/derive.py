"""Concepts derived from other concepts, as ricu's recursive concepts are."""

from __future__ import annotations

import pandas as pd

from aimed.icu.dictionary import concept
from aimed.icu.harmonise import COLUMNS

__all__ = ["add_gcs_total"]

_PARTS = ("gcs_eye", "gcs_verbal", "gcs_motor")


def add_gcs_total(table: pd.DataFrame) -> pd.DataFrame:
    """Add a GCS total wherever eye, verbal and motor were charted together but no total was.

    The Glasgow coma scale total is the sum of its three components (3-15). Hospitals that
    chart only the components (hospital C) then get the same concept as the others.

    Parameters
    ----------
    table : pandas.DataFrame
        A harmonised long table.

    Returns
    -------
    pandas.DataFrame
        A new table with the derived ``gcs_total`` rows added, sorted like the input.
        Times at which one component is missing get no total.
    """
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"table must have the columns {list(COLUMNS)}; missing {missing}")
    parts = table[table["concept"].isin(_PARTS)]
    if parts.empty:
        return table.copy()
    wide = parts.pivot_table(index=["stay_id", "time", "site"], columns="concept",
                             values="value", aggfunc="min")
    wide = wide.reindex(columns=list(_PARTS)).dropna()
    total = wide.sum(axis=1).rename("value").reset_index()
    have = table.loc[table["concept"] == "gcs_total", ["stay_id", "time"]]
    total = total.merge(have.drop_duplicates(), on=["stay_id", "time"], how="left",
                        indicator=True)
    total = total[total["_merge"] == "left_only"].drop(columns="_merge")
    c = concept("gcs_total")
    total["concept"], total["unit"], total["loinc"] = c.name, c.unit, c.loinc
    out = pd.concat([table, total[list(COLUMNS)]], ignore_index=True)
    return out.sort_values(["stay_id", "time", "concept"], kind="stable").reset_index(drop=True)
