"""aimed.novice: the static check of constructs a graded question needs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from aimed import novice

ROOT = Path(__file__).resolve().parents[1]

_ANSWER = '''def ranked(scores):
    """Scores from the highest to the lowest."""
    # Hint: sort, then reverse.
    ### BEGIN SOLUTION
    return np.sort(scores)[::-1]
    ### END SOLUTION
'''


def _write(path: Path, cells: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def _answer_cell(source: str = _ANSWER, grade_id: str = "m1_ranked") -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                 "grade_id": grade_id, "schema_version": 3}
    return cell


def _pair(tmp_path: Path, lesson_code: list[str], markdown: str = "") -> list[novice.Question]:
    cells = [nbformat.v4.new_code_cell("import numpy as np")]
    cells += [nbformat.v4.new_code_cell(code) for code in lesson_code]
    if markdown:
        cells.append(nbformat.v4.new_markdown_cell(markdown))
    lesson = _write(tmp_path / "notebooks" / "m1-x" / "01-lesson.ipynb", cells)
    exercise = _write(tmp_path / "exercises" / "m1-x" / "ex.ipynb",
                      [nbformat.v4.new_code_cell("import numpy as np"), _answer_cell()])
    return novice.find_unseen([lesson], [exercise], tmp_path)


def test_unseen_constructs_are_reported(tmp_path):
    (question,) = _pair(tmp_path, ["x = np.array([3.0, 1.0])\nx.mean()"])
    assert question.grade_id == "m1_ranked"
    assert question.unseen == ["numpy.sort()", "slicing [a:b]"]
    assert "def" not in question.used  # the def line is the given scaffold
    report = novice.format_report([question])
    assert "1 of 1 graded question(s)" in report and "numpy.sort()" in report


def test_zero_when_the_lesson_shows_them(tmp_path):
    (question,) = _pair(tmp_path, ["import numpy\nlow_first = numpy.sort(x)\nlow_first[:2]"])
    assert question.unseen == []
    assert "0 of 1 graded question(s)" in novice.format_report([question])


def test_a_solution_fold_counts_as_shown(tmp_path):
    fold = ("<details><summary>Show a solution</summary>\n\n```python\n"
            "import numpy as np\nnp.sort(x)[::-1]\n```\n</details>")
    (question,) = _pair(tmp_path, [], markdown=fold)
    assert question.unseen == []


def test_solutions_and_hidden_tests_of_earlier_cells_do_not_count(tmp_path):
    lesson = _write(tmp_path / "notebooks" / "m1-x" / "01.ipynb",
                    [nbformat.v4.new_code_cell("import numpy as np")])
    shown_only_in_solution = _answer_cell(
        "def f(x):\n    ### BEGIN SOLUTION\n    return np.sort(x)[::-1]\n    ### END SOLUTION\n",
        grade_id="m1_first")
    test = nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nnp.sort([2, 1])[::-1]\n"
                                     "### END HIDDEN TESTS\n")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1,
                                 "grade_id": "t", "schema_version": 3}
    exercise = _write(tmp_path / "exercises" / "m1-x" / "ex.ipynb",
                      [nbformat.v4.new_code_cell("import numpy as np"), shown_only_in_solution,
                       test, _answer_cell()])
    first, second = novice.find_unseen([lesson], [exercise], tmp_path)
    assert second.unseen == first.unseen == ["numpy.sort()", "slicing [a:b]"]


def test_later_module_lessons_do_not_count(tmp_path):
    later = _write(tmp_path / "notebooks" / "m2-y" / "01.ipynb",
                   [nbformat.v4.new_code_cell("import numpy as np\nnp.sort(x)[::-1]")])
    exercise = _write(tmp_path / "exercises" / "m1-x" / "ex.ipynb",
                      [nbformat.v4.new_code_cell("import numpy as np"), _answer_cell()])
    (question,) = novice.find_unseen([later], [exercise], tmp_path)
    assert question.unseen == ["numpy.sort()", "slicing [a:b]"]


def test_constructs_resolve_aliases_and_syntax():
    code = ("from scipy.optimize import brentq\nimport pandas as pd\n"
            "root = brentq(lambda b: b - 1, 0, 2)\n"
            "rates = df.groupby('site').mean()\nlabels = [f'{r:.2f}' for r in rates]\n"
            "def f(x, k=2):\n    return sorted(x)[:k]\n")
    found = novice.constructs(code)
    assert {"scipy.optimize.brentq()", "lambda", ".groupby()", ".mean()", "f-string",
            "list comprehension", "def with default arguments", "sorted()",
            "slicing [a:b]"} <= found
    assert "root()" not in found and "f()" not in found  # own names are not constructs
    assert novice.constructs("this is not python(") == set()


def test_the_course_needs_nothing_unseen_and_every_test_cell_can_teach(capsys):
    """Issue 14's measure: 0 unseen constructs and 0 feedback gaps, so lint passes."""
    from aimed import cli

    assert novice.violations() == []
    assert cli.main(["lint", "--novice"]) == 0
    out = capsys.readouterr().out
    assert "0 of 35 graded question(s) need constructs" in out
    assert "0 feedback gap(s)" in out


def test_lint_fails_on_an_unseen_construct_or_a_test_cell_without_lesson(tmp_path,
                                                                          monkeypatch):
    import shutil

    from aimed import cli

    root = tmp_path / "course"
    for part in ("notebooks", "exercises"):
        shutil.copytree(ROOT / part, root / part)
    path = root / "exercises" / "m1-foundations" / "01-evaluating-a-diagnostic-model.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    answer = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")
                  and c["cell_type"] == "code")
    answer["source"] = "".join(answer["source"]).replace(
        "### END SOLUTION", "_unused = divmod(7, 2)\n"
        "### END SOLUTION")
    test = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
                and c["cell_type"] == "code")
    test["source"] = "".join(test["source"]).replace("lesson=", "hint=").replace(
        "revisit=", "hint=")
    path.write_text(json.dumps(nb), encoding="utf-8")
    found = novice.violations(root)
    assert {v.rule for v in found} == {"novice-unseen", "novice-feedback"}
    assert any("divmod()" in v.message for v in found)
    monkeypatch.setattr("aimed.course.repo_root", lambda: root)
    assert cli.main(["lint", "--novice"]) == 1


def test_feedback_gaps_name_missing_lessons_and_cases(tmp_path):
    def test_cell(source):
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1,
                                     "grade_id": "t_ppv", "schema_version": 3}
        return cell

    bare = ("with fb.checks('ppv()'):\n    fb.assert_number(ppv(1, 1), 0.5)\n"
            "    ### BEGIN HIDDEN TESTS\n    fb.assert_number(ppv(0, 1), 0.0)\n"
            "    ### END HIDDEN TESTS\n")
    taught = ("with fb.checks('ppv()', lesson='Lesson 2'):\n    fb.assert_number(ppv(1, 1), 0.5)\n"
              "    ### BEGIN HIDDEN TESTS\n    fb.assert_number(ppv(0, 1), 0.0, case='no TP')\n"
              "    ### END HIDDEN TESTS\n")
    path = _write(tmp_path / "exercises" / "m1-x" / "ex.ipynb", [test_cell(bare)])
    gaps = novice.feedback_gaps([path], tmp_path)
    assert len(gaps) == 2 and "no lesson=" in gaps[0] and "1 hidden check(s)" in gaps[1]
    path = _write(tmp_path / "exercises" / "m1-x" / "ex.ipynb", [test_cell(taught)])
    assert novice.feedback_gaps([path], tmp_path) == []
