"""aimed.icu.convert: every conversion, every concept, bad units, NaN, negatives, empty input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aimed import icu
from aimed.icu import units

# Published factors (JAMA SI conversion table; IQTIG for haemoglobin; BUN/urea from the
# two nitrogen atoms of urea), each as (concept, from, to, value, expected, rel. tolerance).
PUBLISHED = [
    ("glucose", "mmol/L", "mg/dL", 1.0, 18.016, 1e-3),
    ("glucose", "mg/dL", "mmol/L", 100.0, 5.55, 2e-3),
    ("creatinine", "mg/dL", "umol/L", 1.0, 88.4, 1e-3),
    ("bilirubin", "mg/dL", "umol/L", 1.0, 17.1, 1e-3),
    ("lactate", "mg/dL", "mmol/L", 9.0, 1.0, 2e-3),
    ("bun", "mg/dL", "mmol/L", 1.0, 0.357, 1e-3),
    ("bun", "mmol/L", "mg/dL", 1.0, 2.8, 1e-3),
    ("haemoglobin", "g/dL", "mmol/L", 1.0, 0.6206, 1e-4),
    ("sodium", "meq/L", "mmol/L", 140.0, 140.0, 1e-12),
    ("potassium", "mEq/L", "mmol/L", 4.0, 4.0, 1e-12),
    ("platelets", "10*9/L", "10*3/uL", 250.0, 250.0, 1e-12),
    ("wbc", "K/uL", "10*3/uL", 9.0, 9.0, 1e-12),
    ("fio2", "1", "%", 0.4, 40.0, 1e-12),
    ("temperature", "[degF]", "Cel", 98.6, 37.0, 1e-9),
    ("temperature", "Cel", "[degF]", 100.0, 212.0, 1e-9),
    ("weight", "[lb_av]", "kg", 100.0, 45.359237, 1e-12),
    ("map", "kPa", "mm[Hg]", 13.3322, 100.0, 1e-4),
    ("heart_rate", "/s", "/min", 1.0, 60.0, 1e-12),
]


@pytest.mark.parametrize(("name", "src", "dst", "value", "expected", "rtol"), PUBLISHED)
def test_published_conversion_factors(name, src, dst, value, expected, rtol):
    assert icu.convert(value, src, dst, name) == pytest.approx(expected, rel=rtol)


@pytest.mark.parametrize("name", list(icu.concepts()))
def test_every_concept_round_trips_through_every_accepted_unit(name):
    target = icu.concept(name).unit
    x = np.array([0.5, 1.0, 37.0, 120.0])
    for unit in icu.accepted_units(name):
        there = icu.convert(x, target, unit, name)
        back = icu.convert(there, unit, target, name)
        np.testing.assert_allclose(back, x, rtol=1e-12, err_msg=f"{name}: {unit}")
    assert target in icu.accepted_units(name)
    assert icu.convert(1.0, target, target, name) == 1.0


def test_dimensional_factors_agree_with_ucumvert_and_pint():
    import ucumvert  # in aimed's test extra: checked against it, never skipped

    reg = ucumvert.PintUcumRegistry()
    pairs = [("mg/dL", "g/L"), ("g/dL", "g/L"), ("mmol/L", "umol/L"), ("mm[Hg]", "kPa"),
             ("[lb_av]", "kg"), ("10*3/uL", "10*9/L"), ("/h", "/min"), ("%", "1"),
             ("mg/L", "mg/dL")]
    for src, dst in pairs:
        expected = reg.from_ucum(src).to(reg.from_ucum(dst)).magnitude
        assert icu.convert(1.0, src, dst) == pytest.approx(expected, rel=1e-5), (src, dst)
    fahrenheit = reg.Quantity(98.6, reg.from_ucum("[degF]").units).to(
        reg.from_ucum("Cel").units).magnitude
    assert icu.convert(98.6, "[degF]", "Cel") == pytest.approx(fahrenheit, rel=1e-9)


@pytest.mark.parametrize(("alias", "code"), [
    ("°C", "Cel"), ("degC", "Cel"), ("°F", "[degF]"), ("mmHg", "mm[Hg]"), ("mm Hg", "mm[Hg]"),
    ("bpm", "/min"), ("insp/min", "/min"), ("µmol/L", "umol/L"), ("μmol/L", "umol/L"),
    ("mg/dl", "mg/dL"), ("MMOL/L", "mmol/L"), ("K/uL", "10*3/uL"), ("10^9/L", "10*9/L"),
    ("mEq/L", "meq/L"), ("lb", "[lb_av]"), ("fraction", "1"), ("mg/dL", "mg/dL")])
def test_aliases(alias, code):
    assert icu.unit_code(alias) == code


def test_scalar_array_series_and_empty_inputs_keep_their_kind():
    assert type(icu.convert(1, "mg/dL", "umol/L", "creatinine")) is float
    arr = icu.convert([1.0, 2.0], "mg/dL", "umol/L", "creatinine")
    assert isinstance(arr, np.ndarray) and arr.shape == (2,)
    series = pd.Series([1.0, 2.0], index=[10, 20])
    out = icu.convert(series, "mg/dL", "umol/L", "creatinine")
    assert isinstance(out, pd.Series) and list(out.index) == [10, 20]
    empty = icu.convert(np.array([]), "mg/dL", "mmol/L", "glucose")
    assert isinstance(empty, np.ndarray) and empty.shape == (0,)
    assert icu.convert(pd.Series([], dtype=float), "%", "1").empty


def test_nan_stays_nan_and_negative_values_are_converted_linearly():
    out = icu.convert([np.nan, -1.0, 2.0], "mmol/L", "mg/dL", "glucose")
    assert math.isnan(out[0])
    assert out[1] == pytest.approx(-out[2] / 2)
    assert icu.convert(-40.0, "Cel", "[degF]") == pytest.approx(-40.0)


def test_unknown_unit_raises_unit_error_listing_units():
    with pytest.raises(icu.UnitError, match="known UCUM units: .*mg/dL") as info:
        icu.convert(1.0, "furlongs", "mg/dL", "glucose")
    assert isinstance(info.value, ValueError)
    with pytest.raises(icu.UnitError, match="to_unit"):
        icu.convert(1.0, "mg/dL", "", "glucose")
    with pytest.raises(icu.UnitError, match="from_unit"):
        icu.convert(1.0, None, "mg/dL", "glucose")


def test_incompatible_units_for_a_concept_list_the_accepted_units():
    with pytest.raises(icu.UnitError, match=r"Accepted units: .*umol/L"):
        icu.convert(1.0, "mm[Hg]", "mg/dL", "creatinine")
    with pytest.raises(icu.UnitError, match="heart_rate"):
        icu.convert(60.0, "mmol/L", "/min", "heart_rate")
    with pytest.raises(icu.UnitError, match="different quantities"):
        icu.convert(1.0, "kg", "Cel")


def test_mass_to_molar_needs_a_concept_with_a_molar_mass():
    with pytest.raises(icu.UnitError, match="molar mass"):
        icu.convert(1.0, "mg/dL", "mmol/L")
    with pytest.raises(icu.UnitError, match="Accepted units"):
        icu.convert(1.0, "mg/dL", "mmol/L", "platelets")


def test_unknown_concept_and_non_numeric_values():
    with pytest.raises(icu.UnknownConceptError, match="Did you mean 'glucose'"):
        icu.convert(1.0, "mg/dL", "mmol/L", "glucsoe")
    with pytest.raises(ValueError, match="must hold numbers"):
        icu.convert("high", "mg/dL", "mmol/L", "glucose")
    with pytest.raises(ValueError, match="must hold numbers"):
        icu.convert(pd.Series(["1.0", "x"]), "mg/dL", "mmol/L", "glucose")


def test_conversion_returns_scale_and_offset():
    scale, offset = units.conversion("[degF]", "Cel")
    assert scale == pytest.approx(5 / 9) and offset == pytest.approx(-160 / 9)
    assert units.conversion("mg/dL", "g/L") == (pytest.approx(0.01), 0.0)


def test_unit_error_messages_are_translated(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    with pytest.raises(icu.UnitError, match="n'est pas une unité connue"):
        icu.convert(1.0, "furlongs", "mg/dL", "glucose")
