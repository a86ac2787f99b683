using Cltool.Cli.Benchmarks;
using Cltool.Core.IO;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

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
