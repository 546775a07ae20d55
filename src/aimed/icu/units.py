"""Unit conversion for ICU data: a small, exact subset of UCUM plus concept-aware chemistry.

Why a hand-written subset and not ``ucumvert`` + ``pint``
-------------------------------------------------------
Both are installed, and the unit tests use them as an independent oracle: every purely
dimensional factor below (``mg/dL`` → ``g/L``, ``mm[Hg]`` → ``kPa``, ``[degF]`` → ``Cel``,
``[lb_av]`` → ``kg``...) is checked against ``ucumvert.PintUcumRegistry``. We do not call
them at run time because

* the ICU data need about thirty units, while building pint's UCUM registry costs about
  0.7 s per kernel (measured on the course machine), against the 30 s notebook budget;
* the conversions that matter clinically are **not** dimensional: ``mg/dL`` ↔ ``mmol/L``
  needs the molar mass of the analyte, ``meq/L`` ↔ ``mmol/L`` its valence, and ``mmol/L``
  of urea ↔ ``mg/dL`` of urea *nitrogen* the mass of nitrogen per mole of urea. pint
  cannot know those; the concept dictionary does, so :func:`convert` takes the concept;
* learners' aliases (``mmHg``, ``°C``, ``bpm``, ``K/uL``, ``µmol/L``) are not UCUM codes,
  so an alias table is needed anyway.

Units are written in UCUM [1]_: ``mg/dL``, ``mmol/L``, ``umol/L``, ``g/dL``, ``Cel``,
``[degF]``, ``%``, ``1`` (a plain fraction), ``/min``, ``mm[Hg]``, ``10*3/uL``, ``kg``,
``[lb_av]``, ``meq/L``, ``{score}``.

References
----------
.. [1] Schadow G, McDonald CJ. The Unified Code for Units of Measure. Regenstrief
   Institute. https://ucum.org/ucum (mm[Hg] = 133.3220 Pa; [lb_av] = 0.45359237 kg;
   [degF] = 5/9 K with offset 459.67 °F).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aimed.i18n import t
from aimed.icu.dictionary import Concept, concept

__all__ = ["UnitError", "accepted_units", "convert", "unit_code"]


class UnitError(ValueError):
    """A unit that is unknown, or that cannot be converted to the requested one."""


@dataclass(frozen=True)
class _Unit:
    code: str
    kind: str  # mass, amount, eq, number, fraction, rate, pressure, weight, temperature, score
    factor: float  # value in the kind's base unit = value * factor (not used for temperature)


# Base units: mass concentration g/L, amount concentration mol/L, equivalents eq/L,
# number concentration 1/L, fraction 1, rate 1/min, pressure Pa, body mass kg.
_UNITS: dict[str, _Unit] = {u.code: u for u in [
    _Unit("g/L", "mass", 1.0), _Unit("g/dL", "mass", 10.0), _Unit("mg/dL", "mass", 1e-2),
    _Unit("mg/L", "mass", 1e-3), _Unit("mg/mL", "mass", 1.0),
    _Unit("mol/L", "amount", 1.0), _Unit("mmol/L", "amount", 1e-3),
    _Unit("umol/L", "amount", 1e-6),
    _Unit("eq/L", "eq", 1.0), _Unit("meq/L", "eq", 1e-3),
    _Unit("10*3/uL", "number", 1e9), _Unit("10*9/L", "number", 1e9), _Unit("/uL", "number", 1e6),
    _Unit("/L", "number", 1.0),
    _Unit("%", "fraction", 1e-2), _Unit("1", "fraction", 1.0),
    _Unit("/min", "rate", 1.0), _Unit("/h", "rate", 1.0 / 60.0), _Unit("/s", "rate", 60.0),
    _Unit("mm[Hg]", "pressure", 133.3220), _Unit("kPa", "pressure", 1000.0),
    _Unit("Pa", "pressure", 1.0),
    _Unit("kg", "weight", 1.0), _Unit("g", "weight", 1e-3), _Unit("[lb_av]", "weight", 0.45359237),
    _Unit("Cel", "temperature", math.nan), _Unit("[degF]", "temperature", math.nan),
    _Unit("K", "temperature", math.nan),
    _Unit("{score}", "score", 1.0),
]}

# Aliases seen in real exports, looked up after lower-casing and removing spaces.
_ALIASES: dict[str, str] = {
    "°c": "Cel", "degc": "Cel", "c": "Cel", "celsius": "Cel", "ºc": "Cel", "cel": "Cel",
    "°f": "[degF]", "degf": "[degF]", "f": "[degF]", "fahrenheit": "[degF]", "[degf]": "[degF]",
    "k": "K", "kelvin": "K",
    "bpm": "/min", "beats/min": "/min", "breaths/min": "/min", "insp/min": "/min",
    "min-1": "/min", "/min": "/min", "permin": "/min", "1/min": "/min", "/h": "/h", "/s": "/s",
    "mmhg": "mm[Hg]", "mm[hg]": "mm[Hg]", "torr": "mm[Hg]", "kpa": "kPa", "pa": "Pa",
    "mg/dl": "mg/dL", "mg%": "mg/dL", "g/dl": "g/dL", "g/l": "g/L", "mg/l": "mg/L",
    "mg/ml": "mg/mL",
    "mol/l": "mol/L", "mmol/l": "mmol/L", "mm": "mmol/L", "umol/l": "umol/L",
    "µmol/l": "umol/L", "μmol/l": "umol/L", "micromol/l": "umol/L",
    "meq/l": "meq/L", "eq/l": "eq/L",
    "10*3/ul": "10*3/uL", "10^3/ul": "10*3/uL", "x10^3/ul": "10*3/uL", "k/ul": "10*3/uL",
    "k/µl": "10*3/uL", "k/μl": "10*3/uL", "10^3/µl": "10*3/uL", "10*3/µl": "10*3/uL",
    "10*9/l": "10*9/L", "10^9/l": "10*9/L", "x10^9/l": "10*9/L", "g/l(cells)": "10*9/L",
    "/ul": "/uL", "/µl": "/uL", "/l": "/L", "cells/ul": "/uL",
    "%": "%", "percent": "%", "pct": "%", "1": "1", "fraction": "1", "ratio": "1",
    "kg": "kg", "g": "g", "lb": "[lb_av]", "lbs": "[lb_av]", "[lb_av]": "[lb_av]",
    "{score}": "{score}", "score": "{score}", "points": "{score}", "pts": "{score}",
}


def unit_code(unit: Any, *, name: str = "unit") -> str:
    """Return the UCUM code of a unit written in UCUM or with a common alias.

    Parameters
    ----------
    unit : str
        For example ``"mg/dL"``, ``"mmHg"``, ``"°C"``, ``"µmol/L"`` or ``"K/uL"``.
    name : str
        How the parameter is called in error messages.

    Raises
    ------
    UnitError
        If the unit is not text or not known; the message lists the known units.

    Examples
    --------
    >>> unit_code("mmHg"), unit_code("°F"), unit_code("µmol/L")
    ('mm[Hg]', '[degF]', 'umol/L')
    """
    if not isinstance(unit, str) or not unit.strip():
        raise UnitError(t("icu.unit_not_text", name=name, got=repr(unit)))
    text = unit.strip()
    if text in _UNITS:
        return text
    key = text.lower().replace(" ", "")
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnitError(t("icu.unknown_unit", name=name, unit=repr(unit), known=", ".join(_UNITS)))


def _unit(unit: Any, name: str) -> _Unit:
    return _UNITS[unit_code(unit, name=name)]


def _kind_bridge(src: _Unit, dst: _Unit, c: Concept | None) -> float | None:
    """Factor from ``src``'s base unit to ``dst``'s base unit, across kinds, or None."""
    if src.kind == dst.kind:
        return 1.0
    molar = c.molar_mass_g_per_mol if c is not None else None
    valence = c.valence if c is not None else None
    # per litre: g -> mol is / M; mol -> eq is * valence
    to_mol = {"mass": (1.0 / molar) if molar else None, "amount": 1.0,
              "eq": (1.0 / valence) if valence else None}
    if src.kind in to_mol and dst.kind in to_mol:
        a, b = to_mol[src.kind], to_mol[dst.kind]
        if a is not None and b is not None:
            return a / b
    return None


def accepted_units(concept_name: str) -> list[str]:
    """UCUM units that :func:`convert` can turn into the concept's target unit.

    Examples
    --------
    >>> accepted_units("creatinine")
    ['g/L', 'g/dL', 'mg/dL', 'mg/L', 'mg/mL', 'mol/L', 'mmol/L', 'umol/L']
    """
    c = concept(concept_name)
    dst = _UNITS[c.unit]
    return [code for code, u in _UNITS.items() if _kind_bridge(u, dst, c) is not None]


# Temperature scales as kelvin = a * value + b (UCUM: Cel = K - 273.15, [degF] = 5/9 K
# with its zero at -459.67 °F).
_KELVIN = {"Cel": (1.0, 273.15), "[degF]": (5.0 / 9.0, 459.67 * 5.0 / 9.0), "K": (1.0, 0.0)}


def conversion(from_unit: Any, to_unit: Any, concept_name: str | None = None
               ) -> tuple[float, float]:
    """Return ``(scale, offset)`` such that ``converted = value * scale + offset``.

    Raises
    ------
    UnitError
        For an unknown unit or a conversion that is impossible (for this concept).
    """
    c = concept(concept_name) if concept_name is not None else None
    src, dst = _unit(from_unit, "from_unit"), _unit(to_unit, "to_unit")
    if c is not None:
        target = _UNITS[c.unit]
        for u, label in ((src, "from_unit"), (dst, "to_unit")):
            if _kind_bridge(u, target, c) is None:
                raise UnitError(t("icu.incompatible_concept", name=label, unit=u.code,
                                  concept=c.name, accepted=", ".join(accepted_units(c.name))))
    if src.kind == "temperature" and dst.kind == "temperature":
        (a_src, b_src), (a_dst, b_dst) = _KELVIN[src.code], _KELVIN[dst.code]
        return a_src / a_dst, (b_src - b_dst) / a_dst
    bridge = _kind_bridge(src, dst, c)
    if bridge is None:
        why = "icu.needs_concept" if c is None and {src.kind, dst.kind} <= {
            "mass", "amount", "eq"} else "icu.incompatible"
        raise UnitError(t(why, src=src.code, dst=dst.code))
    return src.factor * bridge / dst.factor, 0.0


def convert(value: Any, from_unit: str, to_unit: str, concept: str | None = None) -> Any:
    """Convert measurements from one unit to another, knowing which analyte they are.

    Parameters
    ----------
    value : float, array_like or pandas.Series
        Values in ``from_unit``. NaN stays NaN; negative values are converted as they are
        (bounds checks belong to :func:`aimed.icu.harmonise`).
    from_unit, to_unit : str
        Units in UCUM (``"mg/dL"``, ``"umol/L"``, ``"Cel"``...) or a common alias
        (``"µmol/L"``, ``"°C"``, ``"mmHg"``).
    concept : str, optional
        A concept of :func:`aimed.icu.concepts`. Required to convert between mass and
        molar concentrations (it supplies the molar mass, for example 113.12 g/mol for
        creatinine) or between ``meq/L`` and ``mmol/L`` (valence). When given, both units
        must be convertible to the concept's target unit.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Same shape as ``value``: a float for a scalar, an array for array-like input, a
        Series (same index) for a Series.

    Raises
    ------
    UnitError
        For an unknown unit, or units that cannot be converted (for this concept); the
        message lists the accepted units.
    ValueError
        If ``value`` does not hold numbers.

    Examples
    --------
    >>> round(convert(1.0, "mg/dL", "umol/L", "creatinine"), 1)
    88.4
    >>> round(convert(5.5, "mmol/L", "mg/dL", "glucose"), 1)
    99.1
    >>> round(convert(98.6, "[degF]", "Cel"), 6)
    37.0
    """
    scale, offset = conversion(from_unit, to_unit, concept)
    if isinstance(value, pd.Series):
        numbers = pd.to_numeric(value, errors="coerce")
        if numbers.isna().gt(value.isna()).any():
            raise ValueError(t("icu.value_not_numeric", name="value"))
        return numbers.astype("float64") * scale + offset
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(t("icu.value_not_numeric", name="value")) from None
    out = array * scale + offset
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return float(out)
    return out
