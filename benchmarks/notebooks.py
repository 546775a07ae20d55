"""Time every notebook from kernel start to the last cell, against the 30 s budget.

Usage::

    .venv/bin/python benchmarks/notebooks.py [NOTEBOOK ...] [--budget 30] [--repeat 1]
                                             [--csv artifacts/notebook-times.csv]

Each notebook runs top to bottom in a fresh ``python3`` kernel, from its own folder,
exactly as a learner would run it. The wall time includes starting the kernel. Exit
status 1 means a notebook failed or exceeded the budget.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run_once(path: Path, timeout: int) -> float:
    """Execute one notebook in a fresh kernel and return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per notebook")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook (median kept)")
    parser.add_argument("--timeout", type=int, default=300, help="per-cell timeout, s")
    parser.add_argument("--csv", type=Path, help="also write the results to this CSV file")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(ROOT.glob("notebooks/m*/*.ipynb")) + sorted(
        ROOT.glob("exercises/m*/*.ipynb"))
    rows, failed = [], False
    print(f"{'notebook':70s} {'median s':>9s}  status")
    for path in paths:
        try:
            times = [run_once(path.resolve(), args.timeout) for _ in range(args.repeat)]
            seconds = statistics.median(times)
            status = "ok" if seconds <= args.budget else f"OVER {args.budget:g} s"
        except Exception as exc:  # noqa: BLE001 - report every notebook, then fail
            seconds, status = float("nan"), f"ERROR {type(exc).__name__}"
        failed |= status != "ok"
        label = str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) \
            else str(path)
        print(f"{label:70s} {seconds:9.1f}  {status}", flush=True)
        rows.append({"notebook": label, "seconds": round(seconds, 2), "status": status})
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["notebook", "seconds", "status"])
            writer.writeheader()
            writer.writerows(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
