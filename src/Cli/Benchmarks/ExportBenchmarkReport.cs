using System.Text;
using Cltool.Core.Models;
using Cltool.Core.Reports;
using static Cltool.Cli.Benchmarks.ExportBenchmark;

namespace Cltool.Cli.Benchmarks;

/// <summary>The export benchmark as a Markdown table with the two ratios the targets are about, and as a PNG.</summary>
public static class ExportBenchmarkReport
{

    public static string Markdown(ViTConfig config, IReadOnlyList<InferenceTiming> timings, double disagreement, bool mergedIsPlain, int threads, CpuMeter cpu)
    {
        InferenceTiming plain = timings.Single(t => t.Model == Plain);
        int batch = plain.BatchSize;
        var text = new StringBuilder();
        text.AppendLine($"Inference of the built-in base ({config.Dim}-dim, depth {config.Depth}, {config.Tokens} tokens) with rank-10 SD-LoRA directions, CPU, {threads} threads; medians (min–max) over interleaved rounds; {cpu.Verdict}.");
        text.AppendLine($"Merged, unmerged and TorchSharp outputs agree within {disagreement:0.0e+00} (max |logit difference|). " +
                        (mergedIsPlain ? "Every merged graph has exactly the plain ViT's operators and weight shapes, so exactly its FLOPs: differences between them below are timing noise."
                                       : "WARNING: a merged graph differs in structure from the plain ViT."));
        text.AppendLine();
        text.AppendLine($"| tasks | model | batch-1 latency ms | batch-{batch} img/s (min–max) | batch-{batch} cost vs plain ViT |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (InferenceTiming t in timings)
            text.AppendLine($"| {t.Tasks} | {t.Model} | {t.Batch1Milliseconds:F2} | {t.ImagesPerSecond:F0} ({t.Throughput.Min:F0}–{t.Throughput.Max:F0}) | {plain.ImagesPerSecond / t.ImagesPerSecond - 1:+0.0%;-0.0%;0.0%} |");
        text.AppendLine();
        foreach (int tasks in timings.Where(t => t.Tasks > 0).Select(t => t.Tasks).Distinct())
        {
            InferenceTiming Of(string model) => timings.Single(t => t.Tasks == tasks && t.Model == model);
            InferenceTiming merged = Of(Merged), fused = Of(Fused), int8 = Of(Int8), eager = Of(Eager);
            text.AppendLine($"- {tasks} tasks: merged costs {plain.ImagesPerSecond / merged.ImagesPerSecond - 1:+0.0%;-0.0%;0.0%} vs the plain ViT (target within 3%; {Noise(plain, merged)}); " +
                            $"ONNX Runtime / TorchSharp eager at batch {batch}: merged {merged.ImagesPerSecond / eager.ImagesPerSecond:F2}x, " +
                            $"merged with fused attention {fused.ImagesPerSecond / eager.ImagesPerSecond:F2}x (target 1.5x); " +
                            $"at batch 1: {eager.Batch1Milliseconds / merged.Batch1Milliseconds:F2}x and {eager.Batch1Milliseconds / fused.Batch1Milliseconds:F2}x; " +
                            $"int8 / fp32 merged at batch {batch}: {int8.ImagesPerSecond / merged.ImagesPerSecond:F2}x (target 1.5x), at batch 1: {merged.Batch1Milliseconds / int8.Batch1Milliseconds:F2}x");
        }
        return text.ToString();
    }

    /// <summary>Whether a difference between two rows exceeds the larger spread of their rounds.</summary>
    static string Noise(InferenceTiming a, InferenceTiming b)
    {
        double effect = Math.Abs(a.ImagesPerSecond / b.ImagesPerSecond - 1), noise = RoundSpread.NoiseFloor(a.Throughput, b.Throughput);
        return effect <= noise ? $"within the rounds' spread of {noise:P0}: noise, not a cost" : $"larger than the rounds' spread of {noise:P0}";
    }

    static string ShortName(string model) => model switch
    {
        Fused => "merged, fused attn",
        Int8 => "merged, int8",
        Eager => "TorchSharp eager",
        _ => model.Replace(" (ONNX Runtime)", ""),
    };

    public static void Plot(IReadOnlyList<InferenceTiming> timings, string path)
    {
        int[] tasks = timings.Where(t => t.Tasks > 0).Select(t => t.Tasks).Distinct().ToArray();
        double plain = timings.Single(t => t.Model == Plain).ImagesPerSecond;
        var series = timings.Where(t => t.Tasks > 0).GroupBy(t => t.Model)
            .Select(g => (ShortName(g.Key), tasks.Select(n => g.Single(t => t.Tasks == n).ImagesPerSecond).ToArray()))
            .Append(("plain ViT", tasks.Select(_ => plain).ToArray())).ToList();
        double top = Math.Ceiling(series.Max(s => s.Item2.Max()) / 100) * 100;
        AccuracyPlots.Lines(series, tasks.Select(n => $"{n}").ToArray(), "tasks (rank-10 directions each)", top, v => $"{v:F0}",
            $"batch-{timings[0].BatchSize} images/s", path);
    }
}
