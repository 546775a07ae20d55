"""Submissions for the grading round trips: reference, blank, attacks and failures.

Each builder takes the released student version of a notebook (what the learner
received), the source version (with solutions) and a context dict (paths that an
attacker could know or guess), and returns ``{file name: notebook or bytes}`` for the
submission folder. The attacks are written to succeed against plain nbgrader (see
``test_grading_attacks.py::test_attacks_fool_plain_nbgrader``), so that the sandboxed
pipeline is shown to stop real attacks, not straw men.
"""

from __future__ import annotations

import ast
import copy
import re

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_answer(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("solution"))


def _is_test(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not _MARKERS.match(line))


def _insert_after_setup(nb: NotebookNode, source: str) -> NotebookNode:
    nb = copy.deepcopy(nb)
    index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), 0) + 1
    nb.cells.insert(index, new_code_cell(source))
    return nb


def reference(release: NotebookNode, source: NotebookNode, ctx: dict) -> NotebookNode:
    """The student version with every answer filled in with the reference solution."""
    nb = copy.deepcopy(release)
    solutions = {_meta(c).get("grade_id"): c for c in source.cells if _is_answer(c)}
    for cell in nb.cells:
        if _is_answer(cell) and _meta(cell).get("grade_id") in solutions:
            cell.source = _strip_markers(solutions[_meta(cell)["grade_id"]].source)
    return nb


def blank(release: NotebookNode, source: NotebookNode, ctx: dict) -> NotebookNode:
    """The student version as released: nothing answered."""
    return copy.deepcopy(release)


# --------------------------------------------------------------------------- attacks


def transformer(release, source, ctx):
    """An IPython input transformer that empties every later cell containing a check."""
    return _insert_after_setup(release, """\
ip = get_ipython()


def _skip_checks(lines):
    text = "".join(lines)
    return [] if ("assert" in text or "fb." in text) else lines


ip.input_transformers_cleanup.append(_skip_checks)
""")


def _answer_names(source: NotebookNode) -> dict[str, list[str]]:
    out = {}
    for cell in source.cells:
        if not _is_answer(cell) or cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_strip_markers(cell.source))
        except SyntaxError:
            continue
        names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        names += [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                  if isinstance(t, ast.Name)]
        out[_meta(cell).get("grade_id")] = names
    return out


def always_equal(release, source, ctx):
    """Every answer returns an object that claims to equal anything."""
    nb = copy.deepcopy(release)
    names = _answer_names(source)
    header = """\
class _Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __float__(self):
        return 0.0

    def __array__(self, dtype=None, copy=None):
        import numpy
        return numpy.zeros(0)

    def __hash__(self):
        return 0


"""
    first = True
    for cell in nb.cells:
        if _is_answer(cell) and cell.cell_type == "code":
            body = []
            for name in names.get(_meta(cell).get("grade_id"), []):
                body.append(f"def {name}(*args, **kwargs):\n    return _Anything()\n")
            cell.source = (header if first else "") + "\n".join(body or ["pass"])
            first = False
    return nb


def monkeypatch(release, source, ctx):
    """Rebind the feedback helpers so that every check passes."""
    return _insert_after_setup(release, """\
import contextlib

from aimed import feedback as fb


def _ok(*args, **kwargs):
    return None


for _name in dir(fb):
    if _name.startswith("assert_"):
        setattr(fb, _name, _ok)


@contextlib.contextmanager
def _swallow(*args, **kwargs):
    try:
        yield
    except Exception:
        pass


fb.checks = _swallow
""")


def run_cell(release, source, ctx):
    """Hijack the shell's execution so that test cells run as ``pass``."""
    return _insert_after_setup(release, """\
ip = get_ipython()
_run_async, _run, _transform = ip.run_cell_async, ip.run_cell, ip.transform_cell


def _neutral(code):
    return "pass\\n" if ("fb." in code or "assert" in code) else code


async def _hijacked_async(raw_cell, *args, **kwargs):
    if "transformed_cell" in kwargs and kwargs["transformed_cell"] is not None:
        kwargs["transformed_cell"] = _neutral(kwargs["transformed_cell"])
    return await _run_async(_neutral(raw_cell), *args, **kwargs)


def _hijacked(raw_cell, *args, **kwargs):
    return _run(_neutral(raw_cell), *args, **kwargs)


ip.run_cell_async = _hijacked_async
ip.run_cell = _hijacked
ip.transform_cell = lambda code: _transform(_neutral(code))
""")


def read_source(release, source, ctx):
    """Find the instructor's source notebooks and run their solution cells."""
    return _insert_after_setup(release, f"""\
import glob
import json
import os

_paths = glob.glob("../../../source/*/*.ipynb")
_paths += glob.glob(os.path.join(os.environ.get("AIMED_COURSE_DIR", "/nonexistent"),
                                 "source", "*", "*.ipynb"))
_paths += glob.glob({ctx['course'] + '/source/*/*.ipynb'!r})
_paths += glob.glob({ctx['exercises'] + '/*/*.ipynb'!r})
for _path in _paths:
    try:
        with open(_path, encoding="utf-8") as _handle:
            _cells = json.load(_handle)["cells"]
    except (OSError, ValueError):
        continue
    for _cell in _cells:
        _src = "".join(_cell["source"]) if isinstance(_cell["source"], list) else _cell["source"]
        if _cell["cell_type"] == "code" and "BEGIN SOLUTION" in _src:
            try:
                exec(_src, globals())
            except Exception:
                pass
""")


def write_gradebook(release, source, ctx):
    """Give everyone full marks by writing manual scores into the gradebook."""
    return _insert_after_setup(release, f"""\
import glob
import os
import sqlite3

_dbs = ["../../../gradebook.db", {ctx['course'] + '/gradebook.db'!r}]
_dbs += [os.path.join(os.environ.get("AIMED_COURSE_DIR", "/nonexistent"), "gradebook.db")]
_dbs += glob.glob("../../../../*/course/gradebook.db")
for _db in _dbs:
    if not os.path.exists(_db):
        continue
    try:
        _con = sqlite3.connect(_db)
        _con.execute("UPDATE grade SET manual_score = "
                     "(SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)")
        _con.commit()
        _con.close()
    except sqlite3.Error:
        pass
for _other in glob.glob("../../../autograded/*/*/*.ipynb"):
    try:
        with open(_other, "w") as _handle:
            _handle.write("overwritten by another student")
    except OSError:
        pass
""")


def delete_tests(release, source, ctx):
    """Remove every test cell."""
    nb = copy.deepcopy(release)
    nb.cells = [c for c in nb.cells if not _is_test(c)]
    return nb


def edit_tests(release, source, ctx):
    """Keep the test cells (and their metadata) but make them do nothing."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if _is_test(cell):
            cell.source = "pass"
    return nb


def background_thread(release, source, ctx):
    """A thread that keeps re-applying the monkeypatch (outruns the trusted helpers)."""
    return _insert_after_setup(release, """\
import contextlib
import threading
import time

from aimed import feedback as fb


@contextlib.contextmanager
def _swallow(*args, **kwargs):
    try:
        yield
    except Exception:
        pass


def _keep_patching():
    while True:
        fb.checks = _swallow
        time.sleep(0.0005)


threading.Thread(target=_keep_patching, daemon=True).start()
""")


def os_exit(release, source, ctx):
    """End the kernel process from an answer."""
    return _insert_after_setup(release, "import os\n\nos._exit(0)\n")


# --------------------------------------------------------------------------- failures


def infinite_loop(release, source, ctx):
    """An answer that never returns."""
    return _insert_after_setup(release, "while True:\n    pass\n")


def memory_bomb(release, source, ctx):
    """An answer that allocates 6 GiB."""
    return _insert_after_setup(release, "hog = bytearray(6 * 1024**3)\nhog[::4096] = b'x' * "
                                        "len(hog[::4096])\n")


def fork_bomb(release, source, ctx):
    """An answer that starts processes until it cannot."""
    return _insert_after_setup(release, """\
import os
import time

_children = []
for _ in range(500):
    try:
        _pid = os.fork()
    except OSError:
        break
    if _pid == 0:
        time.sleep(600)
        os._exit(0)
    _children.append(_pid)
print(len(_children), "processes started")
""")


#: Attacks that must be flagged or earn nothing, for every assignment.
ATTACKS = {
    "atk-transformer": transformer,
    "atk-always-equal": always_equal,
    "atk-monkeypatch": monkeypatch,
    "atk-run-cell": run_cell,
    "atk-read-source": read_source,
    "atk-write-gradebook": write_gradebook,
    "atk-delete-tests": delete_tests,
    "atk-edit-tests": edit_tests,
    "atk-thread": background_thread,
}
#: Submissions that break in other ways (sample assignment only).
BREAKAGES = {
    "brk-os-exit": os_exit,
    "brk-loop": infinite_loop,
    "brk-memory": memory_bomb,
    "brk-fork": fork_bomb,
}


def write_submission(folder, files: dict) -> None:
    """Write ``{name: notebook or bytes}`` into a submission folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            nbformat.write(content, folder / name)
