"""Reports of a grading run: ``grades.csv``, ``flags.csv`` and ``report.html``.

Scores come from the course gradebook (so manual grades given in the formgrader are
included), flags and failures from the run's results. ``report.html`` is one
self-contained file: the sandbox's guarantees, a table per assignment, the score
distribution, the success rate of each autograded question (charts embedded as PNG),
the flags for human review and the failures per student.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import os
import statistics
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aimed.grading.config import COURSE_ID

if TYPE_CHECKING:
    from aimed.grading.grade import GradeRun

__all__ = ["FLAG_COLUMNS", "GRADE_COLUMNS", "gradebook_rows", "write_reports"]

GRADE_COLUMNS = ["student_id", "assignment", "score", "max_score", "auto_score",
                 "needs_manual_grade", "status", "flags", "failures"]
FLAG_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "reason"]


def gradebook_rows(db_url: str, assignments: list[str], results: list[dict]) -> tuple[
        list[dict], dict[str, dict[str, list[float]]]]:
    """One row per student × assignment, and the per-question scores.

    Returns
    -------
    rows : list of dict
        Keyed by :data:`GRADE_COLUMNS`.
    questions : dict
        Assignment → autograded question (grade_id) → list of ``score / max``.
    """
    from nbgrader.api import Gradebook, MissingEntry

    by_key = {(r["student"], r["assignment"]): r for r in results}
    rows: list[dict] = []
    questions: dict[str, dict[str, list[float]]] = {a: defaultdict(list) for a in assignments}
    with Gradebook(db_url, COURSE_ID) as gb:
        students = sorted({s.id for s in gb.students} | {s for s, _ in by_key})
        for name in assignments:
            assignment = gb.find_assignment(name)
            for student in students:
                result = by_key.get((student, name))
                try:
                    sub = gb.find_submission(name, student)
                except MissingEntry:
                    sub = None
                row: dict[str, Any] = {"student_id": student, "assignment": name,
                                       "max_score": assignment.max_score}
                if sub is None:
                    row.update(score=0.0, auto_score=0.0, needs_manual_grade=False,
                               status="no submission", flags=0, failures="")
                    rows.append(row)
                    continue
                auto = 0.0
                for nb in sub.notebooks:
                    for g in nb.grades:
                        auto += g.auto_score or 0.0
                        if g.cell.cell_type == "code" and g.max_score:
                            questions[name][g.name].append((g.score or 0.0) / g.max_score)
                failures = "; ".join(
                    f"{f['notebook'] + ': ' if f['notebook'] else ''}{f['reason']}"
                    for f in (result or {}).get("failures", []))
                status = "failed" if failures else (
                    "needs manual grading" if sub.needs_manual_grade else "graded")
                row.update(score=round(sub.score, 6), auto_score=round(auto, 6),
                           needs_manual_grade=bool(sub.needs_manual_grade), status=status,
                           flags=len((result or {}).get("flags", [])), failures=failures)
                rows.append(row)
    return rows, questions


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, path)


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _score_chart(name: str, rows: list[dict]) -> str | None:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    from aimed import plotting

    submitted = [r for r in rows if r["assignment"] == name and r["status"] != "no submission"]
    if not submitted:
        return None
    maximum = submitted[0]["max_score"] or 1.0
    percent = np.array([100.0 * r["score"] / maximum for r in submitted])
    plotting.use_style()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.hist(percent, bins=np.linspace(0, 100, 11), color=plotting.colour(0), edgecolor="white")
    ax.axvline(float(np.median(percent)), color=plotting.colour(1), linestyle="--",
               label=f"median {np.median(percent):.0f} %")
    ax.set_xlim(0, 100)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    plotting.finish(ax, f"{name}: score distribution (n = {len(submitted)})",
                    "score (% of maximum)", "students", legend=True)
    return _png(fig)


def _question_chart(name: str, questions: dict[str, list[float]]) -> str | None:
    import matplotlib.pyplot as plt

    from aimed import plotting

    if not questions:
        return None
    labels = list(questions)
    rates = [100.0 * sum(1 for v in questions[q] if v >= 1.0 - 1e-9) / max(len(questions[q]), 1)
             for q in labels]
    plotting.use_style()
    fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(labels) + 1.4))
    bars = ax.barh(labels, rates, color=plotting.colour(2))
    ax.bar_label(bars, labels=[f"{r:.0f} %" for r in rates], padding=3)
    ax.set_xlim(0, 110)
    ax.invert_yaxis()
    plotting.finish(ax, f"{name}: autograded questions with full marks",
                    "students with full marks (%)", "question (grade_id)")
    return _png(fig)


def _table(columns: list[str], rows: list[dict]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>"
                                     for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_INTERRUPTED = " (the run was interrupted: run it again to finish)"
_CSS = """
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.warn { border-left: 4px solid #D55E00; background: #fbeee6; padding: 0.5em 1em; }
.ok { border-left: 4px solid #009E73; background: #e6f5f0; padding: 0.5em 1em; }
img { max-width: 100%; }
"""


def _html(run: GradeRun, rows: list[dict], questions: dict, flags: list[dict]) -> str:
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Grading report: {html.escape(', '.join(run.assignments))}</title>"
             f"<style>{_CSS}</style></head><body>",
             f"<h1>Grading report: {html.escape(', '.join(run.assignments) or 'nothing')}</h1>",
             f"<p>Course: <code>{html.escape(str(run.course))}</code>. "
             f"{run.graded} submission(s) graded in this run, {run.reused} reused from an "
             f"earlier run{_INTERRUPTED if run.interrupted else ''}."
             " Flagged submissions keep their computed score: the instructor decides.</p>"]
    iso = run.isolation
    if iso is not None:
        css = "warn" if iso.mode == "none" else "ok"
        items = "".join(f"<li>{html.escape(line)}</li>" for line in iso.describe())
        parts.append(f"<h2>Sandbox</h2><div class='{css}'><p>Isolation mode: "
                     f"<b>{html.escape(iso.mode)}</b> (grading as "
                     f"{'root' if iso.as_root else 'a normal user'}).</p><ul>{items}</ul></div>")
    for name in run.assignments:
        mine = [r for r in rows if r["assignment"] == name]
        scored = [r["score"] for r in mine if r["status"] != "no submission"]
        parts.append(f"<h2>{html.escape(name)}</h2>")
        if scored:
            parts.append(f"<p>{len(scored)} submission(s); mean {statistics.mean(scored):.2f}, "
                         f"median {statistics.median(scored):.2f} of {mine[0]['max_score']:g} "
                         f"points.</p>")
        chart = _score_chart(name, rows)
        if chart:
            parts.append(f"<img alt='Histogram of the scores of {html.escape(name)} as a "
                         f"percentage of the maximum' src='data:image/png;base64,{chart}'>")
        chart = _question_chart(name, questions.get(name, {}))
        if chart:
            parts.append(f"<img alt='Share of students with full marks on each autograded "
                         f"question of {html.escape(name)}' src='data:image/png;base64,{chart}'>")
        parts.append(_table(GRADE_COLUMNS, mine))
    parts.append(f"<h2>Flags for human review ({len(flags)})</h2>")
    parts.append(_table(FLAG_COLUMNS, flags) if flags else "<p>No flags.</p>")
    failures = [r for r in rows if r["failures"]]
    parts.append(f"<h2>Failures per student ({len(failures)})</h2>")
    parts.append(_table(["student_id", "assignment", "failures"], failures) if failures
                 else "<p>No failures: every submitted notebook was graded.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_reports(run: GradeRun, db_url: str) -> dict[str, Path]:
    """Write ``grades.csv``, ``flags.csv`` and ``report.html`` in ``<course>/reports``."""
    folder = run.course / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    rows, questions = gradebook_rows(db_url, run.assignments, run.results)
    flags = [{"student_id": r["student"], "assignment": r["assignment"], **f}
             for r in sorted(run.results, key=lambda r: (r["assignment"], r["student"]))
             for f in r["flags"]]
    paths = {"grades": folder / "grades.csv", "flags": folder / "flags.csv",
             "report": folder / "report.html"}
    _write_csv(paths["grades"], GRADE_COLUMNS, rows)
    _write_csv(paths["flags"], FLAG_COLUMNS, flags)
    partial = paths["report"].with_name(".report.html.partial")
    partial.write_text(_html(run, rows, questions, flags), encoding="utf-8")
    os.replace(partial, paths["report"])
    return paths
