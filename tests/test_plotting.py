"""aimed.plotting: one colour-blind-safe style and labelled figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from aimed import plotting


def test_use_style_sets_the_okabe_ito_cycle_and_viridis():
    plotting.use_style()
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in colours] == [c.upper() for c in plotting.PALETTE.values()]
    assert plt.rcParams["image.cmap"] == "viridis"


def test_colour_by_name_and_index():
    assert plotting.colour("blue") == "#0072B2"
    assert plotting.colour(0) == plotting.colour(len(plotting.PALETTE))
    with pytest.raises(ValueError, match="colour name"):
        plotting.colour("red")


def test_finish_labels_and_legend():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="line")
    plotting.finish(ax, "Title", "Dose (Gy)", "Volume (%)")
    assert ax.get_title() == "Title" and ax.get_xlabel() == "Dose (Gy)"
    assert ax.get_legend() is not None
    with pytest.raises(ValueError, match="ylabel"):
        plotting.finish(ax, "Title", "x", " ")
    plt.close(fig)


def test_show_image_labels_axes_in_mm_and_adds_colourbar():
    ax = plotting.show_image(np.eye(4), title="t", extent=(0, 8, 8, 0), colorbar_label="HU")
    assert ax.get_xlabel() == "x (mm)" and len(ax.figure.axes) == 2
    with pytest.raises(ValueError, match="2-D"):
        plotting.show_image(np.zeros(3), title="t")
    plt.close("all")
