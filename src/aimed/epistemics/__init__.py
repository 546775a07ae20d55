"""Module 4 of the course: what a model in medicine can and cannot know.

Small, tested tools behind the module-4 lessons:

* :mod:`~aimed.epistemics.causal`: Simpson's paradox on counts tables, and simulated
  confounders, colliders and mediators with their graphs;
* :mod:`~aimed.epistemics.leakage`: patient-level splits, a leak-free risk model and data
  with no signal for the "wrong way to cross-validate";
* :mod:`~aimed.epistemics.explain`: impurity and permutation importance, clusters of
  correlated features;
* :mod:`~aimed.epistemics.uncertainty`: reliability diagrams, recalibration of a frozen
  model (intercept only, or intercept and slope),
  dataset shift, PPV against prevalence, abstention.

The datasets live in :mod:`aimed.data` (``"kidney-stones"``, ``"sepsis-triage"``).
"""

from aimed.epistemics.causal import (
    DAGS,
    Dag,
    estimate_effect,
    is_simpsons_paradox,
    plot_dag,
    plot_success_rates,
    simulate_collider,
    simulate_confounder,
    simulate_mediator,
    simulate_pneumonia_care,
    standardised_rates,
    success_rates,
)
from aimed.epistemics.explain import (
    correlated_groups,
    grouped_permutation_importance,
    mdi_table,
    permutation_table,
    plot_correlation_dendrogram,
    plot_importances,
)
from aimed.epistemics.leakage import (
    holdout_auroc,
    make_noise_omics,
    make_triage_model,
    patient_overlap,
    split_by_patient,
    split_by_visit,
)
from aimed.epistemics.uncertainty import (
    Recalibration,
    abstention_curve,
    apply_intercept_shift,
    intercept_shift,
    performance_summary,
    plot_abstention,
    plot_ppv_by_prevalence,
    plot_reliability,
    recalibrate,
)

__all__ = [
    "DAGS",
    "Dag",
    "Recalibration",
    "abstention_curve",
    "apply_intercept_shift",
    "correlated_groups",
    "estimate_effect",
    "grouped_permutation_importance",
    "holdout_auroc",
    "intercept_shift",
    "is_simpsons_paradox",
    "make_noise_omics",
    "make_triage_model",
    "mdi_table",
    "patient_overlap",
    "performance_summary",
    "permutation_table",
    "plot_abstention",
    "plot_correlation_dendrogram",
    "plot_dag",
    "plot_importances",
    "plot_ppv_by_prevalence",
    "plot_reliability",
    "plot_success_rates",
    "recalibrate",
    "simulate_collider",
    "simulate_confounder",
    "simulate_mediator",
    "simulate_pneumonia_care",
    "split_by_patient",
    "split_by_visit",
    "standardised_rates",
    "success_rates",
]
