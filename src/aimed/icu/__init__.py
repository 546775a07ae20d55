"""ICU data standardisation: one concept dictionary for many hospitals.

The pieces, in the order a data engineer uses them:

* :func:`concepts` — the concept dictionary (LOINC code, UCUM target unit, plausibility
  bounds, molar mass, description; ``concepts.json``), after ricu;
* :func:`convert` — unit conversion, concept-aware for mass ↔ molar concentrations;
  :class:`UnitError` (a ``ValueError``) for unknown or incompatible units;
* :func:`harmonise` — one site's raw export → the standard long table
  ``stay_id, time, concept, value, unit, loinc, site``, with a :class:`RemovalReport`
  of everything removed; site mappings are data (:func:`site_mapping`);
* :func:`hourly_grid` and :func:`summarise` — the YAIB-style hourly grid with missingness
  indicators, and per-stay features;
* :func:`to_meds` / :func:`read_meds` and :func:`to_fhir` / :func:`from_fhir` — MEDS Parquet
  and FHIR R4 Observation exports;
* :func:`read_mimic_demo` — your own copy of the MIMIC-IV demo, through the same dictionary.

Examples
--------
>>> from aimed import data, icu
>>> a = data.load("icu-hospital-a")
>>> table, report = icu.harmonise(a.raw, "A")
>>> list(table.columns)
['stay_id', 'time', 'concept', 'value', 'unit', 'loinc', 'site']
"""

from aimed.icu.derive import add_gcs_total
from aimed.icu.dictionary import Concept, UnknownConceptError, concept, concept_table, concepts
from aimed.icu.export import from_fhir, read_meds, to_fhir, to_meds
from aimed.icu.grid import hourly_grid, summarise
from aimed.icu.harmonise import (
    COLUMNS,
    Harmonised,
    RemovalReport,
    combine,
    harmonise,
    site_mapping,
    sites,
)
from aimed.icu.mimic import MimicDemo, read_mimic_demo
from aimed.icu.plots import plot_calibration, plot_distribution, plot_stay
from aimed.icu.units import UnitError, accepted_units, convert, unit_code

__all__ = [
    "COLUMNS",
    "Concept",
    "Harmonised",
    "MimicDemo",
    "RemovalReport",
    "UnitError",
    "UnknownConceptError",
    "accepted_units",
    "add_gcs_total",
    "combine",
    "concept",
    "concept_table",
    "concepts",
    "convert",
    "from_fhir",
    "harmonise",
    "hourly_grid",
    "plot_calibration",
    "plot_distribution",
    "plot_stay",
    "read_meds",
    "read_mimic_demo",
    "site_mapping",
    "sites",
    "summarise",
    "to_fhir",
    "to_meds",
    "unit_code",
]
