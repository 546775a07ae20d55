"""Static check: does a graded question need Python the lessons have not shown?

The course's learners have only the lessons to go on. For each autograded answer of
``exercises/`` this module lists the constructs and names its reference solution
(between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) uses that **no earlier
code** shows: no code cell and no fenced code block (a *Show a solution* fold) of the
lessons up to and including the assignment's module, of the exercises before it,
nor any cell of the same notebook above the answer as the learner sees it (solutions
and hidden tests removed).

What counts, read with :mod:`ast`:

* syntax: ``lambda``, comprehensions, generator expressions, ``def`` (with default
  arguments), loops, ``if``, conditional expressions, f-strings, slicing,
  ``try``/``except``, ``with``, ``+=``, tuple unpacking, ``class``;
* library functions, by their full name whatever the import alias
  (``numpy.argsort()``, ``scipy.optimize.brentq()``, ``scipy.special.expit()``);
* methods and attributes after a dot (``.groupby()``, ``.sort_values()``, ``.shape``);
* built-in functions (``sorted()``, ``round()``...).

Names the notebook defines itself (the learner's own functions and variables) are not
constructs. ``aimed lint --novice`` or ``python benchmarks/novice.py`` prints the report;
``aimed lint`` (and so ``make lint``) fails on every question that needs an unseen
construct and on every test cell whose failures cannot teach (:func:`violations`).
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Question", "constructs", "feedback_gaps", "find_unseen", "format_report", "main",
           "questions_of", "violations"]

_BEGIN_SOLUTION, _END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
_BEGIN_HIDDEN, _END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
_FENCE = re.compile(r"```(?:python|py|ipython3?)?[ \t]*\n(.*?)```", re.S)
_BUILTINS = frozenset(dir(builtins))


@dataclass
class Question:
    """One autograded answer and the constructs its solution uses that nothing showed."""

    notebook: str
    grade_id: str
    used: set[str] = field(default_factory=set)
    unseen: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- parsing


def _source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def _python(source: str) -> str:
    """Drop IPython magics and shell escapes so that :mod:`ast` can read the cell."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _region(source: str, begin: str, end: str) -> set[int]:
    """Line numbers (1-based) strictly inside ``begin``/``end`` comment markers."""
    inside, lines = False, set()
    for number, line in enumerate(source.splitlines(), start=1):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> full dotted name, from the imports of ``tree``."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
                else:
                    out[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


_SYNTAX: tuple[tuple[type, str], ...] = (
    (ast.Lambda, "lambda"),
    (ast.ListComp, "list comprehension"),
    (ast.DictComp, "dict comprehension"),
    (ast.SetComp, "set comprehension"),
    (ast.GeneratorExp, "generator expression"),
    (ast.For, "for loop"),
    (ast.While, "while loop"),
    (ast.If, "if statement"),
    (ast.IfExp, "conditional expression (x if c else y)"),
    (ast.JoinedStr, "f-string"),
    (ast.Slice, "slicing [a:b]"),
    (ast.Try, "try/except"),
    (ast.With, "with block"),
    (ast.AugAssign, "augmented assignment (+=)"),
    (ast.ClassDef, "class"),
)


def constructs(source: str, *, keep: Callable[[int], bool] | None = None,
               aliases: dict[str, str] | None = None) -> set[str]:
    """The constructs and library names one piece of code uses.

    Parameters
    ----------
    source : str
        Python code (IPython magics are ignored). Code that does not parse yields
        nothing.
    keep : callable, optional
        ``keep(lineno)`` selects the nodes to count by their first line; by default
        every node.
    aliases : dict, optional
        Import aliases to resolve (``{"np": "numpy"}``) in addition to the imports of
        ``source`` itself.

    Examples
    --------
    >>> sorted(constructs("import numpy as np\\nrank = np.argsort(x)[::-1]"))
    ['numpy.argsort()', 'slicing [a:b]']
    """
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return set()
    names = {**(aliases or {}), **_aliases(tree)}
    out: set[str] = set()
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if keep is not None and (line is None or not keep(line)):
            continue
        for kind, label in _SYNTAX:
            if isinstance(node, kind):
                out.add(label)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            out.add("def with default arguments" if args.defaults or any(
                d is not None for d in args.kw_defaults) else "def")
        elif isinstance(node, (ast.Assign, ast.For)) and any(
                isinstance(target, ast.Tuple)
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            out.add("tuple unpacking (a, b = ...)")
        elif isinstance(node, ast.Call):
            out |= _call(node, names)
        elif isinstance(node, ast.Attribute) and not getattr(node, "_aimed_called", False):
            dotted = _dotted(node)
            if dotted is not None and dotted[0] in names:
                _mark_chain(node)
                out.add(".".join([names[dotted[0]], *dotted[1:]]))
            else:
                out.add(f".{node.attr}")
    return out


def _call(node: ast.Call, names: dict[str, str]) -> set[str]:
    func = node.func
    if isinstance(func, ast.Attribute):
        func._aimed_called = True  # type: ignore[attr-defined]
    dotted = _dotted(func)
    if dotted is not None and dotted[0] in names:
        full = ".".join([names[dotted[0]], *dotted[1:]])
        _mark_chain(func)  # np.random.default_rng(): no ".random" attribute as well
        return {f"{full}()"}
    if isinstance(func, ast.Name):
        return {f"{func.id}()"} if func.id in _BUILTINS else set()
    if isinstance(func, ast.Attribute):
        return {f".{func.attr}()"}
    return set()


def _mark_chain(node: ast.AST) -> None:
    while isinstance(node, ast.Attribute):
        node._aimed_called = True  # type: ignore[attr-defined]
        node = node.value


# --------------------------------------------------------------------------- notebooks


def _cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _visible(cell: dict) -> tuple[str, Callable[[int], bool]]:
    """A cell's code as the learner sees it: no solution, no hidden tests."""
    source = _source(cell)
    hidden = _region(source, _BEGIN_SOLUTION, _END_SOLUTION) | _region(
        source, _BEGIN_HIDDEN, _END_HIDDEN)
    return source, (lambda line: line not in hidden)


def _shown(path: Path, upto: int | None = None, aliases: dict[str, str] | None = None
           ) -> set[str]:
    """Everything the cells of a notebook show (before cell ``upto``, if given)."""
    out: set[str] = set()
    for index, cell in enumerate(_cells(path)):
        if upto is not None and index >= upto:
            break
        if cell.get("cell_type") == "markdown":
            for block in _FENCE.findall(_source(cell)):
                out |= constructs(block, aliases=aliases)
        elif cell.get("cell_type") == "code":
            source, keep = _visible(cell)
            out |= constructs(source, keep=keep, aliases=aliases)
    return out


def _notebook_aliases(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for cell in _cells(path):
        if cell.get("cell_type") == "code":
            try:
                out.update(_aliases(ast.parse(_python(_source(cell)))))
            except SyntaxError:
                continue
    return out


def questions_of(path: Path) -> list[tuple[int, str, set[str]]]:
    """``(cell index, grade_id, constructs of the reference solution)`` per answer cell."""
    out = []
    aliases = _notebook_aliases(path)
    for index, cell in enumerate(_cells(path)):
        meta = _nbgrader(cell)
        if cell.get("cell_type") != "code" or not meta.get("solution") or meta.get("grade"):
            continue
        source = _source(cell)
        region = _region(source, _BEGIN_SOLUTION, _END_SOLUTION)
        if not region:
            continue
        used = constructs(source, keep=region.__contains__, aliases=aliases)
        out.append((index, str(meta.get("grade_id", f"cell {index}")), used))
    return out


def _module(path: Path) -> str:
    return path.parent.name.split("-")[0]


def find_unseen(lessons: Sequence[Path], exercises: Sequence[Path],
                root: Path | None = None) -> list[Question]:
    """Check every autograded answer of ``exercises`` against what came before it.

    Parameters
    ----------
    lessons, exercises : sequence of Path
        Lesson and nbgrader source notebooks, each in course order. A lesson counts
        for the exercises of its own module and of the later ones.
    root : Path, optional
        Shown paths are made relative to it.

    Returns
    -------
    list of Question
        One per autograded answer cell, with the constructs no earlier code showed.
    """
    modules = sorted({_module(p) for p in [*lessons, *exercises]})
    results: list[Question] = []
    earlier_exercises: set[str] = set()
    lesson_cache = {path: _shown(path, aliases=_notebook_aliases(path)) for path in lessons}
    for module in modules:
        seen_lessons: set[str] = set()
        for path in lessons:
            if _module(path) <= module:
                seen_lessons |= lesson_cache[path]
        for path in (p for p in exercises if _module(p) == module):
            aliases = _notebook_aliases(path)
            for index, grade_id, used in questions_of(path):
                before = _shown(path, upto=index, aliases=aliases)
                seen = seen_lessons | earlier_exercises | before
                label = str(path.relative_to(root)) if root and path.is_relative_to(root) \
                    else str(path)
                results.append(Question(label, grade_id, used, sorted(used - seen)))
            earlier_exercises |= _shown(path, aliases=aliases)
    return results


def format_report(results: Iterable[Question]) -> str:
    """A per-question table and a total, as plain text."""
    results = list(results)
    width = max([len(q.grade_id) for q in results] + [8])
    lines = [f"{'question':<{width}}  unseen  constructs the lessons have not shown yet"]
    current = None
    for q in results:
        if q.notebook != current:
            current = q.notebook
            lines.append(f"-- {current}")
        lines.append(f"{q.grade_id:<{width}}  {len(q.unseen):>6}  {', '.join(q.unseen)}")
    flagged = [q for q in results if q.unseen]
    total = sum(len(q.unseen) for q in results)
    lines.append(f"{len(flagged)} of {len(results)} graded question(s) need constructs no "
                 f"earlier cell shows ({total} in all).")
    return "\n".join(lines)


def _keywords(call: ast.Call) -> set[str]:
    return {k.arg for k in call.keywords if k.arg}


def _called(call: ast.Call, name: str) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == name) or (
        isinstance(func, ast.Name) and func.id == name)


def feedback_gaps(exercises: Sequence[Path], root: Path | None = None) -> list[str]:
    """Test cells whose failures cannot yet teach (issue 14, item 2).

    Returns one line per autograder test cell whose ``fb.checks(...)`` has no
    ``lesson=``/``revisit=``, and per hidden ``fb.assert_*`` without ``case=``.
    """
    out = []
    for path in exercises:
        label = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
        for cell in _cells(path):
            meta = _nbgrader(cell)
            if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            source = _source(cell)
            try:
                tree = ast.parse(_python(source))
            except SyntaxError:
                continue
            hidden = _region(source, _BEGIN_HIDDEN, _END_HIDDEN)
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
            grade_id = meta.get("grade_id", "?")
            if any(_called(c, "checks") and not _keywords(c) & {"lesson", "revisit"}
                   for c in calls):
                out.append(f"{label} {grade_id}: fb.checks(...) names no lesson= to revisit")
            bare = [c for c in calls if c.lineno in hidden and isinstance(c.func, ast.Attribute)
                    and c.func.attr.startswith("assert_") and "case" not in _keywords(c)]
            if bare:
                out.append(f"{label} {grade_id}: {len(bare)} hidden check(s) without case=")
    return out


def violations(root: Path | None = None) -> list:
    """The lint findings of the course: one per question with unseen constructs, one per
    test cell that names no lesson or whose hidden checks name no case.

    Returns
    -------
    list of aimed.lint.Violation
        Rules ``novice-unseen`` and ``novice-feedback``.
    """
    from aimed.course import exercise_notebooks, lesson_notebooks, repo_root
    from aimed.lint import Violation

    root = root or repo_root()
    exercises = exercise_notebooks(root)
    out = [Violation(q.notebook, "novice-unseen",
                     f"{q.grade_id} needs what no lesson or earlier cell shows: "
                     f"{', '.join(q.unseen)} (show it in the lesson's practice twin, or "
                     "give it in the scaffold)")
           for q in find_unseen(lesson_notebooks(root), exercises, root) if q.unseen]
    for gap in feedback_gaps(exercises, root):
        notebook, _, message = gap.partition(" ")
        out.append(Violation(notebook, "novice-feedback", message))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report for the course; 1 if a question needs an unseen construct or a test
    cell cannot teach, else 0."""
    from aimed.course import exercise_notebooks, lesson_notebooks, repo_root

    root = repo_root()
    exercises = exercise_notebooks(root)
    results = find_unseen(lesson_notebooks(root), exercises, root)
    print(format_report(results))
    gaps = feedback_gaps(exercises, root)
    print(*gaps, sep="\n")
    print(f"{len(gaps)} feedback gap(s): test cells whose fb.checks names no lesson, or "
          "with hidden checks that name no case.")
    return 1 if gaps or any(q.unseen for q in results) else 0
