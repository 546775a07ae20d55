"""The concept dictionary: one entry per clinical concept, loaded from ``concepts.json``.

Modelled on ricu's concept dictionary [1]_: every concept has one target unit (written in
UCUM [2]_), the LOINC code of the quantity in that unit, plausibility bounds in that unit,
and, for laboratory values that are reported either as a mass or as a molar
concentration, the molar mass that converts between the two. Every number carries its
source in the JSON file itself (``bounds_source``, ``loinc_source``, ``molar_mass_source``).

References
----------
.. [1] Bennett N, Plečko D, Ukor I-F, Meinshausen N, Bühlmann P. ricu: R's interface to
   intensive care data. GigaScience 2023;12:giad041. doi:10.1093/gigascience/giad041
.. [2] Schadow G, McDonald CJ. The Unified Code for Units of Measure (UCUM).
   Regenstrief Institute. https://ucum.org/ucum
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pandas as pd

__all__ = ["Concept", "UnknownConceptError", "concept", "concept_table", "concepts"]


class UnknownConceptError(KeyError, ValueError):
    """A concept name that is not in the dictionary; the message lists the known names."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Concept:
    """One clinical concept of the dictionary.

    Attributes
    ----------
    name : str
        Short identifier, for example ``"creatinine"``.
    label : str
        Human-readable name.
    category : str
        ``"vital sign"``, ``"laboratory"``, ``"neurological"``, ...
    unit : str
        Target unit in UCUM, for example ``"mg/dL"``.
    low, high : float
        Plausibility bounds in the target unit (inclusive); ``-inf``/``inf`` when unbounded.
    loinc : str
        LOINC code of the concept expressed in the target unit.
    loinc_display : str
        LOINC long common name.
    description : str
        One sentence for learners.
    molar_mass_g_per_mol : float or None
        Converts mass concentrations (``mg/dL``) to molar concentrations (``mmol/L``).
    valence : int or None
        Charge of the ion, to convert ``meq/L`` to ``mmol/L``.
    loinc_alternatives : dict
        LOINC codes of the same analyte in other units, for example ``{"mmol/L": "14749-6"}``.
    sources : dict
        Where the bounds, the LOINC code and the molar mass come from.
    """

    name: str
    label: str
    category: str
    unit: str
    low: float
    high: float
    loinc: str
    loinc_display: str
    description: str
    molar_mass_g_per_mol: float | None = None
    valence: int | None = None
    loinc_alternatives: dict = field(default_factory=dict)
    loinc_note: str | None = None
    sources: dict = field(default_factory=dict)


@cache
def _load() -> dict[str, Concept]:
    text = (resources.files("aimed.icu") / "concepts.json").read_text(encoding="utf-8")
    out: dict[str, Concept] = {}
    for entry in json.loads(text)["concepts"]:
        low = -math.inf if entry["low"] is None else float(entry["low"])
        high = math.inf if entry["high"] is None else float(entry["high"])
        sources = {k: entry[k] for k in ("bounds_source", "loinc_source", "molar_mass_source")
                   if k in entry}
        out[entry["name"]] = Concept(
            name=entry["name"], label=entry["label"], category=entry["category"],
            unit=entry["unit"], low=low, high=high, loinc=entry["loinc"],
            loinc_display=entry["loinc_display"], description=entry["description"],
            molar_mass_g_per_mol=entry.get("molar_mass_g_per_mol"),
            valence=entry.get("valence"),
            loinc_alternatives=dict(entry.get("loinc_alternatives", {})),
            loinc_note=entry.get("loinc_note"), sources=sources,
        )
    return out


def concepts() -> dict[str, Concept]:
    """Return the concept dictionary: concept name → :class:`Concept`.

    Examples
    --------
    >>> from aimed import icu
    >>> c = icu.concepts()["glucose"]
    >>> c.unit, c.loinc, c.low, c.high
    ('mg/dL', '2345-7', 0.0, 1000.0)
    """
    return dict(_load())


def concept(name: str) -> Concept:
    """Return one concept by name.

    Raises
    ------
    UnknownConceptError
        If ``name`` is not in the dictionary; the message lists the known concepts and
        suggests the closest one.
    """
    table = _load()
    if isinstance(name, str) and name in table:
        return table[name]
    close = difflib.get_close_matches(str(name), table, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownConceptError(
        f"concept must be one of the dictionary's concepts, got {name!r}.{hint} "
        f"Known concepts: {', '.join(table)}")


def concept_table() -> pd.DataFrame:
    """The dictionary as a table: one row per concept, for display in a notebook."""
    rows = [{"concept": c.name, "label": c.label, "unit (UCUM)": c.unit, "LOINC": c.loinc,
             "low": c.low, "high": c.high, "molar mass (g/mol)": c.molar_mass_g_per_mol,
             "description": c.description} for c in _load().values()]
    return pd.DataFrame(rows)
