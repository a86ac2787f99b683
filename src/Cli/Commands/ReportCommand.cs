using Cltool.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

/// <summary>`cltool report`: the paper-style table of finished runs, every head option each scored, mean ± std over seeds.</summary>
public sealed class ReportCommand(IAnsiConsole console) : Command<ReportSettings>
{
    public override int Execute(CommandContext context, ReportSettings settings, CancellationToken cancellationToken)
    {
        MethodReport.Write(settings.Runs, settings.Out, console);
        return 0;
    }
}
