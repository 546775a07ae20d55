"""One figure style for the whole course, safe for colour-vision deficiencies.

Colours come from the Okabe-Ito palette [1]_, designed to stay distinguishable under
the common forms of colour blindness; continuous maps use viridis [2]_, which is
perceptually uniform and readable in grey scale. Every helper returns matplotlib
``Axes`` so that a notebook can add to the figure.

References
----------
.. [1] Okabe M, Ito K. Color Universal Design (CUD): how to make figures and
   presentations that are friendly to colorblind people. 2008.
   https://jfly.uni-koeln.de/color/
.. [2] van der Walt S, Smith N. A better default colormap for matplotlib (viridis).
   SciPy 2015. https://bids.github.io/colormap/
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

from aimed.i18n import DEFAULT_LANGUAGE, catalogue, t

__all__ = ["CMAP", "PALETTE", "colour", "default_text", "finish", "known_text", "show_image",
           "use_style"]

#: The Okabe-Ito colours, by name, in the order used for successive lines and bars. The
#: first five reach the 3:1 contrast against white that WCAG 2.1 (success criterion
#: 1.4.11) asks of graphical objects; orange, sky blue and yellow come last and suit
#: filled areas better than thin lines.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "purple": "#CC79A7",
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
}
#: Default continuous colour map.
CMAP = "viridis"


def colour(index_or_name: int | str) -> str:
    """Return a palette colour by position (cycling) or by name."""
    if isinstance(index_or_name, str):
        try:
            return PALETTE[index_or_name]
        except KeyError:
            raise ValueError(
                f"colour name must be one of {sorted(PALETTE)}, got {index_or_name!r}"
            ) from None
    colours = list(PALETTE.values())
    return colours[int(index_or_name) % len(colours)]


def default_text(value: str, default: str, key: str, **fields: object) -> str:
    """Return ``value``, or the catalogue text of ``key`` when ``value`` is ``default``.

    Figure functions keep their English defaults in their signatures (``title: str =
    "Calibration"``); this swaps such an untouched default for the learner's language,
    while a text the caller chose is drawn as given.
    """
    return t(key, **fields) if value == default else value


def known_text(key: str, fallback: str, **fields: object) -> str:
    """Return the catalogue text of ``key``, or ``fallback`` when no catalogue has the key.

    Used for names that come from data (a structure, a concept, a node of a graph): the
    course's own names are translated, a name the learner made up is drawn unchanged.
    """
    if key not in catalogue(DEFAULT_LANGUAGE):
        return fallback
    return t(key, **fields)


def use_style() -> None:
    """Apply the course style to every matplotlib figure that follows.

    Sets the Okabe-Ito colour cycle, viridis as the image colour map, readable font
    sizes, light grid lines, and a figure size that fits a JupyterLab column.
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=list(PALETTE.values())),
            "image.cmap": CMAP,
            "figure.figsize": (7.0, 4.2),
            "figure.dpi": 100,
            "figure.facecolor": "white",  # readable in JupyterLab's dark theme too
            "savefig.facecolor": "white",
            "figure.autolayout": True,
            "savefig.bbox": "tight",
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.labelsize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "legend.frameon": False,
            "lines.linewidth": 2.0,
        }
    )


def finish(ax: plt.Axes, title: str, xlabel: str, ylabel: str, legend: bool | None = None
           ) -> plt.Axes:
    """Give an Axes its title and axis labels (with units), and a legend if it has labels.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to finish.
    title, xlabel, ylabel : str
        Non-empty text; put units in brackets, for example ``"Dose (Gy)"``.
    legend : bool, optional
        Force the legend on or off; by default it is shown when any artist has a label.
    """
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be non-empty text, got {text!r}")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    handles, _ = ax.get_legend_handles_labels()
    if legend or (legend is None and handles):
        ax.legend()
    return ax


def show_image(image: np.ndarray, *, title: str, ax: plt.Axes | None = None,
               cmap: str = "gray", extent: Sequence[float] | None = None,
               colorbar_label: str | None = None, vmin: float | None = None,
               vmax: float | None = None) -> plt.Axes:
    """Show a 2-D image with a title, mm axes when ``extent`` is given, and a colour bar.

    Parameters
    ----------
    image : array_like
        2-D image.
    title : str
        Figure title.
    extent : sequence of 4 floats, optional
        ``(left, right, bottom, top)`` in mm; without it the axes count pixels.
    colorbar_label : str, optional
        Adds a colour bar with this label (give the unit, for example ``"HU"``).
    """
    values = np.asarray(image)
    if values.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {values.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 4.4))
    shown = ax.imshow(values, cmap=cmap, extent=extent, vmin=vmin, vmax=vmax)
    unit = "mm" if extent is not None else t("plotting.show_image.pixels")
    ax.set_title(title)
    ax.set_xlabel(f"x ({unit})")
    ax.set_ylabel(f"y ({unit})")
    ax.grid(False)
    if colorbar_label:
        ax.figure.colorbar(shown, ax=ax, label=colorbar_label)
    return ax
