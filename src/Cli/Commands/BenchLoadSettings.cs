using System.ComponentModel;
using Cltool.Cli.Benchmarks;
using Cltool.Cli.Infrastructure;
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
