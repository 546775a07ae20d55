"""nbgrader preprocessors of the aimed course (used through configuration only).

:class:`GuardedExecute` replaces nbgrader's ``Execute`` in the autograde pipeline
(``Autograde.autograde_preprocessors``). It executes the notebook like ``Execute``
(same timeouts, errors recorded in the cells), in a kernel started by
:class:`aimed.grading.sandbox.SandboxKernelManager`, and adds:

* **a trusted snapshot** before the first cell and **trusted helpers** before every
  test cell (:mod:`aimed.grading.guard`, reached through ``user_expressions`` so that
  input transformers and ``run_cell`` hijacks cannot intercept it);
* **an attestation check** after every test cell that uses ``fb.checks``: the cell
  earns its points only if the trusted ``checks`` reported success with this cell's
  one-time nonce; otherwise an error is added to the cell, so it scores 0;
* **a canary** after the last test cell: a check that must fail. If it passes, the
  kernel's checks have been neutralised and the submission is flagged (each test
  cell's own attestation already refuses points to checks that did not run);
* **local failures**: a kernel that dies, or a notebook that exceeds its wall-time
  budget, ends that notebook only; the cells that could not run get an error output
  that says why, and grading goes on.

A submission made in the French edition is graded through its English cells
(:func:`aimed.grading.worker` maps it with :func:`aimed.translate.to_english` and marks
``aimed.submitted_language``); :class:`GuardedExecute` then starts its kernel with
``AIMED_LANG=fr`` so that the checks speak French, and :class:`FrenchFeedback`, in the
feedback pipeline, gives the learner back the French prose.

Everything noteworthy is recorded in the notebook's metadata under
``aimed.events`` (kind, grade_id, cell, detail); :mod:`aimed.grading.worker` turns
events into flags and failures.
"""

from __future__ import annotations

import ast
import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jinja2
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import DeadKernelError
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from aimed.grading.guard import ATTEST_MIME

__all__ = ["EVENT_KINDS", "FeedbackHTMLExporter", "GuardedExecute", "is_test_cell"]

#: Event kinds recorded in ``nb.metadata.aimed.events``; the value says whether the
#: event is a failure (something did not run) rather than a flag for review only.
EVENT_KINDS = {
    "guard-restored": False,
    "guard-missing": False,
    "no-attestation": False,
    "canary-passed": False,
    "timeout": True,
    "memory-limit": True,
    "kernel-died": True,
    "notebook-timeout": True,
    "kernel-start-failed": True,
}

_GUARD = "__import__('aimed.grading.guard', fromlist=['guard'])"


def is_test_cell(cell: NotebookNode) -> bool:
    """An nbgrader autograder-test cell (graded code, not an answer)."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def _uses_checks(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "checks(" in source
    return any(isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Attribute) and node.func.attr == "checks")
        or (isinstance(node.func, ast.Name) and node.func.id == "checks"))
        for node in ast.walk(tree))


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


class GuardedExecute(Execute):
    """nbgrader's ``Execute`` with trusted helpers, attestation, canary and watchdog."""

    guard = Bool(True, help="Restore trusted helpers before each test cell").tag(config=True)
    canary = Bool(True, help="Run a must-fail check after the last test cell").tag(config=True)
    attest = Bool(True, help="Test cells using fb.checks must attest success").tag(
        config=True)
    notebook_timeout = Integer(600, help="Wall time of the whole notebook, s").tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from aimed.grading.sandbox import SandboxKernelManager

        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(*args, **kwargs)

    # ------------------------------------------------------------------ bookkeeping

    def _event(self, kind: str, cell: NotebookNode | None, index: int | None,
               detail: str) -> None:
        grade_id = None
        if cell is not None:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        self._aimed_events.append({"kind": kind, "grade_id": grade_id, "cell": index,
                                   "detail": detail})

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        with _kernel_language(submitted_language(nb)):
            return self._preprocess(nb, resources, km)

    def _preprocess(self, nb: NotebookNode, resources: Any, km: Any):
        self._aimed_events: list[dict] = []
        self._aimed_dead: str | None = None
        self._aimed_snapshot = False
        self._aimed_last_test = max((i for i, c in enumerate(nb.cells) if is_test_cell(c)),
                                    default=-1)
        self._aimed_started = time.monotonic()
        self._aimed_timer = threading.Timer(self.notebook_timeout, self._on_watchdog)
        self._aimed_timer.daemon = True
        self._aimed_watchdog_fired = False
        self._aimed_timer.start()
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except Exception as exc:  # noqa: BLE001 - the kernel could not start or vanished
            if self.code_cells_executed == 0 and not self._aimed_dead:
                reason = f"the kernel could not start: {type(exc).__name__}: {exc}"
                self._event("kernel-start-failed", None, None, reason)
                self._aimed_dead = reason
                for index, cell in enumerate(nb.cells):
                    self._mark_not_run(cell, index)
            else:
                self._event("kernel-died", None, None, f"{type(exc).__name__}: {exc}")
        finally:
            self._aimed_timer.cancel()
        meta = nb.metadata.setdefault("aimed", {})
        meta["events"] = self._aimed_events
        meta["execute_seconds"] = round(time.monotonic() - self._aimed_started, 3)
        return nb, resources

    def _on_watchdog(self) -> None:
        """Kill the kernel when the notebook exceeds its wall-time budget."""
        self._aimed_watchdog_fired = True
        provisioner = getattr(getattr(self, "km", None), "provisioner", None)
        pid = getattr(getattr(provisioner, "process", None), "pid", None)
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def _mark_not_run(self, cell: NotebookNode, index: int) -> None:
        if cell.cell_type != "code":
            return
        cell.outputs = [_error_output("NotRun", f"this cell was not run: {self._aimed_dead}")]

    # ------------------------------------------------------------------ guard

    async def _async_user_expression(self, expression: str) -> Any:
        """Evaluate one expression through ``user_expressions``; None if it failed."""
        msg_id = await ensure_async(self.kc.execute(
            "", silent=True, store_history=False, user_expressions={"aimed": expression},
            stop_on_error=False))
        reply = await self.async_wait_for_reply(msg_id)
        if not reply or reply["content"].get("status") != "ok":
            return None
        result = reply["content"].get("user_expressions", {}).get("aimed", {})
        if result.get("status") != "ok":
            return None
        try:
            return ast.literal_eval(result.get("data", {}).get("text/plain", ""))
        except (ValueError, SyntaxError):
            return None

    _user_expression = run_sync(_async_user_expression)

    def _take_snapshot(self) -> None:
        self._aimed_snapshot = True
        if self._user_expression(f"{_GUARD}.snapshot()") is not True:
            self._event("guard-missing", None, None,
                        "the trusted snapshot could not be taken before the first cell")

    def _protect(self, cell: NotebookNode, index: int) -> str:
        nonce = secrets.token_hex(12)
        report = self._user_expression(f"{_GUARD}.protect({nonce!r})")
        if not isinstance(report, dict) or report.get("nonce") != nonce:
            self._event("guard-missing", cell, index,
                        "the trusted helpers could not be re-established before this test")
        elif report.get("restored"):
            restored = "; ".join(str(r) for r in report["restored"])
            self._event("guard-restored", cell, index,
                        f"student code had tampered with the grading kernel: {restored}")
        return nonce

    def _check_attestation(self, cell: NotebookNode, index: int, nonce: str) -> None:
        attests = [o for o in cell.outputs if o.get("output_type") == "display_data"
                   and ATTEST_MIME in o.get("data", {})]
        cell.outputs = [o for o in cell.outputs if o not in attests]
        if not self.attest or not _uses_checks(cell.source):
            return
        if any(o.get("output_type") == "error" for o in cell.outputs):
            return
        genuine = [o for o in attests if o["data"][ATTEST_MIME].get("nonce") == nonce]
        if not genuine:
            self._event("no-attestation", cell, index,
                        "the test cell ended without error but its trusted checks never "
                        "reported success; it earns no points")
            cell.outputs.append(_error_output(
                "GradingIntegrityError",
                "the checks of this cell did not run, so it earns no points"))

    def _run_canary(self, cell: NotebookNode, index: int) -> None:
        a = round(secrets.randbelow(9000) / 100 + 1, 2)
        b = round(a + 1 + secrets.randbelow(500) / 100, 2)
        name = f"value_{secrets.token_hex(3)}"
        source = ("from aimed import feedback as fb\n\n"
                  f"with fb.checks({name + '()'!r}):\n"
                  f"    fb.assert_number({a!r}, {b!r}, name={name!r})\n")
        probe = NotebookNode(cell_type="code", source=source, metadata={}, outputs=[],
                             execution_count=None)
        self.execute_cell(probe, index, store_history=False)
        self.nb.cells[index] = cell  # nbclient stores the executed cell at that index
        if not any(o.get("output_type") == "error" for o in probe.outputs):
            self._event("canary-passed", cell, index,
                        "a check that must fail passed after the last test: the "
                        "kernel's checks were neutralised")

    # ------------------------------------------------------------------ cells

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        self._check_assign_resources(resources)
        if cell.cell_type != "code":
            return cell, self.resources
        if self._aimed_dead:
            self._mark_not_run(cell, index)
            return cell, self.resources
        test = is_test_cell(cell)
        try:
            if self.guard and not self._aimed_snapshot:
                self._take_snapshot()
            nonce = self._protect(cell, index) if (test and self.guard) else ""
            cell = self.execute_cell(cell, index, store_history=True)
            errors = {o.get("ename") for o in cell.outputs if o.get("output_type") == "error"}
            if "CellTimeoutError" in errors:
                self._event("timeout", cell, index,
                            f"the cell ran longer than {self.timeout} s and was interrupted")
            if "MemoryError" in errors:
                self._event("memory-limit", cell, index,
                            "the cell ran out of memory (the kernel's address-space limit)")
            if test:
                self._check_attestation(cell, index, nonce)
                if self.canary and index == self._aimed_last_test:
                    self._run_canary(cell, index)
        except DeadKernelError as exc:
            self._on_dead_kernel(cell, index, exc)
        return cell, self.resources

    def _on_dead_kernel(self, cell: NotebookNode, index: int, exc: Exception) -> None:
        if self._aimed_watchdog_fired:
            kind = "notebook-timeout"
            reason = (f"the notebook ran longer than {self.notebook_timeout} s and its "
                      "kernel was stopped")
        else:
            kind = "kernel-died"
            reason = ("the kernel died (it may have run out of memory or CPU time, or "
                      "the code ended the process)")
        self._event(kind, cell, index, f"{reason} [{type(exc).__name__}]")
        self._aimed_dead = reason
        cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
        cell.outputs.append(_error_output("DeadKernelError", reason))



class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled Jinja templates, shared by every exporter of this process."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Any) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Any) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _MemoryBytecodeCache()


def submitted_language(nb: NotebookNode) -> str | None:
    """The language of the edition a submission was made in (None: English)."""
    return (nb.metadata.get("aimed", {}) or {}).get("submitted_language")


@contextmanager
def _kernel_language(lang: str | None) -> Iterator[None]:
    """Set ``AIMED_LANG`` for the kernel about to start (the jail passes it on)."""
    if lang is None:
        yield
        return
    before = os.environ.get("AIMED_LANG")
    os.environ["AIMED_LANG"] = lang
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("AIMED_LANG", None)
        else:
            os.environ["AIMED_LANG"] = before


class FrenchFeedback(Preprocessor):
    """Feedback of a French submission in French (``GenerateFeedback.preprocessors``).

    The submission was graded through its English cells; this gives the lesson prose,
    questions and mark schemes back their French from the notebook's catalogue
    (``<catalogues>/<assignment>/<notebook>.po``). English submissions pass unchanged.
    """

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(
        config=True)
    catalogues = Unicode("", help="Folder of the exercises' French catalogues "
                         "(translations/fr/exercises)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any):
        from pathlib import Path

        from aimed import translate

        if submitted_language(nb) != translate.LANG or not self.catalogues:
            return nb, resources
        info = (resources or {}).get("nbgrader", {})
        po_path = Path(self.catalogues) / str(info.get("assignment", "")) / \
            f"{info.get('notebook', '')}.po"
        if not po_path.is_file():
            return nb, resources
        french = translate.build_french(nb, po_path)
        return french, resources


class FeedbackHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter, compiling the feedback templates once per process.

    nbgrader creates a new exporter for every feedback file; with this class (set as
    ``GenerateFeedback.exporter_class``) the Jinja templates are compiled once per
    grading worker instead of once per notebook.
    """

    def _create_environment(self) -> Any:
        environment = super()._create_environment()
        environment.bytecode_cache = _BYTECODE
        return environment
