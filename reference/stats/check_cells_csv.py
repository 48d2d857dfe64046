#!/usr/bin/python3
"""Checks that results/<exp>/cells.csv loads with pandas.read_csv as is and that its means over
seeds equal the means shown in results/<exp>/report.md's main tables (at the shown 3 decimals).

Usage, from the repository root: /usr/bin/python3 reference/stats/check_cells_csv.py main [more experiments]
Exits 1 on the first experiment with a mismatch.
"""
import re
import sys

import pandas


def report_means(path):
    """Yields (dataset, k, group, metric, method, mean) from the '### <ds>[, <group>] (k = K)' tables."""
    title = re.compile(r"^### (\S+?)(?:, (overall|anchor|tail))? \(k = (\S+)\)$")
    ds = group = k = None
    header = None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = title.match(line)
        if m:
            ds, group, k, header = m.group(1), m.group(2), m.group(3), None
            continue
        if ds is None or not line.startswith("|"):
            if not line.strip():
                continue
            ds = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(cells[0]) <= set(":-"):
            continue
        method = cells[0].replace("\\|", "|")
        for col, text in zip(header[1:], cells[1:]):
            g, metric = (group, col) if group else col.split(" ", 1)
            text = text.strip("*")
            if text == "-":
                yield ds, k, g, metric, method, None
            else:
                yield ds, k, g, metric, method, float(text.split(" ")[0])


def check(exp):
    df = pandas.read_csv(f"results/{exp}/cells.csv")
    df["k"] = df["k"].astype(str)
    means = df.groupby(["dataset", "k", "group", "metric", "method"])["value"].mean()
    n, bad = 0, 0
    for ds, k, g, metric, method, shown in report_means(f"results/{exp}/report.md"):
        key = (ds, k, g, metric, method)
        value = means.get(key)
        n += 1
        if shown is None:
            ok = value is None or pandas.isna(value)
        else:
            ok = value is not None and abs(round(value, 3) - shown) < 1e-9
        if not ok:
            bad += 1
            print(f"{exp}: {key}: report {shown}, cells.csv mean {value}")
    print(f"{exp}: {len(df)} rows read; {n} report means compared, {bad} differ")
    return bad == 0 and n > 0


if __name__ == "__main__":
    sys.exit(0 if all([check(e) for e in sys.argv[1:] or ["main"]]) else 1)
