"""The house rules, on every notebook of the course and on notebooks built to break them."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from aimed import lint
from aimed.course import exercise_notebooks, lesson_notebooks, repo_root

ROOT = repo_root()
NOTEBOOKS = lesson_notebooks() + exercise_notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_follows_the_house_rules(path):
    violations = lint.check_notebook(path, label=str(path.relative_to(ROOT)))
    assert not violations, "\n".join(map(str, violations))


def test_grade_ids_are_unique_across_the_course():
    duplicates = [v for v in lint.check_course(NOTEBOOKS, root=ROOT) if v.rule == "grade-id-unique"]
    assert not duplicates, "\n".join(map(str, duplicates))


def test_the_pilot_lesson_exists():
    assert ROOT / "notebooks" / "m1-foundations" / "01-health-data.ipynb" in NOTEBOOKS


# --------------------------------------------------------------------------- rule by rule

OPENING = """# A title

**Learning objectives.** By the end you can:
- Explain one thing.
- Compute another.
- Judge a third.

**Estimated time:** 30 min
**Prerequisites:** none
**Data:** none
**In the course:** [Module 1](../../README.md#course-map) › lesson 9
"""
CLOSING = ["## Summary\n\n- done", "## Going further\n\n- a ref", "## Reflection\n\nWhy?"]


def good_cells():
    return [
        new_markdown_cell(OPENING),
        new_code_cell("import numpy as np\nfrom aimed import plotting\nplotting.use_style()"),
        new_markdown_cell("## Section\n\n*Clinical question.*"),
        new_code_cell("x = np.arange(3)"),
        *[new_markdown_cell(text) for text in CLOSING],
    ]


def write(tmp_path, cells, **meta):
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3",
                                                            "display_name": "Python 3"}} | meta)
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def rules(tmp_path, cells, **meta):
    return {v.rule for v in lint.check_notebook(write(tmp_path, cells, **meta))}


def test_a_good_notebook_passes(tmp_path):
    assert rules(tmp_path, good_cells()) == set()


def test_outputs_and_execution_counts(tmp_path):
    cells = good_cells()
    cells[3].outputs = [nbformat.v4.new_output("stream", text="hi")]
    cells[3].execution_count = 3
    found = lint.check_notebook(write(tmp_path, cells))
    assert [v.rule for v in found] == ["no-outputs", "no-outputs"] and found[0].cell == 3


@pytest.mark.parametrize(("old", "new", "rule"), [
    ("# A title", "A title", "opening-title"),
    ("# A title", "# A title\n# Another", "opening-title"),
    ("- Judge a third.\n", "", "opening-objectives"),
    ("**Estimated time:** 30 min", "", "opening-time"),
    ("**Prerequisites:** none", "", "opening-prerequisites"),
    ("[Module 1](../../README.md#course-map)", "Module 1", "opening-link"),
])
def test_opening_cell_rules(tmp_path, old, new, rule):
    cells = good_cells()
    cells[0].source = cells[0].source.replace(old, new)
    assert rule in rules(tmp_path, cells)


def test_setup_cell_must_call_use_style(tmp_path):
    cells = good_cells()
    cells[1].source = "import numpy as np"
    assert rules(tmp_path, cells) == {"setup-cell"}


def test_heading_order(tmp_path):
    cells = good_cells()
    cells[2].source = "#### Too deep"
    assert rules(tmp_path, cells) == {"heading-order"}
    cells[2].source = "# A second title"
    assert rules(tmp_path, cells) == {"heading-order"}


def test_figure_needs_a_caption(tmp_path):
    cells = good_cells()
    cells.insert(3, new_code_cell("fig, ax = plt.subplots()\nax.plot([1, 2])"))
    assert rules(tmp_path, cells) == {"figure-caption"}
    cells.insert(4, new_markdown_cell("*Figure: a line.*"))
    assert rules(tmp_path, cells) == set()


@pytest.mark.parametrize("code", ['open("/home/me/data.csv")', 'p = "C:\\\\data\\\\x.csv"',
                                  'load("~/course/x.csv")'])
def test_absolute_paths(tmp_path, code):
    cells = good_cells()
    cells[3].source = code
    assert rules(tmp_path, cells) == {"absolute-path"}


def test_relative_paths_and_urls_are_fine(tmp_path):
    cells = good_cells()
    cells[3].source = 'x = "data/file.csv"\nurl = "https://doi.org/10.1/x"\nunit = "/min"'
    assert rules(tmp_path, cells) == set()


def test_closing_sections(tmp_path):
    cells = good_cells()[:-1]
    assert rules(tmp_path, cells) == {"closing"}


def test_kernel_must_be_python3(tmp_path):
    assert "kernel" in rules(tmp_path, good_cells(), kernelspec={"name": "ir", "display_name": "R"})


def nbgrader(cell, **meta):
    cell.metadata["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False,
                                 "grade": False, "task": False} | meta
    return cell


def answer(grade_id="q1"):
    source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
    return nbgrader(new_code_cell(source), solution=True, grade_id=grade_id)


def graded_tests(grade_id="q1_tests", **meta):
    return nbgrader(new_code_cell("from aimed import feedback as fb\nfb.assert_number(f(), 1.0)"),
                    **({"grade": True, "locked": True, "points": 1, "grade_id": grade_id} | meta))


def test_nbgrader_rules(tmp_path):
    base = good_cells()
    assert rules(tmp_path, [*base[:4], answer(), graded_tests(), *base[4:]]) == set()
    assert rules(tmp_path, [*base[:4], answer(), *base[4:]]) == {"answer-tested"}
    assert rules(tmp_path, [*base[:4], answer(), graded_tests(locked=False), *base[4:]]) == {
        "test-locked"}
    assert rules(tmp_path, [*base[:4], answer(), graded_tests(points=0), *base[4:]]) == {
        "test-points"}
    stray = new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    assert rules(tmp_path, [*base[:4], stray, *base[4:]]) == {"solution-markers"}


def test_duplicate_grade_ids_across_notebooks(tmp_path):
    base = good_cells()
    paths = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        cells = [*base[:4], answer("same"), graded_tests(f"{name}_t"), *base[4:]]
        paths.append(write(folder, cells))
    found = [v for v in lint.check_course(paths) if v.rule == "grade-id-unique"]
    assert len(found) == 1 and "'same' is used 2 times" in found[0].message


def test_unreadable_notebook(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    assert [v.rule for v in lint.check_notebook(path)] == ["valid-json"]
