using System.ComponentModel;
using Cltool.Cli.Benchmarks;
using Cltool.Cli.Infrastructure;
using Cltool.Core.IO;
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

/// <summary>Every speed target against the benchmarks' JSON in one folder: met, not met, within noise, not measured.</summary>
public sealed class BenchSummaryCommand(IAnsiConsole console) : Command<BenchSummarySettings>
{
    public override int Execute(CommandContext context, BenchSummarySettings settings, CancellationToken cancellationToken)
    {
        string markdown = BenchSummary.Markdown(BenchSummary.Check(settings.Folder));
        console.Write(new Markup(Markup.Escape(markdown)));
        AtomicFile.WriteAllText(Path.Combine(settings.Folder, "summary.md"), markdown);
        return 0;
    }
}
