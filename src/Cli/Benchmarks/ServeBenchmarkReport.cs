using System.Text;
using Cltool.Core.Reports;

namespace Cltool.Cli.Benchmarks;

/// <summary>The serving benchmark as a Markdown table with the two ratios the targets are about, and as a PNG.</summary>
public static class ServeBenchmarkReport
{
    public static string Markdown(IReadOnlyList<LoadResult> results, string model, int maxBatch, int maxDelayMs, int rounds, string cpuVerdict)
    {
        var text = new StringBuilder();
        text.AppendLine($"Infer requests of one image over loopback to the host serving {model} on the CPU, as KServe v2 JSON unless the mode says " +
                        $"binary (Triton's binary tensors on HTTP) or gRPC (raw tensors); batching on = up to {maxBatch} images within {maxDelayMs} ms, " +
                        "off = every request alone. The load generator shares the machine. " +
                        $"{rounds} interleaved rounds: requests/s is the median " +
                        $"(min–max), latencies and batch sizes are medians over rounds; {cpuVerdict}.");
        text.AppendLine();
        text.AppendLine("| mode | concurrency | requests | failures | requests/s (min–max) | p50 ms | p95 ms | p99 ms | mean batch |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (LoadResult r in results)
            text.AppendLine($"| {r.Mode} | {r.Concurrency} | {r.Requests} | {r.Failures} | {r.RequestsPerSecond:F0} ({r.Throughput.Min:F0}–{r.Throughput.Max:F0}) | {r.P50Ms:F1} | {r.P95Ms:F1} | {r.P99Ms:F1} | {r.MeanBatch:F2} |");
        text.AppendLine();
        int top = results.Max(r => r.Concurrency);
        LoadResult? on = Find(results, "batching on", top), off = Find(results, "batching off", top), mid = Find(results, "batching on", 8);
        if (on is not null && off is not null)
            text.AppendLine($"- concurrency {top}: batching on / off throughput {on.RequestsPerSecond / off.RequestsPerSecond:F2}x (target 3x; rounds' spread {RoundSpread.NoiseFloor(on.Throughput, off.Throughput):P0})");
        foreach (string wire in new[] { "batching on, binary", "batching on, gRPC" })
            if (Find(results, wire, top) is { } other && on is not null)
                text.AppendLine($"- concurrency {top}: {wire[13..]} / JSON throughput {other.RequestsPerSecond / on.RequestsPerSecond:F2}x");
        if (mid is not null)
            text.AppendLine($"- concurrency 8, batching on: p99 / p50 = {mid.P99Ms / mid.P50Ms:F2} (target under 2)");
        return text.ToString();
    }

    static LoadResult? Find(IReadOnlyList<LoadResult> results, string mode, int concurrency) =>
        results.FirstOrDefault(r => r.Mode == mode && r.Concurrency == concurrency);

    public static void Plot(IReadOnlyList<LoadResult> results, string path)
    {
        int[] levels = results.Select(r => r.Concurrency).Distinct().Order().ToArray();
        var series = results.GroupBy(r => r.Mode)
            .Select(g => (g.Key, levels.Select(c => g.Single(r => r.Concurrency == c).RequestsPerSecond).ToArray())).ToList();
        double top = Math.Ceiling(series.Max(s => s.Item2.Max()) / 100) * 100;
        AccuracyPlots.Lines(series, levels.Select(c => $"{c}").ToArray(), "concurrent clients", top, v => $"{v:F0}", "requests/s over loopback", path);
    }
}
