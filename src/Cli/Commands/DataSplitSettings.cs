using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class DataSplitSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("An image folder with one subfolder per class.")]
    public string Folder { get; init; } = "";

    [CommandOption("--train-fraction <F>")]
    [DefaultValue(0.8)]
    [Description("Share of each class's images that go to the train split (the rest to test).")]
    public double TrainFraction { get; init; } = 0.8;

    [CommandOption("--seed <S>")]
    [DefaultValue(1993)]
    public int Seed { get; init; } = 1993;

    [CommandOption("-o|--out <FILE>")]
    [Description("The split file. Default: DIR/split.json (use it as imagefolder:DIR/split.json).")]
    public string? Out { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.Requires(Directory.Exists(Folder), $"DIR: '{Folder}' is not a folder."),
        Rules.Requires(TrainFraction is > 0 and < 1, $"--train-fraction must lie strictly between 0 and 1, got {TrainFraction}."));
}
