"""House rules for the course notebooks, as code.

Each rule has a short id and a sentence. :func:`check_notebook` returns the violations
of one notebook; :func:`check_course` adds the rules that span notebooks (grade_ids
unique across the course). The house-rules test runs them on every notebook in
``notebooks/`` and ``exercises/``; ``aimed release`` runs them before it generates the
student versions.

Examples
--------
>>> from aimed.lint import RULES
>>> RULES["no-outputs"]
'outputs and execution counts are stripped before committing'
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from aimed.course import parse_opening

__all__ = ["RULES", "Violation", "check_course", "check_notebook", "nbgrader_role",
           "release_violations"]

RULES: dict[str, str] = {
    "valid-json": "the file is a readable Jupyter notebook (nbformat 4)",
    "kernel": "the kernel is python3",
    "no-outputs": "outputs and execution counts are stripped before committing",
    "opening-title": "the first cell is Markdown and starts with a single H1 title",
    "opening-objectives": "the opening cell lists 3-5 learning objectives as bullets",
    "opening-time": "the opening cell gives the estimated time, e.g. 'Estimated time: 35 min'",
    "opening-prerequisites": "the opening cell states the prerequisites",
    "opening-link": "the opening cell links to where the notebook sits in the course",
    "setup-cell": "the second cell is the one setup code cell (imports, seed, use_style())",
    "heading-order": "headings go down one level at a time (no H1 after the title, no skips)",
    "figure-caption": "a cell that draws a figure is followed by a Markdown caption",
    "absolute-path": "no absolute file paths (data comes from aimed.data)",
    "closing": "the notebook ends with Summary, Going further and Reflection sections",
    "grade-id-unique": "nbgrader grade_ids are unique across the course",
    "test-locked": "an nbgrader test cell is locked",
    "test-points": "an nbgrader test cell has points > 0",
    "answer-tested": "every autograded answer is followed by at least one test cell",
    "solution-markers": "BEGIN/END SOLUTION markers appear only in answer cells, in pairs",
    "test-hidden": "an nbgrader test cell has a hidden part (### BEGIN/END HIDDEN TESTS)",
    "mark-scheme": "a manually graded answer is followed by its locked '**Mark scheme**' cell",
    "translation-current": "a notebook with a French catalogue has a current French "
                           "translation of every Markdown cell and shown string "
                           "(aimed.translate)",
    "novice-unseen": "a graded question needs only constructs that the lessons or earlier "
                     "cells show (aimed.novice)",
    "novice-feedback": "every test cell names the lesson section to revisit and every hidden "
                       "check the kind of case it tries (aimed.novice)",
}


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes
    ----------
    path : str
        The notebook, relative to where the check was run.
    rule : str
        A key of :data:`RULES`.
    message : str
        What is wrong, specifically.
    cell : int or None
        0-based index of the offending cell, when one cell is to blame.
    """

    path: str
    rule: str
    message: str
    cell: int | None = None

    def __str__(self) -> str:
        where = f" (cell {self.cell})" if self.cell is not None else ""
        return f"{self.path}{where}: [{self.rule}] {self.message}"


_FIGURE = re.compile(
    r"\bplt\.|\bax\.|\baxes\[|\bfig\.|\.plot\(|\bshow_\w+\(|\bplot_\w+\(|\bimshow\(|"
    r"\.hist\(|\binteract\(|\bdisplay_\w+\("
)
_ABSOLUTE = re.compile(r"^(?:/(?:home|Users|root|tmp|work|mnt|opt|var|data)\b|~/|[A-Za-z]:[\\/])")
_MD_ABSOLUTE = re.compile(r"\]\((?:file://|/(?:home|Users|root|tmp|work|mnt)\b|[A-Za-z]:[\\/])")
_HEADING = re.compile(r"^(#{1,6})\s+\S")


def nbgrader_role(cell: nbformat.NotebookNode) -> str | None:
    """Classify a cell by its nbgrader metadata.

    Returns
    -------
    str or None
        ``"autograded-answer"``, ``"tests"``, ``"manual-answer"``, ``"task"``,
        ``"readonly"``, or ``None`` for an ordinary cell.
    """
    meta = cell.get("metadata", {}).get("nbgrader")
    if not meta:
        return None
    solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))
    if solution and grade:
        return "manual-answer"
    if solution:
        return "autograded-answer"
    if grade:
        return "tests"
    if meta.get("task"):
        return "task"
    if meta.get("locked"):
        return "readonly"
    return None


def _strings(source: str) -> Iterable[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)]


def _code_without_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def check_notebook(path: Path | str, *, label: str | None = None) -> list[Violation]:
    """Check one notebook against every per-notebook rule.

    Parameters
    ----------
    path : path-like
        The ``.ipynb`` file.
    label : str, optional
        How to name the notebook in messages (default: the path as given).

    Returns
    -------
    list of Violation
        Empty when the notebook follows every rule.
    """
    path = Path(path)
    name = label or str(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one violation
        return [Violation(name, "valid-json", f"cannot read the notebook: {exc}")]
    out: list[Violation] = []

    def add(rule: str, message: str, cell: int | None = None) -> None:
        out.append(Violation(name, rule, message, cell))

    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        add("kernel", f"kernelspec name is {kernel!r}, expected 'python3'")
    cells = nb.cells
    _check_outputs(cells, add)
    _check_opening(cells, add)
    _check_headings(cells, add)
    _check_figures(cells, add)
    _check_paths(cells, add)
    _check_closing(cells, add)
    _check_nbgrader(cells, add)
    return out


def _check_outputs(cells: list, add) -> None:
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            add("no-outputs", "code cell has committed outputs", i)
        if cell.get("execution_count") is not None:
            add("no-outputs", "code cell has an execution count", i)


def _check_opening(cells: list, add) -> None:
    if not cells or cells[0].cell_type != "markdown":
        add("opening-title", "the first cell is not a Markdown cell", 0)
        return
    opening = parse_opening(cells[0].source)
    if opening.title is None or opening.h1_count != 1:
        add("opening-title", f"expected one '# Title' line first, found {opening.h1_count} H1", 0)
    if not 3 <= len(opening.objectives) <= 5:
        add("opening-objectives",
            f"found {len(opening.objectives)} learning-objective bullets, expected 3-5", 0)
    if opening.minutes is None:
        add("opening-time", "no 'Estimated time: N min' line", 0)
    if not opening.prerequisites:
        add("opening-prerequisites", "no '**Prerequisites:**' line", 0)
    if not opening.has_link:
        add("opening-link", "no '**In the course:**' line with a Markdown link", 0)
    setup = cells[1] if len(cells) > 1 else None
    if setup is None or setup.cell_type != "code" or "use_style()" not in setup.source:
        add("setup-cell", "the second cell must be the setup code cell calling use_style()", 1)


def _check_headings(cells: list, add) -> None:
    level = 1
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if line.strip().startswith("```"):
                in_fence = not in_fence
            match = None if in_fence else _HEADING.match(line)
            if not match:
                continue
            new = len(match.group(1))
            if i == 0 and new == 1 and level == 1:
                continue
            if new == 1:
                add("heading-order", f"a second H1 heading: {line.strip()!r}", i)
            elif new > level + 1:
                add("heading-order", f"heading jumps from H{level} to H{new}: {line.strip()!r}", i)
            level = new


def _check_figures(cells: list, add) -> None:
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or nbgrader_role(cell) == "tests":
            continue
        code = "\n".join(line for line in cell.source.splitlines()
                         if not line.lstrip().startswith("#"))
        if not _FIGURE.search(code):
            continue
        following = cells[i + 1] if i + 1 < len(cells) else None
        if following is None or following.cell_type != "markdown" or not following.source.strip():
            add("figure-caption", "this cell draws a figure but no Markdown caption follows", i)


def _check_paths(cells: list, add) -> None:
    for i, cell in enumerate(cells):
        if cell.cell_type == "code":
            for text in _strings(_code_without_magics(cell.source)):
                if _ABSOLUTE.match(text):
                    add("absolute-path", f"absolute path {text!r}", i)
        elif _MD_ABSOLUTE.search(cell.source):
            add("absolute-path", "a Markdown link points to an absolute file path", i)


def _check_closing(cells: list, add) -> None:
    headings = [line.strip("# ").strip().lower()
                for cell in cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if _HEADING.match(line)]
    tail = headings[-3:]
    for wanted in ("summary", "going further", "reflection"):
        if not any(h.startswith(wanted) for h in tail):
            add("closing", f"no '{wanted.title()}' section among the last three headings")


def _check_nbgrader(cells: list, add) -> None:
    waiting: int | None = None
    for i, cell in enumerate(cells):
        role = nbgrader_role(cell)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = cell.source
        begins, ends = source.count("### BEGIN SOLUTION"), source.count("### END SOLUTION")
        if begins != ends or (begins and role not in ("autograded-answer", "manual-answer")):
            add("solution-markers", "unpaired SOLUTION markers, or markers outside an answer cell",
                i)
        if role == "tests":
            if not meta.get("locked"):
                add("test-locked", f"test cell {meta.get('grade_id')!r} is not locked", i)
            points = meta.get("points") or 0
            if not float(points) > 0:
                add("test-points", f"test cell {meta.get('grade_id')!r} has no points", i)
            waiting = None
        elif role == "autograded-answer" and cell.cell_type == "code":
            if waiting is not None:
                add("answer-tested", "this autograded answer has no test cell after it", waiting)
            waiting = i
    if waiting is not None:
        add("answer-tested", "this autograded answer has no test cell after it", waiting)


def release_violations(cells: list, label: str) -> list[Violation]:
    """The release-validation rules of graded cells (run by :func:`check_course`).

    * ``test-hidden``: every test cell has a hidden part, so that hard-coding the visible
      answers earns nothing;
    * ``mark-scheme``: every manually graded answer is followed by its mark-scheme cell:
      locked Markdown that starts with ``**Mark scheme**`` and whose grade_id ends in
      ``_scheme`` (see CONTRIBUTING.md).
    """
    out = []
    for i, cell in enumerate(cells):
        role = nbgrader_role(cell)
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if role == "tests":
            begins = cell.source.count("BEGIN HIDDEN TESTS")
            ends = cell.source.count("END HIDDEN TESTS")
            if not begins or begins != ends:
                out.append(Violation(label, "test-hidden", f"test cell {grade_id!r} has no "
                                     "hidden part (### BEGIN HIDDEN TESTS ... ### END "
                                     "HIDDEN TESTS), or unpaired markers", i))
        elif role == "manual-answer":
            scheme = cells[i + 1] if i + 1 < len(cells) else None
            meta = scheme.get("metadata", {}).get("nbgrader", {}) if scheme is not None else {}
            ok = (scheme is not None and scheme.cell_type == "markdown"
                  and bool(meta.get("locked"))
                  and str(meta.get("grade_id", "")).endswith("_scheme")
                  and scheme.source.lstrip().startswith("**Mark scheme**"))
            if not ok:
                out.append(Violation(label, "mark-scheme", f"manually graded answer "
                                     f"{grade_id!r} is not followed by a locked Markdown cell "
                                     "starting with '**Mark scheme**' whose grade_id ends in "
                                     "'_scheme'", i))
    return out


def check_course(paths: Iterable[Path | str], *, root: Path | None = None) -> list[Violation]:
    """Check many notebooks: every per-notebook rule, plus course-wide grade_id uniqueness
    and the release-validation rules of graded cells (:func:`release_violations`).

    Parameters
    ----------
    paths : iterable of path-like
        The notebooks.
    root : Path, optional
        Messages name notebooks relative to this folder.
    """
    out: list[Violation] = []
    seen: dict[str, list[str]] = defaultdict(list)
    for path in map(Path, paths):
        label = str(path.relative_to(root)) if root else str(path)
        out.extend(check_notebook(path, label=label))
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - already reported as valid-json
            continue
        out.extend(release_violations(nb.cells, label))
        from aimed.translate import drift_violations  # French edition: no drift

        out.extend(drift_violations(path, label=label, root=root))
        for i, cell in enumerate(nb.cells):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id:
                seen[grade_id].append(f"{label} (cell {i})")
    for grade_id, places in sorted(seen.items()):
        if len(places) > 1:
            out.append(Violation(places[0].split(" (cell")[0], "grade-id-unique",
                                 f"grade_id {grade_id!r} is used {len(places)} times: "
                                 + ", ".join(places)))
    return out
