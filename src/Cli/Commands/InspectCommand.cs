using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class InspectSettings : CommandSettings
{
    [CommandArgument(0, "[FILE]")]
    [Description("A model (safetensors), checkpoint or ONNX file.")]
    public string? File { get; init; }

    [CommandOption("--data <NAME>")]
    [Description("Describe a dataset instead of a file.")]
    public string? Data { get; init; }

    [CommandOption("--sheet <PNG>")]
    [Description("With --data: draw a contact sheet of samples with their labels.")]
    public string? Sheet { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires(File is not null ^ Data is not null, "Give either FILE or --data NAME."),
        Rules.PathExists("FILE", File),
        Rules.Requires(Sheet is null || Data is not null, "--sheet needs --data."));
}

public sealed class InspectCommand() : PendingCommand<InspectSettings>("inspect", "issue #3");
