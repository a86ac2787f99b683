using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class InspectSettings : CommandSettings
{
    [CommandArgument(0, "[FILE]")]
    [Description("A model or checkpoint (.safetensors), an ONNX file, or a run directory (its run.json, and each task's seconds and parameters by group).")]
    public string? File { get; init; }

    [CommandOption("--data <NAME>")]
    [Description("Describe a dataset instead of a file: " + DatasetCatalog.Kinds + ".")]
    public string? Data { get; init; }

    [CommandOption("--split <SPLIT>")]
    [Description("With --data: train or test.")]
    [DefaultValue(DatasetSplit.Train)]
    public DatasetSplit Split { get; init; } = DatasetSplit.Train;

    [CommandOption("--sheet <PNG>")]
    [Description("With --data: draw a contact sheet of samples with their labels.")]
    public string? Sheet { get; init; }

    [CommandOption("--count <N>")]
    [Description("With --sheet: how many samples to draw.")]
    [DefaultValue(60)]
    public int Count { get; init; } = 60;

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires(File is not null ^ Data is not null, "Give either FILE or --data NAME."),
        Rules.PathExists("FILE", File),
        Rules.Requires(Sheet is null || Data is not null, "--sheet needs --data."),
        Rules.Positive("--count", Count));
}
