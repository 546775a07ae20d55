"""Friendly, strict checks for learners' answers.

Two audiences use the same comparisons:

* **Lessons** wrap their self-checks in :func:`self_check`. A wrong answer prints a
  friendly "not yet" message and never stops the notebook.
* **Graded exercises** (nbgrader test cells) wrap their checks in :func:`checks`. A
  wrong answer raises :class:`CheckFailed`, which nbgrader counts as a failed test and
  which IPython shows as a short message instead of a traceback.

Every ``assert_*`` function also takes ``case=``, a plain description of the kind of
case it tries, and :func:`checks` takes ``lesson=``, the lesson section to revisit. A
check that fails in the hidden tests of a graded cell reports only its case and the
lesson, never its inputs or values (they would reach the learner's feedback).

Every ``assert_*`` function checks the *concrete type* first (``float``, ``np.ndarray``,
``pd.DataFrame``...), so an object that merely claims to be equal to everything fails.
Messages say what was expected versus what came back (type, shape, range) and give one
hint, but never reveal the expected value itself: hidden tests exist.

Examples
--------
>>> from aimed import feedback as fb
>>> with fb.checks("sensitivity"):
...     fb.assert_number(0.8, 0.8, name="sensitivity(tp=40, fn=10)")
✔ sensitivity: these checks passed.
"""

from __future__ import annotations

import builtins
import contextvars
import functools
import html
import inspect
import linecache
import math
import traceback
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from aimed import errors as _errors
from aimed.i18n import localise, t

__all__ = [
    "CheckFailed",
    "assert_array",
    "assert_equal",
    "assert_frame",
    "assert_in_range",
    "assert_number",
    "assert_true",
    "assert_type",
    "checks",
    "describe",
    "explain_errors",
    "refusing",
    "self_check",
]

Text = str | Mapping[str, str] | None

# Trusted references captured when the module is imported, so that rebinding a
# builtin or a numpy function later in the learner's kernel does not change how
# answers are compared.
_type = builtins.type
_float = builtins.float
_len = builtins.len
_abs = builtins.abs
_repr = builtins.repr
_np_asarray = np.asarray
_np_isnan = np.isnan
_np_absolute = np.absolute
_np_less_equal = np.less_equal
_np_argwhere = np.argwhere
_np_count_nonzero = np.count_nonzero
_ndarray = np.ndarray
_DataFrame = pd.DataFrame

_INT_TYPES = frozenset(
    {int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64}
)
_FLOAT_TYPES = frozenset({float, np.float16, np.float32, np.float64})
_REAL_TYPES = _INT_TYPES | _FLOAT_TYPES
_BOOL_TYPES = frozenset({bool, np.bool_})
_PLAIN_TYPES = frozenset({str, bytes, bool, int, float, type(None)})
_NUMERIC_KINDS = "iuf"

# How deep we are inside checks()/self_check(): asserts are silent on success there.
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("aimed_feedback_depth", default=0)


class CheckFailed(AssertionError):
    """A learner's answer did not pass a check.

    It is an ``AssertionError``, so nbgrader marks the test cell as failed. In IPython
    it renders as its friendly message only, without a traceback.

    Parameters
    ----------
    message : str
        What was expected versus what came back.
    hint : str, optional
        One hint, already in the learner's language.
    where : str, optional
        Where in the learner's code an error happened.
    """

    def __init__(self, message: str, hint: str | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where
        self.title: str | None = None
        #: A plain sentence explaining a Python error of the learner's code.
        self.explanation: str | None = None
        #: What kind of case the failing check tried (``case=`` of an ``assert_*``).
        self.case: str | None = None
        #: The lesson section to revisit (``lesson=`` of :func:`checks`).
        self.lesson: str | None = None
        #: True when the message reveals no test input, even from a hidden test.
        self.safe = False

    def lines(self) -> list[str]:
        """Return the message as plain lines: title, problem, case, explanation, location,
        hint, lesson to revisit."""
        out = [self.title] if self.title else []
        out.append(self.message)
        if self.case:
            out.append(t("feedback.case", case=self.case))
        if self.explanation:
            out.append(self.explanation)
        if self.where:
            out.append(self.where)
        if self.hint:
            out.append(t("feedback.hint", hint=self.hint))
        if self.lesson:
            out.append(t("feedback.revisit", lesson=self.lesson))
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback.
        first, *rest = self.lines()
        return [f"\x1b[1;31m✗ {first}\x1b[0m", *rest]


# --------------------------------------------------------------------------- display


class _Message:
    """A feedback line that renders as coloured HTML in JupyterLab and as text elsewhere."""

    # Okabe-Ito bluish green and orange, as RGB triplets.
    _COLOURS: ClassVar[dict[str, str]] = {"pass": "0, 158, 115", "todo": "230, 159, 0"}

    def __init__(self, kind: str, lines: list[str]):
        self.kind = kind
        self.lines = lines

    def __repr__(self) -> str:
        return "\n".join(self.lines)

    def _repr_html_(self) -> str:
        rgb = self._COLOURS[self.kind]
        body = "<br>".join(html.escape(line) for line in self.lines)
        return (
            f'<div class="aimed-feedback aimed-{self.kind}" role="status" '
            f'style="border-left: 4px solid rgb({rgb}); background: rgba({rgb}, 0.12); '
            f'padding: 0.4em 0.8em; margin: 0.2em 0;">{body}</div>'
        )


def _emit(kind: str, lines: list[str]) -> None:
    message = _Message(kind, lines)
    try:
        from IPython import get_ipython

        in_kernel = get_ipython() is not None
    except ImportError:  # pragma: no cover - IPython ships with the package
        in_kernel = False
    if in_kernel:
        from IPython.display import display

        display(message)
    else:
        print(repr(message))


def _passed(name: str, meaning: Text) -> None:
    lines = [t("feedback.passed", name=name)]
    if meaning:
        lines.append(localise(meaning))
    _emit("pass", lines)


# --------------------------------------------------------------------------- describe


def describe(value: Any) -> str:
    """Describe a value's type and size in plain words, in the learner's language.

    Examples
    --------
    >>> describe([1, 2, 3])
    'a list of 3 items'
    """
    kind = _type(value)
    if value is None:
        return t("feedback.type.none")
    if value is Ellipsis:
        return t("feedback.type.ellipsis")
    if kind in _BOOL_TYPES:
        return t("feedback.type.bool")
    if kind in _REAL_TYPES:
        return f"{t('feedback.type.number')} ({kind.__name__})"
    if kind is str:
        return t("feedback.type.str")
    if kind is list:
        return t("feedback.type.list_of", n=_len(value))
    if kind is tuple:
        return t("feedback.type.tuple_of", n=_len(value))
    if kind is _ndarray:
        return t("feedback.type.array_of", shape=tuple(value.shape))
    if kind is _DataFrame:
        return t("feedback.type.frame_of", rows=value.shape[0], cols=value.shape[1])
    return t("feedback.type.other", type=f"{kind.__module__}.{kind.__qualname__}")


def _fmt(x: Any) -> str:
    """Format a number compactly for messages (4 significant digits)."""
    if _type(x) in _REAL_TYPES:
        x = _float(x)
        if x == 0 or 1e-3 <= _abs(x) < 1e6:
            return f"{x:.4g}"
        return f"{x:.3e}"
    return _repr(x)


def _placeholder(got: Any, name: str, hint: Text) -> None:
    if got is None or got is Ellipsis:
        shown = "`...`" if got is Ellipsis else "`None`"
        raise CheckFailed(t("feedback.placeholder", name=name, got=shown), localise(hint))


def _check_tolerances(rtol: float, atol: float) -> None:
    for label, tol in (("rtol", rtol), ("atol", atol)):
        if not (_type(tol) in _REAL_TYPES and math.isfinite(tol) and tol >= 0):
            raise ValueError(f"{label} must be a finite number >= 0, got {tol!r}")


def _done(name: str) -> None:
    if _depth.get() == 0:
        _passed(name, None)


# --------------------------------------------------------------------------- asserts


#: The default ``name=`` of the ``assert_*`` helpers -> its message key (the learner's language).
DEFAULT_NAMES = {"your answer": "feedback.name.answer", "your table": "feedback.name.table"}


def _takes_case(function: Any) -> Any:
    """Give an ``assert_*`` helper the keyword ``case=``, and a ``name=`` in two languages.

    ``case`` (str or ``{"en": ..., "fr": ...}``) describes in plain words what kind
    of case the check tries, for example "a confusion matrix with no positive
    predictions". A failure then names the case; inside the hidden tests of a
    graded cell it names *only* the case, never the inputs or values. ``name`` may be
    ``{"en": ..., "fr": ...}`` too, and its default ("your answer") is in the learner's
    language.
    """

    @functools.wraps(function)
    def with_case(*args: Any, case: Text = None, **kwargs: Any) -> Any:
        if "name" in kwargs:
            kwargs["name"] = localise(kwargs["name"])
        elif default_name is not None:
            kwargs["name"] = t(DEFAULT_NAMES[default_name])
        try:
            return function(*args, **kwargs)
        except CheckFailed as exc:
            if case is not None and exc.case is None:
                exc.case = localise(case)
            raise

    # Show ``case`` in help() and in JupyterLab's tooltips.
    signature = inspect.signature(function)
    parameter = signature.parameters.get("name")
    default_name = parameter.default if parameter is not None \
        and parameter.default in DEFAULT_NAMES else None
    extra = inspect.Parameter("case", inspect.Parameter.KEYWORD_ONLY, default=None,
                              annotation="Text")
    with_case.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), extra])
    return with_case


@_takes_case
def assert_type(got: Any, expected_type: type | tuple[type, ...], *, name: Text = "your answer",
                hint: Text = None) -> None:
    """Check that ``got`` is exactly of ``expected_type`` (subclasses are refused).

    Parameters
    ----------
    got : object
        The learner's value.
    expected_type : type or tuple of types
        Accepted concrete types.
    name : str
        How the value is called in messages, for example ``"ppv"``.
    hint : str or dict, optional
        One hint, as English text or ``{"en": ..., "fr": ...}``.

    Raises
    ------
    CheckFailed
        If the type does not match exactly.
    """
    accepted = expected_type if _type(expected_type) is tuple else (expected_type,)
    _placeholder(got, name, hint)
    if _type(got) not in accepted:
        expected = " / ".join(k.__name__ for k in accepted)
        raise CheckFailed(
            t("feedback.wrong_type", name=name, expected=expected, got=describe(got)),
            localise(hint),
        )
    _done(name)


def _as_real(got: Any, name: str, hint: Text) -> float:
    _placeholder(got, name, hint)
    if _type(got) not in _REAL_TYPES:
        raise CheckFailed(
            t("feedback.wrong_type", name=name, expected=t("feedback.type.number"),
              got=describe(got)),
            localise(hint),
        )
    return _float(got)


@_takes_case
def assert_number(got: Any, expected: float, *, name: Text = "your answer", rtol: float = 1e-6,
                  atol: float = 1e-9, hint: Text = None) -> None:
    """Check a single number against the expected value, within a tolerance.

    Parameters
    ----------
    got : object
        The learner's value. It must be a real number of a built-in or NumPy type;
        ``bool`` and look-alike objects are refused.
    expected : float
        The reference value. ``nan`` means "a missing value is expected".
    name : str
        How the value is called in messages.
    rtol, atol : float
        Relative and absolute tolerance: passes when
        ``abs(got - expected) <= atol + rtol * abs(expected)``.
    hint : str or dict, optional
        One hint, shown when the check fails.

    Raises
    ------
    CheckFailed
        If ``got`` has the wrong type, is not finite when it should be, or is too far
        from ``expected``. The message tells whether it is too high or too low, but
        never shows the expected value.
    ValueError
        If the test itself is malformed (``expected`` not a number, negative tolerance).
    """
    if _type(expected) not in _REAL_TYPES:
        raise ValueError(f"expected must be a real number, got {describe(expected)}")
    _check_tolerances(rtol, atol)
    value = _as_real(got, name, hint)
    want = _float(expected)
    if math.isnan(want):
        if not math.isnan(value):
            raise CheckFailed(t("feedback.wrong_value", name=name, got=_fmt(value)),
                              localise(hint))
        return _done(name)
    if not math.isfinite(value) and math.isfinite(want):
        raise CheckFailed(t("feedback.not_finite", name=name, got=_fmt(value)), localise(hint))
    if not _abs(value - want) <= atol + rtol * _abs(want):
        key = "feedback.too_high" if value > want else "feedback.too_low"
        raise CheckFailed(t(key, name=name, got=_fmt(value)), localise(hint))
    _done(name)


@_takes_case
def assert_in_range(got: Any, low: float, high: float, *, name: Text = "your answer",
                    hint: Text = None) -> None:
    """Check that a number lies in the closed interval ``[low, high]``.

    Use this when any answer in a range is acceptable (for example a threshold
    chosen by the learner); the range is shown in the message.

    Raises
    ------
    CheckFailed
        If ``got`` is not a real number or lies outside ``[low, high]``.
    ValueError
        If ``low > high`` or either bound is not a number.
    """
    if _type(low) not in _REAL_TYPES or _type(high) not in _REAL_TYPES or low > high:
        raise ValueError(f"low and high must be numbers with low <= high, got {low!r}, {high!r}")
    value = _as_real(got, name, hint)
    if not (low <= value <= high):
        raise CheckFailed(
            t("feedback.out_of_range", name=name, low=_fmt(low), high=_fmt(high), got=_fmt(value)),
            localise(hint),
        )
    _done(name)


def _coerce_array(got: Any, name: str, hint: Text) -> np.ndarray:
    _placeholder(got, name, hint)
    kind = _type(got)
    if kind in (list, tuple):
        # Plain lists of numbers are accepted and converted; anything exotic inside
        # ends up as an object array and is refused below.
        got = _np_asarray(got)
    elif kind is not _ndarray:
        raise CheckFailed(
            t("feedback.wrong_type", name=name, expected=t("feedback.type.array"),
              got=describe(got)),
            localise(hint),
        )
    return got


def _dtype_words(kind: str, dtype: Any) -> str:
    if kind in _NUMERIC_KINDS:
        return t("feedback.dtype.numeric")
    if kind == "b":
        return t("feedback.dtype.bool")
    return t("feedback.dtype.other", dtype=str(dtype))


def _position(index: tuple[int, ...]) -> str:
    return str(index[0]) if _len(index) == 1 else str(tuple(int(i) for i in index))


@_takes_case
def assert_array(got: Any, expected: Any, *, name: Text = "your answer", rtol: float = 1e-6,
                 atol: float = 1e-9, hint: Text = None) -> None:
    """Check an array of numbers (or of True/False values) element by element.

    Parameters
    ----------
    got : object
        The learner's value: an ``np.ndarray``, or a plain list or tuple of numbers.
        Subclasses and array look-alikes are refused.
    expected : array_like
        The reference values. A boolean ``expected`` requires a boolean answer.
    name, rtol, atol, hint
        As in :func:`assert_number`. NaN must appear exactly where it is expected.

    Raises
    ------
    CheckFailed
        On a wrong type, element type, shape, NaN pattern or value. The message gives
        the count of differing values and the first position, never the expected values.
    """
    _check_tolerances(rtol, atol)
    want = _np_asarray(expected)
    if want.dtype.kind not in _NUMERIC_KINDS + "b":
        raise ValueError(f"expected must hold numbers or booleans, got dtype {want.dtype}")
    arr = _coerce_array(got, name, hint)
    accepted = "b" if want.dtype.kind == "b" else _NUMERIC_KINDS
    if arr.dtype.kind not in accepted:
        raise CheckFailed(
            t("feedback.wrong_dtype", name=name, expected=_dtype_words(want.dtype.kind, want.dtype),
              got=_dtype_words(arr.dtype.kind, arr.dtype)),
            localise(hint),
        )
    if tuple(arr.shape) != tuple(want.shape):
        raise CheckFailed(
            t("feedback.wrong_shape", name=name, expected=tuple(want.shape), got=tuple(arr.shape)),
            localise(hint),
        )
    if want.dtype.kind == "b":
        bad = arr != want
    else:
        a = arr.astype(np.float64)
        w = want.astype(np.float64)
        nan_a, nan_w = _np_isnan(a), _np_isnan(w)
        if (nan_a != nan_w).any():
            index = tuple(_np_argwhere(nan_a != nan_w)[0])
            raise CheckFailed(t("feedback.nan_mismatch", name=name, index=_position(index)),
                              localise(hint))
        bad = ~_close(a, w, rtol, atol)
    count = int(_np_count_nonzero(bad))
    if count:
        index = tuple(_np_argwhere(bad)[0])
        raise CheckFailed(
            t("feedback.array_mismatch", name=name, count=count, total=int(arr.size),
              index=_position(index), got=_fmt(arr[index].item())),
            localise(hint),
        )
    _done(name)


def _close(a: np.ndarray, w: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Element-wise ``|a - w| <= atol + rtol·|w|`` using only ufuncs captured at import.

    ``np.isclose`` itself calls the built-in ``abs``, which learner code could rebind.
    Equal infinities and NaN in the same place count as close.
    """
    within = _np_less_equal(_np_absolute(a - w), atol + rtol * _np_absolute(w))
    return within | (a == w) | (_np_isnan(a) & _np_isnan(w))


def _strict_equal(a: Any, b: Any) -> bool:
    """Equality that first requires identical built-in types, recursively."""
    kind = _type(a)
    if kind is not _type(b):
        return False
    if kind in _PLAIN_TYPES:
        return a == b
    if kind in (list, tuple):
        return _len(a) == _len(b) and all(_strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if kind is dict:
        return (sorted(a, key=_repr) == sorted(b, key=_repr)
                and all(_strict_equal(a[k], b[k]) for k in a))
    if kind in (set, frozenset):
        return _len(a) == _len(b) and all(_type(x) in _PLAIN_TYPES for x in a) and a == b
    return False


@_takes_case
def assert_equal(got: Any, expected: Any, *, name: Text = "your answer", hint: Text = None) -> None:
    """Check an exact answer: text, a whole number, True/False, or a container of them.

    The type must match exactly and containers are compared item by item, so
    ``1`` does not equal ``True`` and a look-alike object never passes.

    Raises
    ------
    CheckFailed
        If the type or the value differs. For text and True/False answers the message
        says only that the value is not the expected one.
    """
    _placeholder(got, name, hint)
    if _type(got) is not _type(expected):
        raise CheckFailed(
            t("feedback.wrong_type", name=name, expected=describe(expected), got=describe(got)),
            localise(hint),
        )
    if _type(got) in (list, tuple) and _len(got) != _len(expected):
        raise CheckFailed(t("feedback.wrong_length", name=name, expected=_len(expected),
                            got=_len(got)), localise(hint))
    if not _strict_equal(got, expected):
        raise CheckFailed(t("feedback.wrong_value", name=name, got=_short(got)), localise(hint))
    _done(name)


def _short(x: Any, limit: int = 60) -> str:
    text = _repr(x)
    return text if _len(text) <= limit else text[: limit - 1] + "…"


@_takes_case
def assert_true(condition: Any, *, name: Text, hint: Text = None) -> None:
    """Check that a condition computed by the test is exactly ``True``.

    Parameters
    ----------
    condition : bool
        Must be ``True`` (a Python or NumPy bool); truthy look-alikes are refused.
    name : str
        A sentence naming the property, for example ``"the DVH never increases"``.
    """
    if _type(condition) not in _BOOL_TYPES or not bool(condition):
        raise CheckFailed(t("feedback.false", name=name), localise(hint))
    _done(name)


@_takes_case
def assert_frame(got: Any, expected: pd.DataFrame, *, name: Text = "your table",
                 rtol: float = 1e-6, atol: float = 1e-9, check_order: bool = True,
                 hint: Text = None) -> None:
    """Check a pandas DataFrame: exact type, columns, row count, then values per column.

    Parameters
    ----------
    got : object
        The learner's table. Must be exactly a ``pd.DataFrame``.
    expected : pandas.DataFrame
        The reference table. The index is ignored; column order is not.
    check_order : bool, default True
        When False, rows are compared after sorting both tables by all columns.
    name, rtol, atol, hint
        As in :func:`assert_number`; numeric columns are compared with tolerance,
        other columns exactly.

    Raises
    ------
    CheckFailed
        On a wrong type, missing or extra columns, row count, or values.
    """
    if _type(expected) is not _DataFrame:
        raise ValueError(f"expected must be a pandas DataFrame, got {describe(expected)}")
    _check_tolerances(rtol, atol)
    _placeholder(got, name, hint)
    if _type(got) is not _DataFrame:
        raise CheckFailed(
            t("feedback.wrong_type", name=name, expected=t("feedback.type.frame"),
              got=describe(got)),
            localise(hint),
        )
    want_cols = [str(c) for c in expected.columns]
    got_cols = [str(c) for c in got.columns]
    missing = [c for c in want_cols if c not in got_cols]
    if missing:
        raise CheckFailed(t("feedback.missing_columns", name=name, columns=missing), localise(hint))
    extra = [c for c in got_cols if c not in want_cols]
    if extra:
        raise CheckFailed(t("feedback.extra_columns", name=name, columns=extra), localise(hint))
    if got.shape[0] != expected.shape[0]:
        raise CheckFailed(t("feedback.wrong_rows", name=name, expected=expected.shape[0],
                            got=got.shape[0]), localise(hint))
    mine = got.copy()
    mine.columns = got_cols
    mine = mine[want_cols]
    ref = expected.copy()
    ref.columns = want_cols
    if not check_order:
        mine = mine.sort_values(want_cols, kind="stable")
        ref = ref.sort_values(want_cols, kind="stable")
    for column in want_cols:
        _compare_column(mine[column].to_numpy(), ref[column].to_numpy(), column, name,
                        rtol, atol, hint)
    _done(name)


def _compare_column(got: np.ndarray, want: np.ndarray, column: str, name: str, rtol: float,
                    atol: float, hint: Text) -> None:
    if want.dtype.kind in _NUMERIC_KINDS + "b" and got.dtype.kind in _NUMERIC_KINDS + "b":
        try:
            assert_array(got.astype(np.float64), want.astype(np.float64),
                         name=f"{name}[{column!r}]", rtol=rtol, atol=atol)
        except CheckFailed as exc:
            raise CheckFailed(exc.message, localise(hint)) from None
        return
    if want.dtype.kind == "M" or got.dtype.kind == "M":
        same = (got.dtype.kind == want.dtype.kind) and bool(
            (pd.Series(got).reset_index(drop=True) == pd.Series(want).reset_index(drop=True)).all()
        )
    else:
        same = _strict_equal([_plain(v) for v in got], [_plain(v) for v in want])
    if not same:
        detail = t("feedback.wrong_dtype", name=column, expected=_dtype_words(want.dtype.kind,
                   want.dtype), got=_dtype_words(got.dtype.kind, got.dtype)) \
            if got.dtype.kind != want.dtype.kind else ""
        raise CheckFailed(
            t("feedback.column_mismatch", column=repr(column), name=name, detail=detail).rstrip(
                ": "),
            localise(hint),
        )


def _plain(v: Any) -> Any:
    """Turn NumPy scalars into built-ins and missing values into None for comparison."""
    if isinstance(v, np.generic):
        v = v.item()
    if v is pd.NA or v is pd.NaT or (_type(v) is float and math.isnan(v)):
        return None
    return v


# --------------------------------------------------------------------------- contexts


_getlines = linecache.getlines
_BEGIN_HIDDEN, _END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


def _hidden_lines(filename: str) -> set[int]:
    """Line numbers (1-based) inside the hidden-test regions of a cell's source.

    Only notebook cells count (IPython names them after ``ipykernel`` or ``<...>``),
    and only marker lines that are comments.
    """
    inside, out = False, set()
    if "ipykernel" not in filename and not filename.startswith("<"):
        return out
    for number, line in enumerate(_getlines(filename), start=1):
        comment = line.lstrip().startswith("#")
        if comment and _BEGIN_HIDDEN in line:
            inside = True
        elif comment and _END_HIDDEN in line:
            inside = False
        elif inside:
            out.add(number)
    return out


def _hidden_origin(exc: BaseException) -> tuple[bool, set[str]]:
    """Whether ``exc`` comes from a line of a hidden-test region, and the test files.

    nbgrader puts the hidden tests back into the test cells before autograding, and
    IPython keeps every cell's source in :mod:`linecache`, so the traceback tells
    which line of the test cell failed.
    """
    hidden, files = False, set()
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        lines = _hidden_lines(filename)
        if lines:
            files.add(filename)
            hidden = hidden or tb.tb_lineno in lines
        tb = tb.tb_next
    return hidden, files


def _learner_location(exc: BaseException, skip: set[str] | None = None) -> str | None:
    """Find the innermost frame of the learner's own (notebook) code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if ("ipykernel" in f.filename or f.filename.startswith("<ipython-input"))
              and f.filename not in (skip or ())]
    if not frames:
        return None
    frame = frames[-1]
    return t("feedback.where", line=frame.lineno, code=(frame.line or "").strip())


def _as_check_failure(exc: BaseException, name: str, hint: Text,
                      lesson: Text = None) -> CheckFailed:
    hidden, test_files = _hidden_origin(exc)
    if _type(exc) is CheckFailed:
        failure = exc
        if failure.hint is None:
            failure.hint = localise(hint)
        if hidden and not getattr(failure, "safe", False):
            # The hidden check's name and message may show its inputs and the answer's
            # value on them: say only what kind of case failed.
            failure.message = (t("feedback.hidden_case", case=failure.case) if failure.case
                               else t("feedback.hidden_other"))
            failure.case = None
            failure.where = None
    elif isinstance(exc, NotImplementedError):
        failure = CheckFailed(t("feedback.not_implemented", name=name), localise(hint))
    else:
        if hidden:
            message = t("feedback.hidden_raised", name=name, etype=_type(exc).__name__)
        else:
            message = t("feedback.raised", name=name, etype=_type(exc).__name__,
                        evalue=str(exc))
        try:
            # A missing key may be one of the hidden inputs: no explanation then.
            plain = None if hidden and isinstance(exc, KeyError) else _errors.explain(exc)
        except Exception:  # noqa: BLE001 - an explanation must never hide the failure
            plain = None
        failure = CheckFailed(message, localise(hint), _learner_location(exc, test_files))
        failure.explanation = plain
    failure.title = t("feedback.not_yet", name=name)
    if lesson is not None and failure.lesson is None:
        failure.lesson = localise(lesson)
    return failure


def _one_lesson(lesson: Text, revisit: Text) -> Text:
    if lesson is not None and revisit is not None:
        raise ValueError("give the lesson section as lesson= or revisit=, not both")
    return lesson if lesson is not None else revisit


@contextmanager
def checks(name: Text, *, meaning: Text = None, hint: Text = None, lesson: Text = None,
           revisit: Text = None) -> Iterator[None]:
    """Group the checks of one graded question.

    On success it prints "✔ <name>: these checks passed." and the clinical meaning.
    On failure it raises :class:`CheckFailed`, so nbgrader gives no points for the cell.
    An error raised by the learner's own code (``NotImplementedError`` from the stub,
    ``ZeroDivisionError``...) becomes a friendly message with its line number.

    Parameters
    ----------
    name : str or dict
        The question, for example ``"sensitivity()"``.
    meaning : str or dict, optional
        One sentence of clinical meaning, shown on success.
    hint : str or dict, optional
        One hint, shown on failure when the failing check has none of its own.
    lesson : str or dict, optional
        The lesson section to revisit, shown on failure, for example
        ``"Lesson 2, section 'Sensitivity and specificity'"``. ``revisit`` is an alias.

    Notes
    -----
    A check that fails inside the hidden-test region of the cell (between
    ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``) reports only the
    ``case=`` given to its ``assert_*`` (or that "another case" failed) and the lesson
    to revisit: never its name, inputs or values, which would otherwise reach the
    learner through the feedback of the graded notebook.
    """
    lesson, name = _one_lesson(lesson, revisit), localise(name)
    token = _depth.set(_depth.get() + 1)
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - every learner error becomes feedback
        raise _as_check_failure(exc, name, hint, lesson) from None
    finally:
        _depth.reset(token)
    _passed(name, meaning)


@contextmanager
def self_check(name: Text, *, meaning: Text = None, hint: Text = None, lesson: Text = None,
               revisit: Text = None) -> Iterator[None]:
    """Like :func:`checks`, for lessons: a wrong answer prints "Not yet" and never raises.

    Use it in a lesson's practice cell, so the notebook still runs top to bottom
    before the learner has written anything.
    """
    lesson, name = _one_lesson(lesson, revisit), localise(name)
    token = _depth.set(_depth.get() + 1)
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - every learner error becomes feedback
        failure = _as_check_failure(exc, name, hint, lesson)
        _emit("todo", ["➜ " + failure.lines()[0], *failure.lines()[1:]])
        return
    finally:
        _depth.reset(token)
    _passed(name, meaning)


# --------------------------------------------------------------------------- refusing


def _refusal(label: str) -> CheckFailed:
    """The failure raised when a learner's answer calls a function it must write itself."""
    failure = CheckFailed(t("feedback.refused", function=label))
    failure.safe = True  # names a library function only: shown even from hidden tests
    return failure


def _refusing_code(function: types.FunctionType) -> types.CodeType:
    """Code that raises :func:`_refusal`, shaped to fit ``function``'s closure."""
    label = f"{function.__module__}.{function.__qualname__}()"
    free = function.__code__.co_freevars
    # The code runs with the refused function's globals, so it reaches the failure
    # through __import__ (a builtin) rather than through a name of this module.
    raise_line = f"raise __import__('aimed.feedback', fromlist=['_refusal'])._refusal({label!r})"
    # A closure's code can only be swapped for code with as many free variables, so
    # the replacement is built inside a function that has the same ones.
    keep = f"    {' = '.join(free)} = None\n" if free else ""
    touch = f"        (lambda: ({', '.join(free)},))\n" if free else ""
    source = (f"def _outer():\n{keep}    def refused(*args, **kwargs):\n{touch}"
              f"        {raise_line}\n    return refused\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, "<aimed.feedback.refusing>", "exec"), namespace)
    return namespace["_outer"]().__code__


@contextmanager
def refusing(*functions: types.FunctionType) -> Iterator[None]:
    """Make library functions fail while a graded answer runs.

    Some exercises ask the learner to write, say, a sensitivity or a D95 by hand,
    although ``aimed`` has its own version. A hidden test runs the learner's function
    inside ``with refusing(...)``: any call to the listed functions, under whatever
    name it was imported, raises :class:`CheckFailed` ("your answer calls aimed's own
    ..."). Everything is restored when the block ends, even after a failure.

    Parameters
    ----------
    *functions : function
        Plain Python functions (``def``), for example ``aimed.evaluate.diagnostic_metrics``.

    Raises
    ------
    TypeError
        If something other than a Python function is given (a builtin, a NumPy ufunc,
        a class or a module cannot be refused).

    Examples
    --------
    >>> from aimed import evaluate, feedback as fb
    >>> def my_sensitivity(tp, fn):
    ...     return evaluate.metrics_from_counts(tp=tp, fp=0, tn=1, fn=fn)["sensitivity"]
    >>> with fb.refusing(evaluate.metrics_from_counts):
    ...     my_sensitivity(9, 1)
    Traceback (most recent call last):
    ...
    aimed.feedback.CheckFailed: Your answer calls aimed.evaluate.metrics_from_counts(): ...
    >>> my_sensitivity(9, 1)
    0.9
    """
    for function in functions:
        if _type(function) is not types.FunctionType:
            raise TypeError(f"refusing() takes Python functions defined with def, "
                            f"got {describe(function)}")
    saved = [(function, function.__code__) for function in functions]
    try:
        for function, _ in saved:
            function.__code__ = _refusing_code(function)
        yield
    finally:
        for function, code in reversed(saved):
            function.__code__ = code


# --------------------------------------------------------------------------- errors


def explain_errors() -> bool:
    """Explain Python errors of the learner's own cells in one plain sentence.

    Installs :func:`aimed.errors.install` in the running IPython shell: every error a
    cell raises (a misspelt name, a missing parenthesis, a division by zero...) is
    then preceded by a sentence in the learner's language. Importing this module in
    a learner's kernel already does it (unless ``AIMED_EXPLAIN_ERRORS=0``); the
    grading kernel is left untouched.

    Returns
    -------
    bool
        True when the explanations are active.
    """
    return _errors.install()


_errors.install(automatic=True)
