"""aimed.icu.harmonise: declarative mappings, conversions, and nothing dropped silently."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from aimed import data, icu


@pytest.fixture(scope="module")
def sites():
    return {s: data.load(f"icu-hospital-{s.lower()}") for s in "ABC"}


@pytest.fixture(scope="module")
def harmonised(sites):
    return {s: icu.harmonise(sites[s].raw, s) for s in "ABC"}


def _long(rows):
    return pd.DataFrame(rows, columns=["stay_id", "charttime", "itemid", "value", "valueuom"])


MINI = {"site": "T", "layout": "long",
        "columns": {"stay_id": "stay_id", "time": "charttime", "item": "itemid",
                    "value": "value", "unit": "valueuom"},
        "items": {"1": {"concept": "glucose"}, "2": {"concept": "temperature"},
                  "3": {"concept": "gcs_eye", "unit": "{score}",
                        "values": {"Spontaan": 4, "Niet": 1}}}}


def test_table_has_the_contract_columns_and_types(harmonised):
    for site, (table, _report) in harmonised.items():
        assert list(table.columns) == list(icu.COLUMNS)
        assert table["stay_id"].dtype == np.int64
        assert pd.api.types.is_datetime64_any_dtype(table["time"])
        assert table["value"].dtype == np.float64
        assert (table["site"] == site).all()
        for name, unit in table.groupby("concept")["unit"].unique().items():
            assert list(unit) == [icu.concept(name).unit], name
        codes = table.groupby("concept")["loinc"].first()
        assert all(codes[k] == icu.concept(k).loinc for k in codes.index)


def test_every_value_is_within_bounds_and_every_row_is_accounted_for(sites, harmonised):
    for _site, (table, report) in harmonised.items():
        low = table["concept"].map(lambda c: icu.concept(c).low)
        high = table["concept"].map(lambda c: icu.concept(c).high)
        assert table["value"].between(low, high).all()
        assert len(table) + len(report) == report.total
        assert report.counts["n"].sum() == len(report)


def test_sites_agree_after_harmonisation(harmonised):
    medians = pd.DataFrame({s: t.groupby("concept")["value"].median()
                            for s, (t, _) in harmonised.items()})
    for name in ["glucose", "creatinine", "bun", "haemoglobin", "fio2", "temperature"]:
        row = medians.loc[name].dropna()
        assert row.max() / row.min() < 1.3, (name, row.to_dict())


def test_raw_pooling_shows_the_unit_shifts(sites):
    raw = {s: icu.harmonise(sites[s].raw, s, convert=False, bounds=False).table for s in "ABC"}
    med = {s: t.groupby("concept")["value"].median() for s, t in raw.items()}
    assert 14 < med["A"]["glucose"] / med["B"]["glucose"] < 22  # mg/dL vs mmol/L
    assert 70 < med["B"]["creatinine"] / med["A"]["creatinine"] < 110  # umol/L vs mg/dL
    assert 80 < med["A"]["fio2"] / med["B"]["fio2"] < 120  # % vs fraction


def test_reports_name_the_known_errors(harmonised):
    counts = {s: r.counts.set_index(["concept", "reason"])["n"] for s, (_, r) in
              harmonised.items()}
    assert counts["A"][("(unmapped)", "unmapped")] > 0
    assert counts["A"][("temperature", "implausible")] > 0
    assert counts["A"][("heart_rate", "implausible")] > 0
    assert counts["B"][("fio2", "implausible")] > 0  # percent typed in the fraction column
    assert counts["C"][("gcs_eye", "not_a_number")] > 0  # "Niet te beoordelen"
    for site in "ABC":
        assert counts[site].xs("duplicate", level="reason").sum() > 0


def test_fahrenheit_rows_are_converted_not_dropped(sites):
    raw = sites["A"].raw
    fahrenheit = raw[(raw["itemid"] == 7004) & (raw["valueuom"] == "°F")]
    assert len(fahrenheit) > 100
    table, _ = icu.harmonise(raw, "A")
    temps = table[table["concept"] == "temperature"]["value"]
    assert temps.between(32, 42).all() and len(temps) > 0.95 * (raw["itemid"] == 7004).sum()


def test_small_example_converts_maps_text_and_reports():
    raw = _long([
        (1, "2020-01-01 00:00:00", 1, "5.5", "mmol/L"),
        (1, "2020-01-01 00:00:00", 1, "5.5", "mmol/L"),  # duplicate
        (1, "2020-01-01 01:00:00", 1, "99", "mg/dL"),
        (1, "2020-01-01 01:00:00", 2, "98.6", "°F"),
        (1, "2020-01-01 02:00:00", 2, "37", "furlongs"),  # unknown unit
        (1, "2020-01-01 02:00:00", 2, "45", "Cel"),  # implausible
        (1, "2020-01-01 03:00:00", 3, "Spontaan ", None),  # text label, trailing space
        (1, "2020-01-01 03:00:00", 3, "Niet te beoordelen", None),  # not a number
        (1, "not a time", 1, "100", "mg/dL"),  # unreadable time
        (1, "2020-01-01 04:00:00", 9, "3", "x"),  # unmapped item
    ])
    table, report = icu.harmonise(raw, MINI)
    got = table.set_index(["time", "concept"])["value"]
    assert got[(pd.Timestamp("2020-01-01 00:00"), "glucose")] == pytest.approx(99.088)
    assert got[(pd.Timestamp("2020-01-01 01:00"), "temperature")] == pytest.approx(37.0)
    assert got[(pd.Timestamp("2020-01-01 03:00"), "gcs_eye")] == 4.0
    assert len(table) == 4
    assert report.by_reason().to_dict() == {"unmapped": 1, "no_time": 1, "not_a_number": 1,
                                            "unknown_unit": 1, "duplicate": 1,
                                            "implausible": 1}
    assert report.total == len(raw)
    assert "6 of 10" in report.summary()


def test_wide_layout_and_fraction_fio2():
    raw = pd.DataFrame({"sejour": [7, 7], "horodatage": ["01/02/2021 08:00", "01/02/2021 10:00"],
                        "FiO2": [0.4, 40.0], "Glycémie (mmol/L)": [np.nan, 7.0]})
    mapping = {"site": "W", "layout": "wide", "columns": {"stay_id": "sejour",
                                                          "time": "horodatage"},
               "time_format": "%d/%m/%Y %H:%M",
               "items": {"FiO2": {"concept": "fio2", "unit": "1"},
                         "Glycémie (mmol/L)": {"concept": "glucose", "unit": "mmol/L"}}}
    table, report = icu.harmonise(raw, mapping)
    assert table["time"].iloc[0] == pd.Timestamp("2021-02-01 08:00")  # day first
    assert table.set_index("concept")["value"]["fio2"] == pytest.approx(40.0)
    assert report.rows["value"].tolist() == [40.0]  # 4000 % is implausible, and reported
    assert report.total == 3  # the empty glucose cell is not a measurement


def test_ricu_style_silent_bounds_would_lose_every_fraction(sites):
    raw = sites["B"].raw["FiO2"].dropna()
    assert raw.between(21, 100).mean() < 0.1  # a silent [21, 100] filter keeps almost nothing
    table, report = icu.harmonise(sites["B"].raw, "B")
    kept = (table["concept"] == "fio2").sum()
    lost = report.counts.query("concept == 'fio2' and reason == 'implausible'")["n"].sum()
    assert kept > 0.9 * len(raw) and 0 < lost < 0.1 * len(raw)


def test_convert_false_keeps_source_units(sites):
    table, _ = icu.harmonise(sites["B"].raw, "B", convert=False, bounds=False)
    assert set(table[table["concept"] == "creatinine"]["unit"]) == {"umol/L"}


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match="raw must be a pandas DataFrame"):
        icu.harmonise([1, 2], "A")
    with pytest.raises(ValueError, match="missing the column"):
        icu.harmonise(pd.DataFrame({"x": [1]}), "A")
    with pytest.raises(ValueError, match="built-in mappings"):
        icu.harmonise(pd.DataFrame({"x": [1]}), "Z")
    bad = dict(MINI, items={"1": {"concept": "blood_sugar"}})
    with pytest.raises(ValueError, match="Known concepts"):
        icu.harmonise(_long([]), bad)
    bad = dict(MINI, layout="diagonal")
    with pytest.raises(ValueError, match="layout must be"):
        icu.site_mapping(bad)
    bad = {**MINI, "layout": "wide", "columns": {"stay_id": "s", "time": "t"},
           "items": {"x": {"concept": "glucose"}}}
    with pytest.raises(ValueError, match="needs a 'unit'"):
        icu.site_mapping(bad)


def test_empty_export_gives_empty_table_and_report():
    table, report = icu.harmonise(_long([]), MINI)
    assert table.empty and list(table.columns) == list(icu.COLUMNS)
    assert len(report) == 0 and report.total == 0
    assert "No row was removed" in report.summary()


def test_built_in_mappings_are_valid_and_name_their_site():
    for name in icu.sites():
        mapping = icu.site_mapping(name)
        assert mapping["site"] == name
    assert icu.site_mapping("mimic-iv")["items"]["220045"]["concept"] == "heart_rate"


def test_harmonise_is_vectorised_no_python_loop_over_rows(sites, monkeypatch):
    calls = {"n": 0}
    original = icu.units.conversion

    def counting(*args, **kwargs):
        calls["n"] += 1
        return original(*args, **kwargs)

    module = importlib.import_module("aimed.icu.harmonise")
    monkeypatch.setattr(module, "conversion", counting)
    icu.harmonise(sites["A"].raw, "A")
    assert calls["n"] < 40  # once per (concept, unit) pair, not once per row


def test_report_explains_reasons_in_the_learners_language(harmonised, monkeypatch):
    report = harmonised["B"].report
    assert "outside the plausible bounds" in set(report.counts["meaning"])
    assert "<table" in report._repr_html_() and "Rows removed" in repr(report)
    monkeypatch.setenv("AIMED_LANG", "fr")
    assert "hors des bornes plausibles" in set(report.counts["meaning"])
    assert report.summary().startswith("Lignes retirées")


def test_stay_ids_must_be_whole_numbers():
    raw = _long([("ICU-7", "2020-01-01 00:00:00", 1, "99", "mg/dL")])
    with pytest.raises(ValueError, match="stay column 'stay_id' must hold whole numbers"):
        icu.harmonise(raw, MINI)
