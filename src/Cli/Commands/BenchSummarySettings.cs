using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchSummarySettings : CommandSettings
{
    [CommandArgument(0, "[DIR]")]
    [Description("The folder `dotnet cake --target=Bench` writes (train/, export/, serve/ inside).")]
    [DefaultValue("artifacts/bench")]
    public string Folder { get; init; } = "artifacts/bench";

    public override ValidationResult Validate() => Rules.PathExists("DIR", Folder);
}
