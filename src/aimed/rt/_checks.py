"""Input validation shared by the radiotherapy modules.

Every check raises :class:`RTInputError`, a ``ValueError`` whose message names the
parameter and the accepted range, in the learner's language (``aimed.i18n``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from aimed.i18n import t

__all__ = ["RTInputError"]


class RTInputError(ValueError):
    """A radiotherapy function received an input outside its accepted range.

    Attributes
    ----------
    param : str
        The name of the offending parameter.
    """

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


def fail(param: str, key: str, **fields: Any) -> RTInputError:
    """Build the error for ``param`` from the message ``rt.error.<key>``."""
    return RTInputError(param, t(f"rt.error.{key}", param=param, **fields))


def positive(value: Any, param: str, *, upper: float | None = None, unit: str = "") -> float:
    """Return ``value`` as a float after checking it is finite, > 0 (and <= ``upper``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise fail(param, "positive", got=repr(value), unit=unit) from None
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
        raise fail(param, "positive", got=repr(value), unit=unit)
    if upper is not None and number > upper:
        raise fail(param, "at_most", got=repr(value), upper=upper, unit=unit)
    return number


def non_negative(value: Any, param: str, *, upper: float | None = None, unit: str = "") -> float:
    """Return ``value`` as a float after checking it is finite and >= 0 (and <= ``upper``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise fail(param, "non_negative", got=repr(value), unit=unit) from None
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise fail(param, "non_negative", got=repr(value), unit=unit)
    if upper is not None and number > upper:
        raise fail(param, "at_most", got=repr(value), upper=upper, unit=unit)
    return number


def count(value: Any, param: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is a whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise fail(param, "count", got=repr(value), minimum=minimum)
    return int(value)


def dose_grid(dose: Any, param: str = "dose") -> np.ndarray:
    """Return a 2-D float array of doses in Gy, finite and >= 0."""
    try:
        arr = dose if isinstance(dose, np.ndarray) else np.asarray(dose, dtype=float)
    except (TypeError, ValueError):
        raise fail(param, "dose_2d", shape="?") from None
    if arr.ndim != 2 or arr.size == 0 or arr.dtype.kind not in "iuf":
        raise fail(param, "dose_2d", shape=getattr(arr, "shape", None))
    arr = arr.astype(float, copy=False)
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise fail(param, "dose_values")
    return arr


def mask_like(mask: Any, shape: tuple[int, ...], param: str = "mask",
              *, allow_empty: bool = False) -> np.ndarray:
    """Return ``mask`` as a boolean array of ``shape``; refuse other shapes or empty masks."""
    arr = np.asarray(mask)
    if arr.dtype.kind not in "bui":
        raise fail(param, "mask_type", dtype=str(arr.dtype))
    if arr.dtype.kind != "b":
        if not np.isin(arr, (0, 1)).all():
            raise fail(param, "mask_type", dtype=str(arr.dtype))
        arr = arr.astype(bool)
    if tuple(arr.shape) != tuple(shape):
        raise fail(param, "mask_shape", shape=tuple(arr.shape), expected=tuple(shape))
    if not allow_empty and not arr.any():
        raise fail(param, "mask_empty")
    return arr


def angles(values: Any, param: str = "angles_deg") -> np.ndarray:
    """Return gantry angles in degrees as a 1-D float array in [0, 360).

    Raises for no angle at all, a value that is not finite, or repeated angles.
    """
    if values is None or isinstance(values, (str, bytes)):
        raise fail(param, "angles_empty")
    if np.isscalar(values):
        values = [values]
    try:
        arr = np.asarray(list(values) if isinstance(values, Iterable) else values, dtype=float)
    except (TypeError, ValueError):
        raise fail(param, "angles_finite", got=repr(values)) from None
    arr = arr.ravel()
    if arr.size == 0:
        raise fail(param, "angles_empty")
    if not np.isfinite(arr).all():
        raise fail(param, "angles_finite", got=repr(values))
    wrapped = np.mod(arr, 360.0)
    rounded = np.round(wrapped, 6) % 360.0
    if len(np.unique(rounded)) != len(rounded):
        raise fail(param, "angles_repeated", got=repr(values))
    return wrapped
