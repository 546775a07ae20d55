"""Input validation shared by the society modules; messages go through aimed.i18n."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from aimed.i18n import t

__all__ = ["SocietyValueError"]


class SocietyValueError(ValueError):
    """A parameter is outside its accepted range; the message names it and the range."""


def check_int(name: str, value: object, low: int, high: int) -> int:
    """Return ``value`` as an int if it is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not (
            low <= value <= high):
        raise SocietyValueError(t("society.error.int_range", name=name, low=low, high=high,
                                  got=repr(value)))
    return int(value)


def check_float(name: str, value: object, low: float, high: float, *,
                low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number in the given interval."""
    ok_type = not isinstance(value, bool) and isinstance(value, int | float | np.integer
                                                        | np.floating)
    number = float(value) if ok_type else math.nan
    inside = (math.isfinite(number)
              and (number > low if low_open else number >= low)
              and (number < high if high_open else number <= high))
    if not inside:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise SocietyValueError(t("society.error.float_range", name=name, interval=interval,
                                  got=repr(value)))
    return number


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise SocietyValueError(t("society.error.choice", name=name, choices=list(choices),
                                  got=repr(value)))
    return value


def binary(name: str, values: object) -> np.ndarray:
    """Return a 1-D int array of 0/1 labels, or raise."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size == 0:
        raise SocietyValueError(t("society.error.one_d", name=name, shape=arr.shape))
    if arr.dtype.kind == "b":
        return arr.astype(np.int64)
    if arr.dtype.kind not in "iuf" or not np.isin(arr, (0, 1)).all():
        raise SocietyValueError(t("society.error.binary", name=name))
    return arr.astype(np.int64)


def scores(name: str, values: object, n: int) -> np.ndarray:
    """Return a finite float array of length ``n``, or raise."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (n,):
        raise SocietyValueError(t("society.error.length", name=name, n=n, shape=arr.shape))
    if not np.isfinite(arr).all():
        raise SocietyValueError(t("society.error.finite", name=name))
    return arr


def groups(name: str, values: object, n: int) -> np.ndarray:
    """Return group labels as a 1-D object array of length ``n`` with no missing value."""
    arr = np.asarray(values, dtype=object)
    if arr.shape != (n,):
        raise SocietyValueError(t("society.error.length", name=name, n=n, shape=arr.shape))
    if pd.isna(pd.Series(arr)).any():
        raise SocietyValueError(t("society.error.missing_group", name=name))
    return arr


def columns(df: object, names: Sequence[str], *, param: str = "quasi_identifiers") -> None:
    """Check that ``df`` is a non-empty DataFrame holding every column in ``names``."""
    if not isinstance(df, pd.DataFrame):
        raise SocietyValueError(t("society.error.not_frame", got=type(df).__name__))
    if isinstance(names, str) or len(names) == 0:
        raise SocietyValueError(t("society.error.no_columns", name=param))
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise SocietyValueError(t("society.error.missing_columns", name=param, missing=missing,
                                  available=list(df.columns)))
    if len(df) == 0:
        raise SocietyValueError(t("society.error.empty_frame"))
