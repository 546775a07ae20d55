"""aimed.rt.plots: every figure is titled, labelled with units, and returns its Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from aimed import rt
from aimed.rt import plots


@pytest.fixture(scope="module")
def case():
    phantom = rt.make_phantom("simple")
    return phantom, rt.plan(phantom, rt.equally_spaced(5))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def check(ax, unit_x="(", unit_y="("):
    assert isinstance(ax, plt.Axes)
    assert ax.get_title() and unit_x in ax.get_xlabel() and unit_y in ax.get_ylabel()


def test_anatomy_beams_and_dose_pictures(case, monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "en")  # the colour-bar label comes from the catalogue
    phantom, p = case
    check(plots.show_anatomy(phantom, ptv=p.ptv))
    check(plots.show_beams(phantom, p.beams, ptv=p.ptv))
    ax = plots.show_dose(p.dose, phantom, 60.0, ptv=p.ptv, extra_outlines={"AI CTV": p.ptv},
                         zoom_mm=60)
    check(ax)
    assert ax.figure.axes[-1].get_ylabel() == "Dose (Gy)"  # colour bar with unit
    assert "AI CTV" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_dvh_depth_dose_tradeoff_and_coverage(case):
    phantom, p = case
    ax = plots.plot_dvh(p.dose, {"PTV": p.ptv, "parotid": phantom.masks["parotid"]},
                        prescription_gy=60.0)
    check(ax)
    assert len(ax.get_lines()) == 3
    check(plots.plot_depth_dose())
    check(plots.plot_tradeoff([1, 2], [3, 4], labels=["a", "b"], title="t", xlabel="x (Gy)",
                              ylabel="y (%)"))
    check(plots.plot_coverage([0, 5], [0.2, 0.95], recipe_mm=7.1))
    image = rt.synthetic_ct(phantom)
    check(plots.show_contours(image, phantom, {"true CTV": phantom.masks["CTV"],
                                               "AI CTV": p.ptv}, zoom_mm=50))


def test_show_dose_refuses_a_dose_of_another_grid(case):
    phantom, _ = case
    with pytest.raises(ValueError, match="dose"):
        plots.show_dose(np.ones((5, 5)), phantom, 60.0)
