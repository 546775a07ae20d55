"""Plain-language explanations of the Python errors learners meet in their own code.

Most learners of this course have never programmed. A ``NameError`` or a
``SyntaxError`` with its traceback tells them nothing they can act on, so this module
puts one plain sentence, in the learner's language, next to the cell:

* :func:`explain` turns an exception into that sentence (or ``None`` when the error
  is not one of the common ones it knows), with a "did you mean" suggestion for a
  misspelt name, attribute or table column;
* :func:`install` makes an IPython shell print the sentence and then the usual
  traceback for every error raised by a cell, through IPython's public custom
  exception handler (``shell.set_custom_exc``), which also receives the
  ``SyntaxError`` and ``IndentationError`` found when the cell is parsed.

:mod:`aimed.feedback` calls :func:`install` when it is imported in a learner's
kernel, so every lesson and exercise gets the explanations from its setup cell on.
It never installs anything in the **grading kernel** (:mod:`aimed.grading.kernel`),
whose shell is snapshotted and restored by :mod:`aimed.grading.guard` before each
test; there, errors raised by the learner's code inside ``fb.checks`` are explained
by :mod:`aimed.feedback` itself, in the test's failure message. Set
``AIMED_EXPLAIN_ERRORS=0`` to switch the automatic installation off.

Examples
--------
>>> explain(ZeroDivisionError("division by zero"), lang="en")  # doctest: +ELLIPSIS
'You divided by zero: ...'
"""

from __future__ import annotations

import builtins
import difflib
import os
import re
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any

from aimed.i18n import t

__all__ = ["explain", "install", "installed", "uninstall"]

_ARGS_TOO_MANY = re.compile(
    r"^(?P<func>[\w.]+)\(\) takes (?:from \d+ to )?(?P<want>\d+) positional arguments? "
    r"but (?P<got>\d+)(?: positional arguments?)? (?:was|were) given")
_ARGS_MISSING = re.compile(
    r"^(?P<func>[\w.]+)\(\) missing \d+ required (?:positional |keyword-only )?"
    r"arguments?: (?P<names>.+)$")
_ARGS_UNEXPECTED = re.compile(
    r"^(?P<func>[\w.]+)\(\) got an unexpected keyword argument '(?P<arg>\w+)'")
_NOT_CALLABLE = re.compile(r"^'(?P<type>\w+)' object is not callable")
_NONE_ATTRIBUTE = re.compile(r"^'NoneType' object has no attribute")


# --------------------------------------------------------------------------- helpers


def _code(text: object) -> str:
    return f"`{text}`"


def _suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt ``word``, or None."""
    pool = sorted({c for c in candidates if isinstance(c, str) and c != word
                   and not c.startswith("_")})
    for candidate in pool:
        if candidate.lower() == word.lower():
            return candidate
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.75)
    return close[0] if close else None


def _innermost_namespace(exc: BaseException) -> dict[str, Any]:
    """Globals and locals of the frame where ``exc`` was raised (the learner's code)."""
    tb = exc.__traceback__
    if tb is None:
        return {}
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    return {**frame.f_globals, **frame.f_locals}


def _frame_table(exc: BaseException) -> Any:
    """The pandas table whose lookup raised ``exc``, if any (walks the traceback)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas ships with the package
        return None
    tb = exc.__traceback__
    found = None
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        if type(candidate) in (pd.DataFrame, pd.Series):
            found = candidate
        tb = tb.tb_next
    return found


def _with_suggestion(sentence: str, suggestion: str | None, lang: str | None) -> str:
    if suggestion is None:
        return sentence
    return f"{sentence} {t('errors.did_you_mean', lang, suggestion=_code(suggestion))}"


def _what(obj: Any, lang: str | None) -> str:
    if isinstance(obj, types.ModuleType):
        return t("errors.what.module", lang, name=_code(obj.__name__))
    kind = type(obj)
    return t("errors.what.object", lang, type=_code(f"{kind.__module__}.{kind.__qualname__}"
                                                    if kind.__module__ != "builtins"
                                                    else kind.__qualname__))


# --------------------------------------------------------------------------- explain


def _syntax(exc: SyntaxError, lang: str | None) -> str:
    msg = exc.msg or ""
    line = exc.lineno or 1
    if isinstance(exc, IndentationError):
        if "expected an indented block" in msg:
            key = "errors.indent.expected"
        elif "unexpected indent" in msg:
            key = "errors.indent.unexpected"
        else:  # unindent does not match, TabError
            key = "errors.indent.mismatch"
        return t(key, lang, line=line)
    if msg == "incomplete input":  # what the parser says when a cell stops too early
        text = exc.text or ""
        msg = "unterminated" if text.count('"""') % 2 or text.count("'''") % 2 else \
            "was never closed"
    if "was never closed" in msg or "unmatched" in msg or "does not match opening" in msg:
        key = "errors.syntax.bracket"
    elif "expected ':'" in msg:
        key = "errors.syntax.colon"
    elif "unterminated" in msg or "EOL while scanning" in msg or "EOF while scanning" in msg:
        key = "errors.syntax.quote"
    elif "forgot a comma" in msg:
        key = "errors.syntax.comma"
    elif "'=='" in msg or "cannot assign" in msg:
        key = "errors.syntax.equals"
    else:
        key = "errors.syntax.other"
    return t(key, lang, line=line)


def _type_error(exc: TypeError, lang: str | None) -> str | None:
    msg = str(exc)
    if match := _ARGS_TOO_MANY.match(msg):
        return t("errors.args.too_many", lang, function=_code(match["func"] + "()"),
                 want=match["want"], got=match["got"])
    if match := _ARGS_MISSING.match(msg):
        return t("errors.args.missing", lang, function=_code(match["func"] + "()"),
                 names=match["names"])
    if match := _ARGS_UNEXPECTED.match(msg):
        return t("errors.args.unexpected", lang, function=_code(match["func"] + "()"),
                 argument=_code(match["arg"]))
    if match := _NOT_CALLABLE.match(msg):
        return t("errors.not_callable", lang, type=_code(match["type"]))
    return None


def _key_error(exc: KeyError, lang: str | None) -> str:
    key = exc.args[0] if exc.args else None
    table = _frame_table(exc)
    if table is not None:
        columns = [str(c) for c in getattr(table, "columns", getattr(table, "index", []))]
        suggestion = _suggest(str(key), columns) if isinstance(key, str) else None
        return _with_suggestion(t("errors.key.column", lang, key=_code(repr(key))),
                                suggestion and repr(suggestion), lang)
    return t("errors.key.other", lang, key=_code(repr(key)))


def _attribute_error(exc: AttributeError, lang: str | None) -> str:
    if _NONE_ATTRIBUTE.match(str(exc)):
        return t("errors.attribute.none", lang)
    name = getattr(exc, "name", None)
    obj = getattr(exc, "obj", None)
    if name is None:
        return t("errors.attribute.other", lang, message=str(exc))
    try:
        candidates = dir(obj)
    except Exception:  # noqa: BLE001 - a broken __dir__ must not hide the error
        candidates = []
    return _with_suggestion(
        t("errors.attribute.missing", lang, what=_what(obj, lang), name=_code(name)),
        _suggest(name, candidates), lang)


def _name_error(exc: NameError, namespace: Mapping[str, Any] | None, lang: str | None) -> str:
    name = getattr(exc, "name", None)
    if name is None:
        match = re.search(r"name '(\w+)' is not defined", str(exc))
        name = match[1] if match else "?"
    pool = set(namespace if namespace is not None else _innermost_namespace(exc))
    pool |= set(vars(builtins))
    suggestion = _suggest(name, pool)
    if suggestion is not None:
        return _with_suggestion(t("errors.name.typo", lang, name=_code(name)), suggestion, lang)
    return t("errors.name.undefined", lang, name=_code(name))


def explain(exc: BaseException, namespace: Mapping[str, Any] | None = None,
            lang: str | None = None) -> str | None:
    """Explain a common Python error in one plain sentence.

    Parameters
    ----------
    exc : BaseException
        The error, ideally with its traceback (used to find the table of a missing
        column and the names defined where the error happened).
    namespace : mapping, optional
        Names the learner has defined (the notebook's variables), searched for a
        close spelling of an unknown name. By default the names visible in the frame
        where the error was raised.
    lang : str, optional
        ``"en"`` or ``"fr"``; by default the learner's language (``AIMED_LANG``).

    Returns
    -------
    str or None
        The sentence, or ``None`` for an error this module does not explain (its
        usual message is then the best description).

    Examples
    --------
    >>> explain(NotImplementedError(), lang="en")  # doctest: +ELLIPSIS
    'This answer has not been written yet: ...'
    """
    if not isinstance(exc, BaseException):
        raise ValueError(f"exc must be an exception, got {type(exc).__name__}")
    if ("ellipsis" in str(exc).lower() and isinstance(exc, (TypeError, ValueError))) or (
            isinstance(exc, KeyError) and exc.args and exc.args[0] is Ellipsis):
        return t("errors.ellipsis", lang)
    if isinstance(exc, SyntaxError):
        return _syntax(exc, lang)
    if isinstance(exc, NotImplementedError):
        return t("errors.not_implemented", lang)
    if isinstance(exc, ZeroDivisionError):
        return t("errors.zero_division", lang)
    if isinstance(exc, NameError):  # UnboundLocalError included
        return _name_error(exc, namespace, lang)
    if isinstance(exc, ModuleNotFoundError):
        return t("errors.module", lang, name=_code(exc.name))
    if isinstance(exc, KeyError):
        return _key_error(exc, lang)
    if isinstance(exc, IndexError):
        return t("errors.index", lang)
    if isinstance(exc, AttributeError):
        return _attribute_error(exc, lang)
    if isinstance(exc, TypeError):
        return _type_error(exc, lang)
    return None


# --------------------------------------------------------------------------- IPython


class _Explanation:
    """The sentence, rendered like the course's other feedback boxes."""

    def __init__(self, sentence: str):
        self.sentence = sentence

    def __repr__(self) -> str:
        return f"➜ {self.sentence}"

    def _repr_html_(self) -> str:
        from aimed.feedback import _Message

        return _Message("todo", [repr(self)])._repr_html_()


def _show(sentence: str | None) -> None:
    if sentence is None:
        return
    from IPython.display import display

    display(_Explanation(sentence))


def _user_namespace(shell: Any) -> dict[str, Any]:
    return dict(getattr(shell, "user_ns", {}) or {})


def _on_exception(shell: Any, etype: type, value: BaseException, tb: Any,
                  tb_offset: int | None = None) -> None:
    """IPython custom exception handler: the sentence, then the usual traceback."""
    try:
        namespace = {**_user_namespace(shell), **_innermost_namespace(value)}
        _show(explain(value, namespace))
    except Exception:  # noqa: BLE001 - an explanation must never hide the error
        pass
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def _in_grading_kernel() -> bool:
    guard = sys.modules.get("aimed.grading.guard")
    return guard is not None and getattr(guard, "_app", None) is not None


def _shell(shell: Any) -> Any:
    if shell is not None:
        return shell
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the package
        return None
    return get_ipython()


def installed(shell: Any = None) -> bool:
    """Whether the explanations are installed in ``shell`` (default: the running one)."""
    shell = _shell(shell)
    if shell is None:
        return False
    # set_custom_exc wraps the handler in a closure; look for ours inside it.
    function = getattr(getattr(shell, "CustomTB", None), "__func__", None)
    cells = getattr(function, "__closure__", None) or ()
    return any(_cell_is_ours(cell) for cell in cells)


def _cell_is_ours(cell: Any) -> bool:
    try:
        return cell.cell_contents is _on_exception
    except ValueError:  # an empty closure cell
        return False


def install(shell: Any = None, *, automatic: bool = False) -> bool:
    """Explain errors in plain language in an IPython shell.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell, optional
        The shell; by default the running one (nothing happens outside IPython).
    automatic : bool, default False
        True when called on import of :mod:`aimed.feedback`: then the
        ``AIMED_EXPLAIN_ERRORS=0`` switch is honoured.

    Returns
    -------
    bool
        True when the explanations are active in the shell after the call. Nothing
        is installed in the grading kernel, nor over another custom exception handler.
    """
    shell = _shell(shell)
    if shell is None or _in_grading_kernel():
        return False
    if automatic and os.environ.get("AIMED_EXPLAIN_ERRORS", "1").strip() in ("0", "false", "no"):
        return False
    if installed(shell):
        return True
    if getattr(shell, "custom_exceptions", ()):
        return False  # someone else's handler: leave it alone
    shell.set_custom_exc((Exception,), _on_exception)
    return True


def uninstall(shell: Any = None) -> None:
    """Remove the explanations from ``shell`` (default: the running one)."""
    shell = _shell(shell)
    if shell is None:
        return
    if installed(shell):
        shell.set_custom_exc((), None)
