using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class EvalSettings : TorchThreadSettings
{
    [CommandArgument(0, "<CHECKPOINT>")]
    [Description("A checkpoint of any stage, or a run directory (its last stage).")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--data <NAME>")]
    [Description("Dataset to evaluate on; default: the run's own test split.")]
    public string? Data { get; init; }

    [CommandOption("--task <K>")]
    [Description("With a run directory: the stage after task K (1-indexed); default the last.")]
    public int? Task { get; init; }

    [CommandOption("--test-per-class <N>")]
    [Description("Test images per class (first ones in dataset order); 0 takes all. Default: as the run.")]
    public int? TestPerClass { get; init; }

    [CommandOption("--drift")]
    [Description("With a run directory trained with --head-align ca or ca-restore: also how far each task's class means moved since " +
                 "that task ended (the statistics alignment samples old classes from), on the same training images.")]
    public bool Drift { get; init; }

    [CommandOption("--compensation-bandwidth <X>")]
    [Description("With --drift on a run trained with --drift-compensation: replay mean shift with this bandwidth instead of the run's " +
                 "(a multiple of the median sample-to-mean distance); scores another value without retraining.")]
    public double? CompensationBandwidth { get; init; }

    [CommandOption("--compensation-ridge <X>")]
    [Description("With --drift on a run trained with --drift-compensation: replay the linear map with this ridge instead of the run's " +
                 "(a multiple of the mean eigenvalue of the features' second moments).")]
    public double? CompensationRidge { get; init; }

    [CommandOption("--workers <N>")]
    [Description("Threads that decode images ahead of the model.")]
    [DefaultValue(2)]
    public int Workers { get; init; } = 2;

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda.")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    public override ValidationResult Validate() => Rules.All(
        ValidateThreads(),
        Rules.PathExists("CHECKPOINT", Checkpoint),
        Rules.Requires(!Drift || Directory.Exists(Checkpoint), "--drift needs a run directory (its statistics/ folder), not a checkpoint file."),
        Rules.Requires(Drift || CompensationBandwidth is null && CompensationRidge is null, "--compensation-bandwidth and --compensation-ridge go with --drift."),
        Rules.Requires(CompensationBandwidth is null or > 0, $"--compensation-bandwidth must be positive, got {CompensationBandwidth}."),
        Rules.Requires(CompensationRidge is null or >= 0, $"--compensation-ridge must be 0 or positive, got {CompensationRidge}."),
        Rules.Positive("--task", Task ?? 1),
        Rules.NonNegative("--test-per-class", TestPerClass ?? 0),
        Rules.Positive("--workers", Workers));
}
