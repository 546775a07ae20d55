"""Real clinical tables bundled in scikit-learn's wheel (no download)."""

from __future__ import annotations

import pandas as pd

from aimed.data._registry import register

__all__ = ["breast_cancer", "diabetes"]


@register(
    "breast-cancer",
    title="Breast Cancer Wisconsin (Diagnostic): 569 fine-needle aspirates",
    source="scikit-learn",
    licence="CC BY 4.0 (UCI Machine Learning Repository)",
    citation=(
        "Street WN, Wolberg WH, Mangasarian OL. Nuclear feature extraction for breast tumor "
        "diagnosis. Proc. SPIE 1905, 1993. doi:10.1117/12.148698"
    ),
)
def breast_cancer() -> pd.DataFrame:
    """Load the Wisconsin diagnostic breast-cancer table.

    Returns
    -------
    pandas.DataFrame
        569 rows (one per fine-needle aspirate of a breast mass) and 31 columns:
        30 nuclear features computed from the digitised image (mean, standard error
        and "worst" value of radius, texture, perimeter, area, smoothness,
        compactness, concavity, concave points, symmetry and fractal dimension), and
        ``malignant``: 1 for a malignant tumour (212 cases), 0 for benign (357).

    Notes
    -----
    scikit-learn codes the target the other way round (0 = malignant); this loader
    recodes it so that 1 means "has the disease", as in clinical tables.
    """
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    table = bunch.frame.drop(columns="target")
    table["malignant"] = (bunch.target == 0).astype("int64")
    return table


DIABETES_COLUMNS = {
    "age": "age",
    "sex": "sex",
    "bmi": "bmi",
    "bp": "bp",
    "s1": "tc",
    "s2": "ldl",
    "s3": "hdl",
    "s4": "tch",
    "s5": "ltg",
    "s6": "glu",
}


@register(
    "diabetes",
    title="Diabetes progression: 442 patients, 10 baseline variables",
    source="scikit-learn",
    licence="BSD-3-Clause (distributed with scikit-learn)",
    citation=(
        "Efron B, Hastie T, Johnstone I, Tibshirani R. Least angle regression. "
        "Ann Stat 2004;32(2):407-499. doi:10.1214/009053604000000067"
    ),
)
def diabetes() -> pd.DataFrame:
    """Load the diabetes-progression table in its original units (not standardised).

    Returns
    -------
    pandas.DataFrame
        442 rows and 11 columns, named and described as in scikit-learn's
        documentation of the data set: ``age`` (age in years), ``sex`` (coded 1/2),
        ``bmi`` (body mass index), ``bp`` (average blood pressure), and six blood serum
        measurements ``tc`` (total serum cholesterol), ``ldl`` (low-density
        lipoproteins), ``hdl`` (high-density lipoproteins), ``tch`` (total cholesterol
        / HDL), ``ltg`` ("possibly log of serum triglycerides level") and ``glu``
        (blood sugar level); and ``progression``: "a quantitative measure of disease
        progression one year after baseline". The source documents no units beyond
        age (see the datasheet).
    """
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(as_frame=True, scaled=False)
    table = bunch.frame.rename(columns=DIABETES_COLUMNS | {"target": "progression"})
    return table
