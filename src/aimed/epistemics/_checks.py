"""Input validation shared by the epistemics modules (messages go through aimed.i18n)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from aimed.i18n import t

__all__ = ["check_binary", "check_columns", "check_int", "check_probabilities", "check_real"]


def check_int(name: str, value: object, low: int, high: int) -> int:
    """Return ``value`` as an int, or raise ValueError naming ``name`` and the range."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not (
            low <= value <= high):
        raise ValueError(t("epistemics.error.int_range", name=name, low=low, high=high,
                           got=repr(value)))
    return int(value)


def check_real(name: str, value: object, low: float, high: float) -> float:
    """Return ``value`` as a float in ``[low, high]``, or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(t("epistemics.error.real_range", name=name, low=low, high=high,
                           got=repr(value)))
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        raise ValueError(t("epistemics.error.real_range", name=name, low=low, high=high,
                           got=repr(value)))
    return number


def check_columns(frame: object, columns: Sequence[str], name: str) -> pd.DataFrame:
    """Check that ``frame`` is a non-empty DataFrame holding ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(t("epistemics.error.not_frame", name=name,
                           got=type(frame).__name__))
    if frame.empty:
        raise ValueError(t("epistemics.error.empty", name=name))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(t("epistemics.error.missing_columns", name=name, columns=missing,
                           available=[str(c) for c in frame.columns]))
    return frame


def check_binary(name: str, values: object) -> np.ndarray:
    """Return a 1-D int array of 0/1 labels, or raise ValueError."""
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(t("epistemics.error.binary", name=name))
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind not in "iuf" or not np.isin(array, (0, 1)).all():
        raise ValueError(t("epistemics.error.binary", name=name))
    return array.astype(np.int64)


def check_probabilities(name: str, values: object, n: int | None = None, *,
                        open_interval: bool = False) -> np.ndarray:
    """Return a 1-D float array of probabilities, or raise ValueError.

    Parameters
    ----------
    open_interval : bool
        Require ``0 < p < 1`` (needed on the log-odds scale) instead of ``0 <= p <= 1``.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(t("epistemics.error.probabilities", name=name)) from None
    if array.ndim != 1 or array.size == 0 or (n is not None and array.size != n):
        raise ValueError(t("epistemics.error.length", name=name, n=n if n is not None else "≥ 1",
                           got=array.shape))
    inside = (array > 0) & (array < 1) if open_interval else (array >= 0) & (array <= 1)
    if not (np.isfinite(array).all() and inside.all()):
        key = "epistemics.error.open_probabilities" if open_interval else \
            "epistemics.error.probabilities"
        raise ValueError(t(key, name=name))
    return array
