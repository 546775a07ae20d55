"""Time aimed.icu.harmonise on about one million raw rows, against a naive row-by-row loop.

Usage::

    .venv/bin/python benchmarks/icu.py [--rows 1000000] [--naive-rows 50000] [--repeat 3]

The million rows are hospital A's shipped export (long layout, string times, a unit column,
about 187 000 rows) and hospital C's (text values, GCS labels), each replicated with new
stay ids. The naive implementation does the same work one row at a time in Python (look up
the mapping, parse the time and the value, convert the unit, check the bounds, skip
duplicates); it is timed on a slice and its rate is compared per row. Budget: 3 s for one
million rows on 2 cores. Wall time is inflated when other jobs share the cores; the CPU
time of this process is printed beside it.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

from aimed import data, icu
from aimed.icu.units import conversion


def replicate(raw: pd.DataFrame, id_column: str, rows: int) -> pd.DataFrame:
    """Stack copies of an export with shifted stay ids until it has ``rows`` rows."""
    copies = -(-rows // len(raw))
    big = pd.concat([raw.assign(**{id_column: raw[id_column] + k * 10**6})
                     for k in range(copies)], ignore_index=True)
    return big.iloc[:rows].reset_index(drop=True)


def naive_harmonise(raw: pd.DataFrame, site: str) -> list[tuple]:
    """The same steps as harmonise(), one Python iteration per row (for comparison only)."""
    mapping = icu.site_mapping(site)
    cols, items = mapping["columns"], mapping["items"]
    out, seen = [], set()
    for row in raw.itertuples(index=False):
        rec = row._asdict()
        entry = items.get(str(rec[cols["item"]]).strip())
        if entry is None:
            continue
        stamp = pd.to_datetime(rec[cols["time"]], format=mapping.get("time_format"),
                               errors="coerce")
        text = str(rec[cols["value"]]).strip()
        table = entry.get("values", {})
        try:
            value = float(table[text]) if text in table else float(text)
        except ValueError:
            continue
        unit = rec.get(cols.get("unit")) or entry.get("unit")
        c = icu.concept(entry["concept"])
        try:
            scale, offset = conversion(unit, c.unit, c.name)
        except icu.UnitError:
            continue
        value = value * scale + offset
        key = (rec[cols["stay_id"]], stamp, c.name, value)
        if key in seen or not (c.low <= value <= c.high):
            continue
        seen.add(key)
        out.append(key)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    exports = {"A": ("icu-hospital-a", "stay_id"), "C": ("icu-hospital-c", "opname_id")}
    print(f"{'site':5s} {'rows':>9s} {'harmonise s':>12s} {'cpu s':>6s} {'rows/s':>11s} "
          f"{'naive rows/s':>13s} {'speed-up':>9s}")
    worst = 0.0
    for site, (name, id_column) in exports.items():
        raw = data.load(name).raw
        big = replicate(raw, id_column, args.rows)
        times, cpu = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            icu.harmonise(big, site)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        seconds = statistics.median(times)
        worst = max(worst, seconds)
        sample = big.iloc[:args.naive_rows]
        start = time.perf_counter()
        naive_harmonise(sample, site)
        naive_rate = len(sample) / (time.perf_counter() - start)
        rate = len(big) / seconds
        print(f"{site:5s} {len(big):9d} {seconds:12.2f} {statistics.median(cpu):6.2f} "
              f"{rate:11.0f} {naive_rate:13.0f} "
              f"{rate / naive_rate:8.0f}x", flush=True)
    print(f"worst: {worst:.2f} s for {args.rows} rows (budget 3 s): "
          f"{'ok' if worst < 3 else 'OVER BUDGET'}")
    return 0 if worst < 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
