"""hourly_grid and summarise: aggregation, forward fill within a limit, missingness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aimed import icu

T0 = pd.Timestamp("2021-01-01 08:00")


def _table(rows):
    frame = pd.DataFrame(rows, columns=["stay_id", "minutes", "concept", "value"])
    frame["time"] = T0 + pd.to_timedelta(frame.pop("minutes"), unit="min")
    frame["unit"], frame["loinc"], frame["site"] = "", "", "T"
    return frame[list(icu.COLUMNS)]


@pytest.fixture
def table():
    return _table([(1, 0, "heart_rate", 80), (1, 30, "heart_rate", 100), (1, 125, "heart_rate", 90),
                   (1, 10, "lactate", 2.0), (2, 0, "heart_rate", 70), (2, 600, "lactate", 4.0)])


def test_mean_per_hour_forward_fill_limit_and_indicators(table):
    grid = icu.hourly_grid(table, hours=6, ffill_limit=1)
    assert grid.index.names == ["stay_id", "hour"] and len(grid) == 12
    one = grid.loc[1]
    assert one["heart_rate"].tolist()[:4] == [90.0, 90.0, 90.0, 90.0]
    assert one["heart_rate_measured"].tolist() == [1, 0, 1, 0, 0, 0]
    assert one["lactate"].iloc[:2].tolist() == [2.0, 2.0]
    assert np.isnan(one["lactate"].iloc[2])  # limit 1 hour
    assert list(grid.columns) == ["heart_rate", "heart_rate_measured", "lactate",
                                  "lactate_measured"]


def test_no_fill_dict_limits_and_aggregates(table):
    grid = icu.hourly_grid(table, hours=4, ffill_limit={"heart_rate": 0}, agg="max")
    assert grid.loc[(1, 0), "heart_rate"] == 100.0
    assert np.isnan(grid.loc[(1, 1), "heart_rate"])
    assert np.isnan(grid.loc[(1, 1), "lactate"])  # not in the dict: no fill
    unlimited = icu.hourly_grid(table, hours=4, ffill_limit=None)
    assert unlimited.loc[(1, 3), "lactate"] == 2.0


def test_start_times_and_values_outside_the_window(table):
    start = pd.Series({1: T0 - pd.Timedelta(hours=1), 2: T0, 3: T0})
    grid = icu.hourly_grid(table, hours=3, start=start, ffill_limit=0)
    assert grid.loc[(1, 1), "heart_rate"] == 90.0  # 08:00-08:59 is hour 1 now
    assert grid.loc[2, "lactate_measured"].sum() == 0  # 10 h later: outside the 3-hour grid
    assert grid.loc[3].isna()[["heart_rate", "lactate"]].all().all()  # stay with no data


def test_include_and_bad_arguments(table):
    grid = icu.hourly_grid(table, hours=2, include=["lactate"])
    assert list(grid.columns) == ["lactate", "lactate_measured"]
    for bad in (0, 2.5, True, 10_000):
        with pytest.raises(ValueError, match="hours must be a whole number"):
            icu.hourly_grid(table, hours=bad)
    with pytest.raises(ValueError, match="agg must be one of"):
        icu.hourly_grid(table, agg="sum")
    with pytest.raises(ValueError, match="ffill_limit"):
        icu.hourly_grid(table, ffill_limit=-1)
    with pytest.raises(ValueError, match="missing"):
        icu.hourly_grid(table.drop(columns="value"))
    with pytest.raises(icu.UnknownConceptError):
        icu.hourly_grid(table, include=["pulse"])


def test_summarise_per_stay(table):
    grid = icu.hourly_grid(table, hours=3, ffill_limit=0)
    feats = icu.summarise(grid, stats=("mean", "max"))
    assert feats.loc[1, "heart_rate_mean"] == pytest.approx(90.0)
    assert feats.loc[1, "heart_rate_frac_measured"] == pytest.approx(2 / 3)
    assert np.isnan(feats.loc[2, "lactate_max"])


def test_empty_table_gives_empty_grid():
    grid = icu.hourly_grid(_table([]), hours=2)
    assert grid.empty


def test_add_gcs_total_sums_complete_components_only():
    rows = [(1, 0, "gcs_eye", 3), (1, 0, "gcs_verbal", 4), (1, 0, "gcs_motor", 6),
            (1, 60, "gcs_eye", 2), (1, 60, "gcs_motor", 5),  # verbal missing: no total
            (2, 0, "gcs_eye", 4), (2, 0, "gcs_verbal", 5), (2, 0, "gcs_motor", 6),
            (2, 0, "gcs_total", 14)]  # a charted total is kept, not duplicated
    out = icu.add_gcs_total(_table(rows))
    totals = out[out["concept"] == "gcs_total"].set_index("stay_id")["value"]
    assert totals.to_dict() == {1: 13.0, 2: 14.0}
    derived = out[(out["concept"] == "gcs_total") & (out["stay_id"] == 1)]
    assert derived["loinc"].item() == "9269-2"
    assert len(out) == len(rows) + 1
    empty = _table([(1, 0, "heart_rate", 80)])
    assert icu.add_gcs_total(empty).equals(empty)
