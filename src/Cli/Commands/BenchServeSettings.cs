using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchServeSettings : BenchSettings
{
    [CommandOption("--model <FILE>")]
    [Description("The ONNX model to serve. Default: the built-in base ViT exported with a 10-class head.")]
    public string? Model { get; init; }

    [CommandOption("--concurrency <LIST>")]
    [DefaultValue("1,8,32")]
    [Description("Concurrent clients per load level, comma-separated.")]
    public string Concurrency { get; init; } = "1,8,32";

    [CommandOption("--requests <N>")]
    [DefaultValue(2000)]
    [Description("Requests per load level (at most).")]
    public int Requests { get; init; } = 2000;

    [CommandOption("--seconds <S>")]
    [DefaultValue(20)]
    [Description("Time limit per load level.")]
    public int Seconds { get; init; } = 20;

    [CommandOption("--rounds <N>")]
    [DefaultValue(3)]
    [Description("Interleaved rounds over every configuration and level; requests/s is the median over rounds, with its min–max.")]
    public int Rounds { get; init; } = 3;

    [CommandOption("--max-batch <N>")]
    [DefaultValue(32)]
    [Description("The batched configuration's largest batch.")]
    public int MaxBatch { get; init; } = 32;

    [CommandOption("--max-delay-ms <MS>")]
    [DefaultValue(2)]
    [Description("The batched configuration's wait for company.")]
    public int MaxDelayMs { get; init; } = 2;

    public int[] Levels => Concurrency.Split(',').Select(t => int.TryParse(t, out int n) ? n : -1).ToArray();

    public override ValidationResult Validate() => Rules.All(
        Rules.FileExists("--model", Model),
        Rules.Requires(Levels.All(n => n > 0), $"--concurrency must be positive integers separated by commas, got '{Concurrency}'."),
        Rules.Positive("--requests", Requests), Rules.Positive("--seconds", Seconds), Rules.Positive("--rounds", Rounds),
        Rules.Positive("--max-batch", MaxBatch), Rules.NonNegative("--max-delay-ms", MaxDelayMs));
}
