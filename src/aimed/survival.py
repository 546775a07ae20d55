"""Survival analysis for clinicians: censoring pictures, Kaplan-Meier curves, hazard ratios.

A *survival time* is the time from a starting point (diagnosis, enrolment) to an event
(death, relapse). A patient whose event has not been observed by the end of follow-up is
*censored*: we know only that their time is longer than the follow-up. The Kaplan-Meier
estimator uses every patient for as long as they are observed [1]_; the log-rank test
compares whole curves [2]_; the Cox model estimates *hazard ratios*: how much a
characteristic multiplies the instantaneous risk (rate) of the event, at any moment,
other variables being equal [3]_: a ratio of rates, not of risks. The heavy lifting is
done by lifelines [4]_.

References
----------
.. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
   J Am Stat Assoc 1958;53(282):457-481. doi:10.1080/01621459.1958.10501452
.. [2] Bland JM, Altman DG. The logrank test. BMJ 2004;328:1073.
   doi:10.1136/bmj.328.7447.1073
.. [3] Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34(2):187-220.
   doi:10.1111/j.2517-6161.1972.tb00899.x
.. [4] Davidson-Pilon C. lifelines: survival analysis in Python. J Open Source Softw
   2019;4(40):1317. doi:10.21105/joss.01317
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aimed import plotting
from aimed.i18n import t

__all__ = [
    "hazard_ratio_table",
    "plot_follow_up",
    "plot_km",
    "say_hazard_ratio",
    "survival_summary",
]


def _survival_arrays(time: object, event: object) -> tuple[np.ndarray, np.ndarray]:
    times = np.asarray(time, dtype=np.float64)
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"time must be a non-empty 1-D array of follow-up times, got shape "
                         f"{times.shape}")
    if not np.isfinite(times).all() or (times < 0).any():
        raise ValueError("time must contain finite follow-up times >= 0 (no NaN)")
    events = np.asarray(event)
    if events.shape != times.shape:
        raise ValueError(f"event must have the shape of time {times.shape}, got {events.shape}")
    if events.dtype.kind == "b":
        events = events.astype(np.int64)
    if events.dtype.kind not in "iuf" or not np.isin(events, (0, 1)).all():
        raise ValueError("event must contain only 1 (event observed) and 0 (censored)")
    return times, events.astype(np.int64)


def _groups(group: object, n: int) -> list[tuple[object, np.ndarray]]:
    """Split patients by group label: ``[(label, mask), ...]``; one ``(None, all)`` if none."""
    if group is None:
        return [(None, np.ones(n, dtype=bool))]
    labels = np.asarray(group, dtype=object)
    if labels.shape != (n,):
        raise ValueError(f"group must have one label per patient ({n}), got shape "
                         f"{labels.shape}")
    if pd.isna(labels).any():
        raise ValueError("group contains missing labels; drop or label those patients first")
    return [(level, labels == level) for level in pd.unique(labels)]


def plot_follow_up(time: object, event: object, *, entry: object = None,
                   ax: plt.Axes | None = None, title: str | None = None,
                   time_label: str | None = None,
                   patient_labels: Sequence[str] | None = None,
                   study_end: float | None = None) -> plt.Axes:
    """Draw each patient's follow-up as a line that ends in an event (✕) or censoring (○).

    Parameters
    ----------
    time : array_like of float
        Follow-up time of each patient (>= 0), in the unit named by ``time_label``.
    event : array_like of 0/1
        1 when the event was observed at the end of the line, 0 when censored.
    entry : array_like of float, optional
        When each patient entered the study on a calendar axis (same unit). The lines
        then start there, which shows why late entrants are censored at the study's end.
    title, time_label : str, optional
        Figure title and x-axis label (with units); defaults are used when omitted.
    patient_labels : sequence of str, optional
        One y-axis label per patient; default "patient 1", "patient 2"...
    study_end : float, optional
        Draws the date the study closed as a vertical dashed line (same unit).
    """
    times, events = _survival_arrays(time, event)
    starts = np.zeros_like(times) if entry is None else np.asarray(entry, dtype=np.float64)
    if starts.shape != times.shape or not np.isfinite(starts).all():
        raise ValueError(f"entry must hold one finite start time per patient "
                         f"({times.size}), got shape {starts.shape}")
    n = times.size
    if patient_labels is not None and len(patient_labels) != n:
        raise ValueError(f"patient_labels must have {n} labels, got {len(patient_labels)}")
    ax = plt.subplots(figsize=(9.0, 0.32 * n + 1.6))[1] if ax is None else ax
    rows = np.arange(n)
    ax.hlines(rows, starts, starts + times, color=plotting.colour("sky"), linewidth=3)
    died, censored = events == 1, events == 0
    ax.plot((starts + times)[died], rows[died], "X", ms=10, color=plotting.colour("vermillion"),
            label=t("m1.plot.event_marker"), linestyle="none")
    ax.plot((starts + times)[censored], rows[censored], "o", ms=9, mfc="white", mew=2,
            color=plotting.colour("blue"), label=t("m1.plot.censored_marker"), linestyle="none")
    if study_end is not None:
        if not math.isfinite(study_end):
            raise ValueError(f"study_end must be a finite time, got {study_end!r}")
        ax.axvline(study_end, color=plotting.colour("black"), linestyle="--",
                   label=t("m1.plot.study_end"))
    labels = patient_labels or [t("m1.plot.patient_n", n=i + 1) for i in range(n)]
    ax.set_yticks(rows, labels)
    ax.set_ylim(n - 0.4, -0.6)
    ax.grid(axis="y", visible=False)
    default_x = t("m1.plot.calendar_axis") if entry is not None else t("m1.plot.followup_axis")
    plotting.finish(ax, title or t("m1.plot.followup_title"), time_label or default_x,
                    t("m1.plot.patient_axis"), legend=False)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def plot_km(time: object, event: object, group: object = None, *, ax: plt.Axes | None = None,
            at_risk_at: Sequence[float] | None = None, title: str | None = None,
            time_label: str | None = None, ci: bool = True) -> plt.Axes:
    """Kaplan-Meier survival curves, one per group, with the number at risk underneath.

    Vertical ticks on a curve mark censored patients. The shaded band is the 95 %
    confidence interval. The table below counts the patients still followed and
    event-free (at risk) at each time.

    Parameters
    ----------
    time : array_like of float
        Follow-up times (>= 0), in the unit named by ``time_label``.
    event : array_like of 0/1
        1 = event observed, 0 = censored.
    group : array_like, optional
        One label per patient (for example ``"male"``/``"female"``); one curve per label.
    at_risk_at : sequence of float, optional
        Times at which to count patients at risk; default: six even steps.
    title, time_label : str, optional
        Figure title and x-axis label (with units).
    ci : bool
        Draw the 95 % confidence band.

    Returns
    -------
    matplotlib.axes.Axes
        The axes of the curves (the at-risk table is a second axes below it).
    """
    from lifelines import KaplanMeierFitter
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    times, events = _survival_arrays(time, event)
    groups = _groups(group, times.size)
    ticks = (np.linspace(0, np.quantile(times, 0.98), 6) if at_risk_at is None
             else np.asarray(at_risk_at, dtype=np.float64))
    if ticks.ndim != 1 or ticks.size == 0 or not np.isfinite(ticks).all() or (ticks < 0).any():
        raise ValueError("at_risk_at must be a non-empty sequence of finite times >= 0")
    ax = plt.subplots(figsize=(7.4, 5.2))[1] if ax is None else ax
    table = make_axes_locatable(ax).append_axes("bottom", size=0.22 * len(groups) + 0.25,
                                                pad=0.75)
    names = []
    for i, (level, mask) in enumerate(groups):
        name = t("m1.plot.all_patients") if level is None else str(level)
        fitter = KaplanMeierFitter().fit(times[mask], events[mask], label=name)
        colour = plotting.colour(["blue", "vermillion", "green", "purple", "orange"][i % 5])
        fitter.plot_survival_function(ax=ax, ci_show=ci, show_censors=True, color=colour,
                                      censor_styles={"ms": 7, "marker": "|"})
        at_risk = [int((times[mask] >= tick).sum()) for tick in ticks]
        for tick, count in zip(ticks, at_risk, strict=True):
            table.text(tick, i, str(count), ha="center", va="center", color=colour, fontsize=10)
        names.append(name)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(-0.05 * ticks.max(), ticks.max() * 1.03)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    plotting.finish(ax, title or t("m1.plot.km_title"), time_label or t("m1.plot.followup_axis"),
                    t("m1.plot.surviving_axis"))
    table.set_xlim(ax.get_xlim())
    table.set_ylim(len(groups) - 0.5, -0.5)
    table.set_yticks(range(len(groups)), names)
    table.set_xticks([])
    table.tick_params(length=0, labelsize=10)
    table.grid(False)
    for side in table.spines.values():
        side.set_visible(False)
    table.set_title(t("m1.plot.at_risk"), fontsize=10, loc="left", fontweight="normal")
    return ax


def survival_summary(time: object, event: object, group: object = None) -> pd.DataFrame:
    """Patients, events, censored patients and the Kaplan-Meier median survival, per group.

    Parameters
    ----------
    time, event, group : array_like
        As in :func:`plot_km`.

    Returns
    -------
    pandas.DataFrame
        One row per group with ``group``, ``patients``, ``events``, ``censored`` and
        ``median_time`` (the time at which the Kaplan-Meier curve crosses 50 %, in the
        unit of ``time``; infinite when it never does).
    """
    from lifelines import KaplanMeierFitter

    times, events = _survival_arrays(time, event)
    rows = []
    for level, mask in _groups(group, times.size):
        fitter = KaplanMeierFitter().fit(times[mask], events[mask])
        rows.append({"group": "all" if level is None else level, "patients": int(mask.sum()),
                     "events": int(events[mask].sum()),
                     "censored": int((events[mask] == 0).sum()),
                     "median_time": float(fitter.median_survival_time_)})
    return pd.DataFrame(rows)


def hazard_ratio_table(model: object) -> pd.DataFrame:
    """Hazard ratios of a fitted lifelines ``CoxPHFitter``, with 95 % CIs and p-values.

    Returns
    -------
    pandas.DataFrame
        Indexed by covariate, with ``hazard_ratio``, ``lower_95``, ``upper_95`` and ``p``.
    """
    summary = getattr(model, "summary", None)
    if not isinstance(summary, pd.DataFrame) or "exp(coef)" not in summary.columns:
        raise ValueError("model must be a fitted lifelines CoxPHFitter (call .fit first)")
    table = summary[["exp(coef)", "exp(coef) lower 95%", "exp(coef) upper 95%", "p"]].copy()
    table.columns = ["hazard_ratio", "lower_95", "upper_95", "p"]
    table.index.name = "covariate"
    return table


def say_hazard_ratio(hazard_ratio: float, lower: float, upper: float, *, per: str,
                     event: str) -> str:
    """Read a hazard ratio aloud in plain language.

    Parameters
    ----------
    hazard_ratio : float
        The estimate (> 0). Above 1 the event happens sooner, below 1 later.
    lower, upper : float
        Its 95 % confidence interval, with ``0 < lower <= hazard_ratio <= upper``.
    per : str
        What the ratio compares, for example ``"each extra ECOG point"`` or ``"being a
        woman rather than a man"``.
    event : str
        The event, for example ``"death"``.

    Returns
    -------
    str
        For example: "Each extra ECOG point: hazard ratio 1.59 (95 % CI 1.27 to 1.99). At
        any moment of follow-up, the hazard of death is 59 % higher, other variables
        being equal."

    Examples
    --------
    >>> say_hazard_ratio(0.5, 0.3, 0.8, per="treatment", event="relapse")[:40]
    'Treatment: hazard ratio 0.50 (95 % CI 0.'
    """
    values = {"hazard_ratio": hazard_ratio, "lower": lower, "upper": upper}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    if not lower <= hazard_ratio <= upper:
        raise ValueError(f"expected lower <= hazard_ratio <= upper, got {lower!r}, "
                         f"{hazard_ratio!r}, {upper!r}")
    for name, text in (("per", per), ("event", event)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be non-empty text, got {text!r}")
    change = round(100 * abs(hazard_ratio - 1))
    if change == 0:
        effect = t("m1.hr.same", event=event)
    else:
        key = "m1.hr.higher" if hazard_ratio > 1 else "m1.hr.lower"
        effect = t(key, event=event, change=change)
    sentence = t("m1.hr.sentence", per=per, hr=f"{hazard_ratio:.2f}", lower=f"{lower:.2f}",
                 upper=f"{upper:.2f}", effect=effect)
    if lower <= 1 <= upper:
        sentence += " " + t("m1.hr.includes_one")
    return sentence[:1].upper() + sentence[1:]
