"""Map one site's raw export to the standard long table, and report every removed row.

A *site mapping* is data, not code (as in ricu's per-source item lists [1]_): a dictionary
that names the export's columns, says whether the export is ``long`` (one row per
measurement, an item column and usually a unit column) or ``wide`` (one column per
measurement), and maps each item to a concept of the dictionary, with an optional unit
(when the export has no unit column) and an optional table of text values (a Dutch GCS
label such as ``"Op aanspreken"`` → 3). Built-in mappings live in ``aimed/icu/mappings``.

:func:`harmonise` is vectorised pandas: the only Python loops run over the handful of
(concept, unit) pairs and mapping entries, never over rows. Nothing is dropped silently:
unmapped items, unreadable values or times, unknown units, exact duplicates and values
outside the concept's plausibility bounds all go to the :class:`RemovalReport`, with a
count per site, concept and reason. This matters: a bound such as FiO2 ∈ [21, 100] %
applied to a column that stores FiO2 as a fraction (0.21-1) would otherwise delete every
value without a word.

References
----------
.. [1] Bennett N, et al. ricu: R's interface to intensive care data. GigaScience
   2023;12:giad041. doi:10.1093/gigascience/giad041
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from aimed.i18n import t
from aimed.icu.dictionary import concept, concepts
from aimed.icu.units import UnitError, conversion, unit_code

__all__ = ["COLUMNS", "REASONS", "Harmonised", "RemovalReport", "harmonise", "site_mapping",
           "sites"]

#: Columns of the standard long table, in order.
COLUMNS = ("stay_id", "time", "concept", "value", "unit", "loinc", "site")
#: Why a row can be removed, in the order the checks run.
REASONS = ("unmapped", "no_time", "not_a_number", "unknown_unit", "duplicate", "implausible")

_BUILT_IN = {"A": "hospital-a", "B": "hospital-b", "C": "hospital-c", "MIMIC-IV": "mimic-iv"}


def sites() -> list[str]:
    """Names of the built-in site mappings."""
    return list(_BUILT_IN)


@cache
def _built_in(name: str) -> dict:
    text = (resources.files("aimed.icu") / "mappings" / f"{_BUILT_IN[name]}.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def site_mapping(site: str | Mapping[str, Any]) -> dict:
    """Return a validated copy of a site mapping.

    Parameters
    ----------
    site : str or dict
        ``"A"``, ``"B"``, ``"C"`` or ``"MIMIC-IV"`` for a built-in mapping (see
        :func:`sites`), or a mapping dictionary with the keys ``site``, ``layout``
        (``"long"`` or ``"wide"``), ``columns`` and ``items``.

    Raises
    ------
    ValueError
        If the name is unknown or the dictionary is malformed; the message says what is
        wrong (an unknown concept, a missing column name, an unknown unit...).
    """
    if isinstance(site, str):
        key = site.strip()
        match = next((k for k in _BUILT_IN if k.lower() == key.lower()), None)
        if match is None:
            raise ValueError(t("icu.unknown_site", known=sites(), site=site))
        mapping = copy.deepcopy(_built_in(match))
    elif isinstance(site, Mapping):
        mapping = copy.deepcopy(dict(site))
    else:
        raise ValueError(t("icu.unknown_site", known=sites(), site=site))
    _validate(mapping)
    return mapping


def _bad(problem: str) -> ValueError:
    return ValueError(t("icu.bad_mapping", problem=problem))


def _validate(mapping: dict) -> None:
    for key in ("site", "layout", "columns", "items"):
        if key not in mapping:
            raise _bad(f"the key {key!r} is missing")
    if mapping["layout"] not in ("long", "wide"):
        raise _bad(f"layout must be 'long' or 'wide', got {mapping['layout']!r}")
    needed = ("stay_id", "time") + (("item", "value") if mapping["layout"] == "long" else ())
    missing = [c for c in needed if c not in mapping["columns"]]
    if missing:
        raise _bad(f"columns must name {list(needed)}; missing {missing}")
    if not isinstance(mapping["items"], Mapping) or not mapping["items"]:
        raise _bad("items must be a non-empty dictionary item -> {'concept': ...}")
    for item, entry in mapping["items"].items():
        if not isinstance(entry, Mapping) or "concept" not in entry:
            raise _bad(f"item {item!r} must map to a dictionary with a 'concept'")
        concept(entry["concept"])  # raises UnknownConceptError (a ValueError)
        if "unit" in entry:
            try:
                unit_code(entry["unit"], name=f"the unit of item {item!r}")
            except UnitError as exc:
                raise _bad(str(exc)) from None
        elif mapping["layout"] == "wide" or "unit" not in mapping["columns"]:
            raise _bad(f"item {item!r} needs a 'unit': the export has no unit column")
        if "values" in entry and not isinstance(entry["values"], Mapping):
            raise _bad(f"values of item {item!r} must be a dictionary text -> number")


class Harmonised(NamedTuple):
    """What :func:`harmonise` returns: the standard long table and the removal report."""

    table: pd.DataFrame
    report: RemovalReport


@dataclass
class RemovalReport:
    """Every row removed while harmonising, with the reason.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per removed measurement: ``site, stay_id, time, item, concept, value,
        unit, reason`` (``concept`` is ``"(unmapped)"`` for items not in the mapping,
        ``value`` and ``unit`` as they were in the export).
    total : int
        Number of measurements in the export(s).
    """

    rows: pd.DataFrame
    total: int

    @property
    def counts(self) -> pd.DataFrame:
        """Removed rows per site, concept and reason.

        Columns ``site, concept, reason, n`` and ``meaning`` (the reason in words, in the
        learner's language).
        """
        if self.rows.empty:
            return pd.DataFrame({"site": [], "concept": [], "reason": [], "n": [],
                                 "meaning": []}).astype({"n": "int64"})
        counts = (self.rows.groupby(["site", "concept", "reason"], observed=True)
                  .size().rename("n").reset_index())
        counts["meaning"] = counts["reason"].map({r: t(f"icu.reason.{r}") for r in REASONS})
        return counts.sort_values(["site", "n"], ascending=[True, False], kind="stable"
                                  ).reset_index(drop=True)

    def by_reason(self) -> pd.Series:
        """Number of removed rows per reason, in :data:`REASONS` order."""
        return self.rows["reason"].value_counts().reindex(list(REASONS), fill_value=0)

    def __len__(self) -> int:
        return len(self.rows)

    def __add__(self, other: RemovalReport) -> RemovalReport:
        return RemovalReport(pd.concat([self.rows, other.rows], ignore_index=True),
                             self.total + other.total)

    def summary(self) -> str:
        """One sentence: how many rows were removed, out of how many."""
        if len(self) == 0:
            return t("icu.report_nothing")
        share = f"{len(self) / self.total:.1%}" if self.total else "-"
        return t("icu.report_title", removed=len(self), total=self.total, share=share)

    def _shown(self) -> pd.DataFrame:
        """:attr:`counts` with its headers in the learner's language, for display only."""
        return self.counts.rename(columns={c: t(f"icu.report_column.{c}")
                                           for c in ("site", "concept", "reason", "n", "meaning")})

    def __repr__(self) -> str:
        return f"{self.summary()}\n{self._shown().to_string(index=False)}"

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>{self._shown().to_html(index=False)}"


def _strip_text(values: np.ndarray | pd.Series) -> np.ndarray:
    """``str(v).strip()`` for every value, computed once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=True)
    cleaned = np.array([str(u).strip() for u in uniques] + [None], dtype=object)
    return cleaned[codes]


def _to_long(raw: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    cols = mapping["columns"]
    site = mapping["site"]
    if mapping["layout"] == "long":
        wanted = [cols["stay_id"], cols["time"], cols["item"], cols["value"]]
        if "unit" in cols:
            wanted.append(cols["unit"])
        missing = [c for c in wanted if c not in raw.columns]
        if missing:
            raise ValueError(t("icu.missing_columns", columns=missing, site=site))
        return pd.DataFrame({
            "stay_id": raw[cols["stay_id"]].to_numpy(),
            "time": raw[cols["time"]].to_numpy(),
            "item": _strip_text(raw[cols["item"]]),
            "value_raw": raw[cols["value"]].to_numpy(),
            "unit_raw": (_strip_text(raw[cols["unit"]]) if "unit" in cols
                         else np.full(len(raw), None, dtype=object)),
        })
    ids = [cols["stay_id"], cols["time"]]
    missing = [c for c in ids if c not in raw.columns]
    if missing:
        raise ValueError(t("icu.missing_columns", columns=missing, site=site))
    values = [c for c in raw.columns if c not in ids]
    long = raw.melt(id_vars=ids, value_vars=values, var_name="item", value_name="value_raw")
    filled = long["value_raw"].notna().to_numpy()
    if long["value_raw"].dtype == object:
        filled &= pd.Series(_strip_text(long["value_raw"])).ne("").to_numpy()
    long = long.loc[filled]
    return pd.DataFrame({
        "stay_id": long[cols["stay_id"]].to_numpy(),
        "time": long[cols["time"]].to_numpy(),
        "item": long["item"].astype(str).to_numpy(),
        "value_raw": long["value_raw"].to_numpy(),
        "unit_raw": np.full(len(long), None, dtype=object),
    })


def _parse_time(values: pd.Series, fmt: str | None) -> np.ndarray:
    values = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]").to_numpy()
    # Many rows share a time stamp: parse each distinct text once.
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object), format=fmt, errors="coerce")
    parsed = np.append(parsed.astype("datetime64[ns]").to_numpy(), np.datetime64("NaT", "ns"))
    return parsed[codes]


def _numeric(frame: pd.DataFrame, mapping: dict) -> np.ndarray:
    raw = frame["value_raw"]
    if pd.api.types.is_numeric_dtype(raw):
        return raw.to_numpy(dtype=np.float64)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    text = pd.Series([str(u).strip() for u in uniques], dtype=object)
    numbers = np.append(pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64),
                        np.nan)[codes]
    coded = {item: entry["values"] for item, entry in mapping["items"].items()
             if "values" in entry}
    if coded:
        words = np.append(text.to_numpy(dtype=object), None)[codes]
        items = frame["item"].to_numpy()
        for item, table in coded.items():
            rows = items == item
            if rows.any():
                lookup = {str(k): float(v) for k, v in table.items()}
                numbers[rows] = pd.Series(words[rows]).map(lookup).to_numpy(dtype=np.float64)
    return numbers


def harmonise(raw: pd.DataFrame, site: str | Mapping[str, Any], *, convert: bool = True,
              bounds: bool = True, deduplicate: bool = True) -> Harmonised:
    """Map one site's raw export to the standard long table.

    Parameters
    ----------
    raw : pandas.DataFrame
        The site's export, exactly as loaded (long or wide).
    site : str or dict
        A built-in mapping name (``"A"``, ``"B"``, ``"C"``, ``"MIMIC-IV"``) or a mapping
        dictionary (see :func:`site_mapping`).
    convert : bool, default True
        Convert every value to its concept's UCUM target unit. ``False`` keeps the numbers
        as exported (and their unit): what pooling by column name alone produces.
    bounds : bool, default True
        Remove values outside the concept's plausibility bounds (in the target unit, or in
        the exported unit when ``convert=False``) and report them.
    deduplicate : bool, default True
        Remove exact duplicates (same stay, time, concept and value) and report them.

    Returns
    -------
    Harmonised
        ``(table, report)``. ``table`` has the columns ``stay_id`` (int), ``time``
        (datetime64), ``concept``, ``value`` (float, in ``unit``), ``unit`` (UCUM),
        ``loinc`` and ``site``, sorted by stay, time and concept. ``report`` is a
        :class:`RemovalReport` with every removed row and the counts per concept.

    Raises
    ------
    ValueError
        If ``raw`` is not a DataFrame, lacks a column the mapping needs, or the mapping
        is invalid.

    Examples
    --------
    >>> from aimed import data, icu
    >>> table, report = icu.harmonise(data.load("icu-hospital-b").raw, "B")
    >>> sorted(table["unit"][table["concept"] == "glucose"].unique())
    ['mg/dL']
    """
    if not isinstance(raw, pd.DataFrame):
        raise ValueError(t("icu.raw_not_frame", got=type(raw).__name__))
    mapping = site_mapping(site)
    frame = _to_long(raw, mapping)
    n = len(frame)
    items = mapping["items"]
    target = concepts()
    item = frame["item"].to_numpy()
    concept_of = pd.Series(item).map({k: v["concept"] for k, v in items.items()}).to_numpy()
    reason = np.full(n, None, dtype=object)
    alive = np.ones(n, dtype=bool)

    def drop(mask: np.ndarray, why: str) -> None:
        hit = alive & mask
        reason[hit] = why
        alive[hit] = False

    drop(pd.isna(concept_of), "unmapped")
    time = _parse_time(frame["time"], mapping.get("time_format"))
    drop(np.isnat(time), "no_time")
    value = _numeric(frame, mapping)
    drop(np.isnan(value), "not_a_number")

    default_unit = pd.Series(item).map({k: v.get("unit") for k, v in items.items()}).to_numpy()
    unit_raw = frame["unit_raw"].to_numpy()
    has_unit = pd.notna(unit_raw) & (unit_raw != "")
    unit_src = np.where(has_unit, unit_raw, default_unit)
    c_codes, c_uniques = pd.factorize(concept_of, use_na_sentinel=True)
    u_codes, u_uniques = pd.factorize(unit_src, use_na_sentinel=True)
    pair = (c_codes + 1) * (len(u_uniques) + 1) + (u_codes + 1)
    p_codes, p_uniques = pd.factorize(pair)
    g_scale = np.full(len(p_uniques), np.nan)
    g_offset = np.zeros(len(p_uniques))
    g_unit = np.empty(len(p_uniques), dtype=object)
    for g, key in enumerate(p_uniques):
        ci, ui = divmod(int(key), len(u_uniques) + 1)
        if ci == 0:
            continue  # unmapped, already reported
        c_name = c_uniques[ci - 1]
        u = u_uniques[ui - 1] if ui > 0 else None
        if not convert:
            g_scale[g], g_unit[g] = 1.0, u
            continue
        try:
            sc, off = conversion(u, target[c_name].unit, c_name)
        except UnitError:
            continue
        g_scale[g], g_offset[g], g_unit[g] = sc, off, target[c_name].unit
    scale = g_scale[p_codes]
    drop(np.isnan(scale), "unknown_unit")
    converted = value * scale + g_offset[p_codes]
    unit = g_unit[p_codes]

    table = pd.DataFrame({"stay_id": frame["stay_id"].to_numpy(), "time": time,
                          "concept": concept_of, "value": converted})
    if deduplicate:
        rows = np.flatnonzero(alive)
        twins = table.iloc[rows].duplicated(["stay_id", "time", "concept", "value"]).to_numpy()
        drop(np.isin(np.arange(n), rows[twins]), "duplicate")
    if bounds:
        low = pd.Series(concept_of).map({k: c.low for k, c in target.items()}).to_numpy(
            dtype=np.float64, na_value=np.nan)
        high = pd.Series(concept_of).map({k: c.high for k, c in target.items()}).to_numpy(
            dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            drop(~((converted >= low) & (converted <= high)), "implausible")

    name = mapping["site"]
    if not pd.api.types.is_integer_dtype(frame["stay_id"]):
        stay = pd.to_numeric(pd.Series(frame["stay_id"].to_numpy()), errors="coerce")
        bad = (stay.isna() | (stay != stay.round())).to_numpy()
        if bad.any():
            raise ValueError(t("icu.stay_not_integer", column=mapping["columns"]["stay_id"],
                               example=frame["stay_id"].to_numpy()[bad][0]))
    out = table.loc[alive].copy()
    out["unit"] = unit[alive]
    out["loinc"] = pd.Series(concept_of[alive]).map(
        {k: c.loinc for k, c in target.items()}).to_numpy()
    out["site"] = name
    out["stay_id"] = out["stay_id"].astype("int64")
    out = out.sort_values(["stay_id", "time", "concept"], kind="stable").reset_index(drop=True)
    gone = ~alive
    rows = pd.DataFrame({
        "site": name, "stay_id": frame["stay_id"].to_numpy()[gone], "time": time[gone],
        "item": item[gone],
        "concept": pd.Series(concept_of[gone], dtype=object).fillna("(unmapped)").to_numpy(),
        "value": frame["value_raw"].to_numpy()[gone], "unit": unit_src[gone],
        "reason": reason[gone]})
    return Harmonised(out[list(COLUMNS)], RemovalReport(rows, n))


def combine(results: Iterable[Harmonised]) -> Harmonised:
    """Stack the tables and reports of several sites into one."""
    results = list(results)
    table = pd.concat([r.table for r in results], ignore_index=True)
    report = results[0].report
    for r in results[1:]:
        report = report + r.report
    return Harmonised(table, report)
