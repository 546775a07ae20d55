"""Privacy of health records: re-identification risk, k-anonymity, l-diversity, and a
toy differential-privacy Laplace mechanism.

Removing names is not enough. *Quasi-identifiers* (age, sex, postcode, admission
date...) are harmless one by one but, combined, often single out a person: 87 % of the
1990 US population was likely unique on {5-digit ZIP code, sex, date of birth} [1]_.

* A table is **k-anonymous** when every combination of quasi-identifier values that
  appears in it is shared by at least *k* records [2]_. The functions here count
  *records*: when one person has several records (several hospital stays), a class of
  *k* records may hold fewer than *k* people, so k must then be counted in persons.
  Generalising values (exact age → 10-year band, postcode → its first digits, date →
  month) makes the groups larger.
* k-anonymity does not protect a *sensitive* attribute if everyone in a group has the
  same value (the *homogeneity attack* of [3]_). Machanavajjhala et al. ask every group
  to hold at least *l* "well-represented" sensitive values and define entropy and
  recursive versions of that condition [3]_; :func:`l_diversity` computes the simplest
  reading, *distinct* l-diversity (at least *l* different values), which is weaker: a
  group of ten stays with nine of one diagnosis and one of another is distinct 2-diverse.
* **Differential privacy** bounds what a published *statistic* reveals about any one
  *unit* of the data: noise from a Laplace distribution of scale ``sensitivity / ε`` is
  added, where the sensitivity is the largest change one unit can make to the
  statistic [4]_ [5]_. Smaller ε means more privacy and more noise. The unit matters:
  with one row per hospital stay, a sensitivity of 1 protects a *stay*; a patient with
  three stays changes a count by 3. Person-level protection needs each person's
  contribution bounded (for example at most *m* stays each, extra stays dropped) and
  the sensitivity multiplied by *m* (``max_records_per_person``) [5]_.

These functions are for teaching: a real release needs a privacy budget across all
queries, floating-point-safe noise, and a decision by the data controller, who is
accountable for it (GDPR Art. 5(2) and 24), taken with the advice of the data-protection
officer (Art. 35(2) and 39(1)(c)).

References
----------
.. [1] Sweeney L. Simple demographics often identify people uniquely. Carnegie Mellon
   University, Data Privacy Working Paper 3, Pittsburgh 2000.
   https://dataprivacylab.org/projects/identifiability/paper1.pdf
.. [2] Sweeney L. k-anonymity: a model for protecting privacy. Int J Uncertain Fuzziness
   Knowl-Based Syst 2002;10(5):557-570. doi:10.1142/S0218488502001648
.. [3] Machanavajjhala A, Kifer D, Gehrke J, Venkitasubramaniam M. l-diversity: privacy
   beyond k-anonymity. ACM Trans Knowl Discov Data 2007;1(1):3.
   doi:10.1145/1217299.1217302
.. [4] Dwork C, McSherry F, Nissim K, Smith A. Calibrating noise to sensitivity in
   private data analysis. TCC 2006, LNCS 3876:265-284. doi:10.1007/11681878_14
.. [5] Dwork C, Roth A. The algorithmic foundations of differential privacy. Found
   Trends Theor Comput Sci 2014;9(3-4):211-407. doi:10.1561/0400000042
.. [6] Kifer D, Machanavajjhala A. No free lunch in data privacy. Proc ACM SIGMOD
   2011:193-204. doi:10.1145/1989323.1989345
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from aimed.i18n import t
from aimed.society import _checks

__all__ = [
    "class_sizes",
    "generalise_age",
    "generalise_date",
    "generalise_postcode",
    "k_anonymity",
    "l_diversity",
    "laplace_mechanism",
    "laplace_scale",
    "noisy_count",
    "noisy_mean",
    "share_unique",
    "suppress_small_classes",
]


# --------------------------------------------------------------------------- k-anonymity


def class_sizes(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> pd.Series:
    """Size of each record's equivalence class (records sharing its quasi-identifiers).

    Parameters
    ----------
    df : pandas.DataFrame
        The table, one row per record.
    quasi_identifiers : sequence of str
        Column names. Missing values count as a value of their own.

    Returns
    -------
    pandas.Series of int
        Aligned with ``df``: 1 means the record is unique on its quasi-identifiers.
        Sizes count records, not people: several stays of one patient count several
        times.
    """
    _checks.columns(df, quasi_identifiers)
    keys = df[list(quasi_identifiers)]
    return keys.groupby(list(quasi_identifiers), dropna=False, observed=True)[
        keys.columns[0]].transform("size").astype(np.int64)


def k_anonymity(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """The k of a table: the size of its smallest equivalence class.

    Examples
    --------
    >>> table = pd.DataFrame({"age_band": ["40-49", "40-49", "50-59"], "sex": ["F", "F", "M"]})
    >>> k_anonymity(table, ["age_band", "sex"])
    1
    """
    return int(class_sizes(df, quasi_identifiers).min())


def share_unique(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> float:
    """Share of records (0 to 1) that are unique on their quasi-identifiers."""
    return float((class_sizes(df, quasi_identifiers) == 1).mean())


def l_diversity(df: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str) -> int:
    """The (distinct) l of a table: the fewest distinct sensitive values in any class.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    quasi_identifiers : sequence of str
        Column names of the quasi-identifiers.
    sensitive : str
        Column name of the sensitive attribute (for example the diagnosis).

    Returns
    -------
    int
        1 means some class has a single diagnosis: anyone who knows a person is in the
        table and in that class learns the diagnosis, whatever the k. This is the
        *distinct* reading of l-diversity; it ignores how unevenly the values are
        spread within a class (see the module docstring).
    """
    _checks.columns(df, [*quasi_identifiers, sensitive])
    if sensitive in quasi_identifiers:
        raise _checks.SocietyValueError(t("society.error.sensitive_in_qi", name=sensitive))
    distinct = df.groupby(list(quasi_identifiers), dropna=False, observed=True)[
        sensitive].nunique(dropna=False)
    return int(distinct.min())


# --------------------------------------------------------------------------- generalisation


def generalise_age(age_years: object, width: int = 10, *, bottom: int | None = None,
                   top: int | None = None) -> pd.Series:
    """Replace exact ages by bands of ``width`` years, written ``"40-49"``.

    Parameters
    ----------
    age_years : array_like of int or float
        Ages in completed years, 0 to 130.
    width : int, default 10
        Band width in years, 1 to 130. A width of 1 keeps exact ages (as text).
    bottom : int, optional
        Bottom-code: ages below ``bottom`` become ``"<bottom"`` (for example ``"<30"``).
    top : int, optional
        Top-code: ages of ``top`` and above become ``"top+"``. The US HIPAA Safe Harbor
        method, for instance, aggregates all ages over 89 into one category
        (45 CFR 164.514(b)(2)(i)(C)), because very old people are rare and so easy
        to single out.

    Returns
    -------
    pandas.Series of str
    """
    width = _checks.check_int("width", width, 1, 130)
    ages = pd.Series(np.asarray(age_years, dtype=np.float64))
    if ages.isna().any() or (ages < 0).any() or (ages > 130).any():
        raise _checks.SocietyValueError(t("society.error.float_range", name="age_years",
                                          interval="[0, 130]", got="a value outside"))
    if bottom is not None:
        bottom = _checks.check_int("bottom", bottom, 1, 130)
    if top is not None:
        top = _checks.check_int("top", top, (bottom or 0) + 1, 130)
    low = (np.floor(ages / width) * width).astype(np.int64)
    if width == 1:
        bands = low.astype(str)
    else:
        bands = low.astype(str) + "-" + (low + width - 1).astype(str)
    if bottom is not None:
        bands[ages < bottom] = f"<{bottom}"
    if top is not None:
        bands[ages >= top] = f"{top}+"
    return bands


def suppress_small_classes(df: pd.DataFrame, quasi_identifiers: Sequence[str], k: int
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a table into the records of classes of size >= k and the rest (suppressed).

    Generalisation alone often leaves a handful of outliers unique (the oldest man of
    a small area...). Suppressing those records is the usual complement, and the
    suppressed records are returned, never silently dropped: their number belongs
    in the data-release report.

    Returns
    -------
    (kept, suppressed) : tuple of pandas.DataFrame
        ``kept`` is k-anonymous on ``quasi_identifiers`` (or empty).
    """
    k = _checks.check_int("k", k, 1, 1_000_000)
    small = class_sizes(df, quasi_identifiers) < k
    return df[~small].copy(), df[small].copy()


def generalise_postcode(postcodes: object, digits: int) -> pd.Series:
    """Keep the first ``digits`` characters of each postcode and mask the rest with ``*``.

    Parameters
    ----------
    postcodes : array_like of str
        Postcodes, all of the same length (for example 5 digits).
    digits : int
        Characters to keep, from 0 (everything masked) to the postcode length.

    Returns
    -------
    pandas.Series of str
        For example ``"31042"`` with ``digits=3`` gives ``"310**"``.
    """
    codes = pd.Series(np.asarray(postcodes, dtype=object)).astype(str)
    lengths = codes.str.len().unique()
    if len(lengths) != 1:
        raise _checks.SocietyValueError(t("society.error.postcode_length"))
    length = int(lengths[0])
    digits = _checks.check_int("digits", digits, 0, length)
    return codes.str[:digits] + "*" * (length - digits)


def generalise_date(dates: object, unit: str = "month") -> pd.Series:
    """Coarsen dates to the ``"week"``, ``"month"``, ``"quarter"`` or ``"year"``.

    Returns
    -------
    pandas.Series of str
        ``"2025-W07"``, ``"2025-03"``, ``"2025-Q1"`` or ``"2025"``.
    """
    unit = _checks.check_choice("unit", unit, ("day", "week", "month", "quarter", "year"))
    when = pd.Series(pd.to_datetime(np.asarray(dates)))
    if when.isna().any():
        raise _checks.SocietyValueError(t("society.error.missing_group", name="dates"))
    if unit == "day":
        return when.dt.strftime("%Y-%m-%d")
    if unit == "week":
        iso = when.dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    if unit == "month":
        return when.dt.strftime("%Y-%m")
    if unit == "quarter":
        return when.dt.year.astype(str) + "-Q" + when.dt.quarter.astype(str)
    return when.dt.year.astype(str)


# --------------------------------------------------------------------------- differential privacy


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """Scale b = sensitivity / ε of the Laplace noise (its standard deviation is √2·b)."""
    sensitivity = _checks.check_float("sensitivity", sensitivity, 0.0, np.inf,
                                      low_open=True, high_open=True)
    epsilon = _checks.check_float("epsilon", epsilon, 0.0, 100.0, low_open=True)
    return sensitivity / epsilon


def laplace_mechanism(value: float, sensitivity: float, epsilon: float,
                      rng: np.random.Generator) -> float:
    """Release ``value`` plus Laplace noise of scale ``sensitivity / epsilon``.

    Parameters
    ----------
    value : float
        The exact statistic computed on the private data.
    sensitivity : float
        The most one unit of protection (a record, or a person with all their records)
        can change ``value`` (> 0): 1 for a count of records.
    epsilon : float
        Privacy-loss parameter in (0, 100]; smaller is more private. Values used in
        practice range from about 0.01 to 10.
    rng : numpy.random.Generator
        The source of randomness (pass a seeded one for reproducible lessons).

    Returns
    -------
    float
        One noisy release. Each call spends ε of the privacy budget.
    """
    if not isinstance(rng, np.random.Generator):
        raise _checks.SocietyValueError(t("society.error.rng", got=type(rng).__name__))
    value = _checks.check_float("value", value, -np.inf, np.inf, low_open=True,
                                high_open=True)
    return float(value + rng.laplace(0.0, laplace_scale(sensitivity, epsilon)))


def noisy_count(mask: object, epsilon: float, rng: np.random.Generator, *,
                max_records_per_person: int = 1) -> float:
    """Differentially private count of the records where ``mask`` is True.

    Adding or removing one *record* changes a count by at most 1, so with the default
    ``max_records_per_person=1`` the sensitivity is 1 and the noise scale
    ``1 / epsilon``: that protects a record (a hospital stay), and a person only if
    each person has one record. If a person may have up to *m* records, adding or
    removing that person changes the count by up to *m*: pass
    ``max_records_per_person=m`` and the noise scale becomes ``m / epsilon``. The bound
    must be *enforced* before counting (keep at most *m* records per person), which
    this function cannot check without a person identifier.

    Parameters
    ----------
    mask : array_like of bool
        True for the records to count (for example ``registry.diagnosis == "HIV infection"``).
    epsilon : float
        Privacy-loss parameter in (0, 100].
    rng : numpy.random.Generator
        Source of randomness.
    max_records_per_person : int, default 1
        Most records any one person contributes (1 to 1000).
    """
    flags = np.asarray(mask)
    if flags.ndim != 1 or flags.dtype.kind != "b":
        raise _checks.SocietyValueError(t("society.error.mask"))
    m = _checks.check_int("max_records_per_person", max_records_per_person, 1, 1000)
    return laplace_mechanism(float(flags.sum()), float(m), epsilon, rng)


def noisy_mean(values: object, lower: float, upper: float, epsilon: float,
               rng: np.random.Generator, *, max_records_per_person: int = 1) -> float:
    """Differentially private mean of values clipped to ``[lower, upper]``.

    The sensitivity ``(upper - lower) / n`` assumes that the number of records n is
    **public** and that neighbouring data sets differ by *replacing* one record (so n
    does not change): changing one record then moves the mean of clipped values by at
    most ``(upper - lower) / n``. If n itself is private (a person may be absent), a
    common approach releases a noisy sum and a noisy count, each with part of ε, and
    divides them ("bounded" against "unbounded" differential privacy [6]_). A person
    with up to *m* records moves the mean by up to *m* times as much
    (``max_records_per_person=m``). Clipping is what makes the
    sensitivity finite; choose the bounds from domain knowledge (for example 1-30
    days for a length of stay), never from the data.

    Parameters
    ----------
    values : array_like of float
        The private values (one per record); must be non-empty and finite.
    lower, upper : float
        Clipping bounds, ``lower < upper``, in the unit of ``values``.
    epsilon : float
        Privacy-loss parameter in (0, 100].
    rng : numpy.random.Generator
        Source of randomness.
    max_records_per_person : int, default 1
        Most records any one person contributes (1 to 1000), enforced beforehand.
    """
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 1 or data.size == 0 or not np.isfinite(data).all():
        raise _checks.SocietyValueError(t("society.error.finite", name="values"))
    lower = _checks.check_float("lower", lower, -np.inf, np.inf, low_open=True,
                                high_open=True)
    upper = _checks.check_float("upper", upper, lower, np.inf, low_open=True, high_open=True)
    m = _checks.check_int("max_records_per_person", max_records_per_person, 1, 1000)
    clipped = np.clip(data, lower, upper)
    return laplace_mechanism(float(clipped.mean()), m * (upper - lower) / data.size, epsilon,
                             rng)
