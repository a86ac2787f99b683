using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cltool.Core.Models;
using static Cltool.Cli.Benchmarks.ExportBenchmark;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// Every speed target the project has set, checked against the JSON that `bench train`, `bench export` and `bench serve`
/// wrote into one folder (what `dotnet cake --target=Bench` runs): met, not met, within noise (a difference smaller
/// than the rounds' spread), or not measured; each file's CPU contention is stated with it.
/// </summary>
public static class BenchSummary
{
    public static IReadOnlyList<TargetCheck> Check(string folder)
    {
        var checks = new List<TargetCheck>();
        checks.AddRange(Train(Read(folder, "train")));
        checks.AddRange(Export(Read(folder, "export")));
        checks.AddRange(Serve(Read(folder, "serve")));
        return checks;
    }

    public static string Markdown(IReadOnlyList<TargetCheck> checks)
    {
        var text = new StringBuilder("| target | measured | verdict |\n|---|---|---|\n");
        foreach (TargetCheck c in checks) text.AppendLine($"| {c.Target} | {c.Measured} | {c.Verdict} |");
        return text.ToString();
    }

    static JsonNode? Read(string folder, string name)
    {
        string path = Path.Combine(folder, name, name + ".json");
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
    }

    static string Share(JsonNode json)
    {
        if (json["cpuShare"]?.GetValue<double>() is not { } own) return "";
        double? others = json["othersShare"]?.GetValue<double?>();
        if (!CpuMeter.IsContended(own, others)) return "";
        return others is { } o ? $" (CONTENDED: others took {o:P0} CPU)" : $" (CONTENDED: {own:P0} CPU)";
    }

    static IEnumerable<TargetCheck> Train(JsonNode? json)
    {
        const string step = "SD-LoRA step with 20 directions vs 1: time ≤ 1.15×", utilisation = "SD-LoRA step at 5 directions ≥ 70 % of the matmul GFLOP/s";
        if (json?["rows"] is not JsonArray rows || json["directionCost"] is not { } costJson) return [NotMeasured(step, "bench train"), NotMeasured(utilisation, "bench train")];
        RoundSpread cost = costJson.Deserialize<RoundSpread>(CltoolJson.Options)!;
        double used = rows.First(r => r!["method"]!.GetValue<string>() == "sdlora" && r["directions"]!.GetValue<int>() == TrainBenchmark.ProfiledDirections)!["utilisation"]!.GetValue<double>();
        string verdict = cost.Median <= 1.15 ? "met" : cost.Min <= 1.15 ? "within noise (some rounds met it)" : "not met";
        return
        [
            new(step, F($"{cost.Median:F2}× (rounds {cost.Min:F2}–{cost.Max:F2})") + Share(json), verdict),
            new(utilisation, F($"{used:P0}") + Share(json), Met(used >= 0.70)),
        ];
    }

    static IEnumerable<TargetCheck> Export(JsonNode? json)
    {
        const string merged = "merged model costs what the plain ViT costs (within 3 %)", int8 = "int8 / fp32 merged batch-32 throughput ≥ 1.5×",
                     runtime = "ONNX Runtime merged / TorchSharp eager batch-32 throughput ≥ 1.5×";
        if (json?["timings"] is not JsonArray timings) return [NotMeasured(merged, "bench export"), NotMeasured(int8, "bench export"), NotMeasured(runtime, "bench export")];
        RoundSpread Of(string model, int tasks) => timings.First(t => t!["model"]!.GetValue<string>() == model && t["tasks"]!.GetValue<int>() == tasks)!["throughput"]
            .Deserialize<RoundSpread>(CltoolJson.Options)!;
        int most = timings.Max(t => t!["tasks"]!.GetValue<int>());
        RoundSpread plain = Of(Plain, 0), mergedMost = Of(Merged, most);
        double cost = plain.Median / mergedMost.Median - 1, noise = RoundSpread.NoiseFloor(plain, mergedMost);
        double quantised = Of(Int8, most).Median / mergedMost.Median, eager = mergedMost.Median / Of(Eager, most).Median;
        return
        [
            new(merged, F($"{cost:+0.0%;-0.0%} after {most} tasks (rounds' spread {noise:P0})") + Share(json),
                Math.Abs(cost) <= 0.03 ? "met" : Math.Abs(cost) <= noise ? "within noise (the graphs are identical)" : "not met"),
            new(int8, F($"{quantised:F2}× after {most} tasks") + Share(json), Met(quantised >= 1.5)),
            new(runtime, F($"{eager:F2}× after {most} tasks") + Share(json), Met(eager >= 1.5)),
        ];
    }

    static IEnumerable<TargetCheck> Serve(JsonNode? json)
    {
        const string batching = "batching on / off throughput at the top concurrency ≥ 3×", tail = "p99 / p50 at concurrency 8 with batching < 2";
        if (json?["results"] is not JsonArray results) return [NotMeasured(batching, "bench serve"), NotMeasured(tail, "bench serve")];
        JsonNode? Row(string mode, int concurrency) => results.FirstOrDefault(r => r!["mode"]!.GetValue<string>() == mode && r["concurrency"]!.GetValue<int>() == concurrency);
        int top = results.Max(r => r!["concurrency"]!.GetValue<int>());
        double speedup = Row("batching on", top)!["requestsPerSecond"]!.GetValue<double>() / Row("batching off", top)!["requestsPerSecond"]!.GetValue<double>();
        JsonNode? mid = Row("batching on", 8);
        double? spread = mid is null ? null : mid["p99Ms"]!.GetValue<double>() / mid["p50Ms"]!.GetValue<double>();
        return
        [
            new(batching, F($"{speedup:F2}× at concurrency {top}") + Share(json!), Met(speedup >= 3)),
            spread is { } s ? new(tail, F($"{s:F2}") + Share(json!), Met(s < 2)) : NotMeasured(tail, "bench serve at concurrency 8"),
        ];
    }

    static TargetCheck NotMeasured(string target, string by) => new(target, $"no result from {by}", "not measured");

    static string Met(bool met) => met ? "met" : "not met";

    static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
