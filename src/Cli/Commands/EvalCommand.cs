using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class EvalSettings : CommandSettings
{
    [CommandArgument(0, "<CHECKPOINT>")]
    [Description("A checkpoint of any stage, or a run directory (its last stage).")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--data <NAME>")]
    [Description("Dataset to evaluate on; default: the run's own test split.")]
    public string? Data { get; init; }

    [CommandOption("--batch-size <N>")]
    [Description("Images per forward pass.")]
    [DefaultValue(256)]
    public int BatchSize { get; init; } = 256;

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda.")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    public override ValidationResult Validate() => Rules.All(
        Rules.PathExists("CHECKPOINT", Checkpoint),
        Rules.Positive("--batch-size", BatchSize));
}

public sealed class EvalCommand() : PendingCommand<EvalSettings>("eval", "issue #4");
