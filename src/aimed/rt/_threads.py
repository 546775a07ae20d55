"""Run small numerical kernels on one thread.

The matrix products of the optimiser and the trees of the contouring model are small:
on a machine shared by several users, extra BLAS or OpenMP threads mostly wait for each
other. threadpoolctl (installed with scikit-learn) limits them; its controller scans the
loaded libraries once per session.
"""

from __future__ import annotations

import contextlib

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
    ThreadpoolController = None  # type: ignore[assignment,misc]

__all__ = ["one_thread"]

_CONTROLLER = None


def one_thread(api: str):
    """Context in which the thread pools of ``api`` (``"blas"`` or ``"openmp"``) use 1 thread."""
    global _CONTROLLER
    if ThreadpoolController is None:  # pragma: no cover - defensive
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api=api)
