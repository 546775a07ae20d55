"""Pictures of plans: anatomy, dose colour-wash with isodose lines, DVHs, trade-offs.

Every function draws on a matplotlib ``Axes`` (a new one when ``ax`` is not given),
titles it, labels its axes with units, and returns it, so that a notebook can add to the
figure. Structures keep the same colour in every figure (:data:`STRUCTURE_COLOURS`,
from the course's colour-blind-safe palette).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from scipy import ndimage

from aimed import plotting
from aimed.i18n import t
from aimed.rt import _checks
from aimed.rt.beams import Beam
from aimed.rt.dose import depth_dose, depth_of_maximum_cm
from aimed.rt.metrics import dvh
from aimed.rt.phantoms import Phantom

__all__ = [
    "STRUCTURE_COLOURS",
    "plot_coverage",
    "plot_depth_dose",
    "plot_dvh",
    "plot_tradeoff",
    "show_anatomy",
    "show_beams",
    "show_contours",
    "show_dose",
]

#: Colour of each structure in every figure.
STRUCTURE_COLOURS: dict[str, str] = {
    "body": plotting.PALETTE["black"],
    "CTV": plotting.PALETTE["vermillion"],
    "PTV": plotting.PALETTE["orange"],
    "spinal cord": plotting.PALETTE["sky"],
    "core": plotting.PALETTE["sky"],
    "rectum": plotting.PALETTE["purple"],
    "parotid": plotting.PALETTE["green"],
    "bladder": plotting.PALETTE["blue"],
}
_EXTRA = [plotting.PALETTE[k] for k in ("blue", "green", "purple", "sky", "orange")]
_OVERLAY = ["#FFFFFF", plotting.PALETTE["blue"], plotting.PALETTE["green"]]


def structure_colour(name: str, index: int = 0) -> str:
    """The colour of a structure (a palette colour for names not in the table)."""
    return STRUCTURE_COLOURS.get(name, _EXTRA[index % len(_EXTRA)])


def structure_label(name: str) -> str:
    """The name of a structure as drawn in legends, in the learner's language.

    The course's structure names (``"spinal cord"``, ``"parotid"``, rings...) are
    translated; any other name is drawn as given. The masks keep their English keys.
    """
    key = "rt.structure." + name.replace(" ", "_").replace("-", "_")
    return plotting.known_text(key, name)


def _axes(ax: plt.Axes | None, size: tuple[float, float] = (6.4, 4.6)) -> plt.Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _outline(ax: plt.Axes, phantom: Phantom, mask: np.ndarray, colour: str, *,
             style: str = "-", width: float = 1.8) -> None:
    if not mask.any():
        return
    # A light blur turns the voxel staircase into a smooth outline through the same edges.
    smooth = ndimage.gaussian_filter(mask.astype(float), 0.7)
    ax.contour(phantom.x_mm, phantom.y_mm, smooth, levels=[0.5], colors=[colour],
               linewidths=width, linestyles=style)


def _handles(names: Sequence[str], styles: Mapping[str, str] | None = None) -> list[Line2D]:
    styles = styles or {}
    return [Line2D([], [], color=structure_colour(n, i), lw=2, ls=styles.get(n, "-"),
                   label=structure_label(n))
            for i, n in enumerate(names)]


def _finish_image(ax: plt.Axes, phantom: Phantom, title: str) -> plt.Axes:
    left, right, bottom, top = phantom.extent_mm
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_title(title)
    ax.set_xlabel(t("rt.plot.x_axis"))
    ax.set_ylabel(t("rt.plot.y_axis"))
    return ax


def show_anatomy(phantom: Phantom, *, ax: plt.Axes | None = None, image: np.ndarray | None = None,
                 structures: Sequence[str] | None = None, ptv: np.ndarray | None = None,
                 title: str | None = None, legend: bool = True, window_hu=(-160.0, 240.0)
                 ) -> plt.Axes:
    """Draw the anatomy: a grey image with the outline of each structure.

    Parameters
    ----------
    phantom : Phantom
    image : ndarray, optional
        A CT-like image in HU (shown on a soft-tissue window); by default the density.
    structures : sequence of str, optional
        Which outlines to draw; by default the target and the organs at risk.
    ptv : ndarray of bool, optional
        Also outline this PTV (dashed).
    """
    ax = _axes(ax)
    if image is None:
        ax.imshow(phantom.density, cmap="gray", vmin=0.0, vmax=2.0, extent=phantom.extent_mm)
    else:
        ax.imshow(image, cmap="gray", vmin=window_hu[0], vmax=window_hu[1],
                  extent=phantom.extent_mm)
    names = list(structures) if structures is not None else [phantom.target, *phantom.organs]
    for i, name in enumerate(names):
        _outline(ax, phantom, phantom.mask(name), structure_colour(name, i))
    shown = list(names)
    if ptv is not None:
        _outline(ax, phantom, np.asarray(ptv, bool), structure_colour("PTV"), style="--")
        shown.append("PTV")
    if legend:
        ax.legend(handles=_handles(shown, {"PTV": "--"}), loc="upper right", fontsize=8,
                  framealpha=0.85, frameon=True)
    return _finish_image(ax, phantom, title or t("rt.show_anatomy.title", name=phantom.name))


def show_beams(phantom: Phantom, beams: Sequence[Beam], *, ax: plt.Axes | None = None,
               ptv: np.ndarray | None = None, title: str | None = None) -> plt.Axes:
    """Draw the anatomy with one arrow per beam, pointing where the radiation goes."""
    ax = show_anatomy(phantom, ax=ax, ptv=ptv, legend=False)
    reach = 0.5 * max(phantom.extent_mm[1] - phantom.extent_mm[0],
                      phantom.extent_mm[2] - phantom.extent_mm[3])
    for beam in beams:
        dx, dy = beam.direction
        cx, cy = beam.isocentre_mm
        start = (cx - dx * reach * 0.95, cy - dy * reach * 0.95)
        ax.annotate("", xy=(cx - dx * 45, cy - dy * 45), xytext=start,
                    arrowprops={"arrowstyle": "-|>", "color": plotting.PALETTE["blue"],
                                "lw": 2})
        ax.text(start[0], start[1], f"{beam.angle_deg:.0f}°", ha="center", va="center",
                fontsize=9, color=plotting.PALETTE["blue"],
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_xlim(phantom.extent_mm[0] - 40, phantom.extent_mm[1] + 40)
    ax.set_ylim(phantom.extent_mm[2] + 40, phantom.extent_mm[3] - 40)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_title(title or t("rt.show_beams.title", n=len(beams)))
    ax.set_xlabel(t("rt.plot.x_axis"))
    ax.set_ylabel(t("rt.plot.y_axis"))
    return ax


def show_dose(dose: np.ndarray, phantom: Phantom, prescription_gy: float, *,
              ax: plt.Axes | None = None, ptv: np.ndarray | None = None,
              structures: Sequence[str] | None = None,
              isodoses: Sequence[float] = (0.5, 0.95, 1.05), title: str | None = None,
              colorbar: bool = True, vmax_gy: float | None = None,
              extra_outlines: Mapping[str, np.ndarray] | None = None,
              zoom_mm: float | None = None, colorbar_label: str = "Dose (Gy)") -> plt.Axes:
    """Dose colour-wash over the anatomy, with isodose lines and structure outlines.

    Doses below 10 % of the prescription are left transparent so the anatomy shows.

    Parameters
    ----------
    dose : ndarray
        Dose grid (Gy), shape of the phantom.
    phantom : Phantom
    prescription_gy : float
        Prescription (Gy), > 0; isodose levels are fractions of it.
    ptv : ndarray of bool, optional
        Outline this PTV (dashed).
    structures : sequence of str, optional
        Outlines to draw; by default the target and the organs at risk.
    isodoses : sequence of float
        Isodose lines, as fractions of the prescription.
    vmax_gy : float, optional
        Top of the colour scale (Gy); by default 110 % of the prescription.
    extra_outlines : mapping of str to ndarray of bool, optional
        More outlines (for example an AI contour), drawn dash-dotted, labelled by their key.
    zoom_mm : float, optional
        Show only ``±zoom_mm`` around the centre of the target.
    colorbar_label : str, default "Dose (Gy)"
        Label of the colour bar, with its unit (for example ``"Relative dose (%)"``).
    """
    grid = _checks.dose_grid(dose)
    _checks.mask_like(np.ones(phantom.shape, bool), grid.shape, "dose")
    p = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    ax = _axes(ax)
    ax.imshow(phantom.density, cmap="gray", vmin=0.0, vmax=2.0, extent=phantom.extent_mm)
    wash = np.ma.masked_less(grid, 0.1 * p)
    top = vmax_gy or 1.1 * p
    shown = ax.imshow(wash, cmap="inferno", vmin=0.0, vmax=top, alpha=0.75,
                      extent=phantom.extent_mm, interpolation="bilinear")
    levels = sorted(float(level) * p for level in isodoses)
    lines = ax.contour(phantom.x_mm, phantom.y_mm, grid, levels=levels, colors="white",
                       linewidths=1.0, linestyles=":")
    ax.clabel(lines, fmt={lv: f"{lv / p:.0%}" for lv in levels}, fontsize=7, inline=True)
    names = list(structures) if structures is not None else [phantom.target, *phantom.organs]
    for i, name in enumerate(names):
        _outline(ax, phantom, phantom.mask(name), structure_colour(name, i))
    shown_names = list(names)
    styles = {}
    overlay: list[Line2D] = []
    if ptv is not None:
        _outline(ax, phantom, np.asarray(ptv, bool), structure_colour("PTV"), style="--")
        shown_names.append("PTV")
        styles["PTV"] = "--"
    for j, (label, mask) in enumerate((extra_outlines or {}).items()):
        colour = _OVERLAY[j % len(_OVERLAY)]
        _outline(ax, phantom, np.asarray(mask, bool), colour, style="-.", width=2.2)
        overlay.append(Line2D([], [], color=colour, lw=2, ls="-.", label=label))
    handles = _handles(shown_names, styles) + overlay
    handles.append(Line2D([], [], color="white", lw=1, ls=":", label=t("rt.show_dose.isodoses")))
    ax.legend(handles=handles, loc="upper right", fontsize=7, framealpha=0.85, frameon=True,
              facecolor="#dddddd")
    if colorbar:
        label = plotting.default_text(colorbar_label, "Dose (Gy)", "rt.plot.dose_axis")
        ax.figure.colorbar(shown, ax=ax, label=label, shrink=0.85)
    _finish_image(ax, phantom, title or t("rt.show_dose.title"))
    if zoom_mm is not None:
        _zoom(ax, phantom, phantom.mask(phantom.target), zoom_mm)
    return ax


def _zoom(ax: plt.Axes, phantom: Phantom, mask: np.ndarray, half_width_mm: float) -> None:
    half = _checks.positive(half_width_mm, "zoom_mm", unit="mm")
    xx, yy = phantom.coordinates_mm()
    cx, cy = xx[mask].mean(), yy[mask].mean()
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy + half, cy - half)


def plot_dvh(dose: np.ndarray, masks: Mapping[str, np.ndarray], *, ax: plt.Axes | None = None,
             prescription_gy: float | None = None, linestyle: str = "-", label_suffix: str = "",
             title: str = "Dose-volume histogram") -> plt.Axes:
    """Cumulative DVH of several structures, in percent of each structure's volume.

    Parameters
    ----------
    dose : ndarray
        Dose grid (Gy).
    masks : mapping of str to ndarray of bool
        Structures to draw, by name.
    prescription_gy : float, optional
        Draws a vertical line at the prescription.
    linestyle, label_suffix : str
        To overlay two plans on one Axes (for example ``"--"`` and ``" (conformal)"``).
    """
    ax = _axes(ax, (7.0, 4.2))
    for i, (name, mask) in enumerate(masks.items()):
        levels, volume = dvh(dose, mask)
        ax.plot(levels, 100 * volume, ls=linestyle, color=structure_colour(name, i),
                label=f"{structure_label(name)}{label_suffix}")
    if prescription_gy is not None:
        p = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
        ax.axvline(p, color="grey", lw=1, ls=":")
        ax.text(p, 101, f"{p:g} Gy", ha="center", va="bottom", fontsize=8, color="grey")
    ax.set_ylim(0, 108)
    ax.set_xlim(left=0)
    title = plotting.default_text(title, "Dose-volume histogram", "rt.plot_dvh.title")
    plotting.finish(ax, title, t("rt.plot.dose_axis"), t("rt.plot_dvh.volume_axis"),
                    legend=False)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_depth_dose(*, ax: plt.Axes | None = None, max_depth_cm: float = 25.0,
                    title: str = "Depth dose of the 6 MV pencil-beam model") -> plt.Axes:
    """Relative depth dose against depth, with the depth of maximum marked."""
    depth = np.linspace(0.0, _checks.positive(max_depth_cm, "max_depth_cm", unit="cm"), 400)
    ax = _axes(ax, (7.0, 4.0))
    ax.plot(depth, 100 * depth_dose(depth), color=plotting.PALETTE["blue"],
            label=t("rt.plot_depth_dose.model"))
    d_max = depth_of_maximum_cm()
    ax.axvline(d_max, color=plotting.PALETTE["orange"], ls="--", lw=1.2,
               label=t("rt.plot_depth_dose.maximum", depth=f"{d_max:.1f}"))
    ax.set_ylim(0, 105)
    title = plotting.default_text(title, "Depth dose of the 6 MV pencil-beam model",
                                  "rt.plot_depth_dose.title")
    return plotting.finish(ax, title, t("rt.plot_depth_dose.depth_axis"),
                           t("rt.plot_depth_dose.dose_axis"))


def plot_tradeoff(x, y, *, ax: plt.Axes | None = None, labels: Sequence[str] | None = None,
                  title: str, xlabel: str, ylabel: str, label: str | None = None,
                  colour: str | None = None) -> plt.Axes:
    """A trade-off curve: one point per plan, joined in order, optionally annotated."""
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    ax = _axes(ax, (6.4, 4.2))
    ax.plot(xs, ys, "o-", color=colour or plotting.PALETTE["blue"], label=label)
    for text, xi, yi in zip(labels or [], xs, ys, strict=False):
        ax.annotate(text, (xi, yi), textcoords="offset points", xytext=(6, 6), fontsize=8)
    return plotting.finish(ax, title, xlabel, ylabel)


def plot_coverage(margins_mm, probability, *, ax: plt.Axes | None = None,
                  recipe_mm: float | None = None, goal: float = 0.9,
                  title: str = "Probability that the CTV gets at least 95 % of the dose",
                  label: str = "simulated patients") -> plt.Axes:
    """Coverage probability against the CTV-to-PTV margin, with the goal and a recipe."""
    ax = _axes(ax, (6.8, 4.2))
    ax.plot(np.asarray(margins_mm, float), 100 * np.asarray(probability, float), "o-",
            color=plotting.PALETTE["blue"],
            label=plotting.default_text(label, "simulated patients", "rt.plot_coverage.simulated"))
    ax.axhline(100 * goal, color="grey", ls=":", lw=1.2,
               label=t("rt.plot_coverage.goal", goal=f"{goal:.0%}"))
    if recipe_mm is not None:
        ax.axvline(recipe_mm, color=plotting.PALETTE["vermillion"], ls="--", lw=1.5,
                   label=t("rt.plot_coverage.recipe", margin=f"{recipe_mm:.1f}"))
    ax.set_ylim(-2, 102)
    title = plotting.default_text(
        title, "Probability that the CTV gets at least 95 % of the dose", "rt.plot_coverage.title")
    plotting.finish(ax, title, t("rt.plot_coverage.margin_axis"),
                    t("rt.plot_coverage.covered_axis"), legend=False)
    ax.legend(loc="lower right")
    return ax


def show_contours(image: np.ndarray, phantom: Phantom, contours: Mapping[str, np.ndarray], *,
                  ax: plt.Axes | None = None, title: str = "Contours on the CT image",
                  zoom_mm: float | None = None) -> plt.Axes:
    """A CT-like image (HU) with several labelled contours, for example truth vs AI.

    Parameters
    ----------
    contours : mapping of str to ndarray of bool
        Label → mask. Labels containing "AI" are drawn dashed.
    zoom_mm : float, optional
        Show only ``±zoom_mm`` around the centre of the first contour.
    """
    ax = _axes(ax, (6.0, 4.6))
    ax.imshow(image, cmap="gray", vmin=-160, vmax=240, extent=phantom.extent_mm)
    handles = []
    for i, (label, mask) in enumerate(contours.items()):
        arr = np.asarray(mask, bool)
        style = "--" if "AI" in label else "-"
        base = label.replace("AI", "").replace("true", "").strip(" :()")
        colour = STRUCTURE_COLOURS.get(base, _EXTRA[i % len(_EXTRA)])
        if "AI" in label:
            colour = plotting.PALETTE["blue"] if base in ("CTV", "") else plotting.PALETTE["sky"]
        _outline(ax, phantom, arr, colour, style=style, width=2.0)
        handles.append(Line2D([], [], color=colour, lw=2, ls=style, label=label))
    ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.85, frameon=True)
    title = plotting.default_text(title, "Contours on the CT image", "rt.show_contours.title")
    _finish_image(ax, phantom, title)
    if zoom_mm is not None and contours:
        _zoom(ax, phantom, np.asarray(next(iter(contours.values())), bool), zoom_mm)
    return ax
