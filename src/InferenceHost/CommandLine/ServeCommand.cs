using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.InferenceHost.CommandLine;

/// <summary>Serves a model until SIGTERM or Ctrl+C: `cltool serve`, and the whole of `cltool-host`.</summary>
public sealed class ServeCommand(IAnsiConsole console) : AsyncCommand<ServeSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellationToken) =>
        InferenceServer.RunAsync(settings.ToOptions(), line => console.MarkupLineInterpolated($"{line}"));
}
