"""The concept dictionary: complete, sourced, consistent."""

from __future__ import annotations

import math
import re

import pytest

from aimed import icu

REQUIRED = {"heart_rate", "resp_rate", "spo2", "temperature", "map", "sbp", "fio2",
            "gcs_total", "gcs_eye", "gcs_verbal", "gcs_motor", "glucose", "creatinine",
            "lactate", "bilirubin", "haemoglobin", "bun", "platelets", "wbc", "sodium",
            "potassium", "weight"}


def test_dictionary_covers_the_required_concepts():
    assert REQUIRED <= set(icu.concepts())


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_concept_is_complete_and_sourced(name):
    c = icu.concept(name)
    assert re.fullmatch(r"\d{1,6}-\d", c.loinc), c.loinc
    assert c.unit in icu.accepted_units(name)
    assert c.low < c.high and not math.isnan(c.low)
    assert c.description and c.loinc_display and c.label
    assert c.sources.get("bounds_source") and c.sources.get("loinc_source")
    for unit, code in c.loinc_alternatives.items():
        assert re.fullmatch(r"\d{1,6}-\d", code) and code != c.loinc
        assert icu.unit_code(unit) in icu.accepted_units(name)
    if c.molar_mass_g_per_mol is not None:
        assert c.sources.get("molar_mass_source")
        assert c.loinc_note, "a concept reported in two properties explains its LOINC codes"


def test_loinc_codes_are_unique():
    codes = [c.loinc for c in icu.concepts().values()]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(("name", "low", "high"), [
    ("heart_rate", 0, 300), ("fio2", 21, 100), ("temperature", 32, 42), ("glucose", 0, 1000),
    ("creatinine", 0, 15), ("sodium", 110, 165), ("haemoglobin", 4, 18), ("gcs_total", 3, 15)])
def test_bounds_match_ricu(name, low, high):
    c = icu.concept(name)
    assert (c.low, c.high) == (low, high)


def test_molar_masses_as_cited():
    assert icu.concept("glucose").molar_mass_g_per_mol == 180.16
    assert icu.concept("creatinine").molar_mass_g_per_mol == 113.12


def test_concept_table_and_unknown_concept():
    table = icu.concept_table()
    assert len(table) == len(icu.concepts()) and "LOINC" in table.columns
    with pytest.raises(icu.UnknownConceptError, match="Known concepts"):
        icu.concept("blood_sugar")
