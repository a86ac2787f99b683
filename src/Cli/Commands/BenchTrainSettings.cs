using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchTrainSettings : BenchSettings
{
    [CommandOption("--model <PRESET>")]
    [DefaultValue("vit-cpu-28")]
    [Description("ViT preset to time (random weights; the speed does not depend on them).")]
    public string Model { get; init; } = "vit-cpu-28";

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    [Description("Images per step (the Split Fashion-MNIST recipe uses 32).")]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--steps <N>")]
    [DefaultValue(10)]
    [Description("Timed steps per configuration and round (after 1 warm-up step).")]
    public int Steps { get; init; } = 10;

    [CommandOption("--rounds <N>")]
    [DefaultValue(5)]
    [Description("Interleaved rounds; each row's figure is the median over rounds, with its min–max.")]
    public int Rounds { get; init; } = 5;

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires(ViTConfig.Presets.ContainsKey(Model), $"--model '{Model}' is not a preset ({string.Join(", ", ViTConfig.Presets.Keys)})."),
        Rules.Positive("--batch-size", BatchSize), Rules.Positive("--steps", Steps), Rules.Positive("--rounds", Rounds));
}
