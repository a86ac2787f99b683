using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchSettings : CommandSettings
{
    [CommandOption("-o|--out <DIR>")]
    [Description("Where results go as JSON, Markdown and PNG.")]
    [DefaultValue("artifacts/bench")]
    public string Out { get; init; } = "artifacts/bench";
}

public sealed class BenchTrainCommand() : PendingCommand<BenchSettings>("bench train", "issue #4");

public sealed class BenchExportCommand() : PendingCommand<BenchSettings>("bench export", "issue #5");

public sealed class BenchServeCommand() : PendingCommand<BenchSettings>("bench serve", "issue #6");
