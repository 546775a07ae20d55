"""Plan evaluation: dose-volume histograms and the quality indicators of ICRU Report 83.

Definitions used here (voxels of one structure, all of equal volume):

* **Cumulative DVH.** For each dose level ``D``, the fraction of the structure's volume
  that receives at least ``D``. It starts at 1 (100 %) at 0 Gy and never increases.
* **D\\ :sub:`x`** (``D98``, ``D95``, ``D50``, ``D2``): the dose received by at least
  ``x`` % of the volume, that is the ``(100 - x)``-th percentile of the voxel doses
  (linear interpolation between voxels, ``numpy.percentile``). ICRU Report 83 [1]_
  recommends reporting the *near-minimum* ``D98``, the *median* ``D50`` and the
  *near-maximum* ``D2`` instead of the true minimum and maximum, which depend on a
  single voxel.
* **V95**: the fraction of the structure receiving at least 95 % of the prescription.
* **Homogeneity index** HI = (D2 − D98) / D50, as defined in ICRU Report 83 [1]_: 0 for
  a perfectly uniform dose.
* **Conformity index** CI = TV_PIV² / (TV × PIV), where TV is the target volume, PIV
  the volume inside the prescription isodose (here 95 % of the prescription unless
  chosen otherwise) and TV_PIV the part of the target inside it. This is the
  *conformation number* of van't Riet et al. [2]_, proposed independently by Paddick
  [3]_: 1 is a perfect match; lower values mean target missed, healthy tissue
  irradiated, or both.

References
----------
.. [1] ICRU Report 83. Prescribing, Recording, and Reporting Photon-Beam
   Intensity-Modulated Radiation Therapy (IMRT). J ICRU 2010;10(1).
   https://www.icru.org/report/prescribing-recording-and-reporting-intensity-modulated-photon-beam-therapy-imrticru-report-83/
.. [2] van't Riet A, Mak AC, Moerland MA, Elders LH, van der Zee W. A conformation number
   to quantify the degree of conformality in brachytherapy and external beam
   irradiation: application to the prostate. Int J Radiat Oncol Biol Phys
   1997;37(3):731-736. doi:10.1016/S0360-3016(96)00601-3
.. [3] Paddick I. A simple scoring ratio to index the conformity of radiosurgical
   treatment plans. J Neurosurg 2000;93(Suppl 3):219-222.
   doi:10.3171/jns.2000.93.supplement_3.0219
"""

from __future__ import annotations

import numpy as np

from aimed.rt import _checks

__all__ = ["conformity_index", "dose_at_volume", "dose_metrics", "dvh", "homogeneity_index",
           "volume_at_dose"]


def _doses_in(dose, mask, dose_param: str = "dose", mask_param: str = "mask") -> np.ndarray:
    grid = _checks.dose_grid(dose, dose_param)
    region = _checks.mask_like(mask, grid.shape, mask_param)
    return grid[region]


def dose_at_volume(dose, mask, percent: float) -> float:
    """Dose (Gy) received by at least ``percent`` % of the structure (D\\ :sub:`x`).

    Parameters
    ----------
    dose : ndarray
        Dose grid (Gy), 2-D, finite and >= 0.
    mask : ndarray of bool
        The structure, same shape as ``dose``, not empty.
    percent : float
        Volume percentage in [0, 100]; 95 gives D95.

    Returns
    -------
    float
        ``numpy.percentile`` of the structure's voxel doses at ``100 - percent``.
    """
    values = _doses_in(dose, mask)
    x = _checks.non_negative(percent, "percent", upper=100.0, unit="%")
    return float(np.percentile(values, 100.0 - x))


def volume_at_dose(dose, mask, dose_gy: float) -> float:
    """Fraction of the structure (0-1) receiving at least ``dose_gy`` Gy (V\\ :sub:`D`)."""
    values = _doses_in(dose, mask)
    level = _checks.non_negative(dose_gy, "dose_gy", unit="Gy")
    return float(np.count_nonzero(values >= level) / values.size)


def dose_metrics(dose, mask, prescription_gy: float) -> dict[str, float]:
    """The standard dose statistics of one structure.

    Parameters
    ----------
    dose : ndarray
        Dose grid (Gy), 2-D, finite and >= 0.
    mask : ndarray of bool
        The structure, same shape as ``dose``, not empty.
    prescription_gy : float
        Prescribed total dose (Gy), > 0; used for V95.

    Returns
    -------
    dict
        ``D98``, ``D95``, ``D50``, ``D2``, ``Dmean`` and ``Dmax`` in Gy, and ``V95`` as
        the fraction (0-1) of the structure receiving at least 95 % of the prescription.

    Examples
    --------
    >>> import numpy as np
    >>> dose = np.full((4, 4), 60.0)
    >>> dose_metrics(dose, dose > 0, 60.0)["V95"]
    1.0
    """
    values = _doses_in(dose, mask)
    prescription = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    d98, d95, d50, d2 = np.percentile(values, [2.0, 5.0, 50.0, 98.0])
    return {
        "D98": float(d98),
        "D95": float(d95),
        "D50": float(d50),
        "D2": float(d2),
        "Dmean": float(values.mean()),
        "Dmax": float(values.max()),
        "V95": float(np.count_nonzero(values >= 0.95 * prescription) / values.size),
    }


def dvh(dose, mask, bins_gy=None, *, bin_width_gy: float = 0.1):
    """Cumulative dose-volume histogram of one structure.

    Parameters
    ----------
    dose : ndarray
        Dose grid (Gy), 2-D, finite and >= 0.
    mask : ndarray of bool
        The structure, same shape, not empty.
    bins_gy : array_like, optional
        Dose levels (Gy), increasing. By default from 0 Gy to just above the maximum
        dose of the structure in steps of ``bin_width_gy``.
    bin_width_gy : float, default 0.1
        Step of the default dose levels (Gy), > 0.

    Returns
    -------
    dose_bins_gy : ndarray of float
        The dose levels (Gy).
    volume_fraction : ndarray of float
        For each level, the fraction (0-1) of the structure receiving at least that dose;
        never increasing.
    """
    values = np.sort(_doses_in(dose, mask))
    if bins_gy is None:
        width = _checks.positive(bin_width_gy, "bin_width_gy", unit="Gy")
        top = values[-1] + width
        levels = np.arange(0.0, top + width / 2, width)
    else:
        levels = np.asarray(bins_gy, dtype=float)
        if levels.ndim != 1 or levels.size == 0 or not np.isfinite(levels).all() \
                or (np.diff(levels) <= 0).any():
            raise _checks.fail("bins_gy", "bins")
    below = np.searchsorted(values, levels, side="left")
    return levels, (values.size - below) / values.size


def homogeneity_index(dose, mask) -> float:
    """Homogeneity index (D2 − D98) / D50 of ICRU Report 83; 0 is perfectly uniform.

    Raises
    ------
    ValueError
        If the median dose D50 is 0 (the index is undefined).
    """
    values = _doses_in(dose, mask)
    d98, d50, d2 = np.percentile(values, [2.0, 50.0, 98.0])
    if d50 <= 0:
        raise _checks.fail("dose", "zero_median")
    return float((d2 - d98) / d50)


def conformity_index(dose, target_mask, prescription_gy: float, *, isodose: float = 0.95,
                     body_mask=None) -> float:
    """Conformity index TV_PIV² / (TV × PIV) (van't Riet 1997; Paddick 2000).

    Parameters
    ----------
    dose : ndarray
        Dose grid (Gy).
    target_mask : ndarray of bool
        The target (usually the PTV), not empty.
    prescription_gy : float
        Prescribed dose (Gy), > 0.
    isodose : float, default 0.95
        The isodose level, as a fraction of the prescription, that counts as "covered",
        in (0, 1.5].
    body_mask : ndarray of bool, optional
        Count the isodose volume only inside the body.

    Returns
    -------
    float
        In [0, 1]; 0 when the isodose misses the target entirely.
    """
    grid = _checks.dose_grid(dose)
    target = _checks.mask_like(target_mask, grid.shape, "target_mask")
    prescription = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    level = _checks.positive(isodose, "isodose", upper=1.5)
    covered = grid >= level * prescription
    if body_mask is not None:
        covered &= _checks.mask_like(body_mask, grid.shape, "body_mask")
    piv = np.count_nonzero(covered)
    if piv == 0:
        return 0.0
    tv_piv = np.count_nonzero(covered & target)
    return float(tv_piv**2 / (np.count_nonzero(target) * piv))
