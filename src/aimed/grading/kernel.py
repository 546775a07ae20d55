"""The grading kernel: ipykernel, started by a trusted bootstrap.

``python -m aimed.grading.kernel -f CONNECTION_FILE`` imports the modules that tests
rely on, lets :mod:`aimed.grading.guard` take a snapshot of them and of the IPython
shell *before any student code runs*, then serves the notebook like ``ipykernel``.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Start the kernel (never returns while the kernel runs)."""
    from ipykernel.kernelapp import IPKernelApp

    from aimed.grading import guard

    app = IPKernelApp.instance()
    app.initialize([*sys.argv[1:], "--quiet"])
    guard.install(app)
    app.start()


if __name__ == "__main__":  # pragma: no cover - run as a program
    main()
