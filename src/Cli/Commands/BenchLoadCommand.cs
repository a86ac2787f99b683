using System.ComponentModel;
using Cltool.Cli.Benchmarks;
using Cltool.Cli.Infrastructure;
using Cltool.Core.Reports;
using Cltool.InferenceHost;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchLoadSettings : BenchSettings
{
    [CommandOption("--url <URL>")]
    [Description("The running host's REST address.")]
    [DefaultValue(ServeOptions.DefaultUrls)]
    public string Url { get; init; } = ServeOptions.DefaultUrls;

    [CommandOption("--grpc-url <URL>")]
    [Description("The running host's gRPC address (for --protocol grpc).")]
    [DefaultValue(ServeOptions.DefaultGrpcUrls)]
    public string GrpcUrl { get; init; } = ServeOptions.DefaultGrpcUrls;

    [CommandOption("--model <NAME>")]
    [Description("The served model's name.")]
    public string Model { get; init; } = "";

    [CommandOption("--protocol <PROTOCOL>")]
    [Description("json (KServe v2 JSON), binary (Triton's binary tensors on HTTP) or grpc (raw tensors).")]
    [DefaultValue(WireProtocol.Json)]
    public WireProtocol Protocol { get; init; } = WireProtocol.Json;

    [CommandOption("--concurrency <N>")]
    [Description("Clients sending at once, each its next request as soon as the previous one is answered.")]
    [DefaultValue(64)]
    public int Concurrency { get; init; } = 64;

    [CommandOption("--requests <N>")]
    [Description("Requests to send (at most).")]
    [DefaultValue(10000)]
    public int Requests { get; init; } = 10000;

    [CommandOption("--seconds <S>")]
    [Description("Time limit.")]
    [DefaultValue(600)]
    public int Seconds { get; init; } = 600;

    [CommandOption("--watch-pid <PID>")]
    [Description("Sample this process's resident memory (the host's) during the run.")]
    public int? WatchPid { get; init; }

    [CommandOption("--sample-seconds <S>")]
    [Description("Interval of the memory samples.")]
    [DefaultValue(10)]
    public int SampleSeconds { get; init; } = 10;

    [CommandOption("--warm-up-seconds <S>")]
    [Description("Memory growth is measured from the first sample after this.")]
    [DefaultValue(60)]
    public int WarmUpSeconds { get; init; } = 60;

    [CommandOption("--api-key <KEY>")]
    [Description("The host's API key (or set CLTOOL_API_KEY).")]
    public string? ApiKey { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.Required("--model", Model), Rules.Positive("--concurrency", Concurrency), Rules.Positive("--requests", Requests),
        Rules.Positive("--seconds", Seconds), Rules.Positive("--sample-seconds", SampleSeconds), Rules.NonNegative("--warm-up-seconds", WarmUpSeconds),
        Rules.Requires(WatchPid is null || File.Exists($"/proc/{WatchPid}/status"), $"--watch-pid: no process {WatchPid} to watch."));
}

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
