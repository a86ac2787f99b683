using Cltool.Cli.Infrastructure;
using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Models;
using Cltool.Trainer.Continual;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class TrainCommand(IAnsiConsole console) : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        TrainRecipe recipe = settings.ToRecipe().Validate();
        if (settings.DryRun) return DryRun(recipe);
        int[]? seeds = settings.SeedList;
        string[] runs = seeds?.Select(seed => Path.Combine(settings.Out!, $"seed-{seed}")).ToArray() ?? [settings.Out!];
        settings.ApplyThreadPolicy(settings.Resume ? RunManifest.Read(new RunDirectory(runs[0]))?.Environment.Threads : null, console);
        if (seeds is null)
        {
            Train(recipe, runs[0], settings, cancellationToken);
            return 0;
        }
        for (int i = 0; i < seeds.Length; i++)
        {
            console.MarkupLineInterpolated($"[bold]seed {seeds[i]}[/] ({i + 1} of {seeds.Length}) → {runs[i]}");
            Train(recipe with { Seed = seeds[i] }, runs[i], settings, cancellationToken);
        }
        MethodReport.Write(runs, Path.Combine(settings.Out!, "summary"), console);
        return 0;
    }

    void Train(TrainRecipe recipe, string run, TrainSettings settings, CancellationToken cancellationToken)
    {
        TrainResult result = TrainingProgress.Run(console, observer =>
            new ContinualLearner(recipe, run, observer, settings.Workers).Run(settings.Resume, settings.Device, cancellationToken));
        AccuracyReport.Write(console, $"{recipe.Method} on {recipe.Data} (seed {recipe.Seed})", AccuracyMatrix.FromReport(result.Metrics));
        AccuracyReport.WriteDiagnostics(console, result.Metrics);
        AccuracyReport.WriteCosts(console, result.Metrics);
        console.MarkupLineInterpolated($"run directory [bold]{run}[/]: last checkpoint {result.LastCheckpoint}, {result.Seconds:F0} s");
    }

    int DryRun(TrainRecipe recipe)
    {
        console.WriteLine(CltoolJson.Serialize(recipe));
        var classes = DatasetCatalog.Open(recipe.Data, DatasetSplit.Train).ClassNames;
        Scenario scenario = recipe.CreateScenario(classes.Count);
        foreach (ClassOrderFile.Task task in ClassOrderFile.From(recipe, scenario, classes).Tasks)
            console.WriteLine($"task {task.Index}: {string.Join(", ", task.Names)}");
        return 0;
    }
}
