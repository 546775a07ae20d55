"""Checks of a submitted notebook before it runs: readable, complete, untampered.

nbgrader itself restores locked cells from the gradebook (``OverwriteCells``, with
``add_missing_cells``), so a deleted or edited test still runs in its original form.
These checks make the tampering *visible*: each one becomes a flag for human review.
The comparison is with the student version the learner received
(``<course>/release/<assignment>/``), cell by cell through nbgrader's ``grade_id``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from aimed.grading.scan import RULES, scan_source

__all__ = ["Issue", "read_notebook", "scan_notebook", "tampering"]

#: Largest notebook file accepted for grading, bytes.
MAX_NOTEBOOK_BYTES = 50_000_000


class Issue(tuple):
    """``(grade_id, reason)``: one flag for a notebook (grade_id may be empty)."""

    __slots__ = ()

    def __new__(cls, grade_id: str | None, reason: str) -> Issue:
        return super().__new__(cls, (grade_id or "", reason))

    @property
    def grade_id(self) -> str:
        return self[0]

    @property
    def reason(self) -> str:
        return self[1]


def read_notebook(path: Path) -> tuple[NotebookNode | None, str | None]:
    """Read and validate a submitted notebook.

    Returns
    -------
    (notebook, problem)
        The notebook and ``None``, or ``None`` and a sentence saying why it cannot be
        graded (too large, not JSON, not a valid notebook).
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, f"cannot read the file: {exc.strerror}"
    if size > MAX_NOTEBOOK_BYTES:
        limit = MAX_NOTEBOOK_BYTES / 1e6
        return None, f"the file is {size / 1e6:.0f} MB, above the {limit:.0f} MB limit"
    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
    except UnicodeDecodeError:
        return None, "the file is not text (UTF-8)"
    except json.JSONDecodeError as exc:
        return None, f"the file is not valid JSON (line {exc.lineno}: {exc.msg})"
    invalid: dict = {}
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error=invalid)
    except Exception as exc:  # noqa: BLE001 - any schema problem makes it ungradable
        invalid["ValidationError"] = exc
    if invalid:
        exc = invalid["ValidationError"]
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"the file is not a valid Jupyter notebook ({first[:160]})"
    return nb, None


def _meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _role(meta: dict) -> tuple[bool, bool, bool]:
    return bool(meta.get("grade")), bool(meta.get("solution")), bool(meta.get("locked"))


def _kind(meta: dict) -> str:
    grade, solution, _ = _role(meta)
    if grade and not solution:
        return "test cell"
    if solution:
        return "answer cell"
    return "locked cell"


def _normalise(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def tampering(submitted: NotebookNode, released: NotebookNode,
              originals: dict[str, str] | None = None) -> list[Issue]:
    """Compare a submission with the released student version, cell by cell.

    Flags deleted, duplicated and edited locked cells (tests, mark schemes,
    read-only cells), changed nbgrader metadata (points, roles) and cells claiming
    grade_ids that were never released.

    Parameters
    ----------
    submitted, released : NotebookNode
        The submission and the student version it started from.
    originals : dict, optional
        grade_id → the cell's source in the gradebook (test cells *with* their hidden
        part). A locked cell equal to its original is not edited: it is the instructor's
        own version (for example a reference copy of the source notebook).
    """
    originals = originals or {}
    issues: list[Issue] = []
    reference = {}
    for cell in released.cells:
        gid = _meta(cell).get("grade_id")
        if gid:
            reference[gid] = cell
    counts = Counter(_meta(c).get("grade_id") for c in submitted.cells if _meta(c).get("grade_id"))
    seen: set[str] = set()
    for cell in submitted.cells:
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if not gid:
            continue
        if gid not in reference:
            issues.append(Issue(gid, f"a cell claims grade_id {gid!r}, which was never released"))
            continue
        if gid in seen:
            continue
        seen.add(gid)
        ref = reference[gid]
        ref_meta = _meta(ref)
        kind = _kind(ref_meta)
        if counts[gid] > 1:
            issues.append(Issue(gid, f"the {kind} {gid!r} appears {counts[gid]} times "
                                     "(duplicated); only one copy is graded"))
        if _role(meta) != _role(ref_meta) or float(meta.get("points") or 0) != float(
                ref_meta.get("points") or 0) or cell.cell_type != ref.cell_type:
            issues.append(Issue(gid, f"the nbgrader metadata of the {kind} {gid!r} was changed "
                                     "(restored before grading)"))
        mine = _normalise(cell.source)
        if ref_meta.get("locked") and mine != _normalise(ref.source) and (
                gid not in originals or mine != _normalise(originals[gid])):
            issues.append(Issue(gid, f"the {kind} {gid!r} was edited (restored before grading)"))
    for gid, ref in reference.items():
        if gid not in counts:
            kind = _kind(_meta(ref))
            locked = _meta(ref).get("locked") or kind == "test cell"
            restored = "restored before grading" if locked else "graded as missing"
            issues.append(Issue(gid, f"the {kind} {gid!r} was deleted ({restored})"))
    return issues


def scan_notebook(submitted: NotebookNode, released: NotebookNode) -> list[Issue]:
    """Statically scan the code the student wrote or changed (see :mod:`~.scan`).

    Cells identical to a code cell of the released version are skipped, and so is the
    first cell carrying each locked grade_id of the released version (nbgrader restores
    it from the gradebook). Locked flags set by the student are ignored.
    """
    released_code = {_normalise(c.source) for c in released.cells if c.cell_type == "code"}
    locked = {_meta(c).get("grade_id") for c in released.cells if _meta(c).get("locked")}
    issues = []
    seen: set[str] = set()
    for index, cell in enumerate(submitted.cells):
        gid = _meta(cell).get("grade_id")
        # The first cell with a released, locked grade_id is restored before grading;
        # duplicates lose their metadata (nbgrader's DeduplicateIds) and run as written.
        restored = gid in locked and gid not in seen
        if gid:
            seen.add(gid)
        if cell.cell_type != "code" or restored:
            continue
        if _normalise(cell.source) in released_code:
            continue
        gid = gid or f"cell-{index}"
        by_rule: dict[str, list] = {}
        for finding in scan_source(cell.source):
            by_rule.setdefault(finding.rule, []).append(finding)
        for rule, findings in by_rule.items():
            details = [f"{f.detail} (line {f.line})" for f in findings]
            shown = "; ".join(details[:4]) + (f"; and {len(details) - 4} more"
                                                if len(details) > 4 else "")
            issues.append(Issue(gid, f"static scan [{rule}]: {RULES[rule]}: {shown}"))
    return issues
