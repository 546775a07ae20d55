"""Resample the long table to an hourly grid per stay, as ICU benchmarks do.

Following YAIB [1]_: one row per stay and hour since admission, one column per concept
(the hour's mean by default), a missingness indicator per concept that says whether the
value was *measured* in that hour, and forward fill within a limit so that an old value
is not carried for ever.

References
----------
.. [1] van de Water R, Schmidt H, Elbers P, Thoral P, Arnrich B, Rockenschaub P. Yet
   Another ICU Benchmark: a flexible multi-center framework for clinical ML. ICLR 2024.
   arXiv:2306.05109
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from aimed.i18n import t
from aimed.icu.dictionary import concept, concepts
from aimed.icu.harmonise import COLUMNS

__all__ = ["hourly_grid", "summarise"]

_AGGREGATES = ("mean", "median", "min", "max", "last", "first")


def _check_table(table: object) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(t("icu.table_not_long", columns=list(COLUMNS),
                           missing=["(not a DataFrame)"]))
    missing = [c for c in ("stay_id", "time", "concept", "value") if c not in table.columns]
    if missing:
        raise ValueError(t("icu.table_not_long", columns=list(COLUMNS), missing=missing))
    return table


def _hours(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
            low <= value <= high):
        raise ValueError(t("icu.bad_hours", name=name, low=low, high=high, got=repr(value)))
    return int(value)


def hourly_grid(table: pd.DataFrame, *, hours: int = 24, start: pd.Series | None = None,
                agg: str = "mean", ffill_limit: int | Mapping[str, int] | None = 6,
                include: Sequence[str] | None = None) -> pd.DataFrame:
    """Resample a long table to one row per stay and hour, with missingness indicators.

    Parameters
    ----------
    table : pandas.DataFrame
        The long table of :func:`aimed.icu.harmonise` (``stay_id, time, concept, value``).
    hours : int, default 24
        Length of the grid, in hours from ``start`` (1 to 720).
    start : pandas.Series, optional
        Start time of each stay (index ``stay_id``), for example the ICU admission time.
        By default, the time of each stay's first measurement.
    agg : {"mean", "median", "min", "max", "last", "first"}
        How to combine several measurements within the same hour.
    ffill_limit : int, dict or None, default 6
        Carry the last value forward for at most this many hours (0 = never; ``None`` =
        without limit). A dict gives a limit per concept (missing concepts: no fill).
    include : sequence of str, optional
        Concepts to include (default: those present, in dictionary order).

    Returns
    -------
    pandas.DataFrame
        Index ``(stay_id, hour)`` with ``hour`` = 0 … hours-1. For each concept ``c`` a
        column ``c`` (value after forward fill, in the concept's unit) and a column
        ``c_measured`` (1 if at least one value fell in that hour, else 0). Stays with no
        measurement in the window still get their rows, all missing.

    Raises
    ------
    ValueError
        For a table without the long-table columns, a bad ``hours``, ``agg`` or limit.
    """
    table = _check_table(table)
    hours = _hours(hours, "hours", 1, 720)
    if agg not in _AGGREGATES:
        raise ValueError(f"agg must be one of {_AGGREGATES}, got {agg!r}")
    order = [c for c in concepts() if c in set(table["concept"].unique())]
    if include is not None:
        for name in include:
            concept(name)
        order = list(include)
    stays = np.sort(table["stay_id"].unique()) if start is None else np.asarray(start.index)
    if start is None:
        start = table.groupby("stay_id")["time"].min()
    # reindex, not Series.map: pandas 3 fails to map through an empty datetime Series
    begin = pd.Series(start.reindex(table["stay_id"]).to_numpy(), index=table.index)
    hour = np.floor((table["time"] - begin) / pd.Timedelta(hours=1))
    inside = (hour >= 0) & (hour < hours) & table["concept"].isin(order)
    part = pd.DataFrame({"stay_id": table["stay_id"][inside], "hour": hour[inside].astype("int64"),
                         "concept": table["concept"][inside], "value": table["value"][inside]})
    wide = (part.groupby(["stay_id", "hour", "concept"], sort=False)["value"].agg(agg)
            .unstack("concept"))
    full = pd.MultiIndex.from_product([stays, range(hours)], names=["stay_id", "hour"])
    wide = wide.reindex(index=full, columns=order)
    measured = wide.notna().astype("int8").add_suffix("_measured")
    filled = wide.copy()
    for name in order:
        limit = ffill_limit.get(name, 0) if isinstance(ffill_limit, Mapping) else ffill_limit
        if limit is not None:
            limit = _hours(limit, f"ffill_limit[{name!r}]", 0, 720)
        if limit == 0:
            continue
        filled[name] = filled[name].groupby(level="stay_id").ffill(limit=limit)
    out = pd.concat([filled, measured], axis=1)
    out.columns.name = None
    return out[[c for name in order for c in (name, f"{name}_measured")]]


def summarise(grid: pd.DataFrame, stats: Sequence[str] = ("mean", "min", "max")
              ) -> pd.DataFrame:
    """One row per stay: summary statistics of each concept over the grid.

    Parameters
    ----------
    grid : pandas.DataFrame
        The output of :func:`hourly_grid`.
    stats : sequence of str
        Any of ``"mean", "min", "max", "median", "last"``; plus, always, the fraction of
        hours in which the concept was measured (``<concept>_frac_measured``).

    Returns
    -------
    pandas.DataFrame
        Index ``stay_id``; columns ``<concept>_<stat>``. A concept never measured in a
        stay gives NaN (impute it in the model pipeline).
    """
    values = [c for c in grid.columns if not c.endswith("_measured")]
    grouped = grid[values].groupby(level="stay_id")
    parts = [grouped.agg(stat).add_suffix(f"_{stat}") for stat in stats]
    flags = [c for c in grid.columns if c.endswith("_measured")]
    frac = grid[flags].groupby(level="stay_id").mean()
    frac.columns = [c.replace("_measured", "_frac_measured") for c in flags]
    return pd.concat([*parts, frac], axis=1)
