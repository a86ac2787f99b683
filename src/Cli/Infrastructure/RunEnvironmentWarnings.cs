using Cltool.Core.Continual;
using Spectre.Console;

namespace Cltool.Cli.Infrastructure;

/// <summary>Eval and export say, one line per fact, where the environment that made a checkpoint's run differs from this one.</summary>
public static class RunEnvironmentWarnings
{
    public static void Print(string checkpoint, IAnsiConsole console)
    {
        foreach (string difference in RunManifest.ReadFromCheckpoint(checkpoint)?.DifferencesFromHere() ?? [])
            console.MarkupLineInterpolated($"[yellow]warning: the environment differs from the run's: {difference}[/]");
    }
}
