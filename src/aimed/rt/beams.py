"""Beam geometry: gantry angles, beam directions and the beamlets of each beam.

A linear accelerator turns around the patient on a gantry; each *beam* comes from one
gantry angle. Under the parallel-beam approximation used here (no beam divergence),
every beam is divided into side-by-side *beamlets* (pencil beams) of ``beamlet_mm``
width; intensity-modulated radiotherapy (IMRT) gives each beamlet its own intensity. As
in matRad [1]_, the beamlets of a beam cover the projection of the planning target
volume (PTV) seen from that beam, plus one beamlet on each side.

Angle convention, for a patient lying on their back and the image shown in radiological
view: 0° is a beam entering from the front (anterior), 90° from the patient's left
(image right), 180° from the back and 270° from the patient's right.

References
----------
.. [1] Wieser HP, Cisternas E, Wahl N, et al. Development of the open-source dose
   calculation and optimization toolkit matRad. Med Phys 2017;44(6):2556-2568.
   doi:10.1002/mp.12251
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aimed.rt import _checks
from aimed.rt.phantoms import Phantom

__all__ = ["Beam", "equally_spaced", "make_beams"]


@dataclass(frozen=True)
class Beam:
    """One treatment beam.

    Attributes
    ----------
    angle_deg : float
        Gantry angle in degrees, in [0, 360).
    isocentre_mm : tuple of float
        ``(x, y)`` of the point the gantry turns around (mm): the centre of the PTV.
    beamlet_mm : float
        Width of one beamlet (mm).
    offsets_mm : ndarray of float
        Lateral position (mm) of each beamlet's centre, measured from the isocentre along
        :attr:`lateral`.
    """

    angle_deg: float
    isocentre_mm: tuple[float, float]
    beamlet_mm: float
    offsets_mm: np.ndarray

    @property
    def direction(self) -> tuple[float, float]:
        """Unit vector ``(x, y)`` in which the radiation travels."""
        a = math.radians(self.angle_deg)
        return (-math.sin(a), math.cos(a))

    @property
    def lateral(self) -> tuple[float, float]:
        """Unit vector ``(x, y)`` across the beam, along which beamlets are lined up."""
        a = math.radians(self.angle_deg)
        return (math.cos(a), math.sin(a))

    @property
    def n_beamlets(self) -> int:
        """Number of beamlets."""
        return int(self.offsets_mm.size)


def equally_spaced(n_beams: int, start_deg: float = 0.0) -> np.ndarray:
    """Return ``n_beams`` gantry angles spread evenly over 360° (degrees).

    Examples
    --------
    >>> equally_spaced(4).tolist()
    [0.0, 90.0, 180.0, 270.0]
    """
    n = _checks.count(n_beams, "n_beams", minimum=1)
    start = float(start_deg)
    if not math.isfinite(start):
        raise _checks.fail("start_deg", "angles_finite", got=repr(start_deg))
    return np.mod(start + 360.0 * np.arange(n) / n, 360.0)


def make_beams(phantom: Phantom, ptv: np.ndarray, angles_deg, beamlet_mm: float = 5.0
               ) -> list[Beam]:
    """Place one beam per gantry angle, each with beamlets covering the PTV.

    Parameters
    ----------
    phantom : Phantom
    ptv : ndarray of bool
        The planning target volume (not empty, shape of the phantom).
    angles_deg : sequence of float
        Gantry angles (degrees), at least one, all finite and different.
    beamlet_mm : float, default 5.0
        Beamlet width (mm), in (0, 50].

    Returns
    -------
    list of Beam
    """
    angles = _checks.angles(angles_deg)
    width = _checks.positive(beamlet_mm, "beamlet_mm", upper=50.0, unit="mm")
    target = _checks.mask_like(ptv, phantom.shape, "ptv")
    xx, yy = phantom.coordinates_mm()
    iso = (float(xx[target].mean()), float(yy[target].mean()))
    beams = []
    for angle in angles:
        probe = Beam(float(angle), iso, width, np.empty(0))
        ux, uy = probe.lateral
        s = (xx[target] - iso[0]) * ux + (yy[target] - iso[1]) * uy
        # Beamlet centres sit on a grid aligned with the isocentre; cover every PTV voxel
        # centre (half a voxel included) and add one beamlet on each side.
        half = phantom.voxel_mm / 2
        first = math.floor((s.min() - half) / width + 0.5) - 1
        last = math.ceil((s.max() + half) / width - 0.5) + 1
        offsets = np.arange(first, last + 1) * width
        beams.append(Beam(float(angle), iso, width, offsets))
    return beams
