using Cltool.Cli.Benchmarks;
using Cltool.Core.Reports;
using Cltool.InferenceHost;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

/// <summary>
/// A load test of a running host (like Triton's perf_analyzer, closed loop): answered, explicitly rejected (503 /
/// UNAVAILABLE) and failed requests, throughput, latency percentiles, which model versions answered, and the host's
/// memory over time. Exits 1 when any request failed other than by an explicit rejection.
/// </summary>
public sealed class BenchLoadCommand(IAnsiConsole console) : AsyncCommand<BenchLoadSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, BenchLoadSettings settings, CancellationToken cancellationToken)
    {
        string protocol = settings.Protocol.ToString().ToLowerInvariant();
        using InferClient client = await InferClient.CreateAsync(settings.Url, settings.GrpcUrl, settings.Model, settings.Protocol,
            ServeOptions.ApiKeyOrEnvironment(settings.ApiKey));
        console.MarkupLineInterpolated($"[grey]{settings.Concurrency} clients, up to {settings.Requests} requests or {settings.Seconds} s, {protocol}, model '{settings.Model}'[/]");
        LoadReport report = await LoadRun.RunAsync(client, protocol, settings.Concurrency, settings.Requests, TimeSpan.FromSeconds(settings.Seconds),
            settings.WatchPid, TimeSpan.FromSeconds(settings.SampleSeconds), line => console.MarkupLineInterpolated($"[grey]{line}[/]"));
        string markdown = Markdown(report, settings.WarmUpSeconds);
        console.Write(new Markup(Markup.Escape(markdown)));
        settings.Save($"load-{protocol}", new { report, rssGrowth = report.RssGrowth(settings.WarmUpSeconds) }, markdown);
        if (report.Rss.Count >= 2) PlotRss(report, Path.Combine(settings.Out, $"load-{protocol}-rss.png"));
        return report.Failed == 0 ? 0 : 1;
    }

    /// <summary>The host's resident memory over the run, labelled every sixth sample.</summary>
    static void PlotRss(LoadReport report, string path)
    {
        double[] megabytes = report.Rss.Select(s => s.Bytes / 1e6).ToArray();
        string[] seconds = report.Rss.Select((s, i) => i % 6 == 0 || i == report.Rss.Count - 1 ? $"{s.Seconds:F0}" : "").ToArray();
        AccuracyPlots.Lines([("host RSS", megabytes)], seconds, "seconds", Math.Ceiling(megabytes.Max() * 1.2 / 50) * 50, v => $"{v:F0} MB",
            $"host memory under {report.Protocol} load, concurrency {report.Concurrency}", path);
    }

    static string Markdown(LoadReport r, int warmUpSeconds)
    {
        string versions = string.Join(", ", r.Versions.OrderBy(v => v.Key.Length).ThenBy(v => v.Key).Select(v => $"{v.Key}: {v.Value}"));
        string text = $"| protocol | concurrency | answered | rejected (503) | failed | seconds | requests/s | p50 ms | p95 ms | p99 ms | versions (answers) |\n" +
                      "|---|---|---|---|---|---|---|---|---|---|---|\n" +
                      $"| {r.Protocol} | {r.Concurrency} | {r.Answered} | {r.Rejected} | {r.Failed} | {r.Seconds:F1} | {r.RequestsPerSecond:F0} | {r.P50Ms:F1} | {r.P95Ms:F1} | {r.P99Ms:F1} | {versions} |\n";
        foreach (string failure in r.FailureSamples) text += $"\n- failure: {failure}";
        if (r.RssGrowth(warmUpSeconds) is { } growth)
            text += $"\n\nhost RSS: {r.Rss[0].Bytes / 1e6:F0} MB at start, {r.Rss.Where(s => s.Seconds >= warmUpSeconds).First().Bytes / 1e6:F0} MB after {warmUpSeconds} s warm-up, " +
                    $"max {r.Rss.Max(s => s.Bytes) / 1e6:F0} MB, {r.Rss[^1].Bytes / 1e6:F0} MB at the end ({r.Rss.Count} samples); growth after warm-up {growth:P1}\n";
        return text + "\n";
    }
}
