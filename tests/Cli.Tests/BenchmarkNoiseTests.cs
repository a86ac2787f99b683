using Cltool.Cli.Benchmarks;
using Cltool.Core.Models;
using static Cltool.Cli.Benchmarks.ExportBenchmark;

namespace Cltool.Cli.Tests;

/// <summary>Benchmarks report their own noise: spreads over rounds, a verdict on differences inside them, and contention.</summary>
public sealed class BenchmarkNoiseTests
{
    static InferenceTiming Timing(string model, int tasks, double min, double median, double max) => new(model, tasks, 2.0, new RoundSpread(min, median, max), 32);

    static string Report(double mergedMedian, CpuMeter cpu) => ExportBenchmarkReport.Markdown(ViTConfig.Preset("vit-test-16"),
    [
        Timing(Plain, 0, 95, 100, 105),
        Timing(Merged, 1, 96, mergedMedian, 104), Timing(Fused, 1, 100, 110, 120), Timing(Int8, 1, 150, 160, 170),
        Timing(Unmerged, 1, 80, 90, 95), Timing(Eager, 1, 40, 50, 60),
    ], 1e-6, mergedIsPlain: true, threads: 2, cpu);

    [Fact]
    public void A_difference_inside_the_rounds_spread_is_called_noise_and_one_outside_it_is_not()
    {
        Assert.Contains("merged costs +2.0% vs the plain ViT (target within 3%; within the rounds' spread of 10 %: noise, not a cost)", Report(98, new CpuMeter()));
        Assert.Contains("merged costs +25.0% vs the plain ViT (target within 3%; larger than the rounds' spread of 10 %)", Report(80, new CpuMeter()));
        Assert.Contains("| 1 | merged (ONNX Runtime) | 2.00 | 98 (96–104) | +2.0% |", Report(98, new CpuMeter()));
    }

    [Fact]
    public void Spread_is_min_median_max_and_relative_width()
    {
        RoundSpread spread = RoundSpread.Of([5.0, 1.0, 4.0, 2.0]);

        Assert.Equal(new RoundSpread(1, 3, 5), spread);
        Assert.Equal(4.0 / 3, spread.Relative, 12);
    }

    [Fact]
    public void Another_process_busy_on_every_core_while_timing_is_reported_as_contention()
    {
        var spinners = Enumerable.Range(0, Environment.ProcessorCount)
            .Select(_ => System.Diagnostics.Process.Start("bash", ["-c", "end=$((SECONDS + 2)); while (( SECONDS < end )); do :; done"])).ToArray();
        try
        {
            // Killed as soon as the 0.5 s measurement ends (the 2 s bound only guards against a killed test).
            Thread.Sleep(100);
            var meter = new CpuMeter();
            meter.Measure(() => { Thread.Sleep(500); return 0; });

            Assert.True(meter.OthersShare >= 0.5, $"others' share {meter.OthersShare}");
            Assert.True(meter.Contended, meter.Verdict);
            Assert.Contains("CONTENDED", meter.Verdict);
        }
        finally
        {
            foreach (var spinner in spinners) { spinner.Kill(); spinner.Dispose(); }
        }
    }

    [Fact]
    public void The_own_share_counts_this_process_s_cpu_time_and_is_the_signal_only_without_proc_stat()
    {
        var idle = new CpuMeter();
        idle.Measure(() => { Thread.Sleep(300); return 0; });
        var busy = new CpuMeter();
        busy.Measure(() => Enumerable.Range(0, Environment.ProcessorCount).AsParallel().Select(_ => Spin(TimeSpan.FromMilliseconds(300))).Sum());

        Assert.True(busy.Share > idle.Share, $"{busy.Share} vs {idle.Share}");
        Assert.True(CpuMeter.IsContended(own: 0.4, others: null));
        Assert.False(CpuMeter.IsContended(own: 0.4, others: 0.05));
        Assert.True(CpuMeter.IsContended(own: 1.0, others: 0.3));
    }

    [Fact]
    public void The_summary_checks_every_target_against_the_benchmarks_json_and_says_what_was_not_measured()
    {
        using var folder = new TemporaryDirectory();
        void Write(string name, string json)
        {
            Directory.CreateDirectory(folder.File(name));
            File.WriteAllText(folder.File(name, name + ".json"), json);
        }
        string Timing(string model, int tasks, double min, double median, double max) => new System.Text.Json.Nodes.JsonObject
        {
            ["model"] = model,
            ["tasks"] = tasks,
            ["throughput"] = new System.Text.Json.Nodes.JsonObject { ["min"] = min, ["median"] = median, ["max"] = max },
        }.ToJsonString();
        Write("train", """{"rows":[{"method":"sdlora","directions":1,"utilisation":0.6},{"method":"sdlora","directions":5,"utilisation":0.72},{"method":"sdlora","directions":20,"utilisation":0.7}],"directionCost":{"min":1.02,"median":1.07,"max":1.2},"cpuShare":0.4}""");
        Write("export", $$"""{"timings":[{{Timing(Plain, 0, 90, 100, 110)}},{{Timing(Merged, 20, 88, 95, 104)}},{{Timing(Int8, 20, 140, 150, 160)}},{{Timing(Eager, 20, 50, 60, 70)}}],"cpuShare":0.95}""");

        IReadOnlyList<TargetCheck> checks = BenchSummary.Check(folder.Path);

        Assert.Equal(["met", "met", "within noise (the graphs are identical)", "met", "met", "not measured", "not measured"], checks.Select(c => c.Verdict));
        Assert.Equal("1.07× (rounds 1.02–1.20) (CONTENDED: 40 % CPU)", checks[0].Measured.Replace(" ", " "));
        Assert.Equal("+5.3% after 20 tasks (rounds' spread 20 %)", checks[2].Measured);
        Assert.Equal("no result from bench serve", checks[5].Measured);

        Write("train", """{"rows":[{"method":"sdlora","directions":5,"utilisation":0.5}],"directionCost":{"min":1.1,"median":1.2,"max":1.3},"cpuShare":1}""");
        Write("serve", """{"results":[{"mode":"batching off","concurrency":32,"requestsPerSecond":100},{"mode":"batching on","concurrency":32,"requestsPerSecond":350},{"mode":"batching on","concurrency":8,"requestsPerSecond":200,"p50Ms":10,"p99Ms":25}],"cpuShare":0.5}""");
        checks = BenchSummary.Check(folder.Path);
        Assert.Equal(["within noise (some rounds met it)", "not met"], checks.Take(2).Select(c => c.Verdict));
        Assert.Equal(["met", "not met"], checks.Skip(5).Select(c => c.Verdict));
        Assert.Equal("3.50× at concurrency 32 (CONTENDED: 50 % CPU)", checks[5].Measured.Replace(" ", " "));
    }

    static int Spin(TimeSpan time)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int n = 0;
        while (clock.Elapsed < time) n++;
        return n & 1;
    }
}
