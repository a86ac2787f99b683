using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchExportSettings : BenchSettings
{
    [CommandOption("--base <FILE>")]
    [Description("The base ViT whose backbone carries the adapters. Default: the built-in base model.")]
    public string? Base { get; init; }

    [CommandOption("--tasks <LIST>")]
    [DefaultValue("1,5,10,20")]
    [Description("Task counts (rank-10 directions per task) to compare, comma-separated.")]
    public string Tasks { get; init; } = "1,5,10,20";

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    [Description("Batch size of the throughput measurement.")]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--rounds <N>")]
    [DefaultValue(5)]
    [Description("Interleaved rounds; each model's figure is the median over rounds.")]
    public int Rounds { get; init; } = 5;

    public int[] TaskCounts => Tasks.Split(',').Select(t => int.TryParse(t, out int n) ? n : -1).ToArray();

    public override ValidationResult Validate() => Rules.All(
        Rules.FileExists("--base", Base),
        Rules.Requires(TaskCounts.All(n => n > 0), $"--tasks must be positive integers separated by commas, got '{Tasks}'."),
        Rules.Positive("--batch-size", BatchSize), Rules.Positive("--rounds", Rounds));
}
