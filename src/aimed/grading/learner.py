"""``aimed check NOTEBOOK``: the learner's own summary of the visible checks.

It runs the notebook from top to bottom in a fresh kernel, from the notebook's folder,
exactly as a learner would, then prints one line per graded question: whether its
visible checks pass (with the first line of the friendly message when not), and which
written answers a person will grade. Messages follow the learner's language
(``AIMED_LANG=en|fr``) through :mod:`aimed.i18n`. Nothing is written to the notebook.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from aimed.i18n import t

__all__ = ["CheckLine", "check_notebook", "summary_lines"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class CheckLine:
    """The state of one graded question.

    Attributes
    ----------
    name : str
        The name given to ``fb.checks(...)``, or the cell's grade_id.
    kind : str
        ``"passed"``, ``"not_yet"``, ``"not_run"``, ``"written"`` or ``"written_empty"``.
    message : str
        For ``"not_yet"``: the first lines of the feedback; for written answers, the points.
    """

    name: str
    kind: str
    message: str = ""


def _checks_name(source: str, default: str) -> str:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return default
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                node.func, "id", None)) == "checks" and node.args and isinstance(
                node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            return node.args[0].value
    return default


def _error_text(outputs: list) -> str | None:
    for output in outputs:
        if output.get("output_type") == "error":
            lines = [_ANSI.sub("", line) for line in output.get("traceback") or []]
            if lines and lines[0].startswith("✗"):
                lines = lines[1:]  # the title, which the summary line already says
            text = "\n".join(lines).strip() or f"{output.get('ename')}: {output.get('evalue')}"
            return text
    return None


def check_notebook(path: Path | str, *, timeout: int = 120) -> list[CheckLine]:
    """Run a student notebook and report each graded question.

    Parameters
    ----------
    path : path-like
        The notebook (a student version, or the learner's own copy).
    timeout : int
        Seconds each cell may run.

    Raises
    ------
    ValueError
        If the file cannot be read as a notebook, or ``timeout`` is not positive.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    from aimed.grading.preprocessors import is_test_cell

    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be an integer >= 1 (seconds), got {timeout!r}")
    path = Path(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported
        raise ValueError(t("grading.check.unreadable", notebook=path.name, reason=exc)) from None
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            extra_arguments=["--quiet"],
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    stopped = None
    try:
        client.execute()
    except DeadKernelError as exc:
        stopped = str(exc)
    except Exception as exc:  # noqa: BLE001 - report, then summarise what ran
        stopped = f"{type(exc).__name__}: {exc}"
    lines = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if is_test_cell(cell):
            name = _checks_name(cell.source, meta.get("grade_id", "?"))
            if cell.get("execution_count") is None and not cell.get("outputs"):
                lines.append(CheckLine(name, "not_run", stopped or ""))
                continue
            error = _error_text(cell.outputs)
            if error is None:
                lines.append(CheckLine(name, "passed"))
            else:
                lines.append(CheckLine(name, "not_yet", error))
        elif meta.get("solution") and meta.get("grade"):
            points = f"{float(meta.get('points') or 0):g}"
            empty = "YOUR ANSWER HERE" in cell.source or not cell.source.strip()
            lines.append(CheckLine(meta.get("grade_id", "?"),
                                   "written_empty" if empty else "written", points))
    return lines


def summary_lines(notebook: str, lines: list[CheckLine]) -> list[str]:
    """The friendly summary, in the learner's language."""
    out = []
    tested = [line for line in lines if line.kind in ("passed", "not_yet", "not_run")]
    if not lines:
        return [t("grading.check.no_tests", notebook=notebook)]
    for line in lines:
        if line.kind == "passed":
            out.append(t("grading.check.passed", name=line.name))
        elif line.kind == "not_yet":
            out.append(t("grading.check.not_yet", name=line.name))
            out.extend(f"    {text}" for text in line.message.splitlines()[:4])
        elif line.kind == "not_run":
            out.append(t("grading.check.not_run", name=line.name, reason=line.message or "?"))
        else:
            out.append(t(f"grading.check.{line.kind}", name=line.name, points=line.message))
    passed = sum(1 for line in tested if line.kind == "passed")
    if tested:
        out.append("")
        out.append(t("grading.check.summary", passed=passed, total=len(tested)))
        if passed == len(tested):
            out.append(t("grading.check.all_passed"))
        out.append(t("grading.check.hidden"))
    stops = {line.message for line in lines if line.kind == "not_run" and line.message}
    out.extend(t("grading.check.kernel", reason=reason) for reason in sorted(stops))
    return out
