"""Unit tests of the grading pipeline's parts (fast: no kernel is started).

The round trips with real kernels are in tests/grading/ (``pytest -m grading``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from aimed import lint
from aimed.grading import cgroup, integrity, jail, merge, report, sandbox
from aimed.grading.config import WARNING_PATTERN, nbgrader_config
from aimed.grading.learner import CheckLine, summary_lines
from aimed.grading.scan import RULES, scan_source

# ------------------------------------------------------------------------- static scan

FLAGGED = {
    "transformer": ("get_ipython().input_transformers_post.append(lambda l: [])",
                    "ipython-internals"),
    "transformer-alias": ("ip = get_ipython()\nip.ast_transformers.append(None)",
                          "ipython-internals"),
    "run-cell": ("ip = get_ipython()\nip.run_cell = print", "ipython-internals"),
    "showtraceback": ("get_ipython().showtraceback = print", "ipython-internals"),
    "custom-exc": ("get_ipython().set_custom_exc((Exception,), print)", "ipython-internals"),
    "events": ("get_ipython().events.register('post_run_cell', print)", "ipython-internals"),
    "ipython-import": ("from IPython.core.interactiveshell import InteractiveShell",
                       "ipython-internals"),
    "eq": ("class Answer:\n    def __eq__(self, other):\n        return True",
           "comparison-dunder"),
    "bool": ("class Answer:\n    __bool__ = lambda self: True", "comparison-dunder"),
    "array-ufunc": ("class A:\n    def __array_ufunc__(self, *a, **k):\n        return True",
                    "comparison-dunder"),
    "type-call": ("A = type('A', (), {'__eq__': lambda s, o: True})", "comparison-dunder"),
    "numpy": ("import numpy as np\nnp.allclose = lambda *a, **k: True", "monkeypatch"),
    "pandas-class": ("import pandas as pd\npd.DataFrame.equals = lambda *a: True",
                     "monkeypatch"),
    "from-import": ("from pandas import DataFrame\nDataFrame.to_numpy = None", "monkeypatch"),
    "math": ("import math\nmath.isclose = lambda *a, **k: True", "monkeypatch"),
    "builtins": ("import builtins\nbuiltins.isinstance = lambda *a: True", "monkeypatch"),
    "dunder-builtins": ("__builtins__.len = lambda x: 0", "monkeypatch"),
    "feedback": ("from aimed import feedback as fb\nfb.assert_number = print", "monkeypatch"),
    "feedback-setattr": ("import aimed.feedback\nsetattr(aimed.feedback, 'checks', None)",
                         "monkeypatch"),
    "alias-of-alias": ("import numpy\nn = numpy\nn.isnan = None", "monkeypatch"),
    "shadow": ("def len(x):\n    return 3", "shadow-builtin"),
    "sys-modules": ("import sys\nsys.modules['aimed.feedback'] = None", "sys-internals"),
    "settrace": ("import sys\nsys.settrace(print)", "sys-internals"),
    "os-exit": ("import os\nos._exit(0)", "process"),
    "os-kill": ("import os\nos.kill(1, 9)", "process"),
    "subprocess": ("import subprocess\nsubprocess.run(['ls'])", "process"),
    "exec-file": ("exec(open('answers.py').read())", "dynamic-code"),
    "eval": ("eval('1 + 1')", "dynamic-code"),
    "reload": ("import importlib\nimportlib.reload(x)", "dynamic-code"),
    "gc": ("import gc\ngc.get_referrers(1)", "introspection"),
    "inspect": ("import inspect", "introspection"),
    "ctypes": ("import ctypes", "introspection"),
    "frame": ("def f():\n    return f.__code__", "introspection"),
    "walk-up": ("import os\nos.walk('..')", "filesystem"),
    "glob-abs": ("import glob\nglob.glob('/work/**/*.ipynb', recursive=True)", "filesystem"),
    "rglob-root": ("from pathlib import Path\nPath('/').rglob('*.py')", "filesystem"),
    "home": ("from pathlib import Path\nPath.home()", "filesystem"),
    "parent-path": ("open('../../source/a/b.ipynb')", "filesystem"),
    "gradebook": ("import sqlite3\nsqlite3.connect('gradebook.db')", "filesystem"),
    "chdir": ("import os\nos.chdir('/')", "filesystem"),
    "shell": ("!ls ..", "magic"),
    "run-magic": ("%run other.py", "magic"),
    "writefile": ("%%writefile answers.py\nx = 1", "magic"),
    "network": ("import urllib.request", "network"),
}

CLEAN = [
    "def sensitivity(tp, fn):\n    return tp / (tp + fn)",
    "import numpy as np\nimport pandas as pd\nx = np.array([1, 2])\ndf = pd.DataFrame({'a': x})",
    "df.columns = ['b']\nmodel.coef_ = None\npd.options.display.max_rows = 5",
    "unit = '/min'\nconc = 'mg/dL'\nratio = 'a / b'\npath = 'results.csv'",
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.rcParams['figure.dpi'] = 100",
    "from sklearn.svm import SVC\nmodel = SVC(kernel='rbf')\nmodel.kernel",
    "total = sum(values)\nmax_value = max(values)\nsorted_values = sorted(values)",
    "import glob\nfiles = glob.glob('*.csv')\nfrom pathlib import Path\nlist(Path('.').glob('*'))",
    "class Patient:\n    def __init__(self, age):\n        self.age = age\n"
    "    def __repr__(self):\n        return f'Patient({self.age})'",
    "import sqlite3\ncon = sqlite3.connect(':memory:')",
    "from IPython.display import display, Markdown\ndisplay(Markdown('**ok**'))",
]


@pytest.mark.parametrize(("name", "case"), sorted(FLAGGED.items()))
def test_scan_flags_known_attacks(name, case):
    source, rule = case
    rules = {f.rule for f in scan_source(source)}
    assert rule in rules, (name, rules)


@pytest.mark.parametrize("source", CLEAN)
def test_scan_leaves_ordinary_code_alone(source):
    assert scan_source(source) == []


def test_scan_reason_names_rule_detail_and_line():
    (finding,) = scan_source("import numpy as np\n\nnp.isclose = None")
    assert finding.line == 3
    assert finding.reason().startswith("static scan [monkeypatch]: ")
    assert "numpy.isclose = ..." in finding.reason()
    assert set(RULES) >= {f.rule for case in FLAGGED.values() for f in scan_source(case[0])}


def test_scan_survives_syntax_errors():
    assert scan_source("def broken(:\n    pass") == []
    assert [f.rule for f in scan_source("get_ipython().run_cell(  (")] == ["syntax"]


# ------------------------------------------------------------------------- integrity


def _nbg(cell, **meta):
    cell.metadata["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False,
                                 "grade": False, "task": False, **meta}
    return cell


def _released():
    return new_notebook(cells=[
        new_markdown_cell("# Title"),
        new_code_cell("import numpy as np"),
        _nbg(new_code_cell("def f():\n    raise NotImplementedError()"), solution=True,
             grade_id="q1"),
        _nbg(new_code_cell("from aimed import feedback as fb\nfb.assert_number(f(), 1.0)"),
             grade=True, locked=True, points=2, grade_id="q1_tests"),
        _nbg(new_markdown_cell("YOUR ANSWER HERE"), solution=True, grade=True, points=1,
             grade_id="q2"),
        _nbg(new_markdown_cell("**Mark scheme** ..."), locked=True, grade_id="q2_scheme"),
    ])


def _issues(submitted, originals=None):
    return [i.reason for i in integrity.tampering(submitted, _released(), originals)]


def test_untouched_and_answered_notebooks_are_clean():
    nb = _released()
    nb.cells[2].source = "def f():\n    return 1.0"
    nb.cells[4].source = "Because."
    assert _issues(nb) == []
    assert integrity.scan_notebook(nb, _released()) == []


def test_deleted_duplicated_edited_and_retyped_cells_are_flagged():
    nb = _released()
    del nb.cells[5]
    assert any("'q2_scheme' was deleted" in r for r in _issues(nb))
    nb = _released()
    nb.cells.append(nb.cells[3].copy())
    assert any("appears 2 times" in r for r in _issues(nb))
    nb = _released()
    nb.cells[3].source = "pass"
    assert any("'q1_tests' was edited" in r for r in _issues(nb))
    nb = _released()
    nb.cells[3].metadata.nbgrader["points"] = 100
    assert any("metadata" in r for r in _issues(nb))
    nb = _released()
    nb.cells.append(_nbg(new_code_cell("x = 1"), grade=True, points=5, grade_id="bonus"))
    assert any("never released" in r for r in _issues(nb))


def test_the_instructors_own_test_source_is_not_tampering():
    nb = _released()
    full = nb.cells[3].source + "\n### BEGIN HIDDEN TESTS\nfb.assert_number(f(), 1.0)\n"
    nb.cells[3].source = full
    assert any("edited" in r for r in _issues(nb))
    assert _issues(nb, {"q1_tests": full}) == []


def test_scan_ignores_restored_cells_but_not_fake_locks_or_duplicates():
    nb = _released()
    nb.cells[3].source = "import os\nos._exit(0)"  # restored from the gradebook: not scanned
    assert integrity.scan_notebook(nb, _released()) == []
    nb = _released()
    nb.cells.append(_nbg(new_code_cell("import gc"), locked=True, grade_id="mine"))
    assert [i.grade_id for i in integrity.scan_notebook(nb, _released())] == ["mine"]
    nb = _released()
    twin = nb.cells[3].copy()
    twin.source = "import ctypes"
    nb.cells.append(twin)
    assert len(integrity.scan_notebook(nb, _released())) == 1


def test_read_notebook_reports_why_a_file_cannot_be_graded(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": [')
    assert integrity.read_notebook(bad)[1].startswith("the file is not valid JSON")
    bad.write_text('{"cells": 3}')
    assert "not a valid Jupyter notebook" in integrity.read_notebook(bad)[1]
    bad.write_bytes(b"\xff\xfe\x00")
    assert integrity.read_notebook(bad)[1] == "the file is not text (UTF-8)"
    good = tmp_path / "good.ipynb"
    nbformat.write(_released(), good)
    assert integrity.read_notebook(good)[1] is None


# ------------------------------------------------------------------------- limits, jail


def test_limits_defaults_match_the_issue():
    limits = sandbox.Limits()
    assert limits.rlimits() == {"RLIMIT_AS": 2 * 1024**3, "RLIMIT_CPU": 120,
                                "RLIMIT_FSIZE": 50_000_000, "RLIMIT_NPROC": 64,
                                "RLIMIT_CORE": 0}
    assert limits.cell_timeout == 60


@pytest.mark.parametrize(("field", "value"), [("memory_bytes", 10), ("cpu_seconds", 0),
                                              ("processes", 2), ("cell_timeout", 1.5),
                                              ("notebook_timeout", True)])
def test_limits_reject_nonsense_with_the_parameter_name(field, value):
    with pytest.raises(ValueError, match=field):
        sandbox.Limits(**{field: value})


def test_probe_rejects_unknown_modes():
    with pytest.raises(ValueError, match="sandbox mode"):
        sandbox.probe(force_mode="chroot")


def test_jail_binds_top_level_paths_only():
    assert jail._top_level(["/usr/lib", "/usr", "/etc", "/usr/local", "/opt/x/y", "/opt/x"]) \
        == ["/etc", "/usr", "/opt/x"]


def test_jail_environment_is_scrubbed(monkeypatch):
    monkeypatch.setenv("AIMED_DB_URL", "postgresql://secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AIMED_LANG", "fr")
    env = jail.kernel_env({"home": "/tmp/home", "tmpdir": "/tmp", "python": "/venv/bin/python"})
    assert "AIMED_DB_URL" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert env["AIMED_LANG"] == "fr" and env["HOME"] == "/tmp/home"
    assert env["OPENBLAS_NUM_THREADS"] == "1"


def test_isolation_says_plainly_when_nothing_is_isolated():
    text = " ".join(sandbox.Isolation("none", False).describe())
    assert "NO ISOLATION" in text and "read exercises/" in text
    assert "not visible" in " ".join(sandbox.Isolation("namespaces", True).describe())


def test_isolation_names_the_network_and_the_memory_cap():
    open_net = " ".join(sandbox.Isolation("namespaces", True).describe())
    assert "NO NETWORK ISOLATION" in open_net and "per process only" in open_net
    closed = " ".join(sandbox.Isolation("namespaces", True, network=True,
                                        memory_group=True).describe())
    assert "Kernels have no network" in closed and "127.0.0.1" in closed
    assert "memory control group" in closed and "NO NETWORK" not in closed


def test_network_isolation_needs_the_ipc_folder_and_the_namespaces_mode(tmp_path):
    def spec(mode, network):
        return sandbox.build_spec(mode, workdir=str(tmp_path), limits=sandbox.Limits(),
                                  state_dir=str(tmp_path / mode), network=network)

    isolated = spec("namespaces", True)
    assert isolated["network"] == "none"
    assert isolated["bind_rw"] == [str((tmp_path / "namespaces" / "ipc").resolve())]
    assert (tmp_path / "namespaces" / "ipc").is_dir()
    assert spec("namespaces", False)["network"] == "host"
    assert spec("none", True)["network"] == "host"  # only a namespace can isolate it
    assert spec("none", True)["bind_rw"] == []


def test_ipc_folder_of_a_deep_sandbox_is_short_enough_for_unix_sockets(tmp_path):
    deep = tmp_path / ("d" * 120)
    folder = sandbox.ipc_dir(str(deep))
    try:
        assert len(folder) + len("/kernel-99") <= 100 and os.path.isdir(folder)
        assert sandbox.ipc_dir(str(deep)) == folder  # the kernel manager and the jail agree
        assert sandbox.ipc_dir(str(tmp_path)) == str(tmp_path.resolve() / "ipc")
    finally:
        sandbox.remove_ipc_dir(str(deep))
    assert not os.path.exists(folder)


def test_ipc_folder_that_is_not_the_graders_is_refused(tmp_path, monkeypatch):
    short = tempfile.mkdtemp(prefix="t-", dir="/tmp")  # tmp_path may itself be too deep
    monkeypatch.setattr(sandbox.tempfile, "gettempdir", lambda: short)
    deep = str(tmp_path / ("d" * 120))
    try:
        os.symlink("/etc", sandbox._short_ipc_dir(deep))
        with pytest.raises(ValueError, match="not a folder of the grader"):
            sandbox.ipc_dir(deep)
    finally:
        shutil.rmtree(short)


@pytest.mark.parametrize(("version", "limit_file", "swap_file"), [
    ("v2", "memory.max", "memory.swap.max"),
    ("v1", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes")])
def test_memory_group_writes_the_cap_of_its_cgroup_version(tmp_path, version, limit_file,
                                                           swap_file):
    path = cgroup.create(version, str(tmp_path), "aimed-kernel-1", 512 * 1024**2)
    assert Path(path, limit_file).read_text() == str(512 * 1024**2)
    assert Path(path, swap_file).exists()
    cgroup.add(path, 4242)
    assert Path(path, "cgroup.procs").read_text() == "4242"
    for name in (limit_file, swap_file, "cgroup.procs"):
        Path(path, name).unlink()  # a real group has no files to delete
    assert cgroup.remove(path) and not Path(path).exists()


def test_memory_group_rejects_unknown_versions_and_empty_caps(tmp_path):
    with pytest.raises(ValueError, match="version"):
        cgroup.create("v3", str(tmp_path), "g", 1)
    with pytest.raises(ValueError, match="limit_bytes"):
        cgroup.create("v2", str(tmp_path), "g", 0)
    assert not (tmp_path / "g").exists()


def test_harden_course_removes_group_and_other_access(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    assert sandbox.harden_course([folder, tmp_path / "missing"]) == [
        f"{folder}: 0o755 -> 0o700"]
    assert sandbox.harden_course([folder]) == []


# ------------------------------------------------------------------------- config


def test_nbgrader_config_of_the_course(tmp_path):
    from nbgrader.preprocessors import ClearHiddenTests, Execute

    from aimed.grading.preprocessors import GuardedExecute

    c = nbgrader_config(tmp_path, limits=sandbox.Limits(cell_timeout=42), slot=3)
    assert c.CourseDirectory.root == str(tmp_path)
    assert c.CourseDirectory.db_url == f"sqlite:///{tmp_path / 'gradebook.db'}"
    assert c.Execute.timeout == 42
    assert c.IgnorePattern.enabled and c.IgnorePattern.pattern == WARNING_PATTERN
    assert c.OverwriteCells.add_missing_cells is True
    assert c.NbGrader.logfile == str(tmp_path / "logs" / "nbgrader.log")
    assert GuardedExecute in c.Autograde.autograde_preprocessors
    assert Execute not in c.Autograde.autograde_preprocessors
    assert ClearHiddenTests in c.GenerateFeedback.preprocessors
    assert "nbgrader" in c.ClearMetadataPreprocessor.preserve_cell_metadata_mask
    assert c.SandboxKernelManager.slot == 3
    plain = nbgrader_config(tmp_path, sandbox=False)
    assert "autograde_preprocessors" not in plain.Autograde


def test_db_url_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AIMED_DB_URL", "postgresql://grader@db/course")
    assert nbgrader_config(tmp_path).CourseDirectory.db_url == "postgresql://grader@db/course"


def test_warning_pattern_drops_warnings_not_errors():
    import re

    assert re.search(WARNING_PATTERN, "/x.py:3: FutureWarning: use y instead")
    assert re.search(WARNING_PATTERN, "UserWarning: something")
    assert not re.search(WARNING_PATTERN, "Traceback (most recent call last):")


# ------------------------------------------------------------------------- lint rules


def _lint_cells(tmp_path, graded_cells):
    cells = [new_markdown_cell("# T\n\n**Learning objectives.** By the end you can:\n- Do a.\n"
                               "- Do b.\n- Do c.\n\n**Estimated time:** 5 min\n"
                               "**Prerequisites:** none\n**In the course:** [M](x.md)"),
             new_code_cell("from aimed import plotting\nplotting.use_style()"),
             *graded_cells,
             new_markdown_cell("## Summary\n\nx"), new_markdown_cell("## Going further\n\nx"),
             new_markdown_cell("## Reflection\n\nx")]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3",
                                                            "display_name": "Python 3"}})
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    return {v.rule for v in lint.check_course([path])}


def test_release_rules_hidden_tests_and_mark_scheme(tmp_path):
    answer = _nbg(new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n"
                                "    ### END SOLUTION"), solution=True, grade_id="a")
    visible = "from aimed import feedback as fb\nfb.assert_number(f(), 1.0)"
    hidden = visible + "\n### BEGIN HIDDEN TESTS\nfb.assert_number(f(), 1.0)\n" \
                       "### END HIDDEN TESTS"
    tests = _nbg(new_code_cell(hidden), grade=True, locked=True, points=1, grade_id="a_t")
    written = _nbg(new_markdown_cell("Model answer."), solution=True, grade=True, points=2,
                   grade_id="w")
    scheme = _nbg(new_markdown_cell("**Mark scheme**\n- 0: ..."), locked=True,
                  grade_id="w_scheme")
    assert _lint_cells(tmp_path, [answer, tests, written, scheme]) == set()
    no_hidden = _nbg(new_code_cell(visible), grade=True, locked=True, points=1,
                     grade_id="a_t")
    assert _lint_cells(tmp_path, [answer, no_hidden, written, scheme]) == {"test-hidden"}
    assert _lint_cells(tmp_path, [answer, tests, written]) == {"mark-scheme"}
    unlocked = _nbg(new_markdown_cell("**Mark scheme**\n- 0: ..."), grade_id="w_scheme")
    assert _lint_cells(tmp_path, [answer, tests, written, unlocked]) == {"mark-scheme"}


# ------------------------------------------------------------------------- merge, reports


@pytest.fixture
def course(tmp_path):
    """A course gradebook with one assignment: a test cell (2 points), a written answer."""
    from nbgrader.api import Gradebook

    from aimed.grading.config import ensure_tools_on_path

    ensure_tools_on_path()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "aimed") as gb:
        gb.add_assignment("m0")
        gb.add_notebook("nb", "m0")
        gb.add_grade_cell("t1", "nb", "m0", max_score=2, cell_type="code")
        gb.add_grade_cell("w1", "nb", "m0", max_score=3, cell_type="markdown")
        gb.add_solution_cell("w1", "nb", "m0")
        gb.add_source_cell("t1", "nb", "m0", cell_type="code", locked=True, source="x",
                           checksum="abc")
        gb.add_source_cell("w1", "nb", "m0", cell_type="markdown", locked=False, source="y",
                           checksum="def")
    return tmp_path, url


def _result(student, auto, status="graded"):
    return {"student": student, "assignment": "m0", "digest": f"d-{student}-{auto}",
            "timestamp": "2025-01-31T12:00:00", "flags": [], "failures": [], "error": None,
            "notebooks": {"nb": {"status": status, "autograded": None, "feedback": None,
                                 "grades": {"t1": {"auto_score": auto, "max_score": 2,
                                                   "cell_type": "code"},
                                            "w1": {"auto_score": None, "max_score": 3,
                                                   "cell_type": "markdown"}},
                                 "comments": {"w1": None}, "execute_seconds": 1.0}},
            "timings": {"total": 1.0}}


def _rows(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0], \
            db.execute("SELECT COUNT(*) FROM grade").fetchone()[0]


def test_merge_is_idempotent_and_keeps_manual_scores(course):
    from nbgrader.api import Gradebook

    folder, url = course
    merge.merge_result(_result("ana", 2.0), course=folder, db_url=url)
    merge.merge_result(_result("ana", 2.0), course=folder, db_url=url)
    merge.merge_result(_result("ben", 0.0), course=folder, db_url=url)
    assert _rows(folder / "gradebook.db") == (2, 4)
    with Gradebook(url, "aimed") as gb:
        grade = gb.find_grade("w1", "nb", "m0", "ana")
        grade.manual_score = 2.5
        gb.db.commit()
    merge.merge_result(_result("ana", 0.0), course=folder, db_url=url)
    with Gradebook(url, "aimed") as gb:
        sub = gb.find_submission("m0", "ana")
        assert sub.score == 2.5  # the test now fails (0) and the manual score stays
        assert gb.find_grade("w1", "nb", "m0", "ana").needs_manual_grade is True
    missing = _result("cat", 2.0, status="missing")
    merge.merge_result(missing, course=folder, db_url=url)
    with Gradebook(url, "aimed") as gb:
        assert gb.find_submission("m0", "cat").score == 0.0


def test_template_holds_definitions_only(course, tmp_path):
    folder, url = course
    merge.merge_result(_result("ana", 2.0), course=folder, db_url=url)
    template = tmp_path / "template.db"
    assert merge.build_template(url, ["m0"], template) == {"m0": ["nb"]}
    with sqlite3.connect(template) as db:
        assert db.execute("SELECT COUNT(*) FROM student").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM grade_cells").fetchone()[0] == 2
        assert db.execute("SELECT checksum FROM source_cell ORDER BY checksum").fetchall() == [
            ("abc",), ("def",)]
    assert merge.fingerprint(url, "m0") == merge.fingerprint(f"sqlite:///{template}", "m0")


def test_digest_changes_with_content_and_ignores_checkpoints(tmp_path):
    folder = tmp_path / "sub"
    (folder / ".ipynb_checkpoints").mkdir(parents=True)
    (folder / "nb.ipynb").write_text("a")
    first = merge.submission_digest(folder, "m0")
    (folder / ".ipynb_checkpoints" / "nb-checkpoint.ipynb").write_text("zzz")
    assert merge.submission_digest(folder, "m0") == first
    (folder / "nb.ipynb").write_text("b")
    assert merge.submission_digest(folder, "m0") != first
    assert merge.submission_digest(folder, "m0", "other limits") != merge.submission_digest(
        folder, "m0")


def test_journal_round_trip(tmp_path):
    journal = merge.Journal(tmp_path)
    result = _result("ana", 2.0)
    assert journal.get("m0", "ana", result["digest"]) is None
    journal.put(result)
    assert journal.get("m0", "ana", result["digest"]) == json.loads(json.dumps(result))
    assert journal.get("m0", "ana", "another digest") is None


def test_reports_have_one_row_per_student_and_assignment(course):
    from aimed.grading.grade import GradeRun

    folder, url = course
    results = [_result("ana", 2.0), _result("ben", 0.0)]
    results[1]["flags"] = [{"notebook": "nb", "grade_id": "t1", "reason": "static scan [x]"}]
    results[1]["failures"] = [{"notebook": "nb", "reason": "timeout: too slow"}]
    for result in results:
        merge.merge_result(result, course=folder, db_url=url)
    from nbgrader.api import Gradebook

    with Gradebook(url, "aimed") as gb:
        gb.add_student("dan")  # enrolled, never submitted
    run = GradeRun(course=folder, assignments=["m0"], results=results,
                   isolation=sandbox.Isolation("namespaces", True), graded=2)
    paths = report.write_reports(run, url)
    with paths["grades"].open() as handle:
        lines = handle.read().splitlines()
    assert lines[0] == ",".join(report.GRADE_COLUMNS)
    assert len(lines) == 4
    assert any(line.startswith("dan,m0,0.0,5.0") and "no submission" in line for line in lines)
    assert any(line.startswith("ana,m0,2.0,5.0,2.0,True,needs manual grading") for line in lines)
    flags = paths["flags"].read_text().splitlines()
    assert flags == [",".join(report.FLAG_COLUMNS), "ben,m0,nb,t1,static scan [x]"]
    page = paths["report"].read_text()
    assert page.count("data:image/png;base64,") == 2
    assert "timeout: too slow" in page and "Isolation mode" in page


# ------------------------------------------------------------------------- learner


def test_check_summary_in_english_and_french(monkeypatch):
    lines = [CheckLine("sensitivity()", "passed"),
             CheckLine("ppv()", "not_yet", "ppv() = 0.5 is too high.\nHint: prevalence."),
             CheckLine("q_written", "written_empty", "3")]
    monkeypatch.setenv("AIMED_LANG", "en")
    text = "\n".join(summary_lines("x.ipynb", lines))
    assert "✔ sensitivity(): these checks passed." in text
    assert "✗ ppv(): not yet.\n    ppv() = 0.5 is too high." in text
    assert "1 of 2 questions pass their visible checks." in text
    assert "hidden checks" in text
    monkeypatch.setenv("AIMED_LANG", "fr")
    text = "\n".join(summary_lines("x.ipynb", lines))
    assert "1 question(s) sur 2 réussissent" in text and "encore vide (3 points)" in text


def test_check_rejects_bad_input(tmp_path):
    from aimed.grading.learner import check_notebook

    with pytest.raises(ValueError, match="timeout"):
        check_notebook(tmp_path / "x.ipynb", timeout=0)
    bad = tmp_path / "bad.ipynb"
    bad.write_text("nope")
    with pytest.raises(ValueError, match="cannot be read"):
        check_notebook(bad)


def test_locale_files_exist_for_grading():
    root = Path(__file__).resolve().parents[1] / "src" / "aimed" / "locales"
    english = json.loads((root / "en" / "grading.json").read_text())
    french = json.loads((root / "fr" / "grading.json").read_text())
    assert set(english) == set(french)


# ------------------------------------------------------------------------- guard helpers


def test_guard_restores_namespaces_classes_and_lists_in_place():
    from aimed.grading import guard

    restored: list[str] = []
    namespace = {"isclose": "original", "pi": 3.14, "_": "last result"}
    saved = dict(namespace)
    namespace.update(isclose="patched", _="another result", extra=1)
    guard._restore_namespace("math", namespace, saved, set(), restored)
    assert namespace["isclose"] == "original" and restored == ["math.isclose was rebound"]

    class Table:
        def equals(self, other):
            return False

    snapshot = dict(vars(Table))
    Table.equals = lambda self, other: True
    Table.__eq__ = lambda self, other: True
    restored.clear()
    guard._restore_class(Table, snapshot, restored)
    assert Table().equals(Table()) is False
    assert Table() != Table()
    assert any("Table.equals was rebound" in r for r in restored)
    assert any("Table.__eq__ was added" in r for r in restored)

    hooks = ["trusted"]
    keep = hooks  # a read-only property would hand out this very list
    hooks.append("student transformer")
    restored.clear()
    guard._restore_list("IPython input_transformers_cleanup", hooks, ["trusted"], restored)
    assert keep == ["trusted"] and restored == [
        "IPython input_transformers_cleanup was modified"]


def test_guard_without_snapshot_says_so():
    from aimed.grading import guard

    assert guard._state is None
    assert guard.protect("n") == {
        "nonce": "n", "restored": ["the grading kernel was started without its trusted snapshot"]}


def test_package_names_are_the_functions_even_after_submodule_imports():
    import importlib
    import subprocess
    import sys

    code = ("import aimed.grading.release, aimed.grading.grade\n"
            "from aimed.grading import release, grade\n"
            "assert callable(release) and callable(grade), (release, grade)\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    lazy = subprocess.run([sys.executable, "-c", "import sys, aimed.grading.jail\n"
                           "print('jupyter_client' in sys.modules, 'nbgrader' in sys.modules)"],
                          check=True, capture_output=True, text=True)
    assert lazy.stdout.split() == ["False", "False"]  # the jail starts without them
    assert callable(importlib.import_module("aimed.grading").release)
