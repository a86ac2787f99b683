using System.Text;
using Cltool.Core;
using Cltool.Core.Models;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// The learner's training step: SD-LoRA after 1, 5 and 20 tasks and full fine-tuning, timed in interleaved rounds (every
/// configuration once per round, a matmul of the MLP's shape and the step's own matmuls timed in the same round), so
/// drift of this shared machine hits every row alike. The cost of directions is a ratio taken within each round.
/// </summary>
public static class TrainBenchmark
{
    public const int ProfiledDirections = 5;
    // The last row is the first at one intra-op thread: the thread policy's two settings side by side (issue 26).
    static readonly (string Method, int Directions, bool OneThread)[] Configurations =
        [("sdlora", 1, false), ("sdlora", ProfiledDirections, false), ("sdlora", 20, false), ("full-ft", 1, false), ("sdlora", 1, true)];

    public static TrainBenchmarkResult Run(ViTConfig config, int batchSize, int steps, int rounds, Device device, CpuMeter cpu, Action<string> progress)
    {
        PreparedStep[] prepared = Configurations.Select(c => new PreparedStep(c.Method, config, c.Directions, 10, batchSize, device)).ToArray();
        try
        {
            var timings = prepared.Select(_ => new List<StepTiming>()).ToArray();
            var matmul = new List<double>();
            var gemmMs = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                matmul.Add(cpu.Measure(() => TrainStepBenchmark.MatmulGflops(config, batchSize)));
                gemmMs.Add(cpu.Measure(() => TrainStepBenchmark.FrozenStepGemms(config, batchSize)).TotalMilliseconds);
                for (int k = 0; k < prepared.Length; k++)
                    timings[k].Add(cpu.Measure(() => Configurations[k].OneThread ? OnOneThread(() => prepared[k].Time(steps)) : prepared[k].Time(steps)));
                progress($"round {round + 1}/{rounds}: " + string.Join(", ", prepared.Select((p, k) => $"{p.Method} {p.Directions}: {timings[k][^1].ImagesPerSecond:F0} img/s")));
            }
            double matmulMedian = RoundSpread.MedianOf(matmul);
            int all = get_num_threads();
            StepRow[] rows = prepared.Select((p, k) => new StepRow(p.Method, p.Directions, Configurations[k].OneThread ? 1 : all, batchSize, RoundSpread.Of(timings[k].Select(t => t.ImagesPerSecond).ToArray()),
                p.GflopPerImage, matmulMedian, Median(timings[k], t => t.ForwardMs), Median(timings[k], t => t.BackwardMs), Median(timings[k], t => t.UpdateMs))).ToArray();
            int one = Array.FindIndex(Configurations, c => c == ("sdlora", 1, false)), twenty = Array.FindIndex(Configurations, c => c == ("sdlora", 20, false));
            RoundSpread cost = RoundSpread.Of(Enumerable.Range(0, rounds).Select(r => timings[one][r].ImagesPerSecond / timings[twenty][r].ImagesPerSecond).ToArray());
            StepRow profiled = rows.Single(r => r.Method == "sdlora" && r.Directions == ProfiledDirections);
            double gemm = RoundSpread.MedianOf(gemmMs);
            double frozenStepGflop = TrainStepBenchmark.ForwardFlops(config, 0) * 2 * batchSize / 1e9;
            var profile = new StepProfile(ProfiledDirections, profiled.StepMs, gemm, frozenStepGflop / (gemm / 1000), matmulMedian);
            return new TrainBenchmarkResult(rows, cost, profile, rounds, cpu.Share, cpu.OthersShare, ProcessMemory.PeakResidentMegabytes());
        }
        finally
        {
            foreach (PreparedStep step in prepared) step.Dispose();
        }
    }

    static StepTiming OnOneThread(Func<StepTiming> time)
    {
        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            return time();
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    static double Median(IEnumerable<StepTiming> timings, Func<StepTiming, double> value) => RoundSpread.MedianOf(timings.Select(value).ToArray());

    public static string Markdown(TrainBenchmarkResult result, string model, ViTConfig config, int threads, string cpuVerdict)
    {
        var text = new StringBuilder();
        int batch = result.Rows[0].BatchSize;
        text.AppendLine($"Training step of {model} (batch {batch}, {threads} threads), {result.Rounds} interleaved rounds, medians (min–max); " +
                        $"utilisation against a [{batch}x{config.Tokens}, {config.Dim}] x [{config.Dim}, {config.MlpHidden}] matmul timed in the same rounds; " +
                        $"GFLOP/img counts the method as written (frozen directions as rank-R products), whichever way the adapter computes them; {cpuVerdict}.");
        text.AppendLine();
        text.AppendLine("| method | directions | threads | img/s (min–max) | GFLOP/img (step) | step GFLOP/s | matmul GFLOP/s | utilisation | forward / backward / update ms |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (StepRow r in result.Rows)
            text.AppendLine($"| {r.Method} | {r.Directions} | {r.Threads} | {r.ImagesPerSecond.Median:F0} ({r.ImagesPerSecond.Min:F0}–{r.ImagesPerSecond.Max:F0}) | {r.GflopPerImage:F3} | " +
                            $"{r.Gflops:F1} | {r.MatmulGflops:F1} | {r.Utilisation:P0} | {r.ForwardMs:F1} / {r.BackwardMs:F1} / {r.UpdateMs:F1} |");
        text.AppendLine();
        RoundSpread cost = result.DirectionCost;
        StepRow[] sameStep = result.Rows.Where(r => r.Method == "sdlora" && r.Directions == 1).ToArray();
        if (sameStep.Length == 2)
            text.AppendLine($"- SD-LoRA, 1 direction: {sameStep[1].Threads} thread {sameStep[1].ImagesPerSecond.Median:F0} img/s against {sameStep[0].Threads} threads " +
                            $"{sameStep[0].ImagesPerSecond.Median:F0} img/s ({sameStep[0].ImagesPerSecond.Median / sameStep[1].ImagesPerSecond.Median:F2}×); the thread policy takes " +
                            "fewer threads only when other processes hold cores.");
        if (result.PeakResidentMegabytes is { } peak) text.AppendLine($"- Peak resident memory of the benchmark process: {peak:F0} MB.");
        text.AppendLine($"- 20 directions vs 1: step time {cost.Median:F2}× (per-round ratios {cost.Min:F2}–{cost.Max:F2}; target ≤ 1.15×).");
        StepProfile p = result.Profile;
        text.AppendLine($"- Profile at {p.Directions} directions: a step takes {p.StepMs:F1} ms; its matmuls alone, each at its own shape, take {p.GemmMs:F1} ms " +
                        $"({p.GemmGflops:F1} GFLOP/s, {p.GemmGflops / p.MatmulGflops:P0} of the MLP-shaped matmul's rate); the other {p.OtherMs:F1} ms " +
                        $"({p.OtherMs / p.StepMs:P0}) are LayerNorm, softmax, GELU, reshapes, the LoRA branch, autograd's bookkeeping and the update.");
        return text.ToString();
    }
}
