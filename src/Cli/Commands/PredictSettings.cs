using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class PredictSettings : CommandSettings
{
    [CommandArgument(0, "<PATH>")]
    [Description("Image files and folders. A folder whose images sit in one subfolder per class is labelled: accuracy and a confusion matrix follow.")]
    public string[] Paths { get; init; } = [];

    [CommandOption("--model <FILE>")]
    [Description("The exported model.onnx (its labels and preprocessing come from its metadata).")]
    public string? Model { get; init; }

    [CommandOption("--top-k <K>")]
    [DefaultValue(3)]
    public int TopK { get; init; } = 3;

    [CommandOption("--json")]
    [Description("Print the predictions (and accuracy) as JSON instead of a table.")]
    public bool Json { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA when usable, else the CPU, saying why), cuda (or fail) or cpu.")]
    [DefaultValue(DeviceKind.Cpu)]
    public DeviceKind Device { get; init; } = DeviceKind.Cpu;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    [CommandOption("-o|--out <DIR>")]
    [Description("Where a labelled folder's confusion matrix (confusion.png) and predictions.json go.")]
    [DefaultValue("artifacts/predict")]
    public string Out { get; init; } = "artifacts/predict";

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires(Paths.Length > 0, "give at least one image file or folder."),
        Rules.Requires(Paths.All(p => File.Exists(p) || Directory.Exists(p)), $"no such file or folder: '{Paths.FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p))}'."),
        Rules.Required("--model", Model), Rules.FileExists("--model", Model),
        Rules.Positive("--top-k", TopK), Rules.Positive("--batch-size", BatchSize));
}
