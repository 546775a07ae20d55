"""Two places that pandas 3 broke (Copy-on-Write, mapping through an empty Series).

They run with whatever pandas is installed; `make test-latest` runs them with the newest
versions pyproject.toml allows, and they were checked by hand with pandas 3.0.6.
"""

from __future__ import annotations

import pandas as pd

from aimed.icu import grid, synth


def _empty_long_table() -> pd.DataFrame:
    return pd.DataFrame({"stay_id": pd.Series(dtype="int64"),
                         "time": pd.Series(dtype="datetime64[ns]"),
                         "concept": pd.Series(dtype=object),
                         "value": pd.Series(dtype="float64")})


def test_hourly_grid_of_an_empty_table():
    assert grid.hourly_grid(_empty_long_table()).shape == (0, 0)
    wide = grid.hourly_grid(_empty_long_table(), include=["heart_rate"])
    assert list(wide.columns) == ["heart_rate", "heart_rate_measured"] and wide.empty


def test_hourly_grid_keeps_stays_without_measurements():
    start = pd.Series(pd.to_datetime(["2024-01-01 08:00"]), index=pd.Index([7], name="stay_id"))
    wide = grid.hourly_grid(_empty_long_table(), start=start, include=["heart_rate"], hours=3)
    assert wide.shape == (3, 2)
    assert wide["heart_rate"].isna().all() and (wide["heart_rate_measured"] == 0).all()


def test_hospital_b_errors_are_injected_into_copies():
    sites = synth.simulate()
    raw = sites["B"].raw
    fio2 = pd.to_numeric(raw["FiO2"], errors="coerce").dropna()
    # some FiO2 values typed in percent in the fraction column: the slip was written
    assert (fio2 > 1).any() and (fio2 <= 1).any()
