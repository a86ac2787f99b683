#!/usr/bin/env python3
"""Folds run.sh's measurements (measure-*.json, torch.json, environment.txt) into gpu-results.json and gpu-results.md."""
import glob, json, os, sys

out, device = sys.argv[1], sys.argv[2]
models = {os.path.basename(p)[len("measure-"):-len(".json")]: json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "measure-*.json")))}
anchor = json.load(open(os.path.join(out, "torch.json")))
environment = open(os.path.join(out, "environment.txt")).read().strip().splitlines()
json.dump({"device": device, "environment": environment, "host": models, "torch": anchor}, open(os.path.join(out, "gpu-results.json"), "w"), indent=2)

lines = [f"# cltool-host on {device}", "", *[f"- {line}" for line in environment], "",
         "| model | batch-1 p50 ms | " + " | ".join(f"batch-{t['batch']} img/s" for t in next(iter(models.values()))["throughput"]) + " |",
         "|---|---|" + "---|" * len(next(iter(models.values()))["throughput"])]
for name, m in models.items():
    lines.append(f"| {name} | {m['batch1']['p50Ms']:.2f} | " + " | ".join(f"{t['imagesPerSecond']:.0f}" for t in m["throughput"]) + " |")
lines += ["", "| model | concurrency | requests/s | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
for name, m in models.items():
    for s in m["served"]:
        lines.append(f"| {name} | {s['concurrency']} | {s['requestsPerSecond']:.0f} | {s['p50Ms']:.1f} | {s['p99Ms']:.1f} | {s['errors']} |")
lines += ["", "PyTorch anchor (ViT-B/16, same machine):", ""]
if "skipped" in anchor:
    lines.append(f"- skipped: {anchor['skipped']}")
else:
    for mode in ("eager", "compiled"):
        a = anchor.get(mode, {})
        lines.append(f"- {mode}: " + (a["skipped"] if "skipped" in a else
                     f"batch-1 {a['batch1P50Ms']:.2f} ms; " + ", ".join(f"batch-{t['batch']} {t['imagesPerSecond']:.0f} img/s" for t in a["throughput"])))
open(os.path.join(out, "gpu-results.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
