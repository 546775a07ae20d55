"""Small published tables shipped as CSV files in ``datasets/``."""

from __future__ import annotations

import pandas as pd

from aimed.data._registry import register, shipped_file

__all__ = ["kidney_stones"]


@register(
    "kidney-stones",
    title="Kidney-stone treatment success by stone size (Charig et al. 1986)",
    source="shipped",
    licence="Facts from a published table (not copyrightable); CSV file CC BY 4.0",
    citation=(
        "Charig CR, Webb DR, Payne SR, Wickham JE. Comparison of treatment of renal calculi "
        "by open surgery, percutaneous nephrolithotomy, and extracorporeal shockwave "
        "lithotripsy. BMJ 1986;292(6524):879-882. doi:10.1136/bmj.292.6524.879"
    ),
)
def kidney_stones() -> pd.DataFrame:
    """Load the counts behind the textbook example of Simpson's paradox.

    Returns
    -------
    pandas.DataFrame
        Four rows (treatment × stone size) with the columns ``treatment`` (``"open
        surgery"`` or ``"PCNL"``, percutaneous nephrolithotomy), ``stone_size``
        (``"small"`` < 2 cm or ``"large"`` ≥ 2 cm), ``successes`` and ``patients``.
    """
    table = pd.read_csv(shipped_file("kidney-stones", "kidney_stones.csv"))
    expected = ["treatment", "stone_size", "successes", "patients"]
    if list(table.columns) != expected:
        raise ValueError(f"kidney_stones.csv must have the columns {expected}, "
                         f"got {list(table.columns)}")
    return table
