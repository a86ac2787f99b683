#!/usr/bin/env python3
"""The "Feature drift, measured" table of docs/head-calibration.md from `cltool eval RUN --drift` outputs.

Each input is one run's output saved as DATA-METHOD-SEED.txt (docs/results/drift/); rows group the seeds of one data
and method: the accuracy eval printed (the run's own head), the mean drift over all classes, task 1's drift, the mean
cosine over the tasks before the last, and each seed's drift / accuracy.
Usage: tools/analysis/drift-table.py [FOLDER]
"""
import glob
import os
import re
import statistics
import sys

ORDER = ["sdlora", "sdlora-rr", "sdlora-kd", "seq-lora", "clora", "full-ft"]
NAMES = {"fmnist": "Fashion-MNIST", "glyphs-short": "glyph proxy"}


def read(path):
    full = open(path, encoding="utf-8").read()
    drift = full.split("class-mean drift")[1]
    cosines = [float(c) for c in re.findall(r"│ task \d+\s+│\s+[0-9.]+ │\s+[0-9.]+ │\s+([0-9.]+) │", drift)]
    return {
        "acc": float(re.search(r"accuracy after task \d+ on its \d+ classes: ([0-9.]+) %", full).group(1)),
        "drift": float(re.search(r"mean relative drift over the \d+ classes: ([0-9.]+)", drift).group(1)),
        "first": float(re.search(r"│ task 1\s+│\s+([0-9.]+) │", drift).group(1)),
        "cosine": statistics.mean(cosines[:-1]),
    }


def spread(values, digits):
    if len(values) == 1:
        return f"{values[0]:.{digits}f} (1 seed)"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def main(folder):
    groups = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.txt"))):
        data, method, seed = re.match(r"(fmnist|glyphs-short)-(.+)-(\d+)\.txt$", os.path.basename(path)).groups()
        groups.setdefault((data, method), []).append((seed, read(path)))
    print("| data | method | Acc (last), eval | mean drift, all classes | drift of task 1's classes | cos(μ_now, μ_then), older tasks | per seed: drift / Acc |")
    print("|---|---|---|---|---|---|---|")
    for data, method in sorted(groups, key=lambda k: (k[0] != "fmnist", ORDER.index(k[1]) if k[1] in ORDER else 99)):
        runs = groups[(data, method)]
        seeds = ", ".join(f"{seed}: {run['drift']:.3f} / {run['acc']:.2f}" for seed, run in runs)
        print(f"| {NAMES.get(data, data)} | {method} | {spread([r['acc'] for _, r in runs], 2)} | {spread([r['drift'] for _, r in runs], 4)} | "
              f"{spread([r['first'] for _, r in runs], 4)} | {statistics.mean(r['cosine'] for _, r in runs):.4f} | {seeds} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/results/drift")
