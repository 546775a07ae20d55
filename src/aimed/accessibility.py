"""Checks that figures and feedback stay readable for every learner.

* :func:`contrast_ratio` is the WCAG 2.1 contrast ratio between two colours [1]_.
* :func:`simulate_cvd` shows colours as a person with protanopia, deuteranopia or
  tritanopia sees them, with the matrices of Machado, Oliveira and Fernandes [2]_
  (severity 1.0, applied in linear RGB).
* :func:`delta_e` is the CIE 1976 colour difference in CIELAB; differences above about
  10 are easy to tell apart at a glance, below about 2 they are barely perceptible [3]_.

References
----------
.. [1] W3C. Web Content Accessibility Guidelines (WCAG) 2.1, definitions of relative
   luminance and contrast ratio; success criteria 1.4.3 and 1.4.11. 2018.
   https://www.w3.org/TR/WCAG21/
.. [2] Machado GM, Oliveira MM, Fernandes LAF. A physiologically-based model for
   simulation of color vision deficiency. IEEE Trans Vis Comput Graph
   2009;15(6):1291-1298. doi:10.1109/TVCG.2009.113
.. [3] Sharma G, Bala R (eds). Digital Color Imaging Handbook. CRC Press, 2003,
   ch. 1 (CIELAB and colour difference).
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgb

__all__ = ["CVD_KINDS", "contrast_ratio", "delta_e", "relative_luminance", "simulate_cvd",
           "to_lab"]

_MACHADO_2009 = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
#: The colour-vision deficiencies :func:`simulate_cvd` can show.
CVD_KINDS = tuple(_MACHADO_2009)


def _rgb(colour: object) -> np.ndarray:
    """Any matplotlib colour spec, or an (..., 3) array in [0, 1], as a float array."""
    if isinstance(colour, str) or (isinstance(colour, tuple) and len(colour) in (3, 4)
                                   and not isinstance(colour[0], (tuple, list, np.ndarray))):
        return np.asarray(to_rgb(colour), dtype=np.float64)
    values = np.asarray(colour, dtype=np.float64)
    if values.shape[-1] != 3 or values.min() < 0 or values.max() > 1:
        raise ValueError("colour must be a colour name/hex, or an (..., 3) array of sRGB in [0, 1]")
    return values


def _linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _gamma(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def relative_luminance(colour: object) -> np.ndarray | float:
    """WCAG relative luminance (0 for black, 1 for white)."""
    lin = _linear(_rgb(colour))
    value = lin @ np.array([0.2126, 0.7152, 0.0722])
    return float(value) if np.ndim(value) == 0 else value


def contrast_ratio(a: object, b: object) -> float:
    """WCAG 2.1 contrast ratio, from 1 (none) to 21 (black on white).

    Text needs at least 4.5:1 (criterion 1.4.3); graphical objects such as plot lines
    need 3:1 against their background (criterion 1.4.11).
    """
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def simulate_cvd(colour: object, kind: str) -> np.ndarray:
    """Show sRGB colour(s) as seen with a colour-vision deficiency (severity 1.0).

    Parameters
    ----------
    colour : colour spec or array_like of shape (..., 3)
        sRGB values in [0, 1] (an image works too).
    kind : {"protanopia", "deuteranopia", "tritanopia"}

    Returns
    -------
    numpy.ndarray
        Simulated sRGB values in [0, 1], same shape as the input.
    """
    if kind not in _MACHADO_2009:
        raise ValueError(f"kind must be one of {CVD_KINDS}, got {kind!r}")
    return _gamma(_linear(_rgb(colour)) @ _MACHADO_2009[kind].T)


def to_lab(srgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] (shape (..., 3)) to CIELAB under the D65 white point."""
    xyz = _linear(srgb) @ np.array([[0.4124, 0.3576, 0.1805],
                                    [0.2126, 0.7152, 0.0722],
                                    [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])  # D65 white
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e(a: object, b: object) -> float:
    """CIE 1976 colour difference ΔE*ab between two colours."""
    return float(np.linalg.norm(to_lab(_rgb(a)) - to_lab(_rgb(b))))
