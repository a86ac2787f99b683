using Cltool.Core.Errors;
using Spectre.Console.Cli;

namespace Cltool.Cli.Infrastructure;

/// <summary>
/// A mission command whose issue has not landed: its options parse and validate like the real thing, then it exits
/// with <see cref="ExitCodes.NotImplemented"/> and names the issue, instead of pretending to work.
/// </summary>
public abstract class PendingCommand<TSettings>(string name, string issue) : Command<TSettings>
    where TSettings : CommandSettings
{
    public override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken) =>
        throw CltoolException.NotImplemented(name, issue);
}
