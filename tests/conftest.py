"""Shared pytest configuration.

Besides fixtures, this adds one dynamic house rule to nbval runs: a notebook cell that
actually rendered a figure must be followed by a Markdown caption (the static check in
``aimed.lint`` can only guess which cells draw).
"""

from __future__ import annotations

import pytest


def _renders_figure(outputs: list) -> bool:
    return any("image/png" in (out.get("data") or {}) or "image/svg+xml" in (out.get("data") or {})
               for out in outputs or [])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or report.failed or not hasattr(item, "test_outputs"):
        return
    if not _renders_figure(item.test_outputs):
        return
    cells = item.parent.nb.cells
    index = next(i for i, cell in enumerate(cells) if cell is item.cell)
    following = cells[index + 1] if index + 1 < len(cells) else None
    if following is None or following.cell_type != "markdown" or not following.source.strip():
        report.outcome = "failed"
        report.longrepr = (f"[figure-caption] {item.fspath}: code cell {index} rendered a figure "
                           "but no Markdown caption follows it")
