"""Correlation versus causation: Simpson's paradox and three small causal graphs.

Two tools:

* **Counts tables** (treatment × stratum with successes and patients), for Simpson's
  paradox [1]_ [2]_: pooled and stratified success rates, and rates standardised to a
  common stratum mix (the back-door adjustment formula [3]_).
* **Simulations** of three directed acyclic graphs (DAGs) in which the true effect is
  known because we set it: a *confounder* (adjust for it), a *collider* (do not), a
  *mediator* (do not, if you want the total effect). :func:`estimate_effect` estimates
  the effect by least squares, with or without adjustment, so the learner watches each
  bias appear and disappear.

The simulated effect sizes are plausible, not estimates: the antihypertensive effect is
close to the 9.1 mmHg systolic reduction of one drug at standard dose [4]_, and the
statin scenario follows the roughly 20 % fewer major vascular events per 1 mmol/L lower
LDL cholesterol [5]_.

References
----------
.. [1] Charig CR, Webb DR, Payne SR, Wickham JE. Comparison of treatment of renal calculi
   by open surgery, percutaneous nephrolithotomy, and extracorporeal shockwave
   lithotripsy. BMJ 1986;292:879-882. doi:10.1136/bmj.292.6524.879
.. [2] Julious SA, Mullee MA. Confounding and Simpson's paradox. BMJ 1994;309:1480.
   doi:10.1136/bmj.309.6967.1480
.. [3] Hernán MA, Robins JM. Causal Inference: What If. Chapman & Hall/CRC, 2020.
   https://miguelhernan.org/whatifbook
.. [4] Law MR, Wald NJ, Morris JK, Jordan RE. Value of low dose combination treatment with
   blood pressure lowering drugs: analysis of 354 randomised trials. BMJ
   2003;326:1427. doi:10.1136/bmj.326.7404.1427
.. [5] Cholesterol Treatment Trialists' Collaboration. Efficacy and safety of more
   intensive lowering of LDL cholesterol. Lancet 2010;376:1670-1681.
   doi:10.1016/S0140-6736(10)61350-5
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.special import expit

from aimed.epistemics._checks import check_columns, check_int, check_real
from aimed.i18n import t
from aimed.plotting import colour, known_text

__all__ = [
    "DAGS",
    "Dag",
    "estimate_effect",
    "is_simpsons_paradox",
    "plot_dag",
    "plot_success_rates",
    "simulate_collider",
    "simulate_confounder",
    "simulate_mediator",
    "simulate_pneumonia_care",
    "standardised_rates",
    "success_rates",
]

COUNT_COLUMNS = ("successes", "patients")


# --------------------------------------------------------------------------- counts


def _check_counts(table: object, by: Sequence[str]) -> pd.DataFrame:
    frame = check_columns(table, [*by, *COUNT_COLUMNS], "table")
    for column in COUNT_COLUMNS:
        values = frame[column].to_numpy()
        if values.dtype.kind not in "iu" or (values < 0).any():
            raise ValueError(t("epistemics.error.counts", column=column))
    if (frame["successes"] > frame["patients"]).any():
        raise ValueError(t("epistemics.error.successes_gt_patients"))
    if (frame["patients"] == 0).any():
        raise ValueError(t("epistemics.error.empty_group"))
    return frame


def success_rates(table: pd.DataFrame, by: Sequence[str] = ("treatment",)) -> pd.DataFrame:
    """Add up successes and patients per group and compute the success rate.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts with the columns in ``by`` plus ``successes`` and ``patients`` (integers,
        ``0 <= successes <= patients``, ``patients > 0``), for example
        ``aimed.data.load("kidney-stones")``.
    by : sequence of str, default ("treatment",)
        The grouping columns: ``("treatment",)`` pools over strata;
        ``("stone_size", "treatment")`` gives the stratified rates.

    Returns
    -------
    pandas.DataFrame
        One row per group with the ``by`` columns, ``successes``, ``patients`` and
        ``rate`` (a fraction in [0, 1]), sorted by the ``by`` columns.

    Raises
    ------
    ValueError
        If a column is missing or the counts are not valid.

    Examples
    --------
    >>> from aimed import data
    >>> success_rates(data.load("kidney-stones"))["rate"].round(3).tolist()
    [0.826, 0.78]
    """
    by = list(by)
    frame = _check_counts(table, by)
    grouped = frame.groupby(by, sort=True)[list(COUNT_COLUMNS)].sum().reset_index()
    grouped["rate"] = grouped["successes"] / grouped["patients"]
    return grouped


def standardised_rates(table: pd.DataFrame, *, treatment: str = "treatment",
                       stratum: str = "stone_size") -> pd.DataFrame:
    """Success rate of each treatment as if it had been given to the whole population.

    Each stratum-specific rate is weighted by the share of *all* patients in that
    stratum: ``sum_s P(success | treatment, s) · P(s)``, the back-door adjustment formula.
    With stone size as the only confounder, this answers "what if everyone had had
    open surgery?".

    Parameters
    ----------
    table : pandas.DataFrame
        Counts with the columns ``treatment``, ``stratum``, ``successes``, ``patients``;
        every treatment must appear in every stratum (positivity).
    treatment, stratum : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per treatment with ``treatment`` and ``standardised_rate`` (fraction).

    Raises
    ------
    ValueError
        If a column is missing, the counts are invalid, or a treatment is missing from a
        stratum.
    """
    frame = _check_counts(table, [treatment, stratum])
    cells = frame.groupby([treatment, stratum])[list(COUNT_COLUMNS)].sum()
    full = pd.MultiIndex.from_product(
        [sorted(frame[treatment].unique()), sorted(frame[stratum].unique())])
    if len(cells) != len(full):
        raise ValueError(t("epistemics.error.positivity", treatment=treatment, stratum=stratum))
    rate = cells["successes"] / cells["patients"]
    weight = frame.groupby(stratum)["patients"].sum() / frame["patients"].sum()
    out = (rate * weight.reindex(rate.index.get_level_values(1)).to_numpy()).groupby(
        level=0).sum()
    return pd.DataFrame({treatment: out.index.to_list(),
                         "standardised_rate": out.to_numpy(dtype=float)})


def is_simpsons_paradox(table: pd.DataFrame, *, treatment: str = "treatment",
                        stratum: str = "stone_size") -> bool:
    """Whether the pooled comparison of two treatments reverses inside every stratum.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts with ``treatment``, ``stratum``, ``successes`` and ``patients``; exactly
        two treatments, each present in every stratum.
    treatment, stratum : str
        Column names.

    Returns
    -------
    bool
        True when one treatment has the higher pooled success rate but the lower rate
        in every stratum (ties count as no reversal).

    Raises
    ------
    ValueError
        If there are not exactly two treatments, or a treatment is missing from a
        stratum.
    """
    frame = _check_counts(table, [treatment, stratum])
    arms = sorted(frame[treatment].unique())
    if len(arms) != 2:
        raise ValueError(t("epistemics.error.two_treatments", column=treatment,
                           got=len(arms)))
    pooled = success_rates(frame, [treatment]).set_index(treatment)["rate"]
    strata = success_rates(frame, [stratum, treatment]).pivot(
        index=stratum, columns=treatment, values="rate")
    if strata.isna().any().any():
        raise ValueError(t("epistemics.error.positivity", treatment=treatment, stratum=stratum))
    pooled_diff = pooled[arms[0]] - pooled[arms[1]]
    strat_diff = strata[arms[0]] - strata[arms[1]]
    if pooled_diff == 0:
        return False
    return bool((np.sign(strat_diff) == -np.sign(pooled_diff)).all())


def _shown(column: str, value: object) -> str:
    """A value of a lesson column (``"open surgery"``, ``"small"``) as drawn in a figure.

    Values of the course's data sets are translated; other values are drawn as given.
    """
    slug = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    return known_text(f"epistemics.value.{column}.{slug}", str(value))


def plot_success_rates(table: pd.DataFrame, *, treatment: str = "treatment",
                       stratum: str = "stone_size", ax: plt.Axes | None = None,
                       title: str | None = None) -> plt.Axes:
    """Bar chart of success rates per stratum and pooled, one bar per treatment.

    Returns
    -------
    matplotlib.axes.Axes
        Bars labelled with the rate in % and the counts ``successes/patients``.
    """
    frame = _check_counts(table, [treatment, stratum])
    strat = success_rates(frame, [stratum, treatment])
    pooled = success_rates(frame, [treatment]).assign(**{stratum: t("epistemics.label.all")})
    both = pd.concat([strat, pooled], ignore_index=True)
    groups = [*sorted(frame[stratum].unique()), t("epistemics.label.all")]
    arms = sorted(frame[treatment].unique())
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2))
    width = 0.8 / len(arms)
    for i, arm in enumerate(arms):
        rows = both[both[treatment] == arm].set_index(stratum).loc[groups]
        x = np.arange(len(groups)) + (i - (len(arms) - 1) / 2) * width
        bars = ax.bar(x, 100 * rows["rate"], width, label=_shown(treatment, arm),
                      color=colour(i))
        for bar, (_, row) in zip(bars, rows.iterrows(), strict=True):
            ax.annotate(f"{100 * row['rate']:.0f} %\n{row['successes']}/{row['patients']}",
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=9)
    ax.set_xticks(np.arange(len(groups)), [_shown(stratum, g) for g in groups[:-1]]
                  + [str(groups[-1])])
    ax.set_ylim(0, 125)
    ax.set_title(title or t("epistemics.plot.success_title"))
    ax.set_xlabel(known_text(f"epistemics.plot.stratum.{stratum}",
                             stratum.replace("_", " ").capitalize()))
    ax.set_ylabel(t("epistemics.plot.success_ylabel"))
    ax.legend(loc="upper center", ncol=len(arms))
    return ax


# --------------------------------------------------------------------------- DAGs


@dataclass(frozen=True)
class Dag:
    """A small causal graph with node positions for drawing.

    Attributes
    ----------
    name : str
        Short identifier (``"confounder"``...).
    edges : tuple of (str, str)
        Directed edges ``(cause, effect)``.
    positions : dict
        Node → (x, y) position in a unit box.
    treatment, outcome, third : str
        The exposure, the outcome, and the third variable whose role the graph shows.
    labels : dict
        Node → text drawn in the node (may contain a line break).
    """

    name: str
    edges: tuple[tuple[str, str], ...]
    positions: Mapping[str, tuple[float, float]]
    treatment: str
    outcome: str
    third: str
    labels: Mapping[str, str] = field(default_factory=dict)


#: The three graphs of the lesson, with the column names of the matching simulations.
DAGS: dict[str, Dag] = {
    "confounder": Dag(
        "confounder",
        (("baseline_sbp", "treated"), ("baseline_sbp", "followup_sbp"),
         ("treated", "followup_sbp")),
        {"baseline_sbp": (0.5, 0.85), "treated": (0.12, 0.2), "followup_sbp": (0.88, 0.2)},
        "treated", "followup_sbp", "baseline_sbp",
        {"baseline_sbp": "baseline\nSBP", "treated": "new\ndrug",
         "followup_sbp": "SBP at\n3 months"},
    ),
    "collider": Dag(
        "collider",
        (("smoker", "admitted"), ("severity", "admitted")),
        {"admitted": (0.5, 0.85), "smoker": (0.12, 0.2), "severity": (0.88, 0.2)},
        "smoker", "severity", "admitted",
        {"admitted": "admitted\nto hospital", "smoker": "smoker", "severity": "COVID\nseverity"},
    ),
    "mediator": Dag(
        "mediator",
        (("statin", "ldl"), ("ldl", "event")),
        {"ldl": (0.5, 0.85), "statin": (0.12, 0.2), "event": (0.88, 0.2)},
        "statin", "event", "ldl",
        {"ldl": "LDL\ncholesterol", "statin": "statin", "event": "vascular\nevent"},
    ),
    "care": Dag(
        "care",
        (("asthma", "icu"), ("asthma", "death"), ("icu", "death")),
        {"icu": (0.5, 0.85), "asthma": (0.12, 0.2), "death": (0.88, 0.2)},
        "asthma", "death", "icu",
        {"icu": "intensive\ncare", "asthma": "asthma", "death": "death"},
    ),
}


def plot_dag(dag: Dag | str, *, adjusted: Sequence[str] = (), ax: plt.Axes | None = None,
             title: str | None = None) -> plt.Axes:
    """Draw a causal graph with matplotlib: nodes as rounded boxes, causes as arrows.

    Parameters
    ----------
    dag : Dag or str
        A :class:`Dag`, or the name of one in :data:`DAGS`.
    adjusted : sequence of str
        Nodes we adjust for (condition on); they are drawn with a thick black frame and
        a grey fill, the usual convention of DAG diagrams.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    title : str, optional
        Title; default names the graph.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(dag, str):
        if dag not in DAGS:
            raise ValueError(t("epistemics.error.choice", name="dag", choices=sorted(DAGS),
                               got=repr(dag)))
        dag = DAGS[dag]
    unknown = [node for node in adjusted if node not in dag.positions]
    if unknown:
        raise ValueError(t("epistemics.error.choice", name="adjusted",
                           choices=sorted(dag.positions), got=repr(unknown)))
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 3.2))
    role_colour = {dag.treatment: colour("blue"), dag.outcome: colour("orange"),
                   dag.third: colour("green")}
    for cause, effect in dag.edges:
        ax.annotate("", xy=dag.positions[effect], xytext=dag.positions[cause],
                    arrowprops={"arrowstyle": "-|>", "lw": 2, "color": "0.25",
                                "shrinkA": 30, "shrinkB": 30, "mutation_scale": 18})
    for node, (x, y) in dag.positions.items():
        boxed = node in adjusted
        label = dag.labels.get(node, node)
        if dag.name in DAGS:
            label = known_text(f"epistemics.dag_node.{dag.name}.{node}", label)
        ax.text(x, y, label, ha="center", va="center", fontsize=10,
                bbox={"boxstyle": "round,pad=0.5",
                      "facecolor": "0.85" if boxed else "white",
                      "edgecolor": "black" if boxed else role_colour.get(node, "0.3"),
                      "linewidth": 3 if boxed else 2})
    ax.set_xlim(-0.1, 1.1)
    ax.set_ylim(-0.05, 1.05)
    ax.set_axis_off()
    ax.set_title(title or (t(f"epistemics.dag.{dag.name}") if dag.name in DAGS else dag.name))
    return ax


# --------------------------------------------------------------------------- simulations


def simulate_confounder(n: int = 5000, *, effect: float = -9.0, confounding: float = 1.0,
                        seed: int = 0) -> pd.DataFrame:
    """Simulate an observational cohort in which sicker patients get the new drug.

    Graph: baseline systolic blood pressure (SBP) → treatment, baseline SBP → SBP at
    3 months, treatment → SBP at 3 months. Patients with a higher baseline SBP are more
    likely to be treated and also have a higher SBP later, so the naive comparison
    makes the drug look worse than it is.

    Parameters
    ----------
    n : int, default 5000
        Number of patients, 100 to 1 000 000.
    effect : float, default -9.0
        The true effect of the drug on SBP at 3 months, in mmHg (negative lowers it);
        -9 mmHg is close to one drug at standard dose (Law et al. 2003).
    confounding : float, default 1.0
        How strongly baseline SBP drives prescribing, from 0 (treatment at random, as
        in a trial) to 5.
    seed : int, default 0
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``baseline_sbp`` (mmHg), ``treated`` (0/1), ``followup_sbp`` (mmHg).
    """
    n = check_int("n", n, 100, 1_000_000)
    effect = check_real("effect", effect, -60.0, 60.0)
    confounding = check_real("confounding", confounding, 0.0, 5.0)
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
    baseline = rng.normal(155.0, 15.0, n)
    treated = rng.random(n) < expit(confounding * (baseline - 155.0) / 6.0)
    followup = 40.0 + 0.75 * baseline + effect * treated + rng.normal(0.0, 8.0, n)
    return pd.DataFrame({"baseline_sbp": baseline.round(1),
                         "treated": treated.astype(np.int64),
                         "followup_sbp": followup.round(1)})


def simulate_collider(n: int = 20000, *, seed: int = 0) -> pd.DataFrame:
    """Simulate a population in which smoking has no effect on COVID-19 severity.

    Graph: smoking → hospital admission ← severity. Smoking (through other
    smoking-related illness) and a severe infection both make admission more likely.
    Among admitted patients only, smokers look *less* severe: collider bias, as
    discussed for early COVID-19 studies by Griffith et al. (Nat Commun 2020).

    Parameters
    ----------
    n : int, default 20000
        Number of people, 100 to 1 000 000.
    seed : int, default 0
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``smoker`` (0/1), ``severity`` (a severity score in standard deviations:
        0 is the population average), ``admitted`` (0/1).
    """
    n = check_int("n", n, 100, 1_000_000)
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
    smoker = rng.random(n) < 0.2
    severity = rng.normal(0.0, 1.0, n)
    admitted = rng.random(n) < expit(-3.0 + 2.5 * smoker + 2.0 * severity)
    return pd.DataFrame({"smoker": smoker.astype(np.int64), "severity": severity.round(3),
                         "admitted": admitted.astype(np.int64)})


def simulate_mediator(n: int = 40000, *, ldl_drop: float = 1.2, seed: int = 0) -> pd.DataFrame:
    """Simulate a randomised statin trial in which the statin works only through LDL.

    Graph: statin → LDL cholesterol → major vascular event within 5 years. The statin
    lowers LDL by ``ldl_drop`` mmol/L; each 1 mmol/L of LDL adds 3 percentage points of
    5-year risk (about a fifth of the risk at the usual LDL, in line with the
    Cholesterol Treatment Trialists' meta-analysis). Adjusting for LDL hides the whole
    benefit.

    Parameters
    ----------
    n : int, default 40000
        Number of participants, 100 to 1 000 000.
    ldl_drop : float, default 1.2
        Mean LDL reduction by the statin, in mmol/L (0 to 3).
    seed : int, default 0
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``statin`` (0/1, randomised), ``ldl`` (mmol/L), ``event`` (0/1).
    """
    n = check_int("n", n, 100, 1_000_000)
    ldl_drop = check_real("ldl_drop", ldl_drop, 0.0, 3.0)
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
    statin = rng.random(n) < 0.5
    ldl = np.clip(rng.normal(3.5, 0.8, n) - ldl_drop * statin, 0.5, None)
    event = rng.random(n) < np.clip(0.04 + 0.03 * ldl, 0.0, 1.0)
    return pd.DataFrame({"statin": statin.astype(np.int64), "ldl": ldl.round(2),
                         "event": event.astype(np.int64)})


def estimate_effect(data: pd.DataFrame, treatment: str, outcome: str,
                    adjust_for: Sequence[str] = ()) -> float:
    """Estimate the effect of a treatment by ordinary least squares.

    Fits ``outcome ~ intercept + treatment + adjust_for...`` and returns the coefficient
    of the treatment: the average difference in outcome between treated and untreated
    patients *with the same values* of the adjustment variables. With no adjustment it
    is the plain difference in means. For a 0/1 outcome it is a risk difference.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per patient; the columns used must be numeric and complete.
    treatment, outcome : str
        Column names; the treatment is usually 0/1.
    adjust_for : sequence of str, default ()
        Columns to adjust for.

    Returns
    -------
    float
        The estimated effect, in the outcome's units per unit of treatment.

    Raises
    ------
    ValueError
        If a column is missing, not numeric, has missing values, the treatment does not
        vary, or the treatment is also listed in ``adjust_for``.
    """
    adjust = list(adjust_for)
    if treatment in adjust or outcome in adjust:
        raise ValueError(t("epistemics.error.adjust_self"))
    frame = check_columns(data, [treatment, outcome, *adjust], "data")
    values = frame[[treatment, *adjust, outcome]]
    for column in values.columns:
        if values[column].dtype.kind not in "iufb":
            raise ValueError(t("epistemics.error.not_numeric", column=column))
    if values.isna().any().any():
        raise ValueError(t("epistemics.error.missing_values", name="data"))
    if values[treatment].nunique() < 2:
        raise ValueError(t("epistemics.error.no_variation", column=treatment))
    design = np.column_stack([np.ones(len(values)),
                              values[[treatment, *adjust]].to_numpy(dtype=float)])
    coef, *_ = np.linalg.lstsq(design, values[outcome].to_numpy(dtype=float), rcond=None)
    return float(coef[1])


def simulate_pneumonia_care(n: int = 20000, *, seed: int = 0) -> pd.DataFrame:
    """Simulate pneumonia patients whose asthma is harmful but triggers intensive care.

    Graph: asthma → death, asthma → intensive care → (fewer) deaths. At equal care,
    asthma raises the risk of death; but because doctors send most asthmatic patients
    to intensive care, asthmatic patients die *less* often overall. A model trained at
    admission (before the care decision) learns "asthma lowers risk": the pattern that
    Caruana et al. found in a real pneumonia model (KDD 2015,
    doi:10.1145/2783258.2788613). The numbers here are invented for teaching.

    Parameters
    ----------
    n : int, default 20000
        Number of patients, 100 to 1 000 000.
    seed : int, default 0
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``age`` (years), ``asthma`` (0/1), ``icu`` (0/1, admitted to intensive
        care), ``death`` (0/1).
    """
    n = check_int("n", n, 100, 1_000_000)
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
    age = np.clip(rng.normal(65.0, 15.0, n), 18, 100).round()
    asthma = rng.random(n) < 0.12
    icu = rng.random(n) < np.where(asthma, 0.8, 0.1)
    death = rng.random(n) < expit(-2.5 + 0.04 * (age - 65) + 0.5 * asthma - 2.0 * icu)
    return pd.DataFrame({"age": age.astype(np.int64), "asthma": asthma.astype(np.int64),
                         "icu": icu.astype(np.int64), "death": death.astype(np.int64)})
