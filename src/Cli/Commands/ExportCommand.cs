using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class ExportSettings : CommandSettings
{
    [CommandArgument(0, "<CHECKPOINT>")]
    [Description("A checkpoint, or a run directory.")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("-o|--out <FILE>")]
    [DefaultValue("model.onnx")]
    public string Out { get; init; } = "model.onnx";

    [CommandOption("--merge")]
    [Description("Fold every task's directions and magnitudes into dense weights (the default).")]
    public bool Merge { get; init; }

    [CommandOption("--no-merge")]
    [Description("Keep the adapters as separate low-rank branches, for comparison.")]
    public bool NoMerge { get; init; }

    [CommandOption("--task <K>")]
    [Description("Export the model after task K (1-based); default: the last task.")]
    public int? Task { get; init; }

    [CommandOption("--dtype <DTYPE>")]
    [Description("fp32 or fp16.")]
    [DefaultValue("fp32")]
    public string DType { get; init; } = "fp32";

    [CommandOption("--triton <DIR>")]
    [Description("Also write a Triton Inference Server model repository.")]
    public string? Triton { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.PathExists("CHECKPOINT", Checkpoint),
        Rules.Requires(!(Merge && NoMerge), "--merge and --no-merge exclude each other."),
        Rules.Positive("--task", Task ?? 1),
        Rules.Requires(DType is "fp32" or "fp16", $"--dtype must be fp32 or fp16, got '{DType}'."));
}

public sealed class ExportCommand() : PendingCommand<ExportSettings>("export", "issue #5");
